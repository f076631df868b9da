"""The fold: stored events in, an as-of-queryable state out. No database needed to test it.

``OrgState.apply(position, event)`` turns each event into change points on the temporal index
(:mod:`orgevents.projections.timeline`) and into a change record for history and diffs. Queries
(:mod:`.structure`, :mod:`.holders`, :mod:`.changes`, :mod:`.search`) read the state as of a date
without replaying the log.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from typing import Any

from orgevents.aggregate import amended
from orgevents.events import (
    Amendment,
    ChangeCancelled,
    ClaimPreferred,
    ClaimRecorded,
    DecisionMade,
    DocumentRegistered,
    Entry,
    EventRetracted,
    FiguresRecorded,
    ResponsibilityAbolished,
    ResponsibilityAssigned,
    ResponsibilityDefined,
    ResponsibilityEnded,
    ResponsibilityTransferred,
    Role,
    UnitAbolished,
    UnitAbsorbed,
    UnitEstablished,
    UnitMerged,
    UnitMoved,
    UnitRenamed,
    UnitSplit,
)
from orgevents.events import Change as ChangePayload
from orgevents.figures import Figure
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

    @property
    def effective_date(self) -> dt.date | None:
        return self.payload.effective.date if isinstance(self.payload, ChangePayload) else None


@dataclass
class UnitFacts:
    key: str
    kind: str
    exists: Timeline[bool] = field(default_factory=Timeline)
    name: Timeline[str] = field(default_factory=Timeline)
    abbreviation: Timeline[str | None] = field(default_factory=Timeline)
    parent: Timeline[str | None] = field(default_factory=Timeline)
    figures: list[tuple[dt.date, int, Figure, Record]] = field(default_factory=list)
    planned_end: Any = None


@dataclass
class ResponsibilityFacts:
    key: str
    exists: Timeline[bool] = field(default_factory=Timeline)
    name: Timeline[str] = field(default_factory=Timeline)
    abbreviation: Timeline[str | None] = field(default_factory=Timeline)
    scope: str = ""
    legal_basis: str | None = None
    holding: dict[tuple[Role, str], Timeline[Record | None]] = field(default_factory=dict)


class OrgState:
    """Everything the read side knows, up to ``position`` in the log.

    ``log`` is every event as recorded (originals, corrections, retractions). The indexes hold
    only what counts now: each entry in its latest version, retracted and cancelled ones left out,
    and — unless ``include_planned`` — expected or planned changes left out too.
    """

    def __init__(self, include_planned: bool = False) -> None:
        self.include_planned = include_planned
        self.known_at: dt.datetime | None = None  # set when only events recorded by then count
        self.position = 0
        self.log: list[Record] = []
        self.by_subject: dict[str, list[Record]] = {}
        self.current: dict[str, Record] = {}  # entry key → the record that counts
        self.amendments: dict[str, list[Record]] = {}  # entry key → records amending it
        self._reset_indexes()

    def _reset_indexes(self) -> None:
        self.units: dict[str, UnitFacts] = {}
        self.responsibilities: dict[str, ResponsibilityFacts] = {}
        self.decisions: dict[str, DecisionMade] = {}
        self.documents: dict[str, DocumentRegistered] = {}
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
        self.log.append(rec)
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
        p = rec.payload
        return (
            isinstance(p, ChangePayload)
            and p.effective.is_planned
            and not isinstance(p, DecisionMade | ClaimRecorded)
        )

    def _index(self, rec: Record) -> None:
        position = rec.position
        p = rec.payload
        if self.is_planned(rec) and not self.include_planned:
            return
        if isinstance(p, DocumentRegistered):
            self.documents[p.document] = p
            return
        assert isinstance(p, ChangePayload)
        on = p.effective.date
        if not isinstance(p, ClaimRecorded | DecisionMade | ClaimPreferred):
            self.change_dates.add(on)
        if isinstance(p, DecisionMade):
            self.decisions[p.id] = p
            self._name(p.id, p.title, None)
        elif isinstance(p, ClaimRecorded):
            self.claims.append(rec)
        elif isinstance(p, ClaimPreferred):
            self.preferred_claims[p.claim] = rec
        elif isinstance(p, UnitEstablished):
            u = self.units.setdefault(p.unit, UnitFacts(p.unit, p.kind.value))
            u.exists.add(on, position, True)
            u.name.add(on, position, p.name)
            u.abbreviation.add(on, position, p.abbreviation)
            u.parent.add(on, position, p.parent)
            u.planned_end = p.planned_end
            for f in p.figures:
                u.figures.append((on, position, f, rec))
            self._name(p.unit, p.name, p.abbreviation)
        elif isinstance(p, UnitRenamed):
            u = self.units[p.unit]
            u.name.add(on, position, p.name)
            if p.abbreviation is not None:
                u.abbreviation.add(on, position, p.abbreviation)
            self._name(p.unit, p.name, p.abbreviation)
        elif isinstance(p, UnitMoved):
            self.units[p.unit].parent.add(on, position, p.parent)
        elif isinstance(p, UnitAbolished | UnitMerged | UnitAbsorbed):
            self.units[p.unit].exists.add(on, position, False)
        elif isinstance(p, UnitSplit):
            if not p.continues:
                self.units[p.unit].exists.add(on, position, False)
        elif isinstance(p, FiguresRecorded):
            for f in p.figures:
                self.units[p.unit].figures.append((on, position, f, rec))
        elif isinstance(p, ResponsibilityDefined):
            r = self.responsibilities.setdefault(p.responsibility, ResponsibilityFacts(p.key))
            r.key = p.responsibility
            r.exists.add(on, position, True)
            r.name.add(on, position, p.name)
            r.abbreviation.add(on, position, p.abbreviation)
            r.scope, r.legal_basis = p.scope, p.legal_basis
            self._name(p.responsibility, p.name, p.abbreviation)
        elif isinstance(p, ResponsibilityAbolished):
            self.responsibilities[p.responsibility].exists.add(on, position, False)
        elif isinstance(p, ResponsibilityAssigned):
            self._holding(p.responsibility, p.role, p.unit).add(on, position, rec)
        elif isinstance(p, ResponsibilityTransferred):
            for unit in p.from_units:
                self._holding(p.responsibility, p.role, unit).add(on, position, None)
            self._holding(p.responsibility, p.role, p.to_unit).add(on, position, rec)
        elif isinstance(p, ResponsibilityEnded):
            self._holding(p.responsibility, p.role, p.unit).add(on, position, None)

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

    def unit_exists(self, key: str, on: dt.date) -> bool:
        u = self.units.get(key)
        return bool(u and u.exists.at(on, False))

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


def related_keys(p: Entry) -> list[str]:
    """The subject of an entry first, then every other subject it involves."""
    keys = [p.subject]
    if isinstance(p, UnitMoved):
        keys.append(p.parent)
    elif isinstance(p, UnitMerged | UnitAbsorbed):
        keys.append(p.into)
    elif isinstance(p, UnitSplit):
        keys.extend(p.into)
    elif isinstance(p, ResponsibilityAssigned | ResponsibilityEnded):
        keys.append(p.unit)
    elif isinstance(p, ResponsibilityTransferred):
        keys.extend([*p.from_units, p.to_unit])
    elif isinstance(p, ClaimRecorded):
        keys.append(p.about)
    if isinstance(p, ChangePayload) and p.decision:
        keys.append(p.decision)
    return list(dict.fromkeys(keys))
