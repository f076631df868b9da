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
from orgevents.projections.fold import OrgState, UnitFacts
from orgevents.projections.index_rows import day, names_of
from orgevents.projections.textsearch import (
    NAMING,
    Hit,
    OnDate,
    Query,
    entry_texts,
    found_view,
    index_terms,
    matches,
    other_fields,
    ranked,
)
from orgevents.projections.views import FoundView

if TYPE_CHECKING:
    from orgevents.projections.reader import View

_CHUNK = 500  # keys per IN list


@lru_cache(maxsize=16_384)
def _index_terms(folded: str, infix: str) -> tuple[str, ...]:
    """(The reference asks for the same texts again and again.)"""
    return tuple(index_terms(folded, infix))


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
        for t in entry_texts(p):
            exact = t.field in NAMING and t.norm == query.norm
            if exact or matches(_index_terms(t.norm, t.infix), query):
                hit = Hit(p.subject, t.field, t.text, p.effective.date.toordinal(), exact)
                hits.setdefault(p.subject, []).append(hit)
    return ranked(
        found_view(key, found, _fold_on_date(state, key, on), day(on), query)
        for key, found in hits.items()
    )


def _fold_on_date(state: OrgState, key: str, on: dt.date) -> OnDate:
    facts = state.units.get(key) or state.responsibilities[key]
    first = facts.name.first_date()
    shown = max(on, first) if first else on
    others = facts.names_at(shown) if isinstance(facts, UnitFacts) else ()
    return OnDate(
        kind="unit" if key in state.units else "responsibility",
        name=facts.name.at(shown, key),
        abbreviation=facts.abbreviation.at(shown, None),
        in_force=facts.exists.at(on, False),
        others=other_fields(others),
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
    before they exist) — one row per key, a few queries for all of them."""
    wanted = sorted(keys)
    d = day(on)
    out: dict[str, OnDate] = {}
    for table, column, kind, names in (
        ("orgindex_units", "unit", "unit", "names"),
        ("orgindex_responsibilities", "responsibility", "responsibility", "NULL"),
    ):
        for start in range(0, len(wanted), _CHUNK):
            chunk = [k for k in wanted[start : start + _CHUNK] if k not in out]
            if not chunk:
                continue
            marks = ", ".join("?" for _ in chunk)
            # per key: the last version begun by the day, else the first (``_key_rows``)
            sql = (
                "SELECT k, begun, alive, name, abbreviation, names FROM ("
                f"SELECT {column} AS k, e_from <= ? AS begun, alive, name, abbreviation, "
                f"{names} AS names, "
                f"row_number() OVER (PARTITION BY {column} ORDER BY e_from <= ? DESC, "
                "CASE WHEN e_from <= ? THEN -e_from ELSE e_from END) AS nth "
                f"FROM {table} WHERE {column} IN ({marks}) AND p_from <= ? AND p_to > ? "
                "AND (variants & ?) != 0) AS versions WHERE nth = 1"
            )
            with view.db.read() as cur:
                cur.execute(
                    view.db.sql(sql),
                    (d, d, d, *chunk, view.position, view.position, view.variant),
                )
                rows = cur.fetchall()
            for key, begun, alive, name, abbreviation, others in rows:
                out[key] = OnDate(
                    kind,
                    name or key,
                    abbreviation,
                    bool(begun and alive),
                    other_fields(names_of(others)),
                )
    return out
