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
UnitRenamed                Renames the unit (a new abbreviation only where given; its other
                           names are those of the entry's ``names``, none if it gives none)
NamesRecorded              Names: the unit's other names of the forms and languages given
                           (the others stay)
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
(phased: an abolition, merger, absorption, transfer or ending with ``phased_until``) Ends and
                           Releases on ``phased_until``, the rest (a transfer's Holds) on
                           ``effective``; in between the subject, or the role, is being phased
                           out (the new holder of a transfer phased in): see ``phase_of``
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

from orgevents.dates import EffectiveDate
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
    NameForm,
    NamesRecorded,
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
    names: tuple[NameForm, ...] = ()  # units only: its other names


@dataclass(frozen=True)
class Renames:
    name: str
    abbreviation: str | None  # None: the abbreviation stays
    names: tuple[NameForm, ...] = ()  # the other names from now on (all earlier ones end)


@dataclass(frozen=True)
class Names:
    """Other names of the unit: each replaces the one of its form and language."""

    names: tuple[NameForm, ...]


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


Effect = Starts | Renames | Names | Moves | Ends | Figures | Holds | Releases

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
    NamesRecorded,
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
        out: list[Effect] = [
            Starts(p.name, p.abbreviation, p.kind, p.parent, again, tuple(p.names))
        ]
        if p.figures:
            out.append(Figures(tuple(p.figures)))
        return out
    if isinstance(p, UnitRenamed):
        return [Renames(p.name, p.abbreviation, tuple(p.names))]
    if isinstance(p, NamesRecorded):
        return [Names(tuple(p.names))]
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


def phased_until(p: Entry) -> EffectiveDate | None:
    """The date by which a phased change is complete (None: a change on one day)."""
    until = getattr(p, "phased_until", None)
    return until if isinstance(until, EffectiveDate) else None


def timed_effects(p: Entry, again: bool = False) -> list[tuple[EffectiveDate, list[Effect]]]:
    """When each of the entry's effects happens: all on ``effective``, except that a phased
    change Ends and Releases on ``phased_until`` (the completion; it counts as planned when that
    date is expected or planned). Each step in date order; entries without a date: none."""
    if not isinstance(p, Change):
        return []
    done = effects(p, again)
    until = phased_until(p)
    if until is None:
        return [(p.effective, done)]
    later: list[Effect] = [e for e in done if isinstance(e, Ends | Releases)]
    return [(p.effective, [e for e in done if e not in later]), (until, later)]


def step_counts(on: EffectiveDate, include_planned: bool) -> bool:
    """A step of a change counts in a view: enacted, or the view includes planned changes."""
    return include_planned or not on.is_planned


def phase_counts(p: Entry, on: dt.date, include_planned: bool) -> bool:
    """A phased change is under way on ``on``: started, and not complete in this view (a
    completion only expected or planned never comes in the enacted-only view)."""
    until = phased_until(p)
    if until is None or not isinstance(p, Change) or p.effective.date > on:
        return False
    return on < until.date or not step_counts(until, include_planned)


@dataclass(frozen=True)
class Phase:
    """What a phased change under way does to one subject or role: ``direction`` "out" (the
    subject, or the role of ``unit``, is being phased out) or "in" (a transfer's new holder)."""

    event_id: str
    direction: str
    start: str  # as people read it
    until: str
    role: str | None = None  # None: the subject itself
    unit: str | None = None

    def describe(self) -> str:
        return f"being phased {self.direction} (from {self.start}, complete by {self.until})"


def phase_of(p: Entry) -> list[Phase]:
    """The phases a phased change sets going (none for a change on one day)."""
    until = phased_until(p)
    if until is None or not isinstance(p, Change):
        return []
    start, end = str(p.effective), str(until)
    out: list[Phase] = []
    for e in effects(p):
        if isinstance(e, Ends):
            out.append(Phase(p.key, "out", start, end))
        elif isinstance(e, Releases):
            out.append(Phase(p.key, "out", start, end, e.role, e.unit))
        elif isinstance(e, Holds):
            out.append(Phase(p.key, "in", start, end, e.role, e.unit))
    return out


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
    return isinstance(p, Change) and not isinstance(p, NOT_CHANGES)


NOT_CHANGES = (DecisionMade, ClaimRecorded, ClaimPreferred)


def change_types() -> list[str]:
    """The types of entry that are changes (``is_change``): what a list of changes holds."""
    from orgevents.events import ENTRY_TYPES

    return [
        t.__name__ for t in ENTRY_TYPES if issubclass(t, Change) and not issubclass(t, NOT_CHANGES)
    ]


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
    """The subject of an entry first, then every other subject it involves — the documents it
    cites among them (a document's history is everything that cites it)."""
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
    keys.extend(cited_documents(p))
    return list(dict.fromkeys(keys))


def cited_documents(p: Entry) -> list[str]:
    """The documents an entry cites: its sources, and the sources of its figures."""
    found = [s.document for s in getattr(p, "sources", ())]
    for figure in getattr(p, "figures", ()):
        found.extend(s.document for s in figure.sources)
    return found


EFFECT_NAMES = {
    Starts: "starts",
    Renames: "renames",
    Names: "names",
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


PHASES, COMPLETES = "phases", "completes"  # the meaning words of a phased change's two dates


def meaning(p: Entry, again: bool = False, step: int | None = None) -> list[str]:
    """The entry's meaning in words, for views and charts: the kind of subject it is about,
    then what it does to it (``["unit", "ends"]``, ``["responsibility", "releases", "holds"]``;
    a re-establishment ``["unit", "starts", "restarts", ...]``); amendments: ``["amends"]``.
    A phased change: on its start (``step`` 0 or None) ``phases`` and what it does then, on its
    completion (``step`` 1) ``completes`` and what it does then."""
    if isinstance(p, Amendment):
        return ["amends"]
    kind = subject_type(p)
    done: list[str] = []
    timed = timed_effects(p, again)
    chosen = effects(p, again)
    if len(timed) == 2:
        done.append(COMPLETES if step == 1 else PHASES)
        chosen = timed[1 if step == 1 else 0][1]
    for e in chosen:
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


def lives(entries: Iterable[tuple[int, Entry]], include_planned: bool = True) -> list[Life]:
    """The lives in a subject's entries that count (``(position, payload)``, any order): a
    Starts begins one, an Ends closes it — the same as the aggregates' lives, by effect (a
    phased ending closes it on its completion, when that counts: ``include_planned``)."""
    ordered = sorted(
        (
            (when.date, pos, when, done)
            for pos, p in entries
            for step, (when, done) in enumerate(timed_effects(p))
            if step == 0 or step_counts(when, include_planned)
        ),
        key=lambda x: (x[0], x[1]),
    )
    out: list[Life] = []
    for on, pos, when, done in ordered:
        for e in done:
            if isinstance(e, Starts):
                if out and out[-1].end is None:
                    out[-1] = replace(out[-1], end=on, end_effective=str(when), end_position=pos)
                out.append(Life(on, str(when), pos))
            elif isinstance(e, Ends) and out and out[-1].end is None:
                out[-1] = replace(out[-1], end=on, end_effective=str(when), end_position=pos)
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


# --- other names (official, short, abbreviation, alternative; per language) -------------------

FORMS = ("official", "short", "abbreviation", "alternative")  # in the order they are listed

OtherName = tuple[str, str, str | None]  # (name, form, language or None: the store's)


def _sorted_names(names: Iterable[OtherName]) -> tuple[OtherName, ...]:
    return tuple(sorted(names, key=lambda n: (FORMS.index(n[1]), n[2] or "", n[0])))


def names_after(current: tuple[OtherName, ...], e: Effect) -> tuple[OtherName, ...]:
    """A unit's other names after an effect: a start or a rename gives all of them anew, a
    :class:`Names` replaces those of the same form and language; the others keep them."""
    if isinstance(e, Starts | Renames):
        return _sorted_names((n.name, n.form.value, n.language) for n in e.names)
    if isinstance(e, Names):
        given = {(n.form.value, n.language): n.name for n in e.names}
        kept = [n for n in current if (n[1], n[2]) not in given]
        return _sorted_names([*kept, *((name, f, lang) for (f, lang), name in given.items())])
    return current


def name_history(entries: Iterable[tuple[int, Entry]]) -> list[dict[str, Any]]:
    """Every other name a unit had, with its form, language and validity (``from``, ``until``:
    effective dates as people read them, ``until`` None while it holds; ``from_date``,
    ``until_date`` the days they count from), in order — from the
    subject's entries that count (``(position, payload)``, any order), for ``show`` and the
    exports."""
    ordered = sorted(
        ((p.effective.date, pos, p) for pos, p in entries if isinstance(p, Change)),
        key=lambda x: (x[0], x[1]),
    )
    current: tuple[OtherName, ...] = ()
    since: dict[OtherName, Any] = {}
    out: list[dict[str, Any]] = []

    def close(name: OtherName, until: Any) -> None:
        start = since.pop(name)
        out.append(
            {
                "name": name[0],
                "form": name[1],
                "language": name[2],
                "from": str(start),
                "until": str(until) if until else None,
                "from_date": start.date.isoformat(),
                "until_date": until.date.isoformat() if until else None,
            }
        )

    for _, _, p in ordered:
        for e in effects(p):
            after = () if isinstance(e, Ends) else names_after(current, e)
            if after == current:
                continue
            for gone in current:
                if gone not in after:
                    close(gone, p.effective)
            for new in after:
                if new not in since:
                    since[new] = p.effective
            current = after
    for name in current:
        close(name, None)
    return sorted(
        out,
        key=lambda n: (n["from_date"], FORMS.index(n["form"]), n["language"] or "", n["name"]),
    )
