"""The Responsibility aggregate: a task or area of authority, and who holds it in which role.

Responsibilities are entities of their own, not unit attributes: the committee holding the
political **authority** and the unit(s) that **perform** the work may differ, and each role
moves on its own (the outreach team's employment work is performed in SOF from 2026 while the
authority stays with BIU until about 2030).
"""

from __future__ import annotations

import datetime as dt

from eventsourcing.domain import event

from orgevents.aggregate import Subject
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


class Responsibility(Subject):
    @event("Defined")
    def __init__(self, payload: ResponsibilityDefined, recorded_by: str) -> None:
        self._start(payload)

    @property
    def defined(self) -> ResponsibilityDefined:
        for _, _, c in self.changes:
            if isinstance(c, ResponsibilityDefined):
                return c
        raise UnknownReferenceError(
            f"responsibility {self.key!r} no longer exists: its definition {self.origin!r} was "
            "retracted",
            subject=self.key,
        )

    @property
    def abolished_on(self) -> dt.date | None:
        for d, _, c in self.changes:
            if isinstance(c, ResponsibilityAbolished):
                return d
        return None

    def holders_on(self, on: dt.date) -> dict[Role, list[str]]:
        """Units holding each role on a date, in the order they came to hold it."""
        holders: dict[Role, list[str]] = {role: [] for role in Role}
        for c in self.changes_until(on):
            if isinstance(c, ResponsibilityAssigned):
                holders[c.role].append(c.unit)
            elif isinstance(c, ResponsibilityTransferred):
                holders[c.role] = [u for u in holders[c.role] if u not in c.from_units]
                holders[c.role].append(c.to_unit)
            elif isinstance(c, ResponsibilityEnded):
                holders[c.role] = [u for u in holders[c.role] if u != c.unit]
            elif isinstance(c, ResponsibilityAbolished):
                holders = {role: [] for role in Role}
        return holders

    # --- rules -----------------------------------------------------------------------------

    def check_in_force(self, on: dt.date, doing: str) -> None:
        start = self.defined.effective.date
        if on < start:
            raise NotInForceError(
                f"cannot {doing} responsibility {self.key!r} on {on}: "
                f"it is defined only from {start}",
                subject=self.key,
            )
        abolished = self.abolished_on
        if abolished is not None and on >= abolished:
            raise NotInForceError(
                f"cannot {doing} responsibility {self.key!r} on {on}: "
                f"it was abolished on {abolished}",
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
        self.check_in_force(payload.effective.date, "abolish")
        self._changed(payload=payload, recorded_by=recorded_by)

    @event("Changed")
    def _changed(self, payload: Change, recorded_by: str) -> None:
        self._remember(payload)
