"""One unit or responsibility in detail, as of a date."""

from __future__ import annotations

import datetime as dt
from typing import Any

from orgevents.errors import NotFoundError
from orgevents.projections.claims import claims_about
from orgevents.projections.effects import life_views, name_history
from orgevents.projections.fold import OrgState
from orgevents.projections.holders import responsibilities_of, who
from orgevents.projections.structure import chain, children, figures_at, unit_view


def show(state: OrgState, key: str, on: dt.date) -> dict[str, Any]:
    if key in state.units:
        return show_unit(state, key, on)
    if key in state.responsibilities:
        return show_responsibility(state, key, on)
    raise NotFoundError(key)


def show_unit(state: OrgState, key: str, on: dt.date) -> dict[str, Any]:
    view = unit_view(state, key, on)
    facts = state.units[key]
    return {
        "id": key,
        "type": "unit",
        "at": on.isoformat(),
        "in_force": state.unit_exists(key, on),
        "name": view.name,
        "abbreviation": view.abbreviation,
        "kind": view.kind,
        "parent": view.parent,
        "chain": [r.model_dump() for r in chain(state, key, on)],
        "children": children(state, key, on),
        "responsibilities": [
            {"id": r, "name": state.responsibility_name(r, on), "role": role.value}
            for r, role in responsibilities_of(state, key, on)
        ],
        "figures": [f.model_dump(mode="json") for f in figures_at(state, key, on)],
        "planned_end": str(facts.planned_end) if facts.planned_end else None,
        "former_names": sorted(state.names.get(key, set()) - {view.name, view.abbreviation}),
        "claims": claims_about(state, key),
        "lives": _lives(state, key),
        "names": name_history(_entries(state, key)),
    }


def _entries(state: OrgState, key: str) -> list[tuple[int, Any]]:
    """The subject's entries that count in this view, ``(position, payload)``."""
    return [
        (r.position, r.payload)
        for r in state.records
        if r.payload.subject == key and (state.include_planned or not state.is_planned(r))
    ]


def _lives(state: OrgState, key: str) -> list[dict[str, Any]]:
    return life_views(state.lives(key), _entries(state, key))


def show_responsibility(state: OrgState, key: str, on: dt.date) -> dict[str, Any]:
    facts = state.responsibilities[key]
    answer = who(state, key, on)
    return {
        "id": key,
        "type": "responsibility",
        "at": on.isoformat(),
        "in_force": facts.exists.at(on, False),
        "name": state.responsibility_name(key, on),
        "abbreviation": facts.abbreviation.at(max(on, facts.name.first_date() or on), None),
        "scope": facts.scope,
        "legal_basis": facts.legal_basis,
        "holders": [h.model_dump(mode="json") for h in answer.holders],
        "claims": claims_about(state, key),
        "lives": _lives(state, key),
    }
