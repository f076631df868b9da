"""The change diagram between two dates: the org chart of the later date with what changed marked.

- established units: green;
- abolished, merged, absorbed or split units: red and dashed, kept visible under their old parent;
- renamed units: the new name, the old one shown under it;
- moved units: a dashed line from the old parent;
- transferred responsibilities: an arrow from each old holder to the new one, labelled with what
  moved (the responsibility, FTE, headcount, budget), bold for authority, thin for the work;
- responsibilities established or abolished (a reform's new and ended tasks): a note below the unit
  that performs them (or holds the authority).

Changes are those :func:`orgevents.projections.changes.diff` returns: effective after ``start``
up to and including ``end``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from orgevents.dates import counted
from orgevents.diagrams.figures import moved_figure_text
from orgevents.diagrams.labels import Markup, label, rows, swatch, text
from orgevents.diagrams.orgchart import draw, long_date
from orgevents.diagrams.styles import (
    COUNTED_LEGEND,
    MARKS,
    MUTED,
    PHASING,
    RESPONSIBILITY_GONE,
    RESPONSIBILITY_NEW,
    TRANSFER,
)
from orgevents.projections.effects import AGAIN, PHASES
from orgevents.projections.lookup import Questions
from orgevents.projections.views import ChangeView
from orgevents.projections.vocabulary import Vocabulary

if TYPE_CHECKING:
    import networkx as nx

DAY = dt.timedelta(days=1)


@dataclass
class _Transfer:
    lines: list[tuple[str, str, list[str], bool]] = field(default_factory=list)
    # (responsibility label, role, what moved, expected)


@dataclass
class _Note:
    status: str  # "new" or "abolished"
    names: list[tuple[str, bool]] = field(default_factory=list)  # (name, expected)


def _former_name(
    vocabulary: Vocabulary, details: dict[str, Any], before: nx.DiGraph, now: nx.DiGraph, unit: str
) -> str:
    """A renamed unit's old name as the chart names it (in the chart's language where the unit
    had a name in it that differs from its name now), else its old name."""
    old = str(details.get("old_name"))
    if unit not in before:
        return old
    then, current = before.nodes[unit], now.nodes[unit]
    named = vocabulary.unit_name(str(then.get("name") or old), then.get("names") or ())
    changed = named != vocabulary.unit_name(str(current.get("name")), current.get("names") or ())
    return named if changed else old


def change_chart(
    state: Questions,
    start: dt.date,
    end: dt.date,
    *,
    root: str | None = None,
    depth: int | None = None,
    max_units: int | None = None,
    expand: Iterable[str] = (),
    title: str | None = None,
    language: str | None = None,
) -> str:
    """DOT source of the change diagram: the org chart on ``end`` with the changes after
    ``start`` marked; kinds named in ``language`` (default: the store's)."""
    if end <= start:
        raise ValueError(f"the second date ({end}) must come after the first ({start})")
    changes = state.diff(start, end)
    vocabulary = Vocabulary.of(state, language)
    before, after = state.org_graph(start), state.org_graph(end)
    graph = after.copy()
    marks: dict[str, list[str]] = {}
    notes: dict[str, list[Markup]] = {}
    moves: dict[str, str] = {}  # unit → its parent on ``start``

    def mark(unit: str, what: str, note: str | None = None) -> None:
        if what not in marks.setdefault(unit, []):
            marks[unit].append(what)
        if note:
            notes.setdefault(unit, []).append(text(note, width=34, size=8.5, italic=True))

    for change in changes:
        unit = change.subject["id"]
        d = change.details
        does = set(change.meaning)
        if "unit" not in does:
            continue
        if "starts" in does and unit in graph:
            if AGAIN in does:  # ended before: one box, the same unit in a new life
                if "abolished" in marks.get(unit, []):
                    marks[unit].remove("abolished")
                mark(unit, "reestablished")
            else:
                mark(unit, "added")
        elif "ends" in does:
            if unit not in before:
                continue
            if unit not in graph:
                graph.add_node(unit, **before.nodes[unit])
                for parent in before.predecessors(unit):
                    if parent in graph:
                        graph.add_edge(parent, unit)
            into = d.get("into")
            targets = into if isinstance(into, list) else [into] if into else []
            verb = {"UnitMerged": "merged into", "UnitAbsorbed": "absorbed into"}.get(
                change.type, "split into"
            )
            note = f"{verb} {', '.join(state.label(t, end) for t in targets)}" if targets else None
            mark(unit, "abolished", note)
        elif "renames" in does and unit in graph:
            mark(unit, "renamed", f"formerly {_former_name(vocabulary, d, before, graph, unit)}")
        elif "moves" in does and unit in graph and unit in before:
            old = next(iter(before.predecessors(unit)), None)
            if old is not None and old != next(iter(after.predecessors(unit)), None):
                moves.setdefault(unit, old)
                mark(unit, "moved", f"moved from {state.label(old, start)}")
        if unit in graph and (dated := _dated(change)):
            notes.setdefault(unit, []).append(text(dated, width=34, size=8, color=MUTED))
    for unit in marks:
        if {"added", "reestablished"} & set(marks[unit]) and "moved" in marks[unit]:
            marks[unit].remove("moved")
            moves.pop(unit, None)

    first = title or (
        f"Changes on {long_date(end)}"
        if end - start == DAY
        else f"Changes from {long_date(start)} to {long_date(end)}"
    )
    subtitle = (
        f"the organisation on {end.isoformat()}, with what changed after {start.isoformat()}"
        + ("" if changes else " — nothing changed")
    )
    legend = _legend(changes, marks)
    dot, selection = draw(
        graph,
        end,
        title=first,
        subtitle=subtitle,
        root=root,
        depth=depth,
        max_units=max_units,
        expand=expand,
        marks=marks,
        notes=notes,
        legend=legend,
        vocabulary=vocabulary,
    )

    def box(unit: str) -> str | None:
        return selection.box_of(graph, unit)

    for unit, old in sorted(moves.items()):
        tail, head = box(old), box(unit)
        if tail and head and tail != head:
            dot.edge(
                tail,
                head,
                style="dashed",
                color=MARKS["moved"].colour,
                penwidth=2,
                arrowhead="normal",
                weight=0,
            )

    transfers: dict[tuple[tuple[str, ...], str], _Transfer] = {}
    responsibility_notes: dict[tuple[str, str], _Note] = {}
    for change in changes:
        d = change.details
        does = set(change.meaning)
        if "responsibility" not in does:
            continue
        if "holds" in does and ("releases" in does or PHASES in does):  # a transfer
            head = box(str(d["to_unit"]))
            tails = tuple(
                dict.fromkeys(t for t in (box(str(u)) for u in d["from_units"]) if t and t != head)
            )
            if head and tails:
                transfers.setdefault((tails, head), _Transfer()).lines.append(
                    (
                        state.label(change.subject["id"], end),
                        str(d["role"]),
                        [
                            *moved_figure_text(d.get("figures") or []),
                            *(
                                [f"phased in, complete by {d['phase']['until']}"]
                                if PHASES in does
                                else []
                            ),
                            *filter(None, [_dated(change)]),
                        ],
                        change.effective_qualifier == "expected",
                    )
                )
        elif "starts" in does or "ends" in does or PHASES in does:
            _add_note(state, change, start, end, box, responsibility_notes)

    for index, ((tails, head), transfer) in enumerate(sorted(transfers.items())):
        authority = any(role == "authority" for _, role, _, _ in transfer.lines)
        expected = all(exp for *_, exp in transfer.lines)
        node = f"_moved{index}"
        line = {
            "color": TRANSFER,
            "penwidth": 2.4 if authority else 1.5,
            "style": "dashed" if expected else "solid",
            "constraint": False,
        }
        with (
            dot.subgraph(selection.cluster_of.get(head, f"_around{index}")) as around,
            around.subgraph(f"_rank{index}", rank="same") as same,
        ):
            same.node(
                node,
                shape="box",
                style="rounded,filled,dashed" if expected else "rounded,filled",
                fillcolor="#f6effa",
                color=TRANSFER,
                penwidth=line["penwidth"],
                label=label(
                    _transfer_label(
                        transfer, "from " + ", ".join(state.label(t, start) for t in tails)
                    )
                ),
            )
            same.node(head)
        for tail in tails:
            dot.edge(tail, node, arrowhead="none", **line)
        dot.edge(node, head, arrowhead="normal", arrowsize=1.1, **line)
    for index, ((unit, status), tasks) in enumerate(sorted(responsibility_notes.items())):
        colour = {"new": RESPONSIBILITY_NEW, "phasing": PHASING}.get(status, RESPONSIBILITY_GONE)
        node = f"_task{index}"
        word = {"new": "NEW TASKS", "phasing": "TASKS BEING PHASED OUT"}.get(status, "TASKS ENDED")
        lines = [
            text(
                name + (" (expected)" if expected else ""),
                width=34,
                size=8.5,
                strike=status == "abolished",
                color="#1a1a1a",
            )
            for name, expected in tasks.names
        ]
        dot.node(
            node,
            shape="note",
            style={"abolished": "filled,dashed", "phasing": "filled,dotted"}.get(status, "filled"),
            fillcolor={"abolished": "#fbe5e5", "phasing": "#fdf0e4"}.get(status, "#e3f3e1"),
            color=colour,
            penwidth=1.6,
            label=label(rows(text(word, size=8, bold=True, color=colour), *lines)),
        )
        dot.edge(unit, node, color=colour, style="dashed", arrowhead="none", penwidth=1.4)
    return dot.source


def _add_note(
    state: Questions,
    change: ChangeView,
    start: dt.date,
    end: dt.date,
    box: Any,
    notes: dict[tuple[str, str], _Note],
) -> None:
    key = change.subject["id"]
    if state.kind_of(key) != "responsibility":
        return  # a planned responsibility, and the chart leaves planned changes out
    status = (
        "new"
        if "starts" in change.meaning
        else "phasing"
        if PHASES in change.meaning
        else "abolished"
    )
    on = end if status != "abolished" else start
    held = state.holdings(key, on)
    performers = [unit for role, unit in held if role == "performer"]
    holders = performers or [unit for _, unit in held]
    if not holders:
        return
    unit = box(holders[0])
    if unit is None:
        return
    note = notes.setdefault((unit, status), _Note(status))
    name = state.responsibility_name(key, on)
    if status == "phasing":
        name += f" (complete by {change.details['phase']['until']})"
    note.names.append((name, change.effective_qualifier == "expected"))


_ROLE_WORDS = {"authority": "authority", "administrative": "administrative authority"}


def _dated(change: ChangeView) -> str | None:
    """ "dated 1995/1996: counted from 1995-01-01" for a change the counting rule dates."""
    found = counted(change.effective)
    return f"{DATED} {found[0]}: counted from {found[1]}" if found else None


DATED = "dated"


def _transfer_label(transfer: _Transfer, heading: str) -> Markup:
    cells: list[Markup | None] = [
        text(heading.upper(), width=34, size=7.5, bold=True, color=TRANSFER)
    ]
    for name, role, moved, expected in transfer.lines:
        role_word = _ROLE_WORDS.get(role, "work")
        cells.append(
            text(
                f"{name} ({role_word}{', expected' if expected else ''})",
                width=30,
                size=8.5,
                bold=role == "authority",
                color=TRANSFER,
            )
        )
        cells.extend(text(line, width=40, size=8, color=MUTED) for line in moved)
    return rows(*cells)


def _legend(changes: list[ChangeView], marks: dict[str, list[str]]) -> list[tuple[Markup, Markup]]:
    used = {m for ms in marks.values() for m in ms}
    entries = [
        (
            swatch(
                MARKS[m].fill or "#ffffff",
                MARKS[m].colour,
                text(" ", size=6),
                dashed=MARKS[m].dashed,
            ),
            text(MARKS[m].word, size=9),
        )
        for m in MARKS
        if m in used
    ]
    if any(counted(c.effective) for c in changes):
        entries.append(
            (
                Markup(f"<TD>{text(DATED, size=8, color=MUTED)}</TD>"),
                text(COUNTED_LEGEND, size=9),
            )
        )
    types = {c.type for c in changes}
    if "ResponsibilityTransferred" in types:
        moved = {c.details.get("role") for c in changes if c.type == "ResponsibilityTransferred"}
        for role, word in (
            ("authority", "authority moved"),
            ("administrative", "administrative authority moved"),
            ("performer", "the work moved"),
        ):
            if role == "administrative" and role not in moved:
                continue
            arrow = text("⟶", size=14, bold=role == "authority", color=TRANSFER)
            entries.append(
                (Markup(f"<TD>{arrow}</TD>"), text(f"{word}: old holder → new holder", size=9))
            )
    if types & {"ResponsibilityDefined", "ResponsibilityAbolished"}:
        entries.append(
            (
                swatch("#e3f3e1", RESPONSIBILITY_NEW, text(" ", size=6)),
                text("new tasks, below the unit doing them", size=9),
            )
        )
        entries.append(
            (
                swatch("#fbe5e5", RESPONSIBILITY_GONE, text(" ", size=6), dashed=True),
                text("tasks ended", size=9),
            )
        )
    if any(PHASES in c.meaning and "holds" not in c.meaning for c in changes):
        entries.append(
            (
                swatch("#fdf0e4", PHASING, text(" ", size=6), dotted=True),
                text("tasks or units being phased out (from this date, complete later)", size=9),
            )
        )
    return entries
