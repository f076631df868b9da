"""The org chart as of a date: council → committees → administrations → centres → units.

Each administration is drawn as a cluster together with the committee it serves (the pair the
council's structure is built on); every kind of unit has its own style (:mod:`.styles`); each box
shows the unit's name, abbreviation and the figures known on the date. Units without a parent
(external partners) sit apart at the bottom, beside the legend.

Big organisations: ``root`` draws one unit and what lies below it, ``depth`` stops after that many
levels, ``max_units`` picks the deepest level that keeps the chart at or under that many boxes,
``expand`` opens chosen units below that cut (the page's "+N below" boxes). A unit whose children
are not drawn becomes one box with a count of what it holds (its SVG group has the class
``collapsed``).
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
from collections import Counter, deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import networkx as nx

from orgevents.diagrams.dotgraph import Dot
from orgevents.diagrams.figures import unit_figure_lines
from orgevents.diagrams.labels import (
    HtmlLabel,
    Markup,
    label,
    plain,
    rows,
    swatch,
    swatch_table,
    text,
)
from orgevents.diagrams.styles import (
    CLUSTER_BORDER,
    CLUSTER_FILL,
    DEFAULT_VOCABULARY,
    EDGE,
    FONT,
    MARKS,
    MUTED,
    PHASING,
    TEXT,
    kind_style,
)
from orgevents.errors import NotFoundError
from orgevents.projections.lookup import Questions
from orgevents.projections.textsearch import fold
from orgevents.projections.vocabulary import Vocabulary

NAME_WIDTH = 24
FAN_OUT = 5  # more children than this under one unit are drawn in several rows
STAGGER_UP_TO = 200  # rows of children only in charts up to this many boxes (6× slower at 5,000)
GRID_FROM = 24  # this many plain units under one unit are drawn as a grid in a box of their own
GRID_WIDTH = 12  # at most this many boxes in a row of such a grid
LIST_FROM = 4  # a centre with this many plain sub-units lists them inside its box
LISTING_KINDS = {"centre", "office", "team", "institution", "taskforce", "external"}
MONTHS = [
    "January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December",
]  # fmt: skip


def long_date(on: dt.date) -> str:
    return f"{on.day} {MONTHS[on.month - 1]} {on.year}"


@dataclass
class Selection:
    """Which units a chart draws: a tree cut at ``limit`` levels, and what each cut box holds."""

    shown: list[str]
    level: dict[str, int]
    tops: list[str]
    outside: list[str]
    collapsed: dict[str, Counter[str]] = field(default_factory=dict)
    limit: int | None = None
    drawn: list[str] = field(default_factory=list)  # units with a box of their own
    cluster_of: dict[str, str] = field(default_factory=dict)  # unit → its cluster's name
    inside: dict[str, str] = field(default_factory=dict)  # unit listed in → its parent's box

    def box_of(self, graph: nx.DiGraph, unit: str) -> str | None:
        """The box a unit is drawn in: its own, its parent's (listed or collapsed), or None."""
        drawn = set(self.drawn)
        current: str | None = unit
        seen: set[str] = set()
        while current is not None and current not in seen:
            if current in drawn:
                return current
            if current in self.inside:
                return self.inside[current]
            seen.add(current)
            parents = list(graph.predecessors(current)) if current in graph else []
            current = parents[0] if parents else None
        return None

    @property
    def hidden(self) -> int:
        return sum(sum(c.values()) for c in self.collapsed.values())


