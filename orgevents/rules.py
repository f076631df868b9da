"""Rules that span several aggregates: references must exist and be in force on the date, and a
unit may not be moved under itself or its own descendants.

Each rule takes a :class:`Lookup`, which finds aggregates in the store or among the changes of
the load being checked (so a file can establish a unit and move it in the same load).
"""

from __future__ import annotations

import datetime as dt
from typing import Protocol, TypeVar

from orgevents.aggregate import Subject
from orgevents.decisions import Decision, Document
from orgevents.errors import NotInForceError, ParentCycleError, UnknownReferenceError
from orgevents.events import Amendment, Change
from orgevents.responsibilities import Responsibility
from orgevents.units import Unit

S = TypeVar("S", bound=Subject)

_WHAT = {Unit: "unit", Responsibility: "responsibility", Decision: "decision", Document: "document"}


class Lookup(Protocol):
    def find(self, key: str) -> Subject | None: ...


def require(lookup: Lookup, key: str, kind: type[S], field: str) -> S:
    found = lookup.find(key)
    what = _WHAT.get(kind, kind.__name__.lower())
    if found is None:
        raise UnknownReferenceError(
            f"{field}: no {what} with id {key!r} (load it first or in the same file)",
            subject=key,
        )
    if not isinstance(found, kind):
        raise UnknownReferenceError(
            f"{field}: {key!r} is a {type(found).__name__.lower()}, not a {what}", subject=key
        )
    return found


def check_unit_in_force(lookup: Lookup, key: str, on: dt.date, field: str) -> Unit:
    unit = require(lookup, key, Unit, field)
    if not unit.in_force_on(on):
        raise NotInForceError(
            f"{field}: unit {key!r} does not exist on {on} (it exists {unit.span()})", subject=key
        )
    return unit


def check_no_parent_cycle(lookup: Lookup, unit: str, new_parent: str, on: dt.date) -> None:
    """Moving ``unit`` under ``new_parent`` must not make it its own ancestor."""
    seen: list[str] = []
    current: str | None = new_parent
    while current is not None:
        seen.append(current)
        if current == unit:
            path = " → ".join([unit, *seen])
            raise ParentCycleError(
                f"cannot put {unit!r} under {new_parent!r} on {on}: {new_parent!r} is "
                f"{'the unit itself' if new_parent == unit else 'its own descendant'} ({path})",
                subject=unit,
            )
        found = lookup.find(current)
        current = found.parent_on(on) if isinstance(found, Unit) else None
        if len(seen) > 10_000:  # a cycle already stored; never loop forever
            raise ParentCycleError(f"parent chain of {new_parent!r} does not end", subject=unit)


def check_citations(lookup: Lookup, change: Change | Amendment) -> None:
    """Every cited document must be registered, and the decision must exist."""
    for i, source in enumerate(change.sources):
        require(lookup, source.document, Document, f"sources.{i}.document")
    if isinstance(change, Change) and change.decision is not None:
        require(lookup, change.decision, Decision, "decision")
