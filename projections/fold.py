"""The fold: stored events in, an as-of-queryable state out. No database needed to test it.

``OrgState.apply(position, event)`` turns each event into change points on the temporal index
(:mod:`orgevents.projections.timeline`) and into a change record for history and diffs. Queries
(:mod:`.structure`, :mod:`.holders`, :mod:`.changes`, :mod:`.search`) read the state as of a date
without replaying the log.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Any

from orgevents.aggregate import amended
from orgevents.dates import EffectiveDate, counted
from orgevents.events import (
    Amendment,
    ChangeCancelled,
    ClaimPreferred,
    ClaimRecorded,
    DecisionMade,
    DocumentRegistered,
    Entry,
    EventRetracted,
    KindDeclared,
    ResponsibilityDefined,
    Role,
    UnitEstablished,
)
from orgevents.events import Change as ChangePayload
from orgevents.figures import Figure
from orgevents.projections.effects import (
    RESPONSIBILITY,
    UNIT,
    Effect,
    Ends,
    Figures,
    Holds,
    Life,
    Moves,
    Names,
    OtherName,
    Phase,
    Releases,
    Renames,
    Starts,
    is_change,
    is_planned,
    lives,
    names_after,
    phase_counts,
    phase_of,
    phased_until,
    step_counts,
    subject_type,
    timed_effects,
)
from orgevents.projections.effects import related_keys as effects_related_keys
from orgevents.projections.timeline import Timeline


@dataclass(frozen=True)
class Record:
    """One stored event as the read side sees it.

    For an entry that was later corrected or confirmed, the *current* record keeps the original's
    position and carries the amended payload, with ``amended_by`` the amending record.
    """

    position: int  # recorded order in the whole log
    payload: Entry
    recorded_at: dt.datetime
    recorded_by: str
    amended_by: Record | None = None
    completes: bool = False  # a phased change as listed on its completion (``phased_until``)

    @property
    def effective(self) -> EffectiveDate | None:
        """When the change happens as this record lists it (a completion: its phased_until)."""
        if not isinstance(self.payload, ChangePayload):
            return None
        until = phased_until(self.payload) if self.completes else None
        return until or self.payload.effective

    @property
    def effective_date(self) -> dt.date | None:
        return self.effective.date if self.effective is not None else None


def with_completions(records: Iterable[Record]) -> list[Record]:
    """``records`` and, after each phased change, the same change as listed on its completion
    (a completion only expected or planned is marked so, as a planned change is)."""
    out = []
    for rec in records:
        out.append(rec)
        if phased_until(rec.payload) is not None and not rec.completes:
            out.append(replace(rec, completes=True))
    return out


@dataclass
class UnitFacts:
    key: str
    kind: str  # of its first life (``kinds``: per life)
    kinds: Timeline[str] = field(default_factory=Timeline)
    exists: Timeline[bool] = field(default_factory=Timeline)
    name: Timeline[str] = field(default_factory=Timeline)
    abbreviation: Timeline[str | None] = field(default_factory=Timeline)
    parent: Timeline[str | None] = field(default_factory=Timeline)
    figures: list[tuple[dt.date, int, Figure, Record]] = field(default_factory=list)
    planned_end: Any = None
    # (date, position, effect) of every start, rename and names entry: the other names
    naming: list[tuple[dt.date, int, Effect]] = field(default_factory=list)

    def names_at(self, on: dt.date) -> tuple[OtherName, ...]:
        """The unit's other names on a date (official, short, ... per language): the naming
        entries up to that date replayed in as-of order."""
        current: tuple[OtherName, ...] = ()
        for when, _, e in sorted(self.naming, key=lambda x: (x[0], x[1])):
            if when > on:
                break
            current = names_after(current, e)
        return current


@dataclass
class ResponsibilityFacts:
    key: str
    exists: Timeline[bool] = field(default_factory=Timeline)
    name: Timeline[str] = field(default_factory=Timeline)
    abbreviation: Timeline[str | None] = field(default_factory=Timeline)
    scope: str = ""
    legal_basis: str | None = None
    holding: dict[tuple[Role, str], Timeline[Record | None]] = field(default_factory=dict)
    ends: list[tuple[dt.date, int]] = field(default_factory=list)  # (date, position) of each


class OrgState:
    """Everything the read side knows, up to ``position`` in the log.

    ``stored`` is every event as recorded (originals, corrections, retractions). The indexes hold
    only what counts now: each entry in its latest version, retracted and cancelled ones left out,
    and — unless ``include_planned`` — expected or planned changes left out too.
    """

    def __init__(self, include_planned: bool = False) -> None:
        self.include_planned = include_planned
        self.known_at: dt.datetime | None = None  # set when only events recorded by then count
        self.position = 0
        self.stored: list[Record] = []  # every event as recorded, in recorded order
        self.by_subject: dict[str, list[Record]] = {}
        self.current: dict[str, Record] = {}  # entry key → the record that counts
        self.amendments: dict[str, list[Record]] = {}  # entry key → records amending it
        self._reset_indexes()

    def _reset_indexes(self) -> None:
        self.units: dict[str, UnitFacts] = {}
        self.responsibilities: dict[str, ResponsibilityFacts] = {}
        self.decisions: dict[str, DecisionMade] = {}
        self.documents: dict[str, DocumentRegistered] = {}
        self.kind_declarations: dict[str, KindDeclared] = {}  # the last declaration of each
        self.claims: list[Record] = []
        self.preferred_claims: dict[str, Record] = {}
        self.names: dict[str, set[str]] = {}
        self.change_dates: set[dt.date] = set()

    # --- the fold --------------------------------------------------------------------------

    @property
    def records(self) -> list[Record]:
        """The records that count now, in recorded order."""
        return sorted(self.current.values(), key=lambda r: r.position)

    def apply(self, position: int, payload: Entry, recorded_at: dt.datetime, by: str) -> None:
        rec = Record(position, payload, recorded_at, by)
        self.position = max(self.position, position)
        self.stored.append(rec)
        for key in related_keys(payload):
            self.by_subject.setdefault(key, []).append(rec)
        if isinstance(payload, Amendment):
            self._amend(rec, payload)
            return
        self.current[payload.key] = rec
        self._index(rec)

    def _amend(self, rec: Record, amendment: Amendment) -> None:
        target = amendment.target
        self.amendments.setdefault(target, []).append(rec)
        original = self.current.get(target)
        if original is None:
            return
        if isinstance(amendment, EventRetracted | ChangeCancelled):
            del self.current[target]
        else:
            [payload] = amended({target: original.payload}, amendment).values()
            self.current[target] = replace(original, payload=payload, amended_by=rec)
        self._reset_indexes()
        for current in self.records:
            self._index(current)

    def is_planned(self, rec: Record) -> bool:
        return is_planned(rec.payload)

    def _index(self, rec: Record) -> None:
        p = rec.payload
        if self.is_planned(rec) and not self.include_planned:
            return
        if isinstance(p, DocumentRegistered):
            self.documents[p.document] = p
            return
        if isinstance(p, KindDeclared):
            self.kind_declarations[p.kind] = p
            return
        assert isinstance(p, ChangePayload)
        on = p.effective.date
        if is_change(p):
            for step, (when, _) in enumerate(timed_effects(p)):
                if step == 0 or step_counts(when, self.include_planned):
                    self.change_dates.add(when.date)
        if isinstance(p, DecisionMade):
            self.decisions[p.id] = p
            self._name(p.id, p.title, None)
        elif isinstance(p, ClaimRecorded):
            self.claims.append(rec)
        elif isinstance(p, ClaimPreferred):
            self.preferred_claims[p.claim] = rec
        elif subject_type(p) == UNIT:
            self._unit(rec, p, on)
        elif subject_type(p) == RESPONSIBILITY:
            self._responsibility(rec, p, on)

    def _unit(self, rec: Record, p: ChangePayload, on: dt.date) -> None:
        position, key = rec.position, p.subject
        if key not in self.units and not isinstance(p, UnitEstablished):
            # The establishment does not count in this view (it is only expected or planned):
            # the unit is not known here, so neither are its enacted changes (as in the SQL
            # index, which has no rows for a unit without an establishment).
            return
        first = self.units[key].kinds.first_point() if key in self.units else None
        if first is not None and (on, position) < first and not isinstance(p, UnitEstablished):
            return  # before the first establishment that counts here (an earlier life's is
            # only expected or planned): left out, as the index leaves it out
        for on, e in self._steps(p):
            if isinstance(e, Starts):
                assert e.kind is not None
                u = self.units.setdefault(key, UnitFacts(key, e.kind))
                u.kinds.add(on, position, e.kind)
                u.exists.add(on, position, True)
                u.name.add(on, position, e.name)
                u.abbreviation.add(on, position, e.abbreviation)
                u.parent.add(on, position, e.parent)
                u.planned_end = getattr(p, "planned_end", None)
                u.naming.append((on, position, e))
                self._name(key, e.name, e.abbreviation)
            elif isinstance(e, Renames):
                u = self.units[key]
                u.name.add(on, position, e.name)
                if e.abbreviation is not None:
                    u.abbreviation.add(on, position, e.abbreviation)
                u.naming.append((on, position, e))
                self._name(key, e.name, e.abbreviation)
            elif isinstance(e, Names):
                self.units[key].naming.append((on, position, e))
            elif isinstance(e, Moves):
                self.units[key].parent.add(on, position, e.parent)
            elif isinstance(e, Ends):
                self.units[key].exists.add(on, position, False)
            elif isinstance(e, Figures):
                for f in e.figures:
                    self.units[key].figures.append((on, position, f, rec))

    def _responsibility(self, rec: Record, p: ChangePayload, on: dt.date) -> None:
        position, key = rec.position, p.subject
        if key not in self.responsibilities and not isinstance(p, ResponsibilityDefined):
            return  # its definition does not count in this view (as for units, above)
        first = (
            self.responsibilities[key].name.first_point() if key in self.responsibilities else None
        )
        if (
            first is not None
            and (on, position) < first
            and not isinstance(p, ResponsibilityDefined)
        ):
            return  # before the first definition that counts here (as for units, above)
        for on, e in self._steps(p):
            if isinstance(e, Starts):
                assert isinstance(p, ResponsibilityDefined)
                r = self.responsibilities.setdefault(key, ResponsibilityFacts(key))
                r.exists.add(on, position, True)
                r.name.add(on, position, e.name)
                r.abbreviation.add(on, position, e.abbreviation)
                r.scope, r.legal_basis = p.scope, p.legal_basis
                self._name(key, e.name, e.abbreviation)
            elif isinstance(e, Ends):
                r = self.responsibilities[key]
                r.exists.add(on, position, False)
                r.ends.append((on, position))  # releases every role: none comes back
            elif isinstance(e, Holds):
                self._holding(key, Role(e.role), e.unit).add(on, position, rec)
            elif isinstance(e, Releases):
                self._holding(key, Role(e.role), e.unit).add(on, position, None)

    def _steps(self, p: ChangePayload) -> list[tuple[dt.date, Effect]]:
        """The entry's effects with the date each happens on, those that count in this view (a
        phased change: its completion only where that counts, see ``effects.timed_effects``)."""
        return [
            (when.date, e)
            for step, (when, done) in enumerate(timed_effects(p))
            if step == 0 or step_counts(when, self.include_planned)
            for e in done
        ]

    def phases_on(self, on: dt.date, subject: str | None = None) -> dict[str, list[Phase]]:
        """The phased changes under way on ``on`` (of one subject, if given), per subject."""
        out: dict[str, list[Phase]] = {}
        for rec in self.records:
            p = rec.payload
            if subject is not None and p.subject != subject:
                continue
            if self.is_planned(rec) and not self.include_planned:
                continue
            if phase_counts(p, on, self.include_planned):
                out.setdefault(p.subject, []).extend(phase_of(p))
        return out

    def _holding(self, resp: str, role: Role, unit: str) -> Timeline[Record | None]:
        return self.responsibilities[resp].holding.setdefault((role, unit), Timeline())

    def _name(self, key: str, name: str, abbreviation: str | None) -> None:
        names = self.names.setdefault(key, set())
        names.add(name)
        if abbreviation:
            names.add(abbreviation)

    # --- small lookups shared by the queries -------------------------------------------------

    def kind_of(self, key: str) -> str | None:
        if key in self.units:
            return "unit"
        if key in self.responsibilities:
            return "responsibility"
        if key in self.decisions:
            return "decision"
        if key in self.documents:
            return "document"
        return None

    def parent_of(self, key: str, on: dt.date) -> str | None:
        u = self.units.get(key)
        return u.parent.at(on, None) if u else None

    def document(self, key: str) -> DocumentRegistered | None:
        return self.documents.get(key)

    def decision(self, key: str) -> DecisionMade | None:
        return self.decisions.get(key)

    def claims_recorded(self, about: str | None = None) -> list[Record]:
        """The claims that count (about one subject, if given), in recorded order."""
        if about is None:
            return self.claims
        return [r for r in self.claims if getattr(r.payload, "about", None) == about]

    def claims_preferred(self) -> dict[str, Record]:
        return self.preferred_claims

    def figure_records(self, subject: str | None = None) -> list[Record]:
        """The entries that carry figures (of one unit, if given), in recorded order."""
        carriers = ("UnitEstablished", "FiguresRecorded", "ResponsibilityTransferred")
        return [
            r
            for r in self.records
            if r.payload.type in carriers and subject in (None, r.payload.subject)
        ]

    def changes(self, after: dt.date, until: dt.date) -> list[Record]:
        """The changes that count, effective after ``after`` up to ``until``, in effective
        order (date, then recorded order)."""
        chosen = [
            r
            for r in with_completions(self.records)
            if is_change(r.payload) and after < (r.effective_date or dt.date.min) <= until
        ]
        return sorted(chosen, key=lambda r: (r.effective_date or dt.date.min, r.position))

    def record_at(self, position: int) -> Record | None:
        """The event stored at ``position`` as recorded (amendments not applied)."""
        return next((r for r in self.stored if r.position == position), None)

    def original(self, key: str) -> Record | None:
        """The entry ``key`` as first recorded."""
        return next((r for r in self.stored if r.payload.key == key), None)

    def amendments_of(self, key: str) -> list[Record]:
        return self.amendments.get(key, [])

    def unit_exists(self, key: str, on: dt.date) -> bool:
        u = self.units.get(key)
        return bool(u and u.exists.at(on, False))

    def kind_at(self, key: str, on: dt.date) -> str:
        """The unit's kind on a date (of the life then; before it exists, of its first)."""
        u = self.units[key]
        first = u.kinds.first_date()
        return u.kinds.at(max(on, first) if first else on, u.kind)

    def lives(self, key: str) -> list[Life]:
        """The lives of a unit or responsibility in this view, in date order."""
        seen: dict[str, Record] = {}
        for r in self.by_subject.get(key, []):
            current = self.current.get(r.payload.key)
            if current is None or current.payload.subject != key:
                continue
            if self.is_planned(current) and not self.include_planned:
                continue
            seen[current.payload.key] = current
        if subject_type_of(seen) not in (UNIT, RESPONSIBILITY):
            return []
        return lives(((r.position, r.payload) for r in seen.values()), self.include_planned)

    def counted_starts(self, keys: list[str], on: dt.date) -> dict[str, str]:
        """The subjects among ``keys`` whose life on ``on`` began on a date the counting rule
        decides (an interval, an open end, uncertain), each with that date as people read it."""
        out = {}
        for key in keys:
            life = next((life for life in reversed(self.lives(key)) if life.start <= on), None)
            if life is not None and counted(life.start_effective):
                out[key] = life.start_effective
        return out

    def unit_name(self, key: str, on: dt.date) -> str:
        """The unit's name on a date; before it exists, its first name; else the key itself."""
        u = self.units.get(key)
        if u is None:
            return self.responsibility_name(key, on) if key in self.responsibilities else key
        first = u.name.first_date()
        return u.name.at(max(on, first) if first else on, key)

    def responsibility_name(self, key: str, on: dt.date) -> str:
        r = self.responsibilities.get(key)
        if r is None:
            return key
        first = r.name.first_date()
        return r.name.at(max(on, first) if first else on, key)

    def subject_name(self, key: str, on: dt.date) -> str:
        if key in self.units:
            return self.unit_name(key, on)
        if key in self.responsibilities:
            return self.responsibility_name(key, on)
        if key in self.decisions:
            return self.decisions[key].title
        if key in self.documents:
            return self.documents[key].title
        return key

    def label(self, key: str, on: dt.date) -> str:
        """Abbreviation where there is one, else the name: for short summaries."""
        u = self.units.get(key)
        if u is not None:
            first = u.abbreviation.first_date()
            abbr = u.abbreviation.at(max(on, first) if first else on, None)
            return abbr or self.unit_name(key, on)
        r = self.responsibilities.get(key)
        if r is not None:
            first = r.abbreviation.first_date()
            abbr = r.abbreviation.at(max(on, first) if first else on, None)
            return abbr or self.responsibility_name(key, on)
        return self.subject_name(key, on)


def subject_type_of(records: dict[str, Record]) -> str | None:
    for r in records.values():
        found = subject_type(r.payload)
        if found is not None:
            return found
    return None


def related_keys(p: Entry) -> list[str]:
    """The subject of an entry first, then every other subject it involves."""
    return effects_related_keys(p)
