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
    def ended_on(self) -> dt.date | None:
        for d, _, c in self.changes:
            if isinstance(c, ENDINGS) or (isinstance(c, UnitSplit) and not c.continues):
                return d
        return None

    def in_force_on(self, on: dt.date) -> bool:
        ended = self.ended_on
        return self.established.effective.date <= on and (ended is None or on < ended)

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
        parent = self.established.parent
        for c in self.changes_until(on):
            if isinstance(c, UnitMoved):
                parent = c.parent
        return parent

    # --- rules -----------------------------------------------------------------------------

    def check_in_force(self, on: dt.date, doing: str) -> None:
        start = self.established.effective.date
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
