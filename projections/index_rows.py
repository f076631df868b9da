"""The rows of the SQL temporal index for one unit or responsibility — a pure function.

Given the entries of one subject that count now (each in its latest version, with the position of
the original in the log, amendments applied), the index holds the subject's *validity intervals*:
each row says "from effective date ``e_from`` until the day before ``e_to`` the subject looked like
this". The fold (:mod:`.fold`) answers "as of D" with a binary search over change points; a row
here is the same answer written out for every D between two change points, which is what lets SQL
find every unit in force on D with one interval-stabbing query instead of a per-key search.

Rows come in four kinds:

- ``UnitRow`` — the unit's state (in force or not, name, abbreviation, parent, kind, other
  names);
- ``FigureRow`` — one figure, for the days the unit is in force from the figure's date on;
- ``ResponsibilityRow`` — the responsibility's state (in force or not, name, abbreviation);
- ``HoldingRow`` — one unit holding one role, with the entry that gave it, while the
  responsibility is in force.

``variants`` says which views a row belongs to: bit 1 enacted changes only (the default), bit 2
with expected and planned changes (``--include-planned``); a row in both has 3. The same rules as
the fold decide which entries count and how ties on a date are broken (recorded order).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple, TypeVar

if TYPE_CHECKING:  # the rows are read without the event models; only writing needs them
    from orgevents.events import Entry

S = TypeVar("S")

FOREVER = 2**31 - 1  # an open end, on either axis (fits SQLite's rtree_i32)
ENACTED, PLANNED = 1, 2  # the variant bits


STARTING_ENTRIES = ("UnitEstablished", "ResponsibilityDefined")
"""The entry types that start a life (:class:`.effects.Starts`)."""


class UnitRow(NamedTuple):
    e_from: int
    e_to: int
    variants: int
    alive: int  # 1 or 0, as stored
    name: str | None
    abbreviation: str | None
    parent: str | None
    kind: str
    established_at: int  # position of the establishment: the fold's order of units
    names: str  # its other names (official, short, ... per language) as JSON; "" for none


class FigureRow(NamedTuple):
    e_from: int
    e_to: int
    variants: int
    e_date: int  # the figure's own effective date
    position: int
    seq: int  # its place in the entry's list
    effective: str  # the entry's effective date as people read it
    figure: str  # the Figure as JSON


class ResponsibilityRow(NamedTuple):
    e_from: int
    e_to: int
    variants: int
    alive: int
    name: str | None
    abbreviation: str | None
    defined_at: int  # position of the definition: the fold lists responsibilities in that order


class HoldingRow(NamedTuple):
    e_from: int
    e_to: int
    variants: int
    role: str
    unit: str
    position: int  # of the entry that gave the role
    since: str  # that entry's effective date as people read it
    expected: int  # 1: an expected change


class Point(NamedTuple):
    """One entry of the subject as the index reads it (computed once per entry version)."""

    day: int  # effective date as a day number
    position: int  # of the original entry in the log
    planned: bool  # expected or planned: left out of the enacted-only variant
    effective: str  # the effective date as people read it
    expected: bool
    payload: Entry


def point(position: int, payload: Entry) -> Point:
    from orgevents.dates import Qualifier
    from orgevents.events import Change

    assert isinstance(payload, Change)
    eff = payload.effective
    return Point(
        eff.date.toordinal(),
        position,
        eff.is_planned,
        str(eff),
        eff.qualifier is Qualifier.EXPECTED,
        payload,
    )


def day(on: dt.date) -> int:
    return on.toordinal()


class Step(NamedTuple):
    """What one entry does on one date (a phased change has two: its start and completion)."""

    day: int
    position: int
    effective: str  # the step's date as people read it
    expected: bool  # the entry's effective date is expected
    effects: list[Any]


def _variant(points: Sequence[Point], include_planned: bool) -> list[Step]:
    """The steps that count in a variant, in as-of order (date, then recorded order): each
    entry's effects on the date they happen (``effects.timed_effects``)."""
    from orgevents.projections.effects import step_counts, timed_effects

    chosen = []
    for p in points:
        if p.planned and not include_planned:
            continue
        for i, (when, done) in enumerate(timed_effects(p.payload)):
            if i == 0:
                chosen.append(Step(p.day, p.position, p.effective, p.expected, done))
            elif step_counts(when, include_planned):
                chosen.append(Step(when.date.toordinal(), p.position, str(when), False, done))
    chosen.sort(key=lambda p: (p.day, p.position))
    return chosen


