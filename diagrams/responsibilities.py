"""The responsibility graph as of a date: responsibilities as nodes of their own, linked to the unit
that holds the authority (left) and the units that do the work (right, grouped by administration).

Edge styles per role (:data:`.styles.ROLES`); a holding that is only expected is dashed; one whose
date is an interval, an open end or uncertain is dotted and labelled with that date (it counts from
its first day, :data:`orgevents.dates.COUNTING_RULE`).
"""

from __future__ import annotations

import datetime as dt

import networkx as nx

from orgevents.dates import counted
from orgevents.diagrams.dotgraph import Dot
from orgevents.diagrams.labels import Markup, label, rows, swatch, swatch_table, text
from orgevents.diagrams.orgchart import long_date, title_label, with_record_date
from orgevents.diagrams.styles import (
    CLUSTER_BORDER,
    CLUSTER_FILL,
    COUNTED_LEGEND,
    DEFAULT_VOCABULARY,
    FONT,
    MUTED,
    PHASING,
    RESPONSIBILITY_BORDER,
    RESPONSIBILITY_FILL,
    ROLES,
    TEXT,
    kind_style,
)
from orgevents.projections.lookup import Questions
from orgevents.projections.vocabulary import Vocabulary

RESPONSIBILITY = "r_"  # prefix of responsibility node ids (keys never contain "_")


def responsibility_chart(
    state: Questions,
    on: dt.date,
    *,
    title: str | None = None,
    language: str | None = None,
    root: str | None = None,
    depth: int | None = None,
) -> str:
    """DOT source of the responsibility graph as of ``on`` (kinds styled as the store's
    vocabulary says); ``root``/``depth``: the responsibilities the units of that subtree hold,
    with all their holders, the title naming the root."""
    graph = state.responsibility_graph(on)
    if root is not None or depth is not None:
        from orgevents.diagrams.orgchart import select

        units = set(select(state.org_graph(on), root=root, depth=depth, on=on).shown)
        held = {r for r, u in graph.edges() if u in units}
        graph = graph.subgraph(held | {u for r in held for u in graph.successors(r)}).copy()
        if title is None and root is not None:
            title = f"Responsibilities on {long_date(on)} — {state.label(root, on)} ({root})"
    return responsibility_chart_of_graph(
        graph,
        on,
        title=title,
        context={u: _context(state, u, on) for u, t in graph.nodes(data="type") if t == "unit"},
        labels={r: state.label(r, on) for r, t in graph.nodes(data="type") if t != "unit"},
        vocabulary=Vocabulary.of(state, language),
    )


def _context(state: Questions, unit: str, on: dt.date) -> tuple[str | None, str, list[str]]:
    """(administration the unit belongs to, its abbreviation, the chain's abbreviations)."""
    refs = state.chain(unit, on)
    admin = unit if state.unit_kind(unit, on) == "administration" else None
    for ref in refs:
        if admin is None and ref.kind == "administration":
            admin = ref.id
    names = [state.label(r.id, on) for r in refs if r.kind != "council"]
    return admin, state.label(unit, on), names


