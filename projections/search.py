"""Finding units and responsibilities by any name or abbreviation they ever had."""

from __future__ import annotations

import datetime as dt

from orgevents.projections.fold import OrgState
from orgevents.projections.views import FoundView


def find(state: OrgState, text: str, on: dt.date) -> list[FoundView]:
    """Case-insensitive substring match on current *or former* names and abbreviations."""
    needle = text.casefold().strip()
    found = []
    for key, names in state.names.items():
        kind = state.kind_of(key)
        if kind not in ("unit", "responsibility"):
            continue
        hits = sorted(n for n in names if needle in n.casefold())
        if not hits and needle not in key:
            continue
        if kind == "unit":
            facts = state.units[key]
            first = facts.name.first_date() or on
            abbr = facts.abbreviation.at(max(on, first), None)
        else:
            rfacts = state.responsibilities[key]
            first = rfacts.name.first_date() or on
            abbr = rfacts.abbreviation.at(max(on, first), None)
        found.append(
            FoundView(
                id=key,
                type=kind,
                name=state.subject_name(key, on),
                abbreviation=abbr,
                matched=hits[0] if hits else key,
            )
        )
    return sorted(found, key=lambda f: (f.type != "unit", f.name.casefold()))
