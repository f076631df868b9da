"""The SQL temporal index: as-of queries on very large histories without replaying the log.

The in-memory fold (:mod:`.fold`) replays every event before it can answer; at a million events
that is seconds per question. This index keeps, in tables of the store's own database (SQLite or
PostgreSQL), the *validity intervals* of every unit, responsibility, holding and figure
(:mod:`.index_rows`), each row also valid for a range of recorded positions ``[p_from, p_to)``. A
question "as of D, known at T" is then one interval-stabbing query per table — R*Tree on SQLite,
GiST on PostgreSQL (:mod:`.sqlindex_db`) — for the point (D, the last position recorded by T).

Keeping it up to date (``catch_up``): the index pulls new events from the notification log,
after the position it has processed, and writes the rows they change *and* the new position in
one transaction — so each event is applied exactly once, whoever runs the catch-up, even when
processes die midway. An event changes the rows of one subject: the index recomputes that
subject's intervals from its entries (amendments applied) and closes the rows that no longer
hold (``p_to`` = the event's position) and opens the new ones. That makes backdated events,
corrections, retractions, confirmations and cancellations right by construction, and keeps every
earlier state answerable for ``known_at``. ``rebuild`` drops the tables and replays the log.

Answers equal the fold's (``tests/test_index_equivalence.py`` checks them on random histories):
:func:`org_graph` and :func:`responsibility_graph` return the same networkx graphs as
:func:`.structure.org_graph` and :func:`.holders.responsibility_graph`; :func:`units_at` and
:func:`who` the same views. The index refuses (``IndexUnavailableError``: use the fold) where it
cannot answer: an in-memory store, and ``known_at`` when recorded times do not rise with the
positions (then "recorded up to T" is not a prefix of the log).
"""

from __future__ import annotations

import datetime as dt
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from orgevents.aggregate import aggregate_id, amended
from orgevents.errors import NotFoundError, OrgEventsError
from orgevents.events import (
    Amendment,
    Change,
    ChangeCancelled,
    DocumentRegistered,
    Entry,
    EventRetracted,
    ResponsibilityDefined,
    Role,
    UnitEstablished,
)
from orgevents.projections.index_rows import (
    ENACTED,
    FOREVER,
    PLANNED,
    RESPONSIBILITY_ENTRIES,
    UNIT_ENTRIES,
    FigureRow,
    HoldingRow,
    Point,
    ResponsibilityRow,
    UnitRow,
    day,
    point,
    responsibility_rows,
    unit_rows,
)
from orgevents.projections.sqlindex_db import INDEX_SCHEMA_VERSION, TABLES, Backend, Cursor
from orgevents.projections.views import (
    FigureView,
    HolderView,
    ResponsibilityRef,
    SourceView,
    UnitRef,
    UnitView,
    WhoView,
)

if TYPE_CHECKING:
    import networkx as nx

    from orgevents.application import OrgHistory

ROW_TYPES: dict[str, Any] = {
    "orgindex_units": UnitRow,
    "orgindex_figures": FigureRow,
    "orgindex_responsibilities": ResponsibilityRow,
    "orgindex_holdings": HoldingRow,
}
SUBJECT_TABLES = {
    "unit": ("orgindex_units", "orgindex_figures"),
    "responsibility": ("orgindex_responsibilities", "orgindex_holdings"),
}
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_ROLE_ORDER = {role.value: i for i, role in enumerate(Role)}


class IndexUnavailableError(OrgEventsError):
    """The SQL index cannot answer this question; the in-memory fold can."""


def micros(moment: dt.datetime) -> int:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return (moment - _EPOCH) // dt.timedelta(microseconds=1)


def backend_for(app: OrgHistory) -> Backend:
    """The index's connection to the store's database (not for in-memory stores)."""
    from orgevents.projections.sqlindex_db import PostgresBackend, SQLiteBackend

    env = app.env
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
        table = app.recorder.events_table_name  # type: ignore[attr-defined]
        return PostgresBackend(conninfo, schema, table)
    raise IndexUnavailableError(
        "the SQL index lives in an SQLite or PostgreSQL store; this store is in memory"
    )


