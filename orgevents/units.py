"""The Unit aggregate: establishing, renaming, moving, abolishing, merging, splitting, absorbing.

A unit's id survives renames and moves. The rules here concern one unit's own timeline (it must
exist on the date of a change; nothing may come after its end); rules that need other units too —
the parent must exist, no parent cycles — are in :mod:`orgevents.rules`.
"""

from __future__ import annotations

import datetime as dt

from eventsourcing.domain import event

from orgevents.aggregate import (
    Life,
    Subject,
    check_new_life,
    describe_lives,
    ended_by,
)
from orgevents.errors import NotInForceError, UnknownReferenceError
from orgevents.events import (
    Change,
    FiguresRecorded,
    NamesRecorded,
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


def _starts(c: Change) -> bool:
    return isinstance(c, UnitEstablished)


def _ends(c: Change) -> bool:
    return isinstance(c, ENDINGS) or (isinstance(c, UnitSplit) and not c.continues)


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

    def lives(self) -> list[Life]:
        """Its lives in date order: a unit that ended may be established again under its id."""
        return self._lives_of(_starts, _ends)

    def life_on(self, on: dt.date) -> Life | None:
        """The life started last by ``on`` (None before the first)."""
        found = None
        for life in self.lives():
            if life.start > on:
                break
            found = life
        return found

    @property
    def established(self) -> UnitEstablished:
        """The establishment of its first life."""
        lives = self.lives()
        if lives:
            first = lives[0].origin
            assert isinstance(first, UnitEstablished)
            return first
        raise UnknownReferenceError(
            f"unit {self.key!r} no longer exists: its establishment {self.origin!r} was retracted",
            subject=self.key,
        )

    @property
    def start(self) -> dt.date | None:
        """The day it is first established (None if its establishment was retracted or
        cancelled)."""
        lives = self.lives()
        return lives[0].start if lives else None

    @property
    def ended_on(self) -> dt.date | None:
        """The end of its latest life (None while that life lasts)."""
        lives = self.lives()
        return lives[-1].end if lives else None

    def in_force_on(self, on: dt.date) -> bool:
        life = self.life_on(on)
        return life is not None and life.covers(on)

    def span(self) -> str:
        """When it exists, for messages: "from 2020-01-01 until 2026-01-01"."""
        lives = self.lives()
        if not lives:
            return "never: its establishment no longer counts"
        return describe_lives(lives)

    def _in_life(self, on: dt.date, kind: type[Change]) -> tuple[Life | None, list[Change]]:
        """The life started by ``on`` and its changes of ``kind`` up to ``on``."""
        life = self.life_on(on)
        if life is None:
            return None, []
        found = [c for d, _, c in self.changes if life.start <= d <= on and isinstance(c, kind)]
        return life, found

    def name_on(self, on: dt.date) -> str:
        life, renames = self._in_life(on, UnitRenamed)
        origin = life.origin if life is not None else self.established
        assert isinstance(origin, UnitEstablished)
        name = origin.name
        for c in renames:
            assert isinstance(c, UnitRenamed)
            name = c.name
        return name

    def frame(self) -> tuple[object, ...]:
        """What the rules of other subjects depend on: when the unit exists and where it sits."""
        parents = [
            (d, c.parent) for d, _, c in self.changes if isinstance(c, UnitEstablished | UnitMoved)
        ]
        return (tuple((life.start, life.end) for life in self.lives()), tuple(parents))

    def parent_on(self, on: dt.date) -> str | None:
        life, moves = self._in_life(on, UnitMoved)
        if life is None:
            return None
        assert isinstance(life.origin, UnitEstablished)
        parent = life.origin.parent
        for c in moves:
            assert isinstance(c, UnitMoved)
            parent = c.parent
        return parent

    def parent_periods(self) -> list[tuple[dt.date, dt.date, str | None, str]]:
        """Whom it sits under while it exists: ``(from, to, parent, entry)`` periods, ``to``
        exclusive and ``FOREVER`` for the last while it has no end; ``entry`` is the key of the
        establishment or move that put it there. A unit with several lives has periods in
        each, none in the gaps between them."""
        periods: list[tuple[dt.date, dt.date, str | None, str]] = []
        for life in self.lives():
            origin = life.origin
            assert isinstance(origin, UnitEstablished)
            end = life.end or FOREVER
            since, parent, by = life.start, origin.parent, origin.key
            for d, _, c in self.changes:
                if isinstance(c, UnitMoved) and life.start <= d < end:
                    if d > since:
                        periods.append((since, d, parent, by))
                        since = d
                    parent, by = c.parent, c.key
            if end > since:
                periods.append((since, end, parent, by))
        return periods

    # --- rules -----------------------------------------------------------------------------

    def check_in_force(self, on: dt.date, doing: str) -> None:
        lives = self.lives()
        if not lives:
            raise NotInForceError(
                f"cannot {doing} unit {self.key!r} on {on}: its establishment no longer counts",
                subject=self.key,
            )
        if on < lives[0].start:
            raise NotInForceError(
                f"cannot {doing} unit {self.key!r} on {on}: it is established only on "
                f"{lives[0].start}",
                subject=self.key,
            )
        gap = ended_by(lives, on)
        if gap is not None:
            end, later = gap
            again = f", re-established only on {later.start}" if later else ""
            raise NotInForceError(
                f"cannot {doing} unit {self.key!r} on {on}: it ended on {end}{again}",
                subject=self.key,
            )

    def check_can_start_again(self, payload: UnitEstablished | Change, what: str) -> None:
        """A new life starts only once the latest has ended, on or after that end."""
        check_new_life(self.key, what, self.lives(), payload)

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

    def record_names(self, payload: NamesRecorded, recorded_by: str) -> None:
        self.check_in_force(payload.effective.date, "record names for")
        self._names_recorded(payload=payload, recorded_by=recorded_by)

    def end(
        self, payload: UnitAbolished | UnitMerged | UnitAbsorbed | UnitSplit, recorded_by: str
    ) -> None:
        verb = VERBS[payload.type]
        self.check_in_force(payload.effective.date, verb)
        if not (isinstance(payload, UnitSplit) and payload.continues):
            self.check_nothing_after(payload.effective.date, verb)
        self._ended(payload=payload, recorded_by=recorded_by)

    def reestablish(self, payload: UnitEstablished, recorded_by: str) -> None:
        """Start a new life under the same id (the latest one must have ended)."""
        self.check_can_start_again(payload, "unit")
        self._reestablished(payload=payload, recorded_by=recorded_by)

    # --- events ----------------------------------------------------------------------------

    @event("Reestablished")
    def _reestablished(self, payload: UnitEstablished, recorded_by: str) -> None:
        self._remember(payload)

    @event("Renamed")
    def _renamed(self, payload: UnitRenamed, recorded_by: str) -> None:
        self._remember(payload)

    @event("Moved")
    def _moved(self, payload: UnitMoved, recorded_by: str) -> None:
        self._remember(payload)

    @event("FiguresRecorded")
    def _figures_recorded(self, payload: FiguresRecorded, recorded_by: str) -> None:
        self._remember(payload)

    @event("NamesRecorded")
    def _names_recorded(self, payload: NamesRecorded, recorded_by: str) -> None:
        self._remember(payload)

    @event("Ended")
    def _ended(self, payload: Change, recorded_by: str) -> None:
        self._remember(payload)
