"""Finding units and responsibilities by any name, abbreviation, scope, note or quote.

:func:`find_in_index` asks the store's own full-text engine (SQLite FTS5, PostgreSQL's Danish
text search) for the search rows the index keeps of every entry version (:mod:`.sqlindex`), then
ranks what it found (:mod:`.textsearch` says what matches and how it ranks). :func:`find` is the
reference: the same answer from the fold, texts matched one by one in Python — the tests compare
the two.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from functools import lru_cache
from typing import TYPE_CHECKING

from orgevents.events import Change
from orgevents.projections.effects import is_planned
from orgevents.projections.fold import OrgState
from orgevents.projections.index_rows import day
from orgevents.projections.textsearch import (
    NAMING,
    Hit,
    OnDate,
    Query,
    entry_texts,
    found_view,
    matches,
    norm,
    ranked,
    terms,
)
from orgevents.projections.views import FoundView

if TYPE_CHECKING:
    from orgevents.projections.reader import View

_CHUNK = 500  # keys per IN list


@lru_cache(maxsize=16_384)
def _text_terms(text: str) -> tuple[tuple[str, ...], str]:
    """A text's stems and folded words (the reference asks for the same texts again and
    again)."""
    return tuple(terms(text)), norm(text)


def find(state: OrgState, text: str, on: dt.date) -> list[FoundView]:
    """The reference: every text of every entry that counts, matched in Python."""
    query = Query.of(text)
    if query.empty:
        return []
    hits: dict[str, list[Hit]] = {}
    for rec in state.records:
        p = rec.payload
        if not isinstance(p, Change) or (is_planned(p) and not state.include_planned):
            continue
        if state.kind_of(p.subject) not in ("unit", "responsibility"):
            continue
        for field, found in entry_texts(p):
            stems, folded = _text_terms(found)
            exact = field in NAMING and folded == query.norm
            if exact or matches(stems, query):
                hit = Hit(p.subject, field, found, p.effective.date.toordinal(), exact)
                hits.setdefault(p.subject, []).append(hit)
    return ranked(
        found_view(key, found, _fold_on_date(state, key, on), day(on), query)
        for key, found in hits.items()
    )


def _fold_on_date(state: OrgState, key: str, on: dt.date) -> OnDate:
    facts = state.units.get(key) or state.responsibilities[key]
    first = facts.name.first_date()
    shown = max(on, first) if first else on
    return OnDate(
        kind="unit" if key in state.units else "responsibility",
        name=facts.name.at(shown, key),
        abbreviation=facts.abbreviation.at(shown, None),
        in_force=facts.exists.at(on, False),
    )


def find_in_index(view: View, text: str, on: dt.date) -> list[FoundView]:
    """As :func:`find`, from the index: the full-text engine finds the texts, valid in the
    view (known at its position, planned ones only when it includes them)."""
    query = Query.of(text)
    if query.empty:
        return []
    with view.db.read() as cur:
        rows = view.db.search(cur, query, view.position, view.include_planned)
    hits: dict[str, list[Hit]] = {}
    for subject, field, found, e_day, exact in rows:
        hits.setdefault(subject, []).append(Hit(subject, field, found, e_day, exact))
    subjects = _on_date(view, hits, on)
    return ranked(
        found_view(key, found, subjects[key], day(on), query)
        for key, found in hits.items()
        if key in subjects
    )


def _on_date(view: View, keys: Iterable[str], on: dt.date) -> dict[str, OnDate]:
    """The units and responsibilities among ``keys`` as they are on ``on`` (as they first were,
    before they exist) — a few queries for all of them, not a few per key."""
    wanted = sorted(keys)
    d = day(on)
    out: dict[str, OnDate] = {}
    for table, column, kind in (
        ("orgindex_units", "unit", "unit"),
        ("orgindex_responsibilities", "responsibility", "responsibility"),
    ):
        for start in range(0, len(wanted), _CHUNK):
            chunk = [k for k in wanted[start : start + _CHUNK] if k not in out]
            if not chunk:
                continue
            marks = ", ".join("?" for _ in chunk)
            with view.db.read() as cur:
                cur.execute(
                    view.db.sql(
                        f"SELECT {column}, e_from, alive, name, abbreviation FROM {table} "
                        f"WHERE {column} IN ({marks}) AND p_from <= ? AND p_to > ? "
                        "AND (variants & ?) != 0 ORDER BY e_from"
                    ),
                    (*chunk, view.position, view.position, view.variant),
                )
                rows = cur.fetchall()
            by_key: dict[str, list[tuple[int, int, str | None, str | None]]] = {}
            for key, e_from, alive, name, abbreviation in rows:
                by_key.setdefault(key, []).append((int(e_from), int(alive), name, abbreviation))
            for key, versions in by_key.items():
                at = [v for v in versions if v[0] <= d]
                _, alive, name, abbreviation = at[-1] if at else versions[0]
                out[key] = OnDate(kind, name or key, abbreviation, bool(at and at[-1][1]))
    return out
