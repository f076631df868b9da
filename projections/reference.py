"""The fold behind the reader's interface: the reference model the tests compare answers with.

``FoldView(store)`` replays the whole log into an :class:`.fold.OrgState` and answers every
question a :class:`.reader.View` answers, with the fold's own query modules. No command, route or
chart uses it; the property tests check that the SQL reader answers exactly as it does.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

from orgevents.errors import NotFoundError
from orgevents.projections import changes, details, holders, search, structure
from orgevents.projections.fold import OrgState, Record
from orgevents.projections.views import KnownUnit, ResponsibilityAt

if TYPE_CHECKING:
    import networkx as nx

    from orgevents.application import OrgHistory
    from orgevents.events import DocumentRegistered
    from orgevents.kinds import KindSpec
    from orgevents.projections.lookup import Holding
    from orgevents.projections.reader import KnownAt
    from orgevents.projections.views import ChangeView, FoundView, UnitRef, UnitView, WhoView


class FoldView(OrgState):
    """An :class:`OrgState` with the reader's questions as methods."""

    @classmethod
    def of(
        cls, store: OrgHistory, known_at: KnownAt = None, include_planned: bool = False
    ) -> FoldView:
        from orgevents.projections.reader import recorded_until

        moment = recorded_until(known_at)
        view = cls(include_planned)
        view.known_at = moment
        for position, event in store.read_events():
            if moment is None or event.timestamp <= moment:
                view.apply(position, event.payload, event.timestamp, event.recorded_by)
        return view

    def units_at(self, on: dt.date) -> list[UnitView]:
        return structure.units_at(self, on)

    def org_graph(self, on: dt.date) -> nx.DiGraph:
        return structure.org_graph(self, on)

    def responsibility_graph(self, on: dt.date) -> nx.MultiDiGraph:
        return holders.responsibility_graph(self, on)

    def who(self, resp: str, on: dt.date) -> WhoView:
        return holders.who(self, resp, on)

    def chain(self, key: str, on: dt.date) -> list[UnitRef]:
        return structure.chain(self, key, on)

    def unit_kind(self, key: str, on: dt.date) -> str:
        return self.kind_at(key, on) if key in self.units else "unknown"

    def show(self, key: str, on: dt.date) -> dict[str, Any]:
        return details.show(self, key, on)

    def diff(self, start: dt.date, end: dt.date) -> list[ChangeView]:
        return changes.diff(self, start, end)

    def history(self, key: str) -> list[ChangeView]:
        return changes.history(self, key)

    def dates(self) -> list[dt.date]:
        return changes.change_dates(self)

    def find(self, text: str, on: dt.date) -> list[FoundView]:
        return search.find(self, text, on)

    def children(self, key: str, on: dt.date) -> list[str]:
        return structure.children(self, key, on)

    def holdings(self, resp: str, on: dt.date) -> list[tuple[str, str]]:
        if resp not in self.responsibilities:  # as ``who`` (the reader raises the same)
            raise NotFoundError(resp, "responsibility")
        return [(role.value, unit) for role, unit, _ in holders.holdings(self, resp, on)]

    # --- the exports' questions -----------------------------------------------------------

    def log(self, after: int = 0) -> Iterator[Record]:
        return (r for r in self.stored if r.position > after)

    def records_at(self, positions: Iterable[int]) -> dict[int, Record]:
        if len(getattr(self, "_by_position", ())) != len(self.stored):
            self._by_position = {r.position: r for r in self.stored}
        return {p: self._by_position[p] for p in positions if p in self._by_position}

    def latest(self, key: str) -> Record | None:
        return self.current.get(key)

    def counting(self, types: Sequence[str], subjects: Sequence[str]) -> list[Record]:
        wanted = set(subjects)
        return [
            r
            for r in self.records
            if r.payload.type in types
            and r.payload.subject in wanted
            and (self.include_planned or not self.is_planned(r))
        ]

    def kinds(self) -> list[KindSpec]:
        from orgevents.kinds import declared, vocabulary

        return vocabulary(
            declared(d.kind, d.labels, d.level, d.style, d.note)
            for d in self.kind_declarations.values()
        )

    def registered_documents(self) -> list[DocumentRegistered]:
        return list(self.documents.values())

    def document_languages(self) -> list[str]:
        return [doc.language for doc in self.documents.values()]

    def units_known(self, on: dt.date) -> list[KnownUnit]:
        out = []
        for key in sorted(self.units):
            since = self.units[key].name.first_date() or on
            exists = self.unit_exists(key, on)
            names = self.units[key].names_at(max(on, since))
            out.append(KnownUnit(structure.unit_view(self, key, on), since, exists, names))
        return out

    def responsibilities_known(self, on: dt.date) -> list[ResponsibilityAt]:
        out = []
        for key, facts in self.responsibilities.items():
            when = max(on, facts.name.first_date() or on)
            out.append(
                ResponsibilityAt(
                    id=key,
                    name=self.responsibility_name(key, on),
                    abbreviation=facts.abbreviation.at(when, None),
                    scope=facts.scope,
                    legal_basis=facts.legal_basis,
                    in_force=facts.exists.at(on, False),
                )
            )
        return out

    def holders_at(self, on: dt.date) -> dict[str, list[Holding]]:
        return {
            key: [(role.value, unit, rec) for role, unit, rec in holders.holdings(self, key, on)]
            for key, facts in self.responsibilities.items()
            if facts.exists.at(on, False)
        }
