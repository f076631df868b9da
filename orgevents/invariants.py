"""The history's invariants over time, checked for a write on every date it affects.

A change is checked on its own date by the rules of its aggregate and of :mod:`orgevents.rules`.
These checks look further: from the change's date on, over every date on which the units involved
change, the history must still hold that

- no unit is its own ancestor (no parent cycle),
- no unit in force sits under a parent that is not in force,
- no responsibility is held by a unit that is not in force,
- no unit is merged, absorbed or split into a unit that is not in force on that day,

so that a move dated before an existing later move cannot close a cycle, and a backdated abolition
cannot leave a unit under it or a responsibility with it. Looking *back* (who sits under a unit,
who holds with it) uses the store's references table (:mod:`orgevents.references`, kept by the
recorder).

Which checks a change needs (:func:`checks_for`): a unit's establishment or move checks that unit
forward; its end checks everyone who refers to it; a responsibility's change checks its holders;
an amendment checks its subject's whole timeline, both ways.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Protocol

from orgevents.aggregate import Subject
from orgevents.errors import (
    AmendmentError,
    DomainRuleError,
    NotInForceError,
    ParentCycleError,
    UnknownReferenceError,
)
from orgevents.events import (
    Amendment,
    Change,
    Entry,
    ResponsibilityAbolished,
    ResponsibilityAssigned,
    ResponsibilityEnded,
    ResponsibilityTransferred,
    UnitAbolished,
    UnitAbsorbed,
    UnitEstablished,
    UnitMerged,
    UnitMoved,
    UnitSplit,
)
from orgevents.responsibilities import Responsibility
from orgevents.units import FOREVER, Unit

_LONGEST_CHAIN = 10_000  # a parent chain longer than this is a cycle already stored


class Timeline(Protocol):
    """Finds subjects, and the subjects whose entries name a key (with the field)."""

    def find(self, key: str) -> Subject | None: ...

    def naming(self, key: str) -> dict[str, str]: ...


Check = Callable[[Timeline], None]


# --- which checks a change needs ----------------------------------------------------------------


def checks_for(entry: Entry) -> list[Check]:
    """The timeline checks ``entry`` needs once it is applied (none for most entries)."""
    key = entry.subject
    if isinstance(entry, Amendment):
        return [lambda t: _after_amendment(t, key)]
    if not isinstance(entry, Change):
        return []
    since = entry.effective.date
    if isinstance(entry, UnitEstablished):  # nothing sits under it yet: no cycle to look for
        return [lambda t: check_unit(t, _unit(t, key), since, cycles=False)]
    if isinstance(entry, UnitMoved):
        return [lambda t: check_unit(t, _unit(t, key), since)]
    if isinstance(entry, UnitAbolished | UnitMerged | UnitAbsorbed) or (
        isinstance(entry, UnitSplit) and not entry.continues
    ):
        return [lambda t: check_referrers(t, _unit(t, key), since)]
    if isinstance(
        entry,
        ResponsibilityAssigned
        | ResponsibilityTransferred
        | ResponsibilityEnded
        | ResponsibilityAbolished,
    ):
        return [lambda t: check_responsibility(t, _responsibility(t, key), since)]
    return []


def check_subject(timeline: Timeline, key: str, since: dt.date | None) -> None:
    """Everything about one subject from ``since`` on (None: its whole timeline)."""
    found = timeline.find(key)
    if isinstance(found, Unit):
        check_unit(timeline, found, since)
        check_referrers(timeline, found, since)
    elif isinstance(found, Responsibility):
        check_responsibility(timeline, found, since)


def _after_amendment(timeline: Timeline, key: str) -> None:
    try:
        check_subject(timeline, key, None)
    except DomainRuleError as exc:
        raise AmendmentError(f"after this amendment: {exc}", subject=key) from None


def _unit(timeline: Timeline, key: str) -> Unit:
    found = timeline.find(key)
    assert isinstance(found, Unit), key
    return found


def _responsibility(timeline: Timeline, key: str) -> Responsibility:
    found = timeline.find(key)
    assert isinstance(found, Responsibility), key
    return found


# --- the checks ---------------------------------------------------------------------------------


def check_unit(
    timeline: Timeline,
    unit: Unit,
    since: dt.date | None,
    only_parent: str | None = None,
    cycles: bool = True,
) -> None:
    """From ``since`` on, ``unit`` sits only under units in force and never under itself, and
    goes (merged, absorbed, split) only into units in force. ``only_parent``: look only at the
    time it sits under that unit."""
    first = since or dt.date.min
    for start, end, parent, by in unit.parent_periods():
        if parent is None or end <= first or (only_parent and parent != only_parent):
            continue
        day = max(start, first)
        found = _find_unit(timeline, parent, "parent", unit.key)
        gap = _first_day_out(found, day, end)
        if gap is not None:
            raise NotInForceError(
                f"{unit.key!r} would sit under {parent!r} on {gap} (entry {by!r}: under it "
                f"{_period(start, end)}), when {parent!r} does not exist (it exists "
                f"{found.span()})",
                subject=unit.key,
            )
    if only_parent is None:
        if cycles:
            _check_cycles(timeline, unit, first)
        for day, _, change in unit.changes:
            if day >= first:
                for target in _into(change):
                    found = _find_unit(timeline, target, "into", unit.key)
                    if not found.in_force_on(day):
                        raise NotInForceError(
                            f"{unit.key!r} goes into {target!r} on {day} ({change.type} "
                            f"{change.key!r}), when {target!r} does not exist "
                            f"(it exists {found.span()})",
                            subject=unit.key,
                        )


def check_responsibility(
    timeline: Timeline, resp: Responsibility, since: dt.date | None, only_unit: str | None = None
) -> None:
    """From ``since`` on, every change of ``resp`` fits its holders then, and every holder is in
    force while it holds. ``only_unit``: look only at that unit's holdings."""
    first = since or dt.date.min
    if only_unit is None:
        resp.check_timeline(since)
    for start, end, role, holder, by in resp.holding_periods():
        if end <= first or (only_unit and holder != only_unit):
            continue
        found = _find_unit(timeline, holder, "holder", resp.key)
        gap = _first_day_out(found, max(start, first), end)
        if gap is not None:
            raise NotInForceError(
                f"{holder!r} would hold the {role.value} for {resp.key!r} on {gap} (entry "
                f"{by!r}: holds it {_period(start, end)}), when {holder!r} does not exist (it "
                f"exists {found.span()})",
                subject=resp.key,
            )


