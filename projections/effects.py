"""What each event type does to the state — the one place outside the aggregates that says so.

The fold (:mod:`.fold`), the SQL index writer (:mod:`.index_rows`, :mod:`.sqlindex`), the change
list (:mod:`.changes`), the exports and the change diagram ask this module, never the event
types themselves, what an entry means:

=========================  ==================================================================
entry                      effects
=========================  ==================================================================
UnitEstablished            Starts the unit (kind, name, abbreviation, parent); Figures — a later
                           one, after the unit ended, Starts it ``again`` (re-established:
                           a new life under the same id)
UnitRenamed                Renames the unit (a new abbreviation only where given)
UnitMoved                  Moves the unit under a new parent
UnitAbolished              Ends the unit
UnitMerged / UnitAbsorbed  Ends the unit, into another
UnitSplit                  Ends the unit into several — unless it ``continues``
FiguresRecorded            Figures of the unit
ResponsibilityDefined      Starts the responsibility (name, abbreviation, scope) — ``again``
                           after it was abolished
ResponsibilityAssigned     Holds: the unit takes the role
ResponsibilityTransferred  Releases the role from each ``from_units``, Holds it for ``to_unit``
ResponsibilityEnded        Releases the role from the unit
ResponsibilityAbolished    Ends the responsibility
DecisionMade, ClaimRecorded, ClaimPreferred, DocumentRegistered, KindDeclared: no effect on the
                           structure (a kind declaration: on the vocabulary of kinds)
EventRetracted, EventCorrected, ChangeConfirmed, ChangeCancelled: amend another entry
=========================  ==================================================================
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any

from orgevents.events import (
    Amendment,
    Change,
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
    UnitAbolished,
    UnitAbsorbed,
    UnitEstablished,
    UnitMerged,
    UnitMoved,
    UnitRenamed,
    UnitSplit,
)
from orgevents.figures import Figure


@dataclass(frozen=True)
class Starts:
    """The subject comes into force (a unit: with kind and parent); ``again``: it had ended and
    starts a new life under the same id (re-established, defined again)."""

    name: str
    abbreviation: str | None
    kind: str | None = None  # units only
    parent: str | None = None  # units only
    again: bool = False


@dataclass(frozen=True)
class Renames:
    name: str
    abbreviation: str | None  # None: the abbreviation stays


@dataclass(frozen=True)
class Moves:
    parent: str


@dataclass(frozen=True)
class Ends:
    """The subject goes out of force (``into``: the units that take it over)."""

    into: tuple[str, ...] = ()


@dataclass(frozen=True)
class Figures:
    figures: tuple[Figure, ...]


@dataclass(frozen=True)
class Holds:
    role: str
    unit: str


@dataclass(frozen=True)
class Releases:
    role: str
    unit: str


Effect = Starts | Renames | Moves | Ends | Figures | Holds | Releases

UNIT, RESPONSIBILITY, DECISION, DOCUMENT, CLAIM = (
    "unit",
    "responsibility",
    "decision",
    "document",
    "claim",
)

_UNIT_ENTRIES = (
    UnitEstablished,
    UnitRenamed,
    UnitMoved,
    UnitAbolished,
    UnitMerged,
    UnitAbsorbed,
    UnitSplit,
    FiguresRecorded,
)
_RESPONSIBILITY_ENTRIES = (
    ResponsibilityDefined,
    ResponsibilityAssigned,
    ResponsibilityTransferred,
    ResponsibilityEnded,
    ResponsibilityAbolished,
)


# effects of recent entries, by the entry's id (the entry kept, so its id is not reused): the
# index works out a subject's rows from all its entries at each change of it
_RECENT: dict[int, tuple[Entry, list[Effect]]] = {}
_RECENT_SIZE = 20_000


def effects(p: Entry, again: bool = False) -> list[Effect]:
    """What the entry does to its subject's state, in order (not to be changed: the list may be
    shared). ``again``: the subject had a life before this establishment or definition (see
    :func:`lives`)."""
    if again:
        return _effects(p, again)
    found = _RECENT.get(id(p))
    if found is not None and found[0] is p:
        return found[1]
    if len(_RECENT) >= _RECENT_SIZE:
        _RECENT.clear()
    out = _RECENT[id(p)] = (p, _effects(p, again))
    return out[1]


def _effects(p: Entry, again: bool) -> list[Effect]:
    if isinstance(p, UnitEstablished):
        out: list[Effect] = [Starts(p.name, p.abbreviation, p.kind, p.parent, again)]
        if p.figures:
            out.append(Figures(tuple(p.figures)))
        return out
    if isinstance(p, UnitRenamed):
        return [Renames(p.name, p.abbreviation)]
    if isinstance(p, UnitMoved):
        return [Moves(p.parent)]
    if isinstance(p, UnitAbolished):
        return [Ends()]
    if isinstance(p, UnitMerged | UnitAbsorbed):
        return [Ends((p.into,))]
    if isinstance(p, UnitSplit):
        return [] if p.continues else [Ends(tuple(p.into))]
    if isinstance(p, FiguresRecorded):
        return [Figures(tuple(p.figures))]
    if isinstance(p, ResponsibilityDefined):
        return [Starts(p.name, p.abbreviation, again=again)]
    if isinstance(p, ResponsibilityAssigned):
        return [Holds(p.role.value, p.unit)]
    if isinstance(p, ResponsibilityTransferred):
        released: list[Effect] = [Releases(p.role.value, u) for u in p.from_units]
        return [*released, Holds(p.role.value, p.to_unit)]
    if isinstance(p, ResponsibilityEnded):
        return [Releases(p.role.value, p.unit)]
    if isinstance(p, ResponsibilityAbolished):
        return [Ends()]
    return []


def subject_type(p: Entry) -> str | None:
    """The kind of subject an entry is about (None for amendments: that of the entry amended)."""
    if isinstance(p, _UNIT_ENTRIES):
        return UNIT
    if isinstance(p, _RESPONSIBILITY_ENTRIES):
        return RESPONSIBILITY
    if isinstance(p, DecisionMade):
        return DECISION
    if isinstance(p, DocumentRegistered):
        return DOCUMENT
    if isinstance(p, ClaimRecorded | ClaimPreferred):
        return CLAIM
    return None


def starts_subject(p: Entry) -> bool:
    """The entry brings its subject into being (the first entry of a subject)."""
    starters = UnitEstablished | ResponsibilityDefined | DecisionMade | DocumentRegistered
    return isinstance(p, starters | ClaimRecorded)


def is_change(p: Entry) -> bool:
    """A change of the organisation: listed by ``diff``, counted by ``dates`` and ``audit``
    (decisions, claims, documents and amendments are not)."""
    not_changes = DecisionMade | ClaimRecorded | ClaimPreferred
    return isinstance(p, Change) and not isinstance(p, not_changes)


def is_planned(p: Entry) -> bool:
    """An expected or planned change (left out of the default, enacted-only view)."""
    return (
        isinstance(p, Change)
        and p.effective.is_planned
        and not isinstance(p, DecisionMade | ClaimRecorded)
    )


def removes_target(p: Entry) -> bool:
    """An amendment that takes the amended entry out (retraction, cancellation)."""
    return isinstance(p, EventRetracted | ChangeCancelled)


def related_keys(p: Entry) -> list[str]:
    """The subject of an entry first, then every other subject it involves."""
    keys = [p.subject]
    for e in effects(p):
        if isinstance(e, Moves):
            keys.append(e.parent)
        elif isinstance(e, Ends):
            keys.extend(e.into)
        elif isinstance(e, Holds | Releases):
            keys.append(e.unit)
    if isinstance(p, UnitSplit) and p.continues:
        keys.extend(p.into)
    if isinstance(p, ClaimRecorded):
        keys.append(p.about)
    if isinstance(p, Change) and p.decision:
        keys.append(p.decision)
    return list(dict.fromkeys(keys))


EFFECT_NAMES = {
    Starts: "starts",
    Renames: "renames",
    Moves: "moves",
    Ends: "ends",
    Figures: "figures",
    Holds: "holds",
    Releases: "releases",
}


# the entry types that can start or end a life (the others cannot: see ``effects``)
LIFE_ENTRIES = (
    "UnitEstablished",
    "UnitAbolished",
    "UnitMerged",
    "UnitAbsorbed",
    "UnitSplit",
    "ResponsibilityDefined",
    "ResponsibilityAbolished",
)

AGAIN = "restarts"  # the meaning word of a re-establishment (beside "starts")


def meaning(p: Entry, again: bool = False) -> list[str]:
    """The entry's meaning in words, for views and charts: the kind of subject it is about,
    then what it does to it (``["unit", "ends"]``, ``["responsibility", "releases", "holds"]``;
    a re-establishment ``["unit", "starts", "restarts", ...]``); amendments: ``["amends"]``."""
    if isinstance(p, Amendment):
        return ["amends"]
    kind = subject_type(p)
    done: list[str] = []
    for e in effects(p, again):
        done.append(EFFECT_NAMES[type(e)])
        if isinstance(e, Starts) and e.again:
            done.append(AGAIN)
    return [kind, *dict.fromkeys(done)] if kind else done


@dataclass(frozen=True)
class Life:
    """One life of a unit or responsibility as the read side tells it: from the entry that
    starts it (``start``: its position in the log) until the one that ends it (None: lasting)."""

    start: dt.date
    start_effective: str  # as people read it
    start_position: int
    end: dt.date | None = None
    end_effective: str | None = None
    end_position: int | None = None


def lives(entries: Iterable[tuple[int, Entry]]) -> list[Life]:
    """The lives in a subject's entries that count (``(position, payload)``, any order): a
    Starts begins one, an Ends closes it — the same as the aggregates' lives, by effect."""
    ordered = sorted(
        ((p.effective.date, pos, p) for pos, p in entries if isinstance(p, Change)),
        key=lambda x: (x[0], x[1]),
    )
    out: list[Life] = []
    for on, pos, p in ordered:
        for e in effects(p):
            if isinstance(e, Starts):
                if out and out[-1].end is None:
                    out[-1] = replace(
                        out[-1], end=on, end_effective=str(p.effective), end_position=pos
                    )
                out.append(Life(on, str(p.effective), pos))
            elif isinstance(e, Ends) and out and out[-1].end is None:
                out[-1] = replace(out[-1], end=on, end_effective=str(p.effective), end_position=pos)
    return out


