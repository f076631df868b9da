"""The Responsibility aggregate: a task or area of authority, and who holds it in which role.

Responsibilities are entities of their own, not unit attributes: the committee holding the
political **authority** and the unit(s) that **perform** the work may differ, and each role
moves on its own (the outreach team's employment work is performed in SOF from 2026 while the
authority stays with BIU until about 2030).
"""

from __future__ import annotations

import datetime as dt

from eventsourcing.domain import event

from orgevents.aggregate import Life, Subject, check_new_life, ended_by
from orgevents.errors import (
    AlreadyHolderError,
    NotAHolderError,
    NotInForceError,
    UnknownReferenceError,
)
from orgevents.events import (
    Change,
    ResponsibilityAbolished,
    ResponsibilityAssigned,
    ResponsibilityDefined,
    ResponsibilityEnded,
    ResponsibilityTransferred,
    Role,
)

FOREVER = dt.date.max  # the end of a holding that has none


def _defines(c: Change) -> bool:
    return isinstance(c, ResponsibilityDefined)


def _abolishes(c: Change) -> bool:
    return isinstance(c, ResponsibilityAbolished)


class Responsibility(Subject):
    @event("Defined")
    def __init__(self, payload: ResponsibilityDefined, recorded_by: str) -> None:
        self._start(payload)

    def lives(self) -> list[Life]:
        """Its lives in date order: an abolished responsibility may be defined again."""
        return self._lives_of(_defines, _abolishes)

    @property
    def defined(self) -> ResponsibilityDefined:
        """The definition of its latest life."""
        lives = self.lives()
        if lives:
            latest = lives[-1].origin
            assert isinstance(latest, ResponsibilityDefined)
            return latest
        raise UnknownReferenceError(
            f"responsibility {self.key!r} no longer exists: its definition {self.origin!r} was "
            "retracted",
            subject=self.key,
        )

    @property
    def abolished_on(self) -> dt.date | None:
        """The end of its latest life (None while that life lasts)."""
        lives = self.lives()
        return lives[-1].end if lives else None

    def holders_on(self, on: dt.date) -> dict[Role, list[str]]:
        """Units holding each role on a date, in the order they came to hold it."""
        holders: dict[Role, list[str]] = {role: [] for role in Role}
        for c in self.changes_until(on):
            holders = _after(holders, c)
        return holders

    def holding_periods(self) -> list[tuple[dt.date, dt.date, Role, str, str]]:
        """Who held which role when: ``(from, to, role, unit, entry)``, ``to`` exclusive and
        ``FOREVER`` for a holding that has not ended; ``entry`` is the key of the change that
        gave the unit the role."""
        periods: list[tuple[dt.date, dt.date, Role, str, str]] = []
        holders: dict[Role, list[str]] = {role: [] for role in Role}
        since: dict[tuple[Role, str], tuple[dt.date, str]] = {}
        for d, _, c in self.changes:
            holders = _after(holders, c)
            now = {(role, u) for role, units in holders.items() for u in units}
            for held in [h for h in since if h not in now]:
                start, by = since.pop(held)
                if d > start:
                    periods.append((start, d, *held, by))
            for held in now:
                since.setdefault(held, (d, c.key))
        periods += [(d, FOREVER, *held, by) for held, (d, by) in since.items()]
        return sorted(periods, key=lambda p: (p[0], p[1], p[2].value, p[3]))

    def check_timeline(self, since: dt.date | None = None) -> None:
        """Every change from ``since`` on still fits the holders before it, taken in date order —
        a backdated transfer or end can leave a later one naming a unit that no longer holds."""
        holders: dict[Role, list[str]] = {role: [] for role in Role}
        for d, _, c in self.changes:
            if since is None or d >= since:
                self._check_fits(holders, d, c)
            holders = _after(holders, c)

    def _check_fits(self, holders: dict[Role, list[str]], on: dt.date, c: Change) -> None:
        if isinstance(c, ResponsibilityTransferred):
            role, leaving, arriving = c.role, c.from_units, c.to_unit
        elif isinstance(c, ResponsibilityEnded):
            role, leaving, arriving = c.role, [c.unit], None
        elif isinstance(c, ResponsibilityAssigned):
            role, leaving, arriving = c.role, [], c.unit
        else:
            return
        for unit in leaving:
            if unit not in holders[role]:
                raise NotAHolderError(
                    f"{c.type} {c.key!r} on {on} takes the {role.value} for {self.key!r} from "
                    f"{unit!r}, which does not hold it then (held by "
                    f"{', '.join(holders[role]) or 'nobody'})",
                    subject=self.key,
                )
        if arriving is not None and arriving in holders[role]:
            raise AlreadyHolderError(
                f"{c.type} {c.key!r} on {on} gives {arriving!r} the {role.value} for "
                f"{self.key!r}, which it already holds then",
                subject=self.key,
            )

    # --- rules -----------------------------------------------------------------------------

    def check_in_force(self, on: dt.date, doing: str) -> None:
        lives = self.lives()
        if not lives:
            self.defined  # noqa: B018 - raises: its definition no longer counts
        if on < lives[0].start:
            raise NotInForceError(
                f"cannot {doing} responsibility {self.key!r} on {on}: "
                f"it is defined only from {lives[0].start}",
                subject=self.key,
            )
        gap = ended_by(lives, on)
        if gap is not None:
            end, later = gap
            again = f", defined again only from {later.start}" if later else ""
            raise NotInForceError(
                f"cannot {doing} responsibility {self.key!r} on {on}: "
                f"it was abolished on {end}{again}",
                subject=self.key,
            )

    def check_holds(self, unit: str, role: Role, on: dt.date, doing: str) -> None:
        if unit not in self.holders_on(on)[role]:
            holders = ", ".join(self.holders_on(on)[role]) or "nobody"
            raise NotAHolderError(
                f"cannot {doing} {role.value} for {self.key!r} from {unit!r} on {on}: "
                f"{unit!r} does not hold it then (held by {holders})",
                subject=self.key,
            )

    def check_not_holding(self, unit: str, role: Role, on: dt.date) -> None:
        if unit in self.holders_on(on)[role]:
            raise AlreadyHolderError(
                f"{unit!r} already holds the {role.value} for {self.key!r} on {on}",
                subject=self.key,
            )

    # --- commands --------------------------------------------------------------------------

    def assign(self, payload: ResponsibilityAssigned, recorded_by: str) -> None:
        on = payload.effective.date
        self.check_in_force(on, "assign")
        self.check_not_holding(payload.unit, payload.role, on)
        self._changed(payload=payload, recorded_by=recorded_by)

    def transfer(self, payload: ResponsibilityTransferred, recorded_by: str) -> None:
        on = payload.effective.date
        self.check_in_force(on, "transfer")
        for unit in payload.from_units:
            self.check_holds(unit, payload.role, on, "transfer")
        self.check_not_holding(payload.to_unit, payload.role, on)
        self._changed(payload=payload, recorded_by=recorded_by)

    def end(self, payload: ResponsibilityEnded, recorded_by: str) -> None:
        on = payload.effective.date
        self.check_in_force(on, "end")
        self.check_holds(payload.unit, payload.role, on, "end")
        self._changed(payload=payload, recorded_by=recorded_by)

    def abolish(self, payload: ResponsibilityAbolished, recorded_by: str) -> None:
        on = payload.effective.date
        self.check_in_force(on, "abolish")
        later = self.changes_after(on)
        if later:  # nothing may come after its end (until it is defined again)
            first = later[0]
            raise NotInForceError(
                f"cannot abolish responsibility {self.key!r} on {on}: it has a later change "
                f"({first.type} {first.key!r} on {first.effective})",
                subject=self.key,
            )
        self._changed(payload=payload, recorded_by=recorded_by)

    def redefine(self, payload: ResponsibilityDefined, recorded_by: str) -> None:
        """Start a new life under the same id (the latest one must have been abolished)."""
        check_new_life(self.key, "responsibility", self.lives(), payload)
        self._changed(payload=payload, recorded_by=recorded_by)

    @event("Changed")
    def _changed(self, payload: Change, recorded_by: str) -> None:
        self._remember(payload)


def _after(holders: dict[Role, list[str]], c: Change) -> dict[Role, list[str]]:
    """The holders after change ``c`` (a new dict where something changed)."""
    if isinstance(c, ResponsibilityAssigned):
        return {**holders, c.role: [*holders[c.role], c.unit]}
    if isinstance(c, ResponsibilityTransferred):
        kept = [u for u in holders[c.role] if u not in c.from_units]
        return {**holders, c.role: [*kept, c.to_unit]}
    if isinstance(c, ResponsibilityEnded):
        return {**holders, c.role: [u for u in holders[c.role] if u != c.unit]}
    if isinstance(c, ResponsibilityAbolished):
        return {role: [] for role in Role}
    return holders
