"""Reading the SQL temporal index: one as-of question at a time, without the write side.

:class:`IndexedState` answers "as of day D, known at log position P, in variant V" — units,
org graph, responsibility graph, ``who`` — with one interval-stabbing query per table
(:mod:`.sqlindex_db`) and a few look-ups by key. This module imports neither the event models nor
eventsourcing, so a read command that finds the index up to date starts quickly; keeping the
index (:mod:`.sqlindex`) is the write side's job.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Protocol

from orgevents.errors import NotFoundError, OrgEventsError
from orgevents.projections.index_rows import (
    FigureRow,
    HoldingRow,
    ResponsibilityRow,
    UnitRow,
    day,
    names_of,
)
from orgevents.projections.sqlindex_db import TABLES, Backend, Cursor
from orgevents.projections.views import (
    FigureView,
    HolderView,
    ResponsibilityRef,
    SourceView,
    UnitRef,
    UnitView,
    WhoView,
    figure_view_titled,
)

if TYPE_CHECKING:
    import networkx as nx

POSTGRES_EVENTS = "orgevents_events"  # eventsourcing's table for the application "orgevents"
# as orgevents.events.Role lists them
ROLE_ORDER = {"authority": 0, "administrative": 1, "performer": 2}

ROW_TYPES: dict[str, Any] = {
    "orgindex_units": UnitRow,
    "orgindex_figures": FigureRow,
    "orgindex_responsibilities": ResponsibilityRow,
    "orgindex_holdings": HoldingRow,
}

_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


class IndexUnavailableError(OrgEventsError):
    """The SQL index cannot answer this question; the in-memory fold can."""


def micros(moment: dt.datetime) -> int:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return (moment - _EPOCH) // dt.timedelta(microseconds=1)


def backend_for_env(env: Mapping[str, str], events_table: str | None = None) -> Backend:
    """The index's connection to the database of the store with this environment (as
    :func:`orgevents.store.backend_env` gives it)."""
    from orgevents.projections.sqlindex_db import PostgresBackend, SQLiteBackend

    module = env.get("PERSISTENCE_MODULE", "")
    if module.endswith("sqlite") and env.get("SQLITE_DBNAME"):
        path = env["SQLITE_DBNAME"]
        if path == ":memory:" or "mode=memory" in path:
            raise IndexUnavailableError("the SQL index needs a store in a file or a server")
        return SQLiteBackend(path, float(env.get("SQLITE_LOCK_TIMEOUT") or 10))
    if module.endswith("postgres"):
        conninfo = {
            "dbname": env["POSTGRES_DBNAME"],
            "host": env["POSTGRES_HOST"],
            "port": env.get("POSTGRES_PORT") or "5432",
            "user": env["POSTGRES_USER"],
            "password": env.get("POSTGRES_PASSWORD") or None,
            "connect_timeout": env.get("POSTGRES_CONNECT_TIMEOUT") or "5",
        }
        schema = env.get("POSTGRES_SCHEMA") or "public"
        return PostgresBackend(conninfo, schema, events_table or POSTGRES_EVENTS)
    raise IndexUnavailableError(
        "the SQL index lives in an SQLite or PostgreSQL store; this store is in memory"
    )


def tracking(db: Backend, cur: Cursor, lock: bool = False) -> tuple[int, int, int]:
    """(the last log position the index has processed, 1 if recorded times rise with the
    positions, the last recorded time) — read in the cursor's transaction."""
    suffix = " FOR UPDATE" if lock and db.name == "postgres" else ""
    cur.execute(
        "SELECT position, monotone, last_recorded FROM orgindex_tracking WHERE id = 1" + suffix
    )
    row = cur.fetchone()
    if row is None:
        raise IndexUnavailableError("the index has not been created: run `orgevents reindex`")
    return int(row[0]), int(row[1]), int(row[2])


class IndexHandle(Protocol):
    """What an as-of question needs of the index: its database and two shared caches."""

    db: Backend
    parsed_figures: dict[str, Any]
    figure_views: dict[tuple[str, str, tuple[Any, ...]], FigureView]


