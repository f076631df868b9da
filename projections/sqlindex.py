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
from orgevents.events import (
    Amendment,
    Change,
    ChangeCancelled,
    DocumentRegistered,
    Entry,
    EventRetracted,
    KindDeclared,
    ResponsibilityDefined,
    UnitEstablished,
    entry_adapter,
)
from orgevents.projections.effects import (
    RESPONSIBILITY,
    UNIT,
    is_change,
    is_planned,
    phased_until,
    related_keys,
    removes_target,
    subject_type,
)
from orgevents.projections.index_reader import (
    ROW_TYPES,
    IndexedState,
    IndexUnavailableError,
    backend_for_env,
    micros,
    tracking,
)
from orgevents.projections.index_rows import (
    ENACTED,
    FOREVER,
    PLANNED,
    Point,
    point,
    responsibility_rows,
    unit_rows,
)
from orgevents.projections.sqlindex_db import (
    INDEX_SCHEMA_VERSION,
    REBUILT_BELOW,
    TABLES,
    Backend,
    Cursor,
)
from orgevents.projections.textsearch import entry_texts
from orgevents.projections.views import FigureView

if TYPE_CHECKING:
    import networkx as nx

    from orgevents.application import OrgHistory
    from orgevents.projections.views import UnitView, WhoView

__all__ = ["IndexUnavailableError", "IndexedState", "SqlIndex", "micros"]

SUBJECT_TABLES = {
    "unit": ("orgindex_units", "orgindex_figures"),
    "responsibility": ("orgindex_responsibilities", "orgindex_holdings"),
}


def backend_for(app: OrgHistory) -> Backend:
    """The index's connection to the store's database (not for in-memory stores)."""
    table = getattr(app.recorder, "events_table_name", None)
    return backend_for_env(app.env, table)


@dataclass
class _Subject:
    """What the index remembers of one unit or responsibility between events."""

    kind: str  # unit | responsibility | document | other
    entries: dict[str, Point] = field(default_factory=dict)  # entry key → as it counts now
    open_rows: dict[str, dict[tuple[Any, ...], int]] = field(default_factory=dict)


DOCUMENT_COLUMNS = ("document", "title", "location", "p_from", "p_to")
ENTRY_COLUMNS = (
    "id",
    "entry_key",
    "subject",
    "type",
    "e_day",
    "planned",
    "counts",
    "position",
    "amended_by",
    "payload",
    "p_from",
    "p_to",
)


@dataclass
class _Writes:
    """The statements one transaction will run, gathered per table."""

    inserts: dict[str, list[tuple[Any, ...]]] = field(default_factory=dict)
    stab_inserts: dict[str, list[tuple[int, ...]]] = field(default_factory=dict)
    closes: dict[str, list[tuple[int, int]]] = field(default_factory=dict)
    stab_closes: dict[str, list[tuple[int, int]]] = field(default_factory=dict)
    events: list[tuple[int, int]] = field(default_factory=list)
    # document, title, location, p_from, p_to
    documents: list[tuple[str, str, str, int, int]] = field(default_factory=list)
    kinds: list[tuple[str, int, str]] = field(default_factory=list)
    document_closes: list[tuple[int, str, int]] = field(default_factory=list)
    related: list[tuple[str, int]] = field(default_factory=list)
    amendments: list[tuple[str, int]] = field(default_factory=list)
    entries: dict[int, tuple[Any, ...]] = field(default_factory=dict)  # row id → row
    entry_closes: list[tuple[int, int]] = field(default_factory=list)
    # entry key → (row id, original position, payload) of the entries opened in this transaction
    open_entries: dict[str, tuple[int, int, Entry]] = field(default_factory=dict)
    # (search row id, entry row id, subject, field, text, norm, infix) of the opened entries' texts
    search: list[tuple[int, int, str, str, str, str, str]] = field(default_factory=list)
    phases: list[tuple[int, int, int]] = field(default_factory=list)  # entry row, end day, planned