def select(
    graph: nx.DiGraph,
    *,
    root: str | None = None,
    depth: int | None = None,
    max_units: int | None = None,
    expand: Iterable[str] = (),
    on: dt.date | None = None,
) -> Selection:
    """The units to draw: below ``root`` (default: everything), at most ``depth`` levels below
    the top, and no more than ``max_units`` boxes (by cutting whole levels); the children of a
    drawn unit in ``expand`` are drawn whatever the cut (ids not in the chart are ignored)."""
    if root is not None:
        if root not in graph:
            raise NotFoundError(root, f"unit in force on {on}" if on else "unit")
        tops, outside = [root], []
    else:
        tops = [n for n in graph if graph.in_degree(n) == 0 and graph.out_degree(n) > 0]
        outside = [n for n in graph if graph.in_degree(n) == 0 and graph.out_degree(n) == 0]
        if not tops:
            tops, outside = outside, []
    level: dict[str, int] = {}
    queue = deque((t, 0) for t in tops)
    while queue:
        node, lvl = queue.popleft()
        if node in level:
            continue
        level[node] = lvl
        queue.extend((child, lvl + 1) for child in graph.successors(node))
    limit = depth
    if max_units:
        per_level = Counter(level.values())
        budget = max_units - len(outside)
        total, fit = 0, 0
        for lvl in sorted(per_level):
            total += per_level[lvl]
            if total > budget:
                break
            fit = lvl
        if total > budget:
            limit = fit if limit is None else min(limit, fit)
    opened = set(expand)
    visible = {n for n in level if limit is None or level[n] <= limit}
    opening = deque(n for n in visible if n in opened)
    while opening:  # the children of an opened unit, and theirs if opened too
        unit = opening.popleft()
        for child in graph.successors(unit):
            if child not in visible:
                visible.add(child)
                if child in opened:
                    opening.append(child)
    shown = [n for n in graph if n in visible]
    selection = Selection(shown, level, tops, outside, limit=limit)
    for node in shown:
        if graph.out_degree(node) and not any(c in visible for c in graph.successors(node)):
            below = nx.descendants(graph, node)
            selection.collapsed[node] = Counter(graph.nodes[n]["kind"] for n in below)
    selection.shown += outside
    return selection


def unit_label(
    attributes: dict[str, object],
    on: dt.date,
    *,
    marks: Iterable[str] = (),
    notes: Iterable[Markup] = (),
    hidden: Counter[str] | None = None,
    listed: Iterable[str] = (),
    vocabulary: Vocabulary = DEFAULT_VOCABULARY,
) -> HtmlLabel:
    """A unit's box: change tags, name, abbreviation, notes, figures, the units listed inside it,
    what a collapsed box holds."""
    marks = list(marks)
    others: Any = attributes.get("names") or ()
    name = vocabulary.unit_name(str(attributes.get("name") or ""), others)
    abbreviation = vocabulary.unit_abbreviation(
        str(attributes.get("abbreviation") or "") or None, others
    )
    tags = (
        text(
            " · ".join(MARKS[m].tag for m in marks), size=8, bold=True, color=MARKS[marks[0]].colour
        )
        if marks
        else None
    )
    gone = "abolished" in marks
    cells: list[Markup | None] = [
        tags,
        text(name, width=NAME_WIDTH, size=11, bold=True, strike=gone, color=TEXT),
    ]
    if abbreviation and abbreviation != name:
        cells.append(text(str(abbreviation), size=9.5, color=MUTED))
    if attributes.get("phase"):
        cells.append(text(str(attributes["phase"]), width=NAME_WIDTH + 6, size=8, color=PHASING))
    cells.extend(notes)
    figures = attributes.get("figures") or []
    assert isinstance(figures, list)
    for line in unit_figure_lines(figures, on):
        cells.append(text(line, size=8, color=MUTED))
    listed = list(listed)
    if listed:
        cells.append(
            rows(
                *(text(f"▸ {name}", width=NAME_WIDTH + 8, size=9, color=TEXT) for name in listed),
                align="LEFT",
            )
        )
    if hidden:
        count = sum(hidden.values())
        kinds = ", ".join(
            f"{n} {vocabulary.label(k)}"
            for k, n in sorted(hidden.items(), key=lambda kv: vocabulary.rank(kv[0]))
        )
        cells.append(
            text(f"+ {count} unit{'s' if count != 1 else ''} below: {kinds}", size=8.5, italic=True)
        )
    return label(rows(*cells))


def with_record_date(subtitle: str | None, graph: nx.Graph) -> str | None:
    """Add "as recorded up to T" when the graph shows only what was known at T."""
    known_at = graph.graph.get("known_at")
    if known_at is None:
        return subtitle
    recorded = f"as recorded up to {known_at:%Y-%m-%d %H:%M} UTC"
    return f"{subtitle} · {recorded}" if subtitle else recorded