class IndexedState:
    """One as-of question: the day, the last position counted, the variant. Rows are read once
    and kept; every row valid for the position is immutable, so answers stay consistent while
    the index moves on."""

    def __init__(
        self,
        index: IndexHandle,
        on: dt.date,
        position: int,
        variant: int,
        known_at: dt.datetime | None = None,
    ) -> None:
        self.index = index
        self.db = index.db
        self.on = on
        self.day = day(on)
        self.position = position
        self.variant = variant
        self.known_at = known_at  # as the graphs carry it (the fold's ``OrgState.known_at``)
        self._alive_units: dict[str, UnitRow] | None = None
        self._key_cache: dict[tuple[str, str], tuple[Any, Any]] = {}
        self._depth: dict[str, int] = {}

    # --- reading rows -------------------------------------------------------------------------

    def _stab(self, table: str) -> list[tuple[str, Any]]:
        row_type = ROW_TYPES[table]
        with self.db.read() as cur:
            # in this read's snapshot: is the position still the index's own? then only open
            # rows can hold it (a faster structure on PostgreSQL)
            current = tracking(self.db, cur)[0] == self.position
            cur.execute(
                self.db.stab(table, current),
                self.db.stab_params(self.day, self.position, self.variant, current),
            )
            rows = cur.fetchall()
        # stab columns: key, e_from, e_to, then the row's own columns (variants left out)
        # tuple.__new__ builds the named tuple in C: several times faster for 10 k rows
        make = tuple.__new__
        variant = self.variant
        return [(r[0], make(row_type, (r[1], r[2], variant, *r[3:]))) for r in rows]

    def _key_rows(self, table: str, key: str) -> tuple[Any, Any]:
        """(the row holding on the day or None, the subject's first row or None); read once
        per state (rows valid for its position never change)."""
        found = self._key_cache.get((table, key))
        if found is None:
            found = self._key_cache[(table, key)] = self._read_key_rows(table, key)
        return found

    def _read_key_rows(self, table: str, key: str) -> tuple[Any, Any]:
        key_col, columns, _ = TABLES[table]
        visible = "p_from <= ? AND p_to > ? AND (variants & ?) != 0"
        select = f"SELECT e_from, e_to, variants, {', '.join(columns)} FROM {table}"
        params = (key, self.position, self.position, self.variant)
        row_type = ROW_TYPES[table]
        with self.db.read() as cur:
            cur.execute(
                self.db.sql(
                    f"{select} WHERE {key_col} = ? AND {visible} AND e_from <= ? "
                    "ORDER BY e_from DESC LIMIT 1"
                ),
                (*params, self.day),
            )
            at = cur.fetchone()
            cur.execute(
                self.db.sql(f"{select} WHERE {key_col} = ? AND {visible} ORDER BY e_from LIMIT 1"),
                params,
            )
            first = cur.fetchone()
        return (row_type(*at) if at else None, row_type(*first) if first else None)

    def alive_units(self) -> dict[str, UnitRow]:
        if self._alive_units is None:
            self._alive_units = dict(self._stab("orgindex_units"))
        return self._alive_units

    def _unit(self, key: str) -> tuple[UnitRow | None, UnitRow | None]:
        alive = self._alive_units
        if alive is not None and key in alive:
            return alive[key], None
        return self._key_rows("orgindex_units", key)

    def unit_known(self, key: str) -> bool:
        at, first = self._unit(key)
        return at is not None or first is not None

    def unit_name(self, key: str) -> str:
        """The name on the day; before the unit exists, its first name; else the key."""
        at, first = self._unit(key)
        row = at or first
        return (row.name if row else None) or key

    def unit_kind(self, key: str) -> str:
        at, first = self._unit(key)
        row = at or first
        return row.kind if row else "unknown"

    def parent(self, key: str) -> str | None:
        at, _ = self._unit(key)
        return at.parent if at else None

    def unit_ref(self, key: str) -> UnitRef:
        return UnitRef(id=key, name=self.unit_name(key), kind=self.unit_kind(key))

    def chain(self, key: str) -> list[UnitRef]:
        """The unit's parent, its parent, ... up to the top (as :func:`.structure.chain`)."""
        result: list[UnitRef] = []
        seen = {key}
        current = self.parent(key)
        while current is not None and current not in seen:
            seen.add(current)
            result.append(self.unit_ref(current))
            current = self.parent(current) if self.unit_known(current) else None
        return result

    def depth(self, key: str) -> int:
        """``len(chain(key))``, remembered along the way."""
        if key in self._depth:
            return self._depth[key]
        path: list[str] = []
        current: str | None = key
        while current is not None and current not in self._depth:
            if current in path:  # a cycle: count it the long way
                for k in path:
                    self._depth[k] = len(self.chain(k))
                return self._depth[key]
            path.append(current)
            current = self.parent(current) if self.unit_known(current) else None
        base = -1 if current is None else self._depth[current]
        for k in reversed(path):
            base += 1
            self._depth[k] = base
        return self._depth[key]

    # --- answers --------------------------------------------------------------------------------

    def _ordered_units(self) -> list[tuple[str, UnitRow]]:
        alive = self.alive_units()
        return sorted(
            alive.items(),
            key=lambda kv: (self.depth(kv[0]), kv[1].name or kv[0], kv[1].established_at),
        )

    def units(self) -> list[UnitView]:
        """Every unit in force, parents before children, then by name (as ``units_at``)."""
        return [
            UnitView(
                id=key,
                name=row.name or key,
                abbreviation=row.abbreviation,
                kind=row.kind,
                parent=row.parent,
            )
            for key, row in self._ordered_units()
        ]

    def figures(self) -> dict[str, list[FigureView]]:
        """Figures of the units in force, per unit, in the fold's order."""
        found = self._stab("orgindex_figures")
        if not found:
            return {}
        parsed = self.index.parsed_figures
        for _, f in found:
            if f.figure not in parsed:
                parsed[f.figure] = _figure_model(f.figure)
        titles = self._document_titles(
            {s.document for _, f in found for s in parsed[f.figure].sources}
        )
        by_unit: dict[str, list[FigureRow]] = {}
        for key, fig in found:
            by_unit.setdefault(key, []).append(fig)
        views = self.index.figure_views
        out: dict[str, list[FigureView]] = {}
        for key, figs in by_unit.items():
            figs.sort(key=lambda f: (f.e_date, f.position, f.seq))
            shown = []
            for f in figs:
                model = parsed[f.figure]
                cited = tuple(titles.get(s.document) for s in model.sources)
                view = views.get((f.figure, f.effective, cited))
                if view is None:
                    view = views[(f.figure, f.effective, cited)] = figure_view_titled(
                        model, f.effective, _source_view(titles)
                    )
                shown.append(view)
            out[key] = shown
        return out

    def _document_titles(self, documents: set[str]) -> dict[str, tuple[str, str | None]]:
        """The title and location of each of these documents."""
        if not documents:
            return {}
        names = sorted(documents)
        marks = ", ".join("?" for _ in names)
        with self.db.read() as cur:
            cur.execute(
                self.db.sql(
                    f"SELECT document, title, location FROM orgindex_documents "
                    f"WHERE document IN ({marks}) AND p_from <= ? AND p_to > ?"
                ),
                (*names, self.position, self.position),
            )
            return {doc: (title, location) for doc, title, location in cur.fetchall()}

    def org_graph(self) -> nx.DiGraph:
        """As :func:`.structure.org_graph`."""
        import networkx as nx

        ordered = self._ordered_units()
        figures = self.figures()
        graph = nx.DiGraph(at=self.on, known_at=self.known_at)
        graph.add_nodes_from(
            (
                key,
                {
                    "name": row.name or key,
                    "abbreviation": row.abbreviation,
                    "kind": row.kind,
                    "figures": figures.get(key, []),
                    "names": names_of(row.names),
                },
            )
            for key, row in ordered
        )
        graph.add_edges_from(
            (row.parent, key)
            for key, row in ordered
            if row.parent is not None and row.parent in graph
        )
        return graph

    def responsibility_graph(self) -> nx.MultiDiGraph:
        """As :func:`.holders.responsibility_graph`."""
        resps = sorted(self._stab("orgindex_responsibilities"), key=lambda kr: kr[1].defined_at)
        alive = {key for key, _ in resps}
        holdings: dict[str, list[HoldingRow]] = {}
        for key, holding in self._stab("orgindex_holdings"):
            if key in alive:
                holdings.setdefault(key, []).append(holding)
        if sum(len(h) for h in holdings.values()) > 50:
            self.alive_units()  # one stab beats many single-unit look-ups
        import networkx as nx

        graph = nx.MultiDiGraph(at=self.on, known_at=self.known_at)
        for key, row in resps:
            graph.add_node(key, type="responsibility", name=row.name or key)
            for holding in sorted(holdings.get(key, []), key=_holding_order):
                unit = holding.unit
                if unit not in graph:
                    graph.add_node(
                        unit, type="unit", name=self.unit_name(unit), kind=self.unit_kind(unit)
                    )
                graph.add_edge(
                    key,
                    unit,
                    role=holding.role,
                    expected=bool(holding.expected),
                    since=holding.since,
                )
        return graph

    def who(self, resp: str) -> WhoView:
        """As :func:`.holders.who`."""
        at, first = self._key_rows("orgindex_responsibilities", resp)
        if at is None and first is None:
            raise NotFoundError(resp, "responsibility")
        holders: list[HolderView] = []
        if at is not None and at.alive:
            _, columns, _ = TABLES["orgindex_holdings"]
            with self.db.read() as cur:
                cur.execute(
                    self.db.sql(
                        f"SELECT e_from, e_to, variants, {', '.join(columns)} "
                        "FROM orgindex_holdings WHERE responsibility = ? "
                        "AND p_from <= ? AND p_to > ? AND (variants & ?) != 0 "
                        "AND e_from <= ? AND e_to > ?"
                    ),
                    (resp, self.position, self.position, self.variant, self.day, self.day),
                )
                rows = [HoldingRow(*r) for r in cur.fetchall()]
            for holding in sorted(rows, key=_holding_order):
                holders.append(
                    HolderView(
                        role=holding.role,
                        unit=self.unit_ref(holding.unit),
                        chain=self.chain(holding.unit),
                        since=holding.since,
                        expected=bool(holding.expected),
                    )
                )
        row = at or first
        assert row is not None
        return WhoView(
            responsibility=ResponsibilityRef(id=resp, name=row.name or resp),
            at=self.on,
            holders=holders,
        )


def _holding_order(h: HoldingRow) -> tuple[int, int]:
    return (ROLE_ORDER[h.role], h.position)


def _figure_model(text: str) -> Any:
    from orgevents.figures import Figure

    return Figure.model_validate_json(text)


def _source_view(titles: dict[str, tuple[str, str | None]]) -> Any:
    """A figure's source as the index names it: title and location of its document."""
    from orgevents.projections.provenance import safe_url

    def source(s: Any) -> SourceView:
        title, location = titles.get(s.document, (None, None))
        return SourceView(
            document=s.document,
            locator=s.locator,
            quote=s.quote,
            title=title,
            location=location,
            url=safe_url(location),
        )

    return source
