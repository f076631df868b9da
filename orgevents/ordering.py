"""Entries in any order within one load: the order in which they are checked and recorded.

An entry needs what it names to be recorded before it: the subject it changes (its
establishment or definition), the parent or unit a change puts it under or gives a role,
the units it merges into, the decision it implements, the documents it cites, the entry a
correction, retraction, confirmation or cancellation amends. And one subject's changes are
checked along its own timeline (a transfer from a unit needs the assignment to it first).
:func:`dependency_order` puts the entries of one load in an order that satisfies both — and,
where nothing forces otherwise, keeps the order they were given in:

1. an entry comes after the entry of the same load that creates each id it names (field by
   field: ``parent``, ``unit``, ``into``, ``to_unit``, ``from_units``, ``body``, ``about``,
   ``claim``, ``decision``, ``sources.N.document``, ...), and after the one that creates its
   own subject;
2. the changes of one subject come in effective-date order (ties in the given order), each
   amendment right after the entry it amends (as ``history`` shows them);
3. otherwise, the given order (files in the order named, entries in file order).

Ids that no entry of the load creates are left to the store (and reported there if missing).
If the needs go round in a circle (a unit established under one established under it), the
load is refused with the entries of the circle, each with the field that needs the next.
"""

from __future__ import annotations

import datetime as dt
import heapq
import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from orgevents.events import (
    Amendment,
    Change,
    ClaimRecorded,
    DecisionMade,
    DocumentRegistered,
    Entry,
    ResponsibilityAbolished,
    ResponsibilityDefined,
    UnitAbolished,
    UnitAbsorbed,
    UnitEstablished,
    UnitMerged,
    UnitSplit,
)
from orgevents.references import references

T = TypeVar("T")

CREATES = (DocumentRegistered, DecisionMade, ClaimRecorded, UnitEstablished, ResponsibilityDefined)
LIVES = (UnitEstablished, ResponsibilityDefined)  # a second one for an ended id starts a new life


def _ends_life(entry: Entry) -> bool:
    if isinstance(entry, UnitSplit):
        return not entry.continues
    return isinstance(entry, UnitAbolished | UnitMerged | UnitAbsorbed | ResponsibilityAbolished)


def _life_of(entry: Entry, establishments: list[int], entries: Sequence[Entry]) -> int | None:
    """The establishment in this load that a change of a unit or responsibility needs first: the
    earliest dated on or before it (a life that ends on a day does not need an establishment of
    that day: that one starts the next life). None: the life it changes comes from an earlier
    load (or from no establishment at all, which the rules then report)."""
    day = _day(entry)
    for j in sorted(establishments, key=lambda j: (_day(entries[j]), j)):
        when = _day(entries[j])
        if when < day or (when == day and not _ends_life(entry)):
            return j
    return None


@dataclass(frozen=True)
class Need:
    """Entry number ``before`` of the load must be recorded before entry ``after`` because of
    ``after``'s ``field`` (which names ``key``)."""

    before: int
    after: int
    field: str
    key: str


class DependencyCycleError(Exception):
    """The entries' needs go round in a circle: ``cycle`` lists each need of the circle."""

    def __init__(self, cycle: list[Need]) -> None:
        self.cycle = cycle
        super().__init__(f"{len(cycle)} entries need each other")


def subject_field(entry: Entry) -> str:
    """The name of the field that names an entry's subject (``unit``, ``responsibility``, ...)."""
    if isinstance(entry, Amendment):
        return "about"
    for name in ("unit", "responsibility", "claim", "decision", "document"):
        if getattr(entry, name, None) == entry.subject:
            return name
    return "subject"


def target_field(entry: Amendment) -> str:
    for name in ("corrects", "retracts", "confirms", "cancels"):
        if name in type(entry).model_fields:
            return name
    return "target"  # pragma: no cover - every amendment names its target in one of these


def needs(entries: Sequence[Entry]) -> list[list[Need]]:
    """For each entry, what it needs recorded before it (rules 1 and 2 of the module)."""
    creators: dict[str, int] = {}
    by_key: dict[str, int] = {}
    for i, entry in enumerate(entries):
        if isinstance(entry, CREATES):
            creators.setdefault(entry.subject, i)
        by_key.setdefault(entry.key, i)
    lives: dict[str, list[int]] = {}  # the establishments of one unit or responsibility
    for i, entry in enumerate(entries):
        if isinstance(entry, LIVES):
            lives.setdefault(entry.subject, []).append(i)
    found: list[list[Need]] = [[] for _ in entries]
    timelines: dict[str, list[int]] = {}
    amending: dict[int, list[int]] = {}  # amended entry → the amendments of it in this load
    for i, entry in enumerate(entries):
        own = found[i]
        if not isinstance(entry, CREATES):
            made = lives.get(entry.subject)
            j = _life_of(entry, made, entries) if made else creators.get(entry.subject)
            if j is not None and j != i:
                own.append(Need(j, i, subject_field(entry), entry.subject))
        for key, field in references(entry).items():
            j = creators.get(key)
            if j is None and field == "about":  # a claim may be about an entry (a transfer)
                j = by_key.get(key)
            if j is not None and j != i:
                own.append(Need(j, i, field, key))
        if isinstance(entry, Amendment):
            j = by_key.get(entry.target)
            if j is not None and j != i:
                own.append(Need(j, i, target_field(entry), entry.target))
                amending.setdefault(j, []).append(i)
        elif isinstance(entry, Change) and not isinstance(entry, CREATES):
            timelines.setdefault(entry.subject, []).append(i)
    for members in timelines.values():
        members.sort(key=lambda i: _day(entries[i]))  # stable: ties keep the given order
        chain: list[int] = []
        for i in members:
            chain.append(i)
            chain.extend(amending.get(i, []))
        for before, after in itertools.pairwise(chain):
            if not any(n.before == before for n in found[after]):
                found[after].append(Need(before, after, "effective", entries[after].subject))
    return found


def _day(entry: Entry) -> dt.date:
    return entry.effective.date if isinstance(entry, Change) else dt.date.min


def dependency_order(items: Sequence[T], entry_of: Callable[[T], Entry]) -> list[T]:
    """``items`` (entries, or entries with where they come from) in an order in which each comes
    after what it needs, else in the given order. Raises :class:`DependencyCycleError`."""
    entries = [entry_of(item) for item in items]
    found = needs(entries)
    waiting = [len({n.before for n in own}) for own in found]
    followers: list[list[int]] = [[] for _ in entries]
    for i, own in enumerate(found):
        for before in {n.before for n in own}:
            followers[before].append(i)
    ready = [i for i, count in enumerate(waiting) if count == 0]
    heapq.heapify(ready)
    order: list[int] = []
    while ready:
        i = heapq.heappop(ready)
        order.append(i)
        for j in followers[i]:
            waiting[j] -= 1
            if waiting[j] == 0:
                heapq.heappush(ready, j)
    if len(order) < len(entries):
        raise DependencyCycleError(_cycle(found, {i for i, w in enumerate(waiting) if w}))
    return [items[i] for i in order]


def _cycle(found: list[list[Need]], left: set[int]) -> list[Need]:
    """One circle among the entries left: walk back along needs until an entry repeats (each
    entry left needs at least one other entry left)."""
    start = min(left)
    path: list[Need] = []
    seen: dict[int, int] = {}
    current = start
    while current not in seen:
        seen[current] = len(path)
        need = min((n for n in found[current] if n.before in left), key=lambda n: n.before)
        path.append(need)
        current = need.before
    circle = path[seen[current] :]
    circle.reverse()  # in the order the needs run: each entry, then the one that needs it
    return circle