class SqlIndex:
    """The temporal index of one store. ``catch_up()`` before asking; then ``as_of(...)``."""

    def __init__(
        self, app: OrgHistory, cache_size: int = 20_000, db: Backend | None = None
    ) -> None:
        self.app = app
        self.db = db or backend_for(app)
        self.cache: OrderedDict[str, _Subject] = OrderedDict()
        self.cache_size = cache_size
        self._cache_position: int | None = None  # the tracked position the cache reflects
        self._next_id: dict[str, int] = {}
        self.parsed_figures: dict[str, Any] = {}  # figure JSON → Figure, shared by queries
        # (figure JSON, effective, titles of its sources) → the view (frozen: safe to share)
        self.figure_views: dict[tuple[str, str, tuple[str | None, ...]], FigureView] = {}
        self._ensured = False  # the tables are known to exist at this code's version
        self._monotone = 1  # recorded times rise with the positions (as far as processed)
        self._last_recorded = 0

    def close(self, close_store: bool = False) -> None:
        """Close the index's connection (and, if asked, the store's)."""
        self.db.close()
        if close_store:
            self.app.close()

    # --- schema -----------------------------------------------------------------------------

    def ensure(self) -> None:
        """Create the tables once: a read of the index's schema version, and DDL only where it
        is missing or older (under the backend's schema lock, so two first runs take turns); an
        index made by an older version, or before the log tables existed, is built again."""
        if self._ensured:
            return
        complete = all(
            self._has(t) for t in ("orgindex_entries", "orgindex_search", "orgindex_phases")
        )
        before = self.db.schema_version()
        if before < INDEX_SCHEMA_VERSION or not complete:
            # an index of an older version holds other rows (5: units' other names, 6: phased
            # changes, 7: documents cited): built again from the log
            outdated = self.exists() and (not complete or before < REBUILT_BELOW)
            with self.db.write() as cur:
                self.db.lock_schema(cur)
                now = self.db.version_in(cur)
                # made by another process since ``before`` was read: its tables may have looked
                # incomplete a moment ago, but rebuilding (dropping them) under its readers would
                # deadlock them — only an index current before the lock and still incomplete is
                # built again
                if now < INDEX_SCHEMA_VERSION or (outdated and before >= INDEX_SCHEMA_VERSION):
                    for statement in [*self.db.ddl(), *self.db.set_version_ddl()]:
                        cur.execute(statement)
                else:
                    outdated = False  # another process made (and rebuilt) it meanwhile
            self._ensured = True
            if outdated:
                self.rebuild()
        self._ensured = True

    def _has(self, table: str) -> bool:
        try:
            with self.db.read() as cur:
                cur.execute(f"SELECT 1 FROM {table} LIMIT 1")
                cur.fetchall()
                return True
        except Exception:  # the drivers raise their own kinds for a missing table
            return False

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
        return tracking(self.db, cur, lock)

    def _begin(self, cur: Cursor) -> int:
        tracked, self._monotone, self._last_recorded = self._tracking(cur, lock=True)
        if tracked != self._cache_position:
            self._forget()  # someone else moved the index on: what we remember may be stale
        self._cache_position = None  # until this transaction commits
        for table in (*TABLES, "orgindex_entries", "orgindex_search"):
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
                first = getattr(event, "originator_version", 1) == 1  # the subject's creation
                self._apply(cur, position, event.payload, event.timestamp, writes, first)
            self._flush(cur, writes, events[-1][0])
        except BaseException:
            self._forget()
            raise

    def _apply(
        self,
        cur: Cursor,
        q: int,
        payload: Entry,
        recorded: dt.datetime,
        writes: _Writes,
        first: bool = True,
    ) -> None:
        stamp = micros(recorded)
        writes.events.append((q, stamp))
        if stamp < self._last_recorded:
            self._monotone = 0
        self._last_recorded = max(self._last_recorded, stamp)
        self._entry(cur, q, payload, writes)
        if isinstance(payload, DocumentRegistered):
            writes.documents.append((payload.document, payload.title, payload.location, q, FOREVER))
            return
        if isinstance(payload, KindDeclared):
            from orgevents.kinds import declaration_json

            text = declaration_json(payload.labels, payload.level, payload.style, payload.note)
            writes.kinds.append((payload.kind, q, text))
            return
        if subject_type(payload) == UNIT:
            kind = "unit"
        elif subject_type(payload) == RESPONSIBILITY:
            kind = "responsibility"
        elif isinstance(payload, Amendment):
            kind = ""  # that of the subject it amends
        else:
            return  # decisions, claims: not part of the org or responsibility graph
        key = payload.subject
        # a subject's first establishment or definition makes it; a later one (a new life of
        # the same id: re-established) changes a subject the index already has
        new = first and isinstance(payload, UnitEstablished | ResponsibilityDefined)
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

    def _entry(self, cur: Cursor, q: int, payload: Entry, writes: _Writes) -> None:
        """The log's side of the index: which subjects each event involves (for histories),
        which entries amend which, and every entry's current version over recorded time (for
        change lists, dates, decisions, claims)."""
        for key in related_keys(payload):
            writes.related.append((key, q))
        if not isinstance(payload, Amendment):
            self._open_entry(q, q, None, payload, writes)
            return
        target = payload.target
        writes.amendments.append((target, q))
        found = writes.open_entries.get(target)
        if found is None:
            cur.execute(
                self.db.sql(
                    "SELECT id, position, payload FROM orgindex_entries "
                    "WHERE entry_key = ? AND p_to = ?"
                ),
                (target, FOREVER),
            )
            row = cur.fetchone()
            if row is None:
                return  # amends nothing that counts (the fold ignores it too)
            row_id, position, text = int(row[0]), int(row[1]), row[2]
            original = (
                entry_adapter.validate_json(text) if text else self._payload_at(cur, position)
            )
        else:
            row_id, position, original = found
        if row_id in writes.entries:
            writes.entries[row_id] = (*writes.entries[row_id][:-1], q)  # opened and closed here
        else:
            writes.entry_closes.append((q, row_id))
        writes.open_entries.pop(target, None)
        if removes_target(payload):
            return
        [replacement] = amended({target: original}, payload).values()
        self._open_entry(q, position, q, replacement, writes)

    def _open_entry(
        self, q: int, position: int, amended_by: int | None, payload: Entry, writes: _Writes
    ) -> None:
        row_id = self._next_id["orgindex_entries"]
        self._next_id["orgindex_entries"] += 1
        eff = payload.effective.date.toordinal() if isinstance(payload, Change) else 0
        # an amended entry keeps its current version here; a document its registration too, so
        # that the store's language is read from the index without decoding stored events; and
        # a change dated by the counting rule, so ``units`` says so from the index alone
        keep = (
            amended_by is not None
            or isinstance(payload, DocumentRegistered)
            or (isinstance(payload, Change) and payload.effective.is_counted)
        )
        text = payload.model_dump_json() if keep else None
        writes.entries[row_id] = (
            row_id,
            payload.key,
            payload.subject,
            payload.type,
            eff,
            int(is_planned(payload)),
            int(is_change(payload)),
            position,
            amended_by,
            text,
            q,
            FOREVER,
        )
        writes.open_entries[payload.key] = (row_id, position, payload)
        until = phased_until(payload)
        if until is not None:
            writes.phases.append((row_id, until.date.toordinal(), int(until.is_planned)))
        for found in entry_texts(payload):
            search_id = self._next_id["orgindex_search"]
            self._next_id["orgindex_search"] += 1
            writes.search.append((search_id, row_id, payload.subject, *found))

    def _payload_at(self, cur: Cursor, position: int) -> Entry:
        """The payload of the event stored at ``position``."""
        from eventsourcing.persistence import StoredEvent

        cur.execute(
            self.db.sql(
                f"SELECT originator_id, originator_version, topic, state "
                f"FROM {self.db.events_table} WHERE {self.db.position_column} = ?"
            ),
            (position,),
        )
        originator, version, topic, state = cur.fetchone()
        stored = StoredEvent(originator, version, topic, bytes(state))
        return self.app.mapper.to_domain_event(stored).payload  # type: ignore[attr-defined]

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
        """Write what the transaction gathered, table by table, each in one go."""
        sql, db = self.db.sql, self.db
        for table, rows in writes.inserts.items():
            key_col, columns, _ = TABLES[table]
            db.insert_rows(
                cur,
                table,
                ["id", key_col, "e_from", "e_to", "variants", "p_from", "p_to", *columns],
                rows,
            )
            stab = self.db.insert_stab(table)
            if stab and writes.stab_inserts.get(table):
                cur.executemany(sql(stab), writes.stab_inserts[table])
        for table, closes in writes.closes.items():
            db.close_rows(cur, table, closes)
            stab = self.db.close_stab(table)
            if stab and writes.stab_closes.get(table):
                cur.executemany(sql(stab), writes.stab_closes[table])
        db.insert_rows(cur, "orgindex_documents", DOCUMENT_COLUMNS, writes.documents)
        db.insert_rows(cur, "orgindex_kinds", ("kind", "position", "declaration"), writes.kinds)
        if writes.document_closes:
            cur.executemany(
                sql("UPDATE orgindex_documents SET p_to = ? WHERE document = ? AND p_to = ?"),
                writes.document_closes,
            )
        db.insert_rows(cur, "orgindex_events", ("position", "recorded"), writes.events)
        if writes.entry_closes:
            db.close_rows(cur, "orgindex_entries", writes.entry_closes)
            # an entry's texts are searchable for as long as that version of it counts
            cur.executemany(
                sql(f"UPDATE orgindex_search SET p_to = ? WHERE entry = ? AND p_to = {FOREVER}"),
                writes.entry_closes,
            )
        db.insert_rows(cur, "orgindex_entries", ENTRY_COLUMNS, list(writes.entries.values()))
        db.insert_rows(cur, "orgindex_phases", ("entry", "end_day", "end_planned"), writes.phases)
        if writes.search:
            rows = []
            for search_id, row_id, *texts in writes.search:
                entry = writes.entries[row_id]  # e_day, planned; p_from, p_to last
                rows.append((search_id, row_id, *texts, entry[4], entry[5], *entry[-2:]))
            self.db.insert_search(cur, rows)
        db.insert_rows(cur, "orgindex_related", ("key", "position"), writes.related)
        db.insert_rows(cur, "orgindex_amendments", ("target", "position"), writes.amendments)
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


def _amend(entries: dict[str, Point], amendment: Amendment) -> dict[str, Point]:
    """The points after ``amendment`` (as :func:`orgevents.aggregate.amended`; the amended
    entry keeps its original position)."""
    current = {k: p.payload for k, p in entries.items()}
    out = {}
    for k, payload in amended(current, amendment).items():
        old = entries[k]
        out[k] = old if payload is old.payload else point(old.position, payload)
    return out


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