@dataclass
class _Subject:
    """What the index remembers of one unit or responsibility between events."""

    kind: str  # unit | responsibility | document | other
    entries: dict[str, Point] = field(default_factory=dict)  # entry key → as it counts now
    open_rows: dict[str, dict[tuple[Any, ...], int]] = field(default_factory=dict)


@dataclass
class _Writes:
    """The statements one transaction will run, gathered per table."""

    inserts: dict[str, list[tuple[Any, ...]]] = field(default_factory=dict)
    stab_inserts: dict[str, list[tuple[int, ...]]] = field(default_factory=dict)
    closes: dict[str, list[tuple[int, int]]] = field(default_factory=dict)
    stab_closes: dict[str, list[tuple[int, int]]] = field(default_factory=dict)
    events: list[tuple[int, int]] = field(default_factory=list)
    documents: list[tuple[str, str, int, int]] = field(default_factory=list)
    document_closes: list[tuple[int, str, int]] = field(default_factory=list)


class SqlIndex:
    """The temporal index of one store. ``catch_up()`` before asking; then ``as_of(...)``."""

    def __init__(self, app: OrgHistory, cache_size: int = 20_000) -> None:
        self.app = app
        self.db = backend_for(app)
        self.cache: OrderedDict[str, _Subject] = OrderedDict()
        self.cache_size = cache_size
        self._cache_position: int | None = None  # the tracked position the cache reflects
        self._next_id: dict[str, int] = {}
        self.parsed_figures: dict[str, Any] = {}  # figure JSON → Figure, shared by queries
        # (figure JSON, effective, titles of its sources) → the view (frozen: safe to share)
        self.figure_views: dict[tuple[str, str, tuple[str | None, ...]], FigureView] = {}
        self._monotone = 1  # recorded times rise with the positions (as far as processed)
        self._last_recorded = 0
        self._ensured = False  # the tables are known to exist at this code's version

    def close(self, close_store: bool = False) -> None:
        """Close the index's connection (and, if asked, the store's)."""
        self.db.close()
        if close_store:
            self.app.close()

    # --- schema -----------------------------------------------------------------------------

    def ensure(self) -> None:
        """Create the tables once: a read of the index's schema version, and DDL only where it
        is missing or older (under the backend's schema lock, so two first runs take turns)."""
        if self._ensured:
            return
        if self.db.schema_version() < INDEX_SCHEMA_VERSION:
            with self.db.write() as cur:
                self.db.lock_schema(cur)
                if self.db.version_in(cur) < INDEX_SCHEMA_VERSION:
                    for statement in [*self.db.ddl(), *self.db.set_version_ddl()]:
                        cur.execute(statement)
        self._ensured = True

    def drop(self) -> None:
        with self.db.write() as cur:
            for statement in self.db.drop():
                cur.execute(statement)
        self._ensured = False
        self._forget()

    def exists(self) -> bool:
        try:
            with self.db.read() as cur:
                cur.execute("SELECT position FROM orgindex_tracking WHERE id = 1")
                return cur.fetchone() is not None
        except Exception:  # the drivers raise their own kinds for a missing table
            return False

    # --- keeping up -------------------------------------------------------------------------

    def position(self) -> int:
        """The last log position the index has processed."""
        with self.db.read() as cur:
            return int(self._tracking(cur, lock=False)[0])

    def behind(self) -> int:
        """How many events the log holds beyond the index (0: up to date)."""
        last = self.app.recorder.max_notification_id() or 0
        return max(0, last - self.position())

    def catch_up(
        self, chunk: int = 2000, progress: Callable[[int, int], None] | None = None
    ) -> int:
        """Apply every event recorded after the index's position; return how many."""
        self.ensure()
        applied = 0
        while True:
            with self.db.write() as cur:
                tracked = self._begin(cur)
                notifications = self.app.recorder.select_notifications(
                    start=tracked + 1, limit=chunk
                )
                if not notifications:
                    self._commit_position(tracked)
                    return applied
                events = [(n.id, self.app.mapper.to_domain_event(n)) for n in notifications]
                self._process(cur, events)
            self._commit_position(events[-1][0])
            applied += len(events)
            if progress is not None:
                progress(applied, events[-1][0])

    def apply_recorded(self, recordings: Sequence[Any]) -> None:
        """Apply events just saved (``Application.save``'s recordings) without reading them back;
        events the index has not seen before them are read from the log first."""
        if not recordings:
            return
        self.ensure()
        events = [(r.notification.id, r.domain_event) for r in recordings]
        with self.db.write() as cur:
            tracked = self._begin(cur)
            first = events[0][0]
            gap = self.app.recorder.select_notifications(start=tracked + 1, limit=1, stop=first - 1)
            if not gap:
                events = [e for e in events if e[0] > tracked]
                if events:
                    self._process(cur, events)
                    tracked = events[-1][0]
        self._commit_position(tracked)
        if gap:
            self.catch_up()

    def rebuild(self, progress: Callable[[int, int], None] | None = None) -> int:
        """Drop the index and build it again from the whole log."""
        self.drop()
        applied = self.catch_up(progress=progress)
        self.analyze()
        return applied

    def analyze(self) -> None:
        """Refresh the database's statistics of the index tables (after large loads), so the
        planner picks the interval indexes."""
        with self.db.write() as cur:
            for statement in self.db.analyze():
                cur.execute(statement)

    # --- one write transaction --------------------------------------------------------------

    def _tracking(self, cur: Cursor, lock: bool) -> tuple[int, int, int]:
        suffix = " FOR UPDATE" if lock and self.db.name == "postgres" else ""
        cur.execute(
            "SELECT position, monotone, last_recorded FROM orgindex_tracking WHERE id = 1" + suffix
        )
        row = cur.fetchone()
        if row is None:
            raise IndexUnavailableError("the index has not been created: run `orgevents reindex`")
        return int(row[0]), int(row[1]), int(row[2])

    def _begin(self, cur: Cursor) -> int:
        tracked, self._monotone, self._last_recorded = self._tracking(cur, lock=True)
        if tracked != self._cache_position:
            self._forget()  # someone else moved the index on: what we remember may be stale
        self._cache_position = None  # until this transaction commits
        for table in TABLES:
            cur.execute(f"SELECT max(id) FROM {table}")
            self._next_id[table] = int(cur.fetchone()[0] or 0) + 1
        return tracked

    def _commit_position(self, position: int) -> None:
        self._cache_position = position
        while len(self.cache) > self.cache_size:
            self.cache.popitem(last=False)

    def _forget(self) -> None:
        self.cache.clear()
        self._cache_position = None

    def _process(self, cur: Cursor, events: Sequence[tuple[int, Any]]) -> None:
        writes = _Writes()
        try:
            for position, event in events:
                self._apply(cur, position, event.payload, event.timestamp, writes)
            self._flush(cur, writes, events[-1][0])
        except BaseException:
            self._forget()
            raise

    def _apply(
        self, cur: Cursor, q: int, payload: Entry, recorded: dt.datetime, writes: _Writes
    ) -> None:
        stamp = micros(recorded)
        writes.events.append((q, stamp))
        if stamp < self._last_recorded:
            self._monotone = 0
        self._last_recorded = max(self._last_recorded, stamp)
        if isinstance(payload, DocumentRegistered):
            writes.documents.append((payload.document, payload.title, q, FOREVER))
            return
        if isinstance(payload, UNIT_ENTRIES):
            kind = "unit"
        elif isinstance(payload, RESPONSIBILITY_ENTRIES):
            kind = "responsibility"
        elif isinstance(payload, Amendment):
            kind = ""  # that of the subject it amends
        else:
            return  # decisions, claims: not part of the org or responsibility graph
        key = payload.subject
        new = isinstance(payload, UnitEstablished | ResponsibilityDefined)
        subject = self._subject(cur, key, q, kind if new else None)
        if isinstance(payload, Amendment):
            if subject.kind == "document":
                if isinstance(payload, EventRetracted | ChangeCancelled):
                    writes.document_closes.append((q, key, FOREVER))
                return
            if payload.target not in subject.entries:
                return
            subject.entries = _amend(subject.entries, payload)
        else:
            subject.entries[payload.key] = point(q, payload)
        if subject.kind == "unit":
            units, figures = unit_rows(list(subject.entries.values()))
            self._diff(subject, key, "orgindex_units", units, q, writes)
            self._diff(subject, key, "orgindex_figures", figures, q, writes)
        elif subject.kind == "responsibility":
            resps, holdings = responsibility_rows(list(subject.entries.values()))
            self._diff(subject, key, "orgindex_responsibilities", resps, q, writes)
            self._diff(subject, key, "orgindex_holdings", holdings, q, writes)

    def _subject(self, cur: Cursor, key: str, q: int, new_kind: str | None) -> _Subject:
        """The subject's entries and open rows before position ``q`` (cached, else loaded)."""
        subject = self.cache.get(key)
        if subject is not None:
            self.cache.move_to_end(key)
            return subject
        if new_kind is not None:
            subject = _Subject(new_kind, {}, {t: {} for t in SUBJECT_TABLES[new_kind]})
        else:
            subject = self._load(cur, key, q)
        self.cache[key] = subject
        return subject

    def _load(self, cur: Cursor, key: str, q: int) -> _Subject:
        """Replay the subject's own events before ``q`` from the store (with their positions)."""
        from eventsourcing.persistence import StoredEvent

        agg = aggregate_id(key)
        # By the aggregate's key alone: with "position < q" in the query too, PostgreSQL ANDs
        # the position index in and reads every earlier position (measured: 1 M events, 450/s)
        cur.execute(
            self.db.sql(
                f"SELECT {self.db.position_column}, originator_version, topic, state "
                f"FROM {self.db.events_table} WHERE originator_id = ? ORDER BY originator_version"
            ),
            (self.db.originator(agg),),
        )
        entries: dict[str, Point] = {}
        kind = "other"
        for position, version, topic, state in cur.fetchall():
            if position >= q:
                break  # recorded after the event being applied: not yet for the index
            stored = StoredEvent(agg, version, topic, bytes(state))
            payload = self.app.mapper.to_domain_event(stored).payload  # type: ignore[attr-defined]
            if isinstance(payload, Amendment):
                if payload.target in entries:
                    entries = _amend(entries, payload)
                continue
            if isinstance(payload, UnitEstablished):
                kind = "unit"
            elif isinstance(payload, ResponsibilityDefined):
                kind = "responsibility"
            elif isinstance(payload, DocumentRegistered):
                kind = "document"
            if isinstance(payload, Change):
                entries[payload.key] = point(position, payload)
        subject = _Subject(kind, entries, {})
        for table in SUBJECT_TABLES.get(kind, ()):
            key_col, columns, _ = TABLES[table]
            cur.execute(
                self.db.sql(
                    f"SELECT id, e_from, e_to, variants, {', '.join(columns)} FROM {table} "
                    f"WHERE {key_col} = ? AND p_to = ?"
                ),
                (key, FOREVER),
            )
            row_type = ROW_TYPES[table]
            subject.open_rows[table] = {row_type(*r[1:]): int(r[0]) for r in cur.fetchall()}
        return subject

    def _diff(
        self,
        subject: _Subject,
        key: str,
        table: str,
        rows: Iterable[tuple[Any, ...]],
        q: int,
        writes: _Writes,
    ) -> None:
        old = subject.open_rows[table]
        new = set(rows)
        stabbed = TABLES[table][2]
        for row, row_id in list(old.items()):
            if row not in new:
                writes.closes.setdefault(table, []).append((q, row_id))
                if stabbed is None or row[3]:
                    writes.stab_closes.setdefault(table, []).append((q - 1, row_id))
                del old[row]
        for row in rows:
            if row in old:
                continue
            row_id = self._next_id[table]
            self._next_id[table] += 1
            old[row] = row_id
            writes.inserts.setdefault(table, []).append(
                (row_id, key, *row[:3], q, FOREVER, *row[3:])
            )
            if stabbed is None or row[3]:
                writes.stab_inserts.setdefault(table, []).append(
                    (row_id, row[0], row[1] - 1, q, FOREVER - 1)
                )

    def _flush(self, cur: Cursor, writes: _Writes, position: int) -> None:
        sql = self.db.sql
        for table, rows in writes.inserts.items():
            key_col, columns, _ = TABLES[table]
            names = ["id", key_col, "e_from", "e_to", "variants", "p_from", "p_to", *columns]
            marks = ", ".join("?" for _ in names)
            statement = f"INSERT INTO {table} ({', '.join(names)}) VALUES ({marks})"
            cur.executemany(sql(statement), rows)
            stab = self.db.insert_stab(table)
            if stab and writes.stab_inserts.get(table):
                cur.executemany(sql(stab), writes.stab_inserts[table])
        for table, closes in writes.closes.items():
            cur.executemany(sql(f"UPDATE {table} SET p_to = ? WHERE id = ?"), closes)
            stab = self.db.close_stab(table)
            if stab and writes.stab_closes.get(table):
                cur.executemany(sql(stab), writes.stab_closes[table])
        if writes.documents:
            cur.executemany(
                sql(
                    "INSERT INTO orgindex_documents (document, title, p_from, p_to) "
                    "VALUES (?, ?, ?, ?)"
                ),
                writes.documents,
            )
        if writes.document_closes:
            cur.executemany(
                sql("UPDATE orgindex_documents SET p_to = ? WHERE document = ? AND p_to = ?"),
                writes.document_closes,
            )
        cur.executemany(
            sql("INSERT INTO orgindex_events (position, recorded) VALUES (?, ?)"), writes.events
        )
        cur.execute(
            sql(
                "UPDATE orgindex_tracking SET position = ?, monotone = ?, last_recorded = ? "
                "WHERE id = 1"
            ),
            (position, self._monotone, self._last_recorded),
        )

    # --- asking -----------------------------------------------------------------------------

    def as_of(
        self,
        on: dt.date,
        known_at: dt.datetime | dt.date | None = None,
        include_planned: bool = False,
    ) -> IndexedState:
        """The state on ``on`` from the events recorded up to ``known_at`` (None: all the index
        has processed — call ``catch_up()`` first to include the newest)."""
        with self.db.read() as cur:
            tracked, monotone, _ = self._tracking(cur, lock=False)
            position = tracked
            if known_at is not None:
                if not monotone:
                    raise IndexUnavailableError(
                        "recorded times do not rise with the log positions in this store, so "
                        "'known at' is not a prefix of the log: ask the fold"
                    )
                if not isinstance(known_at, dt.datetime):
                    known_at = dt.datetime.combine(known_at, dt.time.max, tzinfo=dt.UTC)
                elif known_at.tzinfo is None:
                    known_at = known_at.replace(tzinfo=dt.UTC)
                cur.execute(
                    self.db.sql(
                        "SELECT max(position) FROM orgindex_events WHERE recorded <= ? "
                        "AND position <= ?"
                    ),
                    (micros(known_at), tracked),
                )
                position = int(cur.fetchone()[0] or 0)
        variant = PLANNED if include_planned else ENACTED
        return IndexedState(self, on, position, variant, known_at)


