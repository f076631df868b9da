"""Phased changes in the answers for one date: what is being phased out (or in) and until when.

Both read models find the phased changes under way on a date (``phases_on``: the fold from its
records, the SQL reader from the index's ``orgindex_phases``); this module puts them into the
views, the same way for both (:func:`.effects.phase_of` says what each change phases).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from orgevents.projections.views import PhaseView, UnitView, WhoView

if TYPE_CHECKING:  # a read that finds nothing phasing needs no event models
    import networkx as nx

    from orgevents.projections.effects import Phase

Phases = Mapping[str, list["Phase"]]


def phase_of(
    phases: Iterable[Phase], role: str | None = None, unit: str | None = None
) -> PhaseView | None:
    """The phase about the subject itself (``role`` None), or about one unit's role — where the
    whole subject is being phased out, every role with it."""
    chosen = list(phases)
    exact = [p for p in chosen if (p.role, p.unit) == (role, unit)]
    whole = [p for p in chosen if p.role is None]
    for ph in exact or whole:
        return PhaseView(
            direction=ph.direction,
            start=ph.start,
            until=ph.until,
            event_id=ph.event_id,
            text=ph.describe(),
        )
    return None


def who(view: WhoView, phases: Phases) -> WhoView:
    """``who`` with the responsibility's phase and each holder's."""
    found = phases.get(view.responsibility.id, [])
    if not found:
        return view
    holders = [
        h.model_copy(update={"phase": phase_of(found, h.role, h.unit.id)}) for h in view.holders
    ]
    return view.model_copy(update={"phase": phase_of(found), "holders": holders})


def units(found: list[UnitView], phases: Phases) -> list[UnitView]:
    """The units in force with the phase of each that is being phased out."""
    return [
        u.model_copy(update={"phase": phase_of(phases[u.id])}) if phases.get(u.id) else u
        for u in found
    ]


def show(answer: dict[str, Any], phases: Phases) -> dict[str, Any]:
    """``show`` with the subject's phase (``None``: not phasing) and each role's."""
    found = phases.get(answer["id"], [])
    phase = phase_of(found)
    out = {**answer, "phase": phase.model_dump() if phase else None}
    if found and answer.get("holders"):
        out["holders"] = [
            {
                **h,
                "phase": (
                    p.model_dump() if (p := phase_of(found, h["role"], h["unit"]["id"])) else None
                ),
            }
            for h in answer["holders"]
        ]
    return out


def _holder(holder: dict[str, Any], phase: PhaseView | None) -> dict[str, Any]:
    return {**holder, "phase": phase.model_dump() if phase else None}


def responsibility_graph(graph: nx.MultiDiGraph, phases: Phases) -> nx.MultiDiGraph:
    """The responsibility graph with ``phase`` (the text) on each responsibility node being
    phased out and on each edge whose role is being phased out or in."""
    for key, found in phases.items():
        if key not in graph:
            continue
        whole = phase_of(found)
        if whole is not None:
            graph.nodes[key]["phase"] = whole.text
        for _, unit, data in graph.out_edges(key, data=True):
            edge = phase_of(found, str(data["role"]), str(unit))
            if edge is not None:
                data["phase"] = edge.text
    return graph


def org_graph(graph: nx.DiGraph, phases: Phases) -> nx.DiGraph:
    """The organisation graph with ``phase`` on each unit being phased out."""
    for key, found in phases.items():
        whole = phase_of(found)
        if key in graph and whole is not None:
            graph.nodes[key]["phase"] = whole.text
    return graph