def title_label(title: str, subtitle: str | None = None) -> HtmlLabel:
    return label(
        rows(
            text(title, size=18, bold=True, color=TEXT),
            text(subtitle, size=10, color=MUTED) if subtitle else None,
        )
    )


def clusters(graph: nx.DiGraph, selection: Selection) -> dict[str, str]:
    """Unit → the administration whose cluster it is drawn in (committees with their pair)."""
    shown = set(selection.shown)
    found: dict[str, str] = {}
    for node in selection.shown:
        current: str | None = node
        seen = set()
        while current is not None and current in shown and current not in seen:
            seen.add(current)
            if graph.nodes[current]["kind"] == "administration":
                found[node] = current
                break
            parents = [p for p in graph.predecessors(current) if p in shown]
            current = parents[0] if parents else None
    for node in selection.shown:
        if graph.nodes[node]["kind"] == "committee" and node not in found:
            admins = [
                c
                for c in graph.successors(node)
                if c in shown and graph.nodes[c]["kind"] == "administration"
            ]
            if len(admins) == 1:
                found[node] = admins[0]
    return found


def listed_children(
    graph: nx.DiGraph, selection: Selection, marks: dict[str, list[str]]
) -> dict[str, list[str]]:
    """Units listed by name inside their parent's box instead of drawn as boxes of their own:
    the plain sub-units (no units below, no figures, no change marks) of a centre or smaller
    unit that has at least :data:`LIST_FROM` of them."""
    shown = set(selection.shown)
    found: dict[str, list[str]] = {}
    for parent in selection.shown:
        if graph.nodes[parent]["kind"] not in LISTING_KINDS or parent in selection.collapsed:
            continue
        plain_kids = [
            c
            for c in graph.successors(parent)
            if c in shown
            and c not in selection.collapsed
            and not any(g in shown for g in graph.successors(c))
            and not graph.nodes[c].get("figures")
            and not marks.get(c)
        ]
        if len(plain_kids) >= LIST_FROM:
            found[parent] = plain_kids
    return found


