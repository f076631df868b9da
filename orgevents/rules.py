"""Rules that span several aggregates: references must exist and be in force on the date; a
unit may not be moved under itself or its own descendants, nor merged, absorbed or split into
itself or (merged or absorbed) into a unit under it; and a unit may not end while units are
still under it.

Each rule takes a :class:`Lookup`, which finds aggregates in the store or among the changes of
the load being checked (so a file can establish a unit and move it in the same load), and knows
which subjects name a key (:mod:`orgevents.references`).
"""

from __future__ import annotations

import datetime as dt
from typing import Protocol, TypeVar

from orgevents.aggregate import Subject
from orgevents.decisions import Decision, Document
from orgevents.errors import (
    IntoDescendantError,
    IntoItselfError,
    NotInForceError,
    OrphanedUnitsError,
    ParentCycleError,
    UnknownReferenceError,
)
from orgevents.events import Amendment, Change, UnitEstablished, UnitMoved
from orgevents.responsibilities import Responsibility
from orgevents.units import Unit

S = TypeVar("S", bound=Subject)

_WHAT = {Unit: "unit", Responsibility: "responsibility", Decision: "decision", Document: "document"}


class Lookup(Protocol):
    def find(self, key: str) -> Subject | None: ...

    def naming(self, key: str) -> dict[str, str]:
        """Subjects whose entries (may) name ``key``, each with the field that does."""
        ...


def require(lookup: Lookup, key: str, kind: type[S], field: str) -> S:
    found = lookup.find(key)
    what = _WHAT.get(kind, kind.__name__.lower())
    if found is None:
        raise UnknownReferenceError(
            f"{field}: no {what} with id {key!r} (neither recorded before nor made by an "
            "entry of this load)",
            subject=key,
        )
    if not isinstance(found, kind):
        raise UnknownReferenceError(
            f"{field}: {key!r} is a {type(found).__name__.lower()}, not a {what}", subject=key
        )
    if not found.exists:
        raise UnknownReferenceError(
            f"{field}: {what} {key!r} no longer exists (the entry {found.origin!r} that made it "
            "was retracted)",
            subject=key,
        )
    return found


def check_unit_in_force(lookup: Lookup, key: str, on: dt.date, field: str) -> Unit:
    unit = require(lookup, key, Unit, field)
    if not unit.in_force_on(on):
        raise NotInForceError(
            f"{field}: unit {key!r} does not exist on {on} (it exists {unit.span()})", subject=key
        )
    return unit


def chain_up(lookup: Lookup, key: str, on: dt.date) -> list[str]:
    """``key`` and the units above it on ``on``, nearest first. A chain longer than 10,000 (a
    cycle stored before) is cut there."""
    chain: list[str] = []
    current: str | None = key
    while current is not None and len(chain) <= 10_000:
        chain.append(current)
        found = lookup.find(current)
        current = found.parent_on(on) if isinstance(found, Unit) else None
    return chain


def check_no_parent_cycle(lookup: Lookup, unit: str, new_parent: str, on: dt.date) -> None:
    """Moving ``unit`` under ``new_parent`` must not make it its own ancestor."""
    chain = chain_up(lookup, new_parent, on)
    if unit in chain:
        path = " → ".join([unit, *chain[: chain.index(unit) + 1]])
        raise ParentCycleError(
            f"cannot put {unit!r} under {new_parent!r} on {on}: {new_parent!r} is "
            f"{'the unit itself' if new_parent == unit else 'its own descendant'} ({path})",
            subject=unit,
        )
    if len(chain) > 10_000:
        raise ParentCycleError(f"parent chain of {new_parent!r} does not end", subject=unit)


def check_not_into_itself(unit: str, targets: list[str], on: dt.date, doing: str) -> None:
    if unit in targets:
        raise IntoItselfError(f"cannot {doing} unit {unit!r} into itself on {on}", subject=unit)


def check_not_into_descendant(
    lookup: Lookup, unit: str, into: str, on: dt.date, doing: str
) -> None:
    """``into`` must not sit under ``unit`` on ``on``: the unit would end above its heir."""
    chain = chain_up(lookup, into, on)
    if unit in chain[1:]:
        path = " → ".join(reversed(chain[: chain.index(unit) + 1]))
        raise IntoDescendantError(
            f"cannot {doing} unit {unit!r} into {into!r} on {on}: {into!r} is its own "
            f"descendant ({path})",
            subject=unit,
        )


def check_no_units_under(lookup: Lookup, unit: str, on: dt.date, doing: str) -> None:
    """No unit may sit under ``unit`` on or after ``on``, the day it ends."""
    for key, field in sorted(lookup.naming(unit).items()):
        if field != "parent" and not field.endswith(".parent"):
            continue
        child = lookup.find(key)
        if not isinstance(child, Unit) or not child.exists:
            continue
        moves = [
            d for d, _, c in child.changes if d > on and isinstance(c, UnitEstablished | UnitMoved)
        ]
        for day in [on, *moves]:
            if child.in_force_on(day) and child.parent_on(day) == unit:
                when = "then" if day == on else f"from {day}"
                raise OrphanedUnitsError(
                    f"cannot {doing} unit {unit!r} on {on}: unit {key!r} is under it {when}; "
                    "move or end that unit first",
                    subject=unit,
                )


def check_citations(lookup: Lookup, change: Change | Amendment) -> None:
    """Every cited document must be registered, and the decision must exist."""
    for i, source in enumerate(change.sources):
        require(lookup, source.document, Document, f"sources.{i}.document")
    if isinstance(change, Change) and change.decision is not None:
        require(lookup, change.decision, Decision, "decision")