def starts_again(entries: Iterable[tuple[int, Entry]], position: int) -> bool:
    """The entry at ``position`` starts a life that is not its subject's first."""
    found = lives(entries)
    return any(life.start_position == position for life in found[1:])


def life_views(found: list[Life], entries: Iterable[tuple[int, Entry]]) -> list[dict[str, Any]]:
    """Each life with the names it had (in order), for ``show``: ``{"from", "until", "names"}``
    — ``entries`` are the subject's entries that count (``(position, payload)``)."""
    ordered = sorted(
        ((p.effective.date, pos, p) for pos, p in entries if isinstance(p, Change)),
        key=lambda x: (x[0], x[1]),
    )
    out = []
    for life in found:
        names: list[str] = []
        for on, pos, p in ordered:
            if (on, pos) < (life.start, life.start_position):
                continue
            if life.end is not None and (on, pos) >= (life.end, life.end_position or 0):
                break
            for e in effects(p):
                if isinstance(e, Starts | Renames) and e.name not in names:
                    names.append(e.name)
        out.append({"from": life.start_effective, "until": life.end_effective, "names": names})
    return out


def describe_lives(found: list[Life]) -> str:
    """ "1950-01-01 – 1971-01-01, 1996-03-01 –": the lives of one subject, for people."""
    return ", ".join(
        f"{life.start_effective} – {life.end_effective or ''}".rstrip() for life in found
    )