def _planned(p: Point) -> bool:
    """The point has a step only a view with planned changes counts (its own date, or a
    phased change's completion)."""
    from orgevents.projections.effects import phased_until

    until = phased_until(p.payload)
    return p.planned or (until is not None and until.is_planned)


def _both(rows_e: Iterable[tuple[Any, ...]], rows_p: Iterable[tuple[Any, ...]]) -> list[Any]:
    """Rows of the two variants, with ``variants`` set: shared rows once, with both bits."""
    if rows_p is rows_e:  # no planned changes: every row is in both
        return [(r[0], r[1], ENACTED | PLANNED, *r[2:]) for r in rows_e]
    bits: dict[tuple[Any, ...], int] = {}
    for row in rows_e:
        bits[row] = bits.get(row, 0) | ENACTED
    for row in rows_p:
        bits[row] = bits.get(row, 0) | PLANNED
    return [(r[0], r[1], b, *r[2:]) for r, b in bits.items()]


def _intervals(points: list[tuple[int, S]]) -> list[tuple[int, int, S]]:
    """(day, state after that change) in as-of order → intervals ``[start, end)`` of constant
    state; the last change of a day decides that day, and the last interval is open."""
    starts: list[tuple[int, S]] = []
    for on, state in points:
        if starts and starts[-1][0] == on:
            starts[-1] = (on, state)
        elif not starts or starts[-1][1] != state:
            starts.append((on, state))
    merged: list[tuple[int, S]] = []
    for on, state in starts:
        if not merged or merged[-1][1] != state:
            merged.append((on, state))
    return [
        (on, merged[i + 1][0] if i + 1 < len(merged) else FOREVER, state)
        for i, (on, state) in enumerate(merged)
    ]


# --- units -------------------------------------------------------------------------------------


def unit_rows(points: Sequence[Point]) -> tuple[list[UnitRow], list[FigureRow]]:
    """The rows of one unit, from the points of its entries that count now."""
    units_e, figures_e = _unit_variant(points, include_planned=False)
    if any(_planned(p) for p in points):
        units_p, figures_p = _unit_variant(points, include_planned=True)
    else:
        units_p, figures_p = units_e, figures_e
    units = [UnitRow(*r) for r in _both(units_e, units_p)]
    figures = [FigureRow(*r) for r in _both(figures_e, figures_p)]
    return units, figures


def _unit_variant(points: Sequence[Point], include_planned: bool) -> tuple[list[Any], list[Any]]:
    from orgevents.projections.effects import (
        Ends,
        Figures,
        Moves,
        Names,
        OtherName,
        Renames,
        Starts,
        names_after,
    )

    chosen = _variant(points, include_planned)
    established = [
        (c.position, e.kind)
        for c in chosen
        for e in c.effects
        if isinstance(e, Starts) and e.kind is not None
    ]
    if not established:
        return [], []  # the fold does not know the unit in this variant
    established_at, kind = min(established, key=lambda x: x[0])
    alive, name, abbreviation, parent = 0, None, None, None
    others: tuple[OtherName, ...] = ()
    # the kind is of the life on the day (a unit established again may change kind)
    states: list[tuple[int, tuple[int, str | None, str | None, str | None, str, str]]] = []
    figures: list[tuple[int, int, int, str, str]] = []  # (day, position, seq, effective, json)
    started = False  # entries before the first establishment that counts here are left out
    for on, pos, text, _, done in chosen:  # (of an earlier life only expected or planned)
        for e in done:
            if isinstance(e, Starts):
                alive, name, abbreviation, parent = 1, e.name, e.abbreviation, e.parent
                kind = e.kind or kind
                others = names_after(others, e)
                started = True
            elif not started:
                continue
            elif isinstance(e, Renames):
                name = e.name
                if e.abbreviation is not None:
                    abbreviation = e.abbreviation
                others = names_after(others, e)
            elif isinstance(e, Names):
                others = names_after(others, e)
            elif isinstance(e, Moves):
                parent = e.parent
            elif isinstance(e, Ends):
                alive = 0
            elif isinstance(e, Figures):
                for seq, fig in enumerate(e.figures):
                    figures.append((on, pos, seq, text, fig.model_dump_json()))
        if started:
            states.append((on, (alive, name, abbreviation, parent, kind, names_json(others))))
    versions = _intervals(states)
    rows = [(a, b, *state[:5], established_at, state[5]) for a, b, state in versions]
    in_force = [(a, b) for a, b, state in versions if state[0]]
    # a figure counts in the life it was recorded in: not after a later establishment
    starts = sorted({c.day for c in chosen for e in c.effects if isinstance(e, Starts)})
    figure_rows = []
    for on, pos, seq, text, fig_json in figures:
        until = next((s for s in starts if s > on), FOREVER)
        for a, b in in_force:
            if b > on and a < until:
                figure_rows.append((max(a, on), min(b, until), on, pos, seq, text, fig_json))
    return rows, figure_rows


