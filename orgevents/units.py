"""The Unit aggregate: establishing, renaming, moving, abolishing, merging, splitting, absorbing.

A unit's id survives renames and moves. The rules here concern one unit's own timeline (it must
exist on the date of a change; nothing may come after its end); rules that need other units too —
the parent must exist, no parent cycles — are in :mod:`orgevents.rules`.
"""

from __future__ import annotations

import datetime as dt

from eventsourcing.domain import event

from orgevents.aggregate import Subject
from orgevents.errors import NotInForceError, UnknownReferenceError
from orgevents.events import (
    Change,
    FiguresRecorded,
    UnitAbolished,
    UnitAbsorbed,
    UnitEstablished,
    UnitMerged,
    UnitMoved,
    UnitRenamed,
    UnitSplit,
)

ENDINGS = (UnitAbolished, UnitMerged, UnitAbsorbed)
FOREVER = dt.date.max  # the end of a period that has none
VERBS = {
    "UnitAbolished": "abolish",
    "UnitMerged": "merge",
    "UnitAbsorbed": "absorb",
    "UnitSplit": "split",
}


class Unit(Subject):
    """An organisational unit: council, committee, administration, centre, office, team, ..."""

    @event("Established")
    def __init__(self, payload: UnitEstablished, recorded_by: str) -> None:
        self._start(payload)

    # --- what the unit looks like on a date ------------------------------------------------

    @property
    def established(self) -> UnitEstablished:
        for _, _, c in self.changes:
            if isinstance(c, UnitEstablished):
                return c
        raise UnknownReferenceError(
            f"unit {self.key!r} no longer exists: its establishment {self.origin!r} was retracted",
            subject=self.key,
        )

    @property
    def start(self) -> dt.date | None:
        """The day it is established (None if its establishment was retracted or cancelled)."""
        for d, _, c in self.changes:
            if isinstance(c, UnitEstablished):
                return d
        return None

    @property
    def ended_on(self) -> dt.date | None:
        for d, _, c in self.changes:
            if isinstance(c, ENDINGS) or (isinstance(c, UnitSplit) and not c.continues):
                return d
        return None

    def in_force_on(self, on: dt.date) -> bool:
        start, ended = self.start, self.ended_on
        return start is not None and start <= on and (ended is None or on < ended)

    def span(self) -> str:
        """When it exists, for messages: "from 2020-01-01 until 2026-01-01"."""
        start, ended = self.start, self.ended_on
        if start is None:
            return "never: its establishment no longer counts"
        return f"from {start}" + (f" until {ended}" if ended else "")

    def name_on(self, on: dt.date) -> str:
        name = self.established.name
        for c in self.changes_until(on):
            if isinstance(c, UnitRenamed):
                name = c.name
        return name

    def frame(self) -> tuple[object, ...]:
        """What the rules of other subjects depend on: when the unit exists and where it sits."""
        parents = [
            (d, c.parent) for d, _, c in self.changes if isinstance(c, UnitEstablished | UnitMoved)
        ]
        return (self.established.effective.date, self.ended_on, tuple(parents))

    def parent_on(self, on: dt.date) -> str | None:
        if self.start is None:
            return None
        parent = self.established.parent
        for c in self.changes_until(on):
            if isinstance(c, UnitMoved):
                parent = c.parent
        return parent

    def parent_periods(self) -> list[tuple[dt.date, dt.date, str | None, str]]:
        """Whom it sits under while it exists: ``(from, to, parent, entry)`` periods, ``to``
        exclusive and ``FOREVER`` for the last while it has no end; ``entry`` is the key of the
        establishment or move that put it there."""
        start = self.start
        if start is None:
            return []
        end = self.ended_on or FOREVER
        periods: list[tuple[dt.date, dt.date, str | None, str]] = []
        since, parent, by = start, self.established.parent, self.established.key
        for d, _, c in self.changes:
            if isinstance(c, UnitMoved):
                if d >= end:
                    break
                if d > since:
                    periods.append((since, d, parent, by))
                    since = d
                parent, by = c.parent, c.key
        if end > since:
            periods.append((since, end, parent, by))
        return periods

    # --- rules -----------------------------------------------------------------------------

    def check_in_force(self, on: dt.date, doing: str) -> None:
        start = self.start
        if start is None:
            raise NotInForceError(
                f"cannot {doing} unit {self.key!r} on {on}: its establishment no longer counts",
                subject=self.key,
            )
        if on < start:
            raise NotInForceError(
                f"cannot {doing} unit {self.key!r} on {on}: it is established only on {start}",
                subject=self.key,
            )
        ended = self.ended_on
        if ended is not None and on >= ended:
            raise NotInForceError(
                f"cannot {doing} unit {self.key!r} on {on}: it ended on {ended}",
                subject=self.key,
            )

    def check_nothing_after(self, on: dt.date, doing: str) -> None:
        later = self.changes_after(on)
        if later:
            first = later[0]
            raise NotInForceError(
                f"cannot {doing} unit {self.key!r} on {on}: it has a later change "
                f"({first.type} {first.key!r} on {first.effective})",
                subject=self.key,
            )

    # --- commands --------------------------------------------------------------------------

    def rename(self, payload: UnitRenamed, recorded_by: str) -> None:
        self.check_in_force(payload.effective.date, "rename")
        self._renamed(payload=payload, recorded_by=recorded_by)

    def move(self, payload: UnitMoved, recorded_by: str) -> None:
        self.check_in_force(payload.effective.date, "move")
        self._moved(payload=payload, recorded_by=recorded_by)

    def record_figures(self, payload: FiguresRecorded, recorded_by: str) -> None:
        self.check_in_force(payload.effective.date, "record figures for")
        self._figures_recorded(payload=payload, recorded_by=recorded_by)

    def end(
        self, payload: UnitAbolished | UnitMerged | UnitAbsorbed | UnitSplit, recorded_by: str
    ) -> None:
        verb = VERBS[payload.type]
        self.check_in_force(payload.effective.date, verb)
        if not (isinstance(payload, UnitSplit) and payload.continues):
            self.check_nothing_after(payload.effective.date, verb)
        self._ended(payload=payload, recorded_by=recorded_by)

    # --- events ----------------------------------------------------------------------------

    @event("Renamed")
    def _renamed(self, payload: UnitRenamed, recorded_by: str) -> None:
        self._remember(payload)

    @event("Moved")
    def _moved(self, payload: UnitMoved, recorded_by: str) -> None:
        self._remember(payload)

    @event("FiguresRecorded")
    def _figures_recorded(self, payload: FiguresRecorded, recorded_by: str) -> None:
        self._remember(payload)

    @event("Ended")
    def _ended(self, payload: Change, recorded_by: str) -> None:
        self._remember(payload)