def responsibility_chart_of_graph(
    graph: nx.MultiDiGraph,
    on: dt.date,
    *,
    title: str | None = None,
    context: dict[str, tuple[str | None, str, list[str]]] | None = None,
    labels: dict[str, str] | None = None,
    vocabulary: Vocabulary = DEFAULT_VOCABULARY,
) -> str:
    """DOT source for a graph made by :func:`holders.responsibility_graph`."""
    context, labels = context or {}, labels or {}
    dot = Dot.digraph(
        graph={
            "rankdir": "LR",
            "newrank": True,
            "nodesep": 0.12,
            "ranksep": 1.1,
            "fontname": FONT,
            "labelloc": "t",
            "label": title_label(
                title or f"Responsibilities on {long_date(on)}",
                with_record_date(
                    f"as of {on.isoformat()} · left: who holds the authority · "
                    "right: who does the work",
                    graph,
                ),
            ),
            "pad": 0.3,
            "bgcolor": "white",
        },
        node={"fontname": FONT, "fontsize": 10, "margin": "0.1,0.05", "fontcolor": TEXT},
        edge={"arrowhead": "none", "fontname": FONT},
    )
    roles: dict[str, set[str]] = {}
    for _, unit, data in graph.edges(data=True):
        roles.setdefault(unit, set()).add(str(data["role"]))
    units = [n for n, t in graph.nodes(data="type") if t == "unit"]
    responsibilities = [n for n, t in graph.nodes(data="type") if t != "unit"]

    def unit_node(target: Dot, unit: str) -> None:
        data = graph.nodes[unit]
        _, abbreviation, above = context.get(unit, (None, "", []))
        style = kind_style(str(data.get("kind")), vocabulary).attributes()
        target.node(
            unit,
            label=label(
                rows(
                    text(str(data["name"]), width=26, size=10.5, bold=True),
                    text(abbreviation, size=9, color=MUTED)
                    if abbreviation and abbreviation != data["name"]
                    else None,
                    text("in " + " · ".join(above), width=34, size=8, color=MUTED)
                    if above
                    else None,
                )
            ),
            **style,
        )

    authorities = sorted(
        (u for u in units if roles.get(u) == {"authority"}), key=lambda u: graph.nodes[u]["name"]
    )
    with dot.subgraph("_authorities", rank="same") as left:
        for unit in authorities:
            unit_node(left, unit)
    groups: dict[str | None, list[str]] = {}
    for unit in units:
        if unit not in authorities:
            groups.setdefault(context.get(unit, (None, "", []))[0], []).append(unit)
    for admin, members in sorted(groups.items(), key=lambda kv: kv[0] or "~"):
        if admin is None:
            for unit in members:
                unit_node(dot, unit)
            continue
        heading = (
            graph.nodes[admin]["name"] if admin in graph else context.get(admin, ("", admin, []))[1]
        )
        with dot.subgraph(
            f"cluster_{admin}",
            style="rounded,filled",
            fillcolor=CLUSTER_FILL,
            color=CLUSTER_BORDER,
            label=label(text(str(heading), width=40, size=9, bold=True, color=MUTED)),
        ) as sub:
            for unit in members:
                unit_node(sub, unit)
    for key in responsibilities:
        name = str(graph.nodes[key]["name"])
        short = labels.get(key)
        dot.node(
            f"{RESPONSIBILITY}{key}",
            shape="note",
            style="filled",
            fillcolor=RESPONSIBILITY_FILL,
            color=RESPONSIBILITY_BORDER,
            label=label(
                rows(
                    text(name, width=30, size=9.5),
                    text(short, size=8.5, bold=True, color=MUTED)
                    if short and short != name
                    else None,
                    text(str(graph.nodes[key]["phase"]), width=34, size=8, color=PHASING)
                    if graph.nodes[key].get("phase")
                    else None,
                )
            ),
        )
    used = {str(role) for _, _, role in graph.edges(data="role")}
    uncertain = False
    for key, unit, data in sorted(graph.edges(data=True), key=lambda e: (e[0], e[1], e[2]["role"])):
        role = str(data["role"])
        _, colour, width = ROLES.get(role, ROLES["performer"])
        style = "dashed" if data.get("expected") else "solid"
        extra: dict[str, str] = {}
        dated = counted(str(data.get("since") or ""))
        if dated is not None:
            uncertain = True
            style = "dotted"
            extra = {"label": label(text(f"since {dated[0]}", size=7, color=MUTED))}
        if data.get("phase"):  # being phased out (or in): dotted, whatever else it is
            style = "dotted"
        node = f"{RESPONSIBILITY}{key}"
        if role == "authority":
            dot.edge(unit, node, color=colour, penwidth=width, style=style, **extra)
        else:
            dot.edge(node, unit, color=colour, penwidth=width, style=style, **extra)
    entries = [
        (
            Markup(f"<TD>{text('━━', size=12, bold=True, color=colour)}</TD>"),
            text(word, size=9),
        )
        for role, (word, colour, _) in ROLES.items()
        if role != "administrative" or role in used
    ]
    entries.append(
        (Markup(f"<TD>{text('╍╍', size=12, color=MUTED)}</TD>"), text("expected", size=9))
    )
    if any(d.get("phase") for *_, d in graph.edges(data=True)):
        entries.append(
            (
                Markup(f"<TD>{text('┈┈', size=12, bold=True, color=PHASING)}</TD>"),
                text("being phased out (or in)", size=9),
            )
        )
    if uncertain:
        entries.append(
            (
                Markup(f"<TD>{text('┈┈', size=12, color=MUTED)}</TD>"),
                text(COUNTED_LEGEND, size=9),
            )
        )
    entries.append(
        (
            swatch(RESPONSIBILITY_FILL, RESPONSIBILITY_BORDER, text(" ", size=6)),
            text("responsibility", size=9),
        )
    )
    dot.node(
        "_legend",
        shape="plain",
        label=label(swatch_table(entries, text("Legend", size=10, bold=True))),
    )
    return dot.source