def names_json(names: Sequence[tuple[str, str, str | None]]) -> str:
    """Other names as the index keeps them: ``[[name, form, language], ...]``, "" for none."""
    import json

    return json.dumps([list(n) for n in names], ensure_ascii=False) if names else ""


def names_of(stored: str | None) -> tuple[tuple[str, str, str | None], ...]:
    """The other names from the index's column (:func:`names_json`)."""
    import json

    return tuple((n, f, lang) for n, f, lang in json.loads(stored)) if stored else ()


# --- responsibilities --------------------------------------------------------------------------


def responsibility_rows(
    points: Sequence[Point],
) -> tuple[list[ResponsibilityRow], list[HoldingRow]]:
    """The rows of one responsibility, from the points of its entries that count now."""
    resp_e, hold_e = _responsibility_variant(points, include_planned=False)
    if any(_planned(p) for p in points):
        resp_p, hold_p = _responsibility_variant(points, include_planned=True)
    else:
        resp_p, hold_p = resp_e, hold_e
    return (
        [ResponsibilityRow(*r) for r in _both(resp_e, resp_p)],
        [HoldingRow(*r) for r in _both(hold_e, hold_p)],
    )


Holding = tuple[int, str, int]  # position, since, expected


def _responsibility_variant(
    points: Sequence[Point], include_planned: bool
) -> tuple[list[Any], list[Any]]:
    from orgevents.projections.effects import Ends, Holds, Releases, Starts

    chosen = _variant(points, include_planned)
    defined = [c.position for c in chosen if any(isinstance(e, Starts) for e in c.effects)]
    if not defined:
        return [], []
    defined_at = min(defined)
    alive, name, abbreviation = 0, None, None
    states: list[tuple[int, tuple[int, str | None, str | None]]] = []
    holding: dict[tuple[str, str], list[tuple[int, Holding | None]]] = {}
    started = False  # as for units: nothing before the first definition that counts here
    for on, pos, text, expected, done in chosen:
        state_changed = False
        for e in done:
            if isinstance(e, Starts):
                alive, name, abbreviation = 1, e.name, e.abbreviation
                state_changed = started = True
            elif not started:
                continue
            elif isinstance(e, Ends):
                alive = 0
                state_changed = True
                for timeline in holding.values():  # an abolition releases every role: none
                    timeline.append((on, None))  # comes back with a new life
            elif isinstance(e, Holds):
                holding.setdefault((e.role, e.unit), []).append((on, (pos, text, int(expected))))
            elif isinstance(e, Releases):
                holding.setdefault((e.role, e.unit), []).append((on, None))
        if state_changed:
            states.append((on, (alive, name, abbreviation)))
    rows = [(a, b, *state, defined_at) for a, b, state in _intervals(states)]
    # a role counts only while the responsibility is in force (as in the fold's ``holdings``):
    # clipping keeps the roles of abolished responsibilities out of every later stab
    in_force = [(a, b) for a, b, alive, *_ in rows if alive]
    holdings = []
    for (role, unit), timeline in holding.items():
        for a, b, held in _intervals(timeline):
            if held is None:
                continue
            for start, end in in_force:
                if start < b and a < end:
                    holdings.append((max(a, start), min(b, end), role, unit, *held))
    return rows, holdings