def child_rows(
    graph: nx.DiGraph,
    selection: Selection,
    parent: str,
    shown: set[str],
    vocabulary: Vocabulary = DEFAULT_VOCABULARY,
) -> dict[str, int]:
    """Children of a unit with many children, spread over several rows: units with units below
    them first, then by kind; each child → its extra row (0 for the first)."""
    kids = [c for c in graph.successors(parent) if c in shown]
    if len(kids) <= FAN_OUT:
        return {}

    def leaf(c: str) -> bool:
        return not any(g in shown for g in graph.successors(c))

    ordered = sorted(kids, key=lambda c: (leaf(c), vocabulary.rank(graph.nodes[c]["kind"])))
    per_row = math.ceil(len(kids) / math.ceil(len(kids) / FAN_OUT))
    return {c: i // per_row for i, c in enumerate(ordered) if leaf(c)}


def grids(graph: nx.DiGraph, drawn: list[str], cluster_of: dict[str, str]) -> dict[str, list[str]]:
    """Units with :data:`GRID_FROM` or more plain children (no units drawn below them, not in an
    administration's cluster) → those children by name: a département's communes, a ministry's
    many offices. They are drawn as a grid in a box under their parent, one line to the box,
    instead of a fan of hundreds of lines."""
    shown = set(drawn)
    found: dict[str, list[str]] = {}
    for parent in drawn:
        kids = [
            c
            for c in graph.successors(parent)
            if c in shown
            and c not in cluster_of
            and not any(g in shown for g in graph.successors(c))
        ]
        if len(kids) >= GRID_FROM:
            found[parent] = sorted(
                kids, key=lambda c: (fold(str(graph.nodes[c].get("name") or c)), c)
            )
    return found


def draw(
    graph: nx.DiGraph,
    on: dt.date,
    *,
    title: str,
    subtitle: str | None = None,
    root: str | None = None,
    depth: int | None = None,
    max_units: int | None = None,
    expand: Iterable[str] = (),
    marks: dict[str, list[str]] | None = None,
    notes: dict[str, list[Markup]] | None = None,
    legend: list[tuple[Markup, Markup]] | None = None,
    vocabulary: Vocabulary = DEFAULT_VOCABULARY,
) -> tuple[Dot, Selection]:
    """The org chart of ``graph`` (as :func:`structure.org_graph` makes it), ready for extra
    edges (the change diagram adds moves and transfers); kinds drawn and named as
    ``vocabulary`` says."""
    marks, notes = marks or {}, notes or {}
    subtitle = with_record_date(subtitle, graph)
    selection = select(graph, root=root, depth=depth, max_units=max_units, expand=expand, on=on)
    if root is not None:  # the title names the part drawn
        title = f"{title} — {graph.nodes[root].get('name') or root} ({root})"
    if selection.hidden:
        extra = f"{selection.hidden} units below level {selection.limit} drawn as counts"
        subtitle = f"{subtitle} · {extra}" if subtitle else extra
    dot = Dot.digraph(
        graph={
            "rankdir": "TB",
            "newrank": True,
            "nodesep": 0.25,
            "ranksep": 0.5,
            "fontname": FONT,
            "labelloc": "t",
            "label": title_label(title, subtitle),
            "pad": 0.3,
            "outputorder": "edgesfirst",
            "bgcolor": "white",
        },
        node={"fontname": FONT, "fontsize": 10, "margin": "0.12,0.06", "fontcolor": TEXT},
        edge={"color": EDGE, "arrowhead": "none", "penwidth": 1.2, "fontname": FONT},
    )

    listed = listed_children(graph, selection, marks)
    selection.inside = {c: parent for parent, kids in listed.items() for c in kids}
    drawn = selection.drawn = [n for n in selection.shown if n not in selection.inside]

    def add_node(target: Dot, node: str) -> None:
        attributes = graph.nodes[node]
        kind = str(attributes["kind"])
        style = kind_style(kind, vocabulary).attributes()
        node_marks = marks.get(node, [])
        if node_marks:
            mark = MARKS[node_marks[0]]
            style.update(color=mark.colour, penwidth=3)
            if mark.fill:
                style["fillcolor"] = mark.fill
            if mark.dashed:
                style["style"] = "dashed,filled"
        if attributes.get("phase"):  # being phased out: a dotted border in the phasing colour
            style.update(color=PHASING, style="dotted,filled", penwidth=2)
        target.node(
            node,
            label=unit_label(
                attributes,
                on,
                marks=node_marks,
                notes=notes.get(node, []),
                hidden=selection.collapsed.get(node),
                listed=[
                    vocabulary.unit_name(
                        str(graph.nodes[c]["name"]), graph.nodes[c].get("names") or ()
                    )
                    for c in listed.get(node, [])
                ],
                vocabulary=vocabulary,
            ),
            **style,
            **({"class": "collapsed"} if node in selection.collapsed else {}),
        )

    cluster_of = clusters(graph, selection)
    selection.cluster_of = {unit: f"cluster_{admin}" for unit, admin in cluster_of.items()}
    outside = set(selection.outside)
    gridded = grids(graph, drawn, cluster_of)
    in_grid = {kid: parent for parent, kids in gridded.items() for kid in kids}
    for node in drawn:
        if node not in cluster_of and node not in outside and node not in in_grid:
            add_node(dot, node)
    members: dict[str, list[str]] = {}
    for node in drawn:
        if node in cluster_of:
            members.setdefault(cluster_of[node], []).append(node)
    for admin, inside in members.items():
        with dot.subgraph(
            f"cluster_{admin}",
            style="rounded,filled",
            fillcolor=CLUSTER_FILL,
            color=CLUSTER_BORDER,
            penwidth=1.0,
            margin=10,
            label=plain(""),
        ) as sub:
            for node in inside:
                add_node(sub, node)

    for parent, kids in gridded.items():
        name = f"cluster_grid_{parent}"
        per_row = min(GRID_WIDTH, max(FAN_OUT, math.ceil(math.sqrt(len(kids) * 2))))
        with dot.subgraph(
            name,
            style="rounded,dashed",
            color=CLUSTER_BORDER,
            margin=10,
            label=label(
                text(
                    f"{len(kids)} units under {graph.nodes[parent].get('name') or parent}",
                    size=10,
                    color=MUTED,
                )
            ),
        ) as sub:
            for start in range(0, len(kids), per_row):
                row = kids[start : start + per_row]
                with sub.subgraph(f"_row_{start}_{parent}", rank="same") as same:
                    for node in row:
                        add_node(same, node)
                for left, right in itertools.pairwise(row):
                    sub.edge(left, right, style="invis")
            for above, below in zip(kids, kids[per_row:], strict=False):
                sub.edge(above, below, style="invis", weight=10)
        for kid in kids:
            selection.cluster_of[kid] = name
        dot.attributes(compound=True)
        dot.edge(parent, kids[min(per_row, len(kids)) // 2], lhead=name)
    shown = set(drawn) - set(in_grid)
    for parent in drawn:
        spread = (
            child_rows(graph, selection, parent, shown, vocabulary)
            if len(drawn) <= STAGGER_UP_TO
            else {}
        )
        for child in graph.successors(parent):
            if child in shown:
                extra_row = spread.get(child, 0)
                dot.edge(parent, child, minlen=1 + extra_row if extra_row else None)
    bottom = max((selection.level[n] for n in selection.shown if n in selection.level), default=0)
    anchor = selection.tops[0] if selection.tops else None
    if selection.outside and anchor:
        outside_kinds = {graph.nodes[n]["kind"] for n in selection.outside}
        with dot.subgraph(
            "cluster__outside",
            label=label(
                text(
                    "External partners"
                    if outside_kinds == {"external"}
                    else "Outside the hierarchy",
                    size=10,
                    bold=True,
                    color=MUTED,
                )
            ),
            style="rounded,dashed",
            color="#999999",
            margin=10,
        ) as sub:
            for node in selection.outside:
                add_node(sub, node)
        for node in selection.outside:
            dot.edge(anchor, node, style="invis", minlen=bottom + 1, weight=0)
    kinds = vocabulary.ordered(str(graph.nodes[n]["kind"]) for n in selection.shown)
    entries = [kind_entry(k, vocabulary) for k in kinds]
    if selection.collapsed:
        entries.append(
            (
                swatch("#ffffff", "#5b6b7a", text(" ", size=6)),
                text("+ N units below: a box standing for what it holds", size=9),
            )
        )
    if any(graph.nodes[n].get("phase") for n in selection.shown):
        entries.append(
            (
                swatch("#ffffff", PHASING, text(" ", size=6), dotted=True),
                text("being phased out", size=9),
            )
        )
    entries += legend or []
    dot.node(
        "_legend",
        shape="plain",
        label=label(swatch_table(entries, text("Legend", size=10, bold=True))),
    )
    if anchor:
        dot.edge(anchor, "_legend", style="invis", minlen=bottom + 1, weight=0)
    return dot, selection


def kind_entry(kind: str, vocabulary: Vocabulary = DEFAULT_VOCABULARY) -> tuple[Markup, Markup]:
    style = kind_style(kind, vocabulary)
    return (
        swatch(style.fill, style.border, text(" ", size=6), dashed="dashed" in style.style),
        text(style.word, size=9),
    )


def org_chart_of_graph(
    graph: nx.DiGraph,
    on: dt.date,
    *,
    root: str | None = None,
    depth: int | None = None,
    max_units: int | None = None,
    expand: Iterable[str] = (),
    title: str | None = None,
    vocabulary: Vocabulary = DEFAULT_VOCABULARY,
) -> str:
    """DOT source of the org chart for a graph made by :func:`structure.org_graph`."""
    dot, _ = draw(
        graph,
        on,
        title=title or f"Organisation on {long_date(on)}",
        subtitle=f"as of {on.isoformat()} · figures as known on that date",
        root=root,
        depth=depth,
        max_units=max_units,
        expand=expand,
        vocabulary=vocabulary,
    )
    return dot.source


def org_chart(
    state: Questions,
    on: dt.date,
    *,
    root: str | None = None,
    depth: int | None = None,
    max_units: int | None = None,
    expand: Iterable[str] = (),
    language: str | None = None,
) -> str:
    """DOT source of the org chart as of ``on``; kinds named in ``language`` (default: the
    store's)."""
    return org_chart_of_graph(
        state.org_graph(on),
        on,
        root=root,
        depth=depth,
        max_units=max_units,
        expand=expand,
        vocabulary=Vocabulary.of(state, language),
    )
