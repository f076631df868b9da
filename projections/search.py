"""Finding units and responsibilities by any name or abbreviation they ever had."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from orgevents.projections.effects import entry_names
from orgevents.projections.fold import OrgState
from orgevents.projections.views import FoundView

if TYPE_CHECKING:
    from orgevents.projections.reader import View

NAMING = ("UnitEstablished", "UnitRenamed", "ResponsibilityDefined")


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


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def find_in_index(view: View, text: str, on: dt.date) -> list[FoundView]:
    """As :func:`find`, from the index: the entries whose names (folded) or subject match."""
    needle = text.casefold().strip()
    like = _like(needle)
    planned = "" if view.include_planned else " AND planned = 0"
    marks = ", ".join("?" for _ in NAMING)
    with view.db.read() as cur:
        cur.execute(
            view.db.sql(
                f"SELECT DISTINCT subject FROM orgindex_entries WHERE type IN ({marks}) "
                f"AND p_from <= ? AND p_to > ?{planned} "
                "AND (folded LIKE ? ESCAPE '\\' OR subject LIKE ? ESCAPE '\\')"
            ),
            (*NAMING, view.position, view.position, like, like),
        )
        keys = sorted(r[0] for r in cur.fetchall())
    found = []
    for key in keys:
        kind = view.kind_of(key)
        if kind not in ("unit", "responsibility"):
            continue
        names: set[str] = set()
        for rec in view._entries(f"subject = ? AND type IN ({marks})", (key, *NAMING)):
            if view.include_planned or not view.is_planned(rec):
                names.update(entry_names(rec.payload))
        hits = sorted(n for n in names if needle in n.casefold())
        if not hits and needle not in key:
            continue
        state = view.at(on)
        if kind == "unit":
            at, first = state._unit(key)
        else:
            at, first = state._key_rows("orgindex_responsibilities", key)
        row = at or first
        found.append(
            FoundView(
                id=key,
                type=kind,
                name=view.subject_name(key, on),
                abbreviation=row.abbreviation if row else None,
                matched=hits[0] if hits else key,
            )
        )
    return sorted(found, key=lambda f: (f.type != "unit", f.name.casefold()))
