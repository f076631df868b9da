"""The organisation's structure as of a date: the units, their parents, the org graph."""

from __future__ import annotations

import datetime as dt

import networkx as nx

from orgevents.events import Change
from orgevents.figures import Figure
from orgevents.projections.fold import OrgState, Record
from orgevents.projections.lookup import Lookup
from orgevents.projections.views import (
    FigureView,
    SourceView,
    UnitRef,
    UnitView,
    figure_view_titled,
)
from orgevents.sources import SourceRef


def units_at(state: OrgState, on: dt.date) -> list[UnitView]:
    """Every unit in force on ``on``, parents before children, then by name."""
    views = [unit_view(state, key, on) for key in state.units if state.unit_exists(key, on)]
    depth = {v.id: len(chain(state, v.id, on)) for v in views}
    return sorted(views, key=lambda v: (depth[v.id], v.name))


def unit_view(state: OrgState, key: str, on: dt.date) -> UnitView:
    u = state.units[key]
    first = u.name.first_date() or on
    when = max(on, first)
    parent = u.parent.at(when, None)
    return UnitView(
        id=key,
        name=u.name.at(when, key),
        abbreviation=u.abbreviation.at(when, None),
        kind=state.kind_at(key, on),
        parent=parent,
    )


def unit_ref(state: OrgState, key: str, on: dt.date) -> UnitRef:
    kind = state.kind_at(key, on) if key in state.units else "unknown"
    return UnitRef(id=key, name=state.unit_name(key, on), kind=kind)


def chain(state: OrgState, key: str, on: dt.date) -> list[UnitRef]:
    """The unit's parent, its parent, ... up to the top (the council)."""
    result: list[UnitRef] = []
    seen = {key}
    current = state.units[key].parent.at(on, None) if key in state.units else None
    while current is not None and current not in seen:
        seen.add(current)
        result.append(unit_ref(state, current, on))
        facts = state.units.get(current)
        current = facts.parent.at(on, None) if facts else None
    return result


def children(state: OrgState, key: str, on: dt.date) -> list[str]:
    return sorted(
        (
            k
            for k, u in state.units.items()
            if u.parent.at(on, None) == key and u.exists.at(on, False)
        ),
        key=lambda k: state.unit_name(k, on),
    )


def figures_at(state: OrgState, key: str, on: dt.date) -> list[FigureView]:
    """Figures known for a unit on ``on``: every figure recorded with effective ≤ on — in the
    life of the unit then (not those of an earlier life, before it was established again)."""
    out = []
    starts = state.units[key].kinds.dates()  # a figure counts in the life it was recorded in
    for when, _, fig, rec in sorted(state.units[key].figures, key=lambda x: (x[0], x[1])):
        if when <= on and not any(when < s <= on for s in starts):
            out.append(figure_view(state, fig, effective_text(rec)))
    return out


def effective_text(rec: Record) -> str:
    return str(rec.payload.effective) if isinstance(rec.payload, Change) else ""


def figure_view(state: Lookup, fig: Figure, effective: str) -> FigureView:
    return figure_view_titled(fig, effective, lambda key: _title(state, key))


def _title(state: Lookup, key: str) -> str | None:
    doc = state.document(key)
    return doc.title if doc else None


def source_view(state: Lookup, source: SourceRef) -> SourceView:
    doc = state.document(source.document)
    return SourceView(
        document=source.document,
        locator=source.locator,
        quote=source.quote,
        title=doc.title if doc else None,
    )


def org_graph(state: OrgState, on: dt.date) -> nx.DiGraph:
    """Units in force on ``on`` as nodes (id → name, abbreviation, kind, figures, other names:
    ``(name, form, language)``); edges parent → child."""
    graph = nx.DiGraph(at=on, known_at=state.known_at)
    for view in units_at(state, on):
        graph.add_node(
            view.id,
            name=view.name,
            abbreviation=view.abbreviation,
            kind=view.kind,
            figures=figures_at(state, view.id, on),
            names=state.units[view.id].names_at(on),
        )
    for view in units_at(state, on):
        if view.parent is not None and view.parent in graph:
            graph.add_edge(view.parent, view.id)
    return graph
