"""The fold behind the reader's interface: the reference model the tests compare answers with.

``FoldView(store)`` replays the whole log into an :class:`.fold.OrgState` and answers every
question a :class:`.reader.View` answers, with the fold's own query modules. No command, route or
chart uses it; the property tests check that the SQL reader answers exactly as it does.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from orgevents.projections import changes, details, holders, search, structure
from orgevents.projections.fold import OrgState

if TYPE_CHECKING:
    import networkx as nx

    from orgevents.application import OrgHistory
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
        return self.units[key].kind if key in self.units else "unknown"

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
        return [(role.value, unit) for role, unit, _ in holders.holdings(self, resp, on)]