class IndexedState:
    """One as-of question: the day, the last position counted, the variant. Rows are read once
    and kept; every row valid for the position is immutable, so answers stay consistent while
    the index moves on."""

    def __init__(
        self,
        index: SqlIndex,
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
        self._unit_cache: dict[str, tuple[UnitRow | None, UnitRow | None]] = {}
        self._depth: dict[str, int] = {}

    # --- reading rows -------------------------------------------------------------------------

    def _stab(self, table: str) -> list[tuple[str, Any]]:
        row_type = ROW_TYPES[table]
        with self.db.read() as cur:
            # in this read's snapshot: is the position still the index's own? then only open
            # rows can hold it (a faster structure on PostgreSQL)
            current = self.index._tracking(cur, lock=False)[0] == self.position
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
        """(the row holding on the day or None, the subject's first row or None)."""
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
        if key not in self._unit_cache:
            self._unit_cache[key] = self._key_rows("orgindex_units", key)
        return self._unit_cache[key]

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
                    view = views[(f.figure, f.effective, cited)] = _figure_view(
                        model, f.effective, titles
                    )
                shown.append(view)
            out[key] = shown
        return out

    def _document_titles(self, documents: set[str]) -> dict[str, str]:
        if not documents:
            return {}
        names = sorted(documents)
        marks = ", ".join("?" for _ in names)
        with self.db.read() as cur:
            cur.execute(
                self.db.sql(
                    f"SELECT document, title FROM orgindex_documents WHERE document IN ({marks}) "
                    "AND p_from <= ? AND p_to > ?"
                ),
                (*names, self.position, self.position),
            )
            return dict(cur.fetchall())

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
                graph.add_edge(key, unit, role=holding.role, expected=bool(holding.expected))
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


def _amend(entries: dict[str, Point], amendment: Amendment) -> dict[str, Point]:
    """The points after ``amendment`` (as :func:`orgevents.aggregate.amended`; the amended
    entry keeps its original position)."""
    current = {k: p.payload for k, p in entries.items()}
    out = {}
    for k, payload in amended(current, amendment).items():
        old = entries[k]
        out[k] = old if payload is old.payload else point(old.position, payload)
    return out


def _holding_order(h: HoldingRow) -> tuple[int, int]:
    return (_ROLE_ORDER[h.role], h.position)


def _figure_model(text: str) -> Any:
    from orgevents.figures import Figure

    return Figure.model_validate_json(text)


def _figure_view(fig: Any, effective: str, titles: dict[str, str]) -> FigureView:
    return FigureView(
        summary=fig.describe(),
        metric=fig.metric.value,
        value=fig.value,
        approximate=fig.approximate,
        year=fig.year,
        per_year=fig.per_year,
        price_level=fig.price_level,
        steering_area=fig.steering_area,
        text=fig.text,
        note=fig.note,
        effective=effective,
        sources=[
            SourceView(
                document=s.document,
                locator=s.locator,
                quote=s.quote,
                title=titles.get(s.document),
            )
            for s in fig.sources
        ],
    )


# --- the query functions, as the fold's ---------------------------------------------------------


def org_graph(
    index: SqlIndex,
    on: dt.date,
    known_at: dt.datetime | dt.date | None = None,
    include_planned: bool = False,
) -> nx.DiGraph:
    return index.as_of(on, known_at, include_planned).org_graph()


def responsibility_graph(
    index: SqlIndex,
    on: dt.date,
    known_at: dt.datetime | dt.date | None = None,
    include_planned: bool = False,
) -> nx.MultiDiGraph:
    return index.as_of(on, known_at, include_planned).responsibility_graph()


def units_at(
    index: SqlIndex,
    on: dt.date,
    known_at: dt.datetime | dt.date | None = None,
    include_planned: bool = False,
) -> list[UnitView]:
    return index.as_of(on, known_at, include_planned).units()


def who(
    index: SqlIndex,
    resp: str,
    on: dt.date,
    known_at: dt.datetime | dt.date | None = None,
    include_planned: bool = False,
) -> WhoView:
    return index.as_of(on, known_at, include_planned).who(resp)
