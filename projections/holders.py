"""Who holds a responsibility as of a date, per role; the responsibility graph."""

from __future__ import annotations

import datetime as dt

import networkx as nx

from orgevents.dates import Qualifier
from orgevents.errors import NotFoundError
from orgevents.events import Change, Role
from orgevents.projections.fold import OrgState, Record
from orgevents.projections.structure import chain, unit_ref
from orgevents.projections.views import HolderView, ResponsibilityRef, WhoView


def holdings(state: OrgState, resp: str, on: dt.date) -> list[tuple[Role, str, Record]]:
    """(role, unit, the event that gave it) for each holder on ``on``; authority first."""
    r = state.responsibilities[resp]
    if not r.exists.at(on, False):
        return []
    # an abolition releases every role (a responsibility defined again starts with no holder)
    ended = max((e for e in r.ends if e[0] <= on), default=None)
    found = []
    for (role, unit), timeline in r.holding.items():
        rec = timeline.at(on, None)
        if rec is not None and (ended is None or (rec.effective_date, rec.position) > ended):
            found.append((role, unit, rec))
    order = list(Role)
    return sorted(found, key=lambda x: (order.index(x[0]), x[2].position))


def who(state: OrgState, resp: str, on: dt.date) -> WhoView:
    if resp not in state.responsibilities:
        raise NotFoundError(resp, "responsibility")
    holders = []
    for role, unit, rec in holdings(state, resp, on):
        payload = rec.payload
        assert isinstance(payload, Change)
        holders.append(
            HolderView(
                role=role.value,
                unit=unit_ref(state, unit, on),
                chain=chain(state, unit, on),
                since=str(payload.effective),
                expected=payload.effective.qualifier is Qualifier.EXPECTED,
            )
        )
    return WhoView(
        responsibility=ResponsibilityRef(id=resp, name=state.responsibility_name(resp, on)),
        at=on,
        holders=holders,
    )


def responsibilities_of(state: OrgState, unit: str, on: dt.date) -> list[tuple[str, Role]]:
    """(responsibility, role) pairs the unit holds on ``on``."""
    out = []
    for key in state.responsibilities:
        for role, holder, _ in holdings(state, key, on):
            if holder == unit:
                out.append((key, role))
    return sorted(out, key=lambda x: (list(Role).index(x[1]), state.responsibility_name(x[0], on)))


def responsibility_graph(state: OrgState, on: dt.date) -> nx.MultiDiGraph:
    """Responsibilities and the units holding them on ``on``.

    Nodes carry ``type`` ("responsibility" or "unit") and a name; each edge goes from a
    responsibility to a unit and carries its ``role``.
    """
    graph = nx.MultiDiGraph(at=on, known_at=state.known_at)
    for key, facts in state.responsibilities.items():
        if not facts.exists.at(on, False):
            continue
        graph.add_node(key, type="responsibility", name=state.responsibility_name(key, on))
        for role, unit, rec in holdings(state, key, on):
            if unit not in graph:
                ref = unit_ref(state, unit, on)
                graph.add_node(unit, type="unit", name=ref.name, kind=ref.kind)
            payload = rec.payload
            assert isinstance(payload, Change)
            graph.add_edge(
                key,
                unit,
                role=role.value,
                expected=payload.effective.qualifier is Qualifier.EXPECTED,
                since=str(payload.effective),
            )
    return graph