def check_referrers(timeline: Timeline, unit: Unit, since: dt.date | None) -> None:
    """From ``since`` on, every unit under ``unit``, every holding of it and every merge or split
    into it falls within the time ``unit`` exists."""
    first = since or dt.date.min
    for key in sorted(timeline.naming(unit.key)):
        found = timeline.find(key)
        if found is None or not found.exists:
            continue
        if isinstance(found, Responsibility):
            check_responsibility(timeline, found, since, only_unit=unit.key)
        elif isinstance(found, Unit):
            check_unit(timeline, found, since, only_parent=unit.key)
            for day, _, change in found.changes:
                if day >= first and unit.key in _into(change) and not unit.in_force_on(day):
                    raise NotInForceError(
                        f"{found.key!r} goes into {unit.key!r} on {day} ({change.type} "
                        f"{change.key!r}), when {unit.key!r} does not exist "
                        f"(it exists {unit.span()})",
                        subject=unit.key,
                    )


def _check_cycles(timeline: Timeline, unit: Unit, first: dt.date) -> None:
    """No day from ``first`` on puts ``unit`` above itself. Only the days on which a unit that is
    ever above it from then on changes its parent can close a cycle, so only those are walked."""
    start = unit.start
    if start is None:
        return
    days = {max(first, start)}
    seen: set[str] = set()
    todo = [unit]
    while todo and len(seen) < _LONGEST_CHAIN:
        current = todo.pop()
        if current.key in seen:
            continue
        seen.add(current.key)
        for period_start, period_end, parent, _ in current.parent_periods():
            if period_end <= first:
                continue
            days.add(max(period_start, first))
            found = timeline.find(parent) if parent else None
            if isinstance(found, Unit) and found.key not in seen:
                todo.append(found)
    for day in sorted(d for d in days if unit.in_force_on(d)):
        path = [unit.key]
        parent = unit.parent_on(day)
        while parent is not None:
            path.append(parent)
            if parent == unit.key:
                raise ParentCycleError(
                    f"{unit.key!r} would be its own ancestor on {day}: {' → '.join(path)}",
                    subject=unit.key,
                )
            if len(path) > _LONGEST_CHAIN:
                raise ParentCycleError(
                    f"the parent chain of {unit.key!r} does not end on {day}", subject=unit.key
                )
            found = timeline.find(parent)
            parent = found.parent_on(day) if isinstance(found, Unit) else None


def _into(change: Change) -> list[str]:
    if isinstance(change, UnitMerged | UnitAbsorbed):
        return [change.into]
    return list(change.into) if isinstance(change, UnitSplit) else []


def _find_unit(timeline: Timeline, key: str, field: str, subject: str) -> Unit:
    found = timeline.find(key)
    if not isinstance(found, Unit):
        raise UnknownReferenceError(f"{field}: no unit with id {key!r}", subject=subject)
    return found


def _first_day_out(unit: Unit, first: dt.date, end: dt.date) -> dt.date | None:
    """The first day in ``[first, end)`` on which ``unit`` is not in force (None: none) — before
    it exists, after its end, or in a gap between two of its lives."""
    day = first
    for life in unit.lives():
        if life.start > day:
            return day
        life_end = life.end or FOREVER
        if life_end > day:
            day = life_end
        if day >= end:
            return None
    return day if day < end else None


def _period(start: dt.date, end: dt.date) -> str:
    return f"from {start}" + ("" if end == FOREVER else f" until {end}")
