"""The read side's one entry point: every question the product asks, answered from SQL.

``Reader(store)`` keeps the store's temporal index (:mod:`.sqlindex`) up to date — it catches up
with the log when opened and applies every event the store saves afterwards — and hands out
views: ``reader.view(known_at, include_planned)`` fixes the last log position that counts and
the variant (enacted only, or with planned changes) and answers, for any date, the units and
the org graph, the responsibility graph, ``who``, ``show``, ``diff``, ``history``, ``dates``,
``find``, ``conflicts`` and the audit — from indexed rows and the few stored events a question
names, never by replaying the log. Every CLI command, HTTP route, chart and export asks a view.

The fold (:mod:`.fold`, wrapped as :class:`.reference.FoldView`) answers the same questions by
replaying the log; it is the reference model the tests compare every answer with.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_right
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from orgevents.errors import NotFoundError
from orgevents.projections.index_reader import (
    ROLE_ORDER,
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
    HoldingRow,
    ResponsibilityRow,
    UnitRow,
    day,
    names_of,
)
from orgevents.projections.sqlindex_db import INDEX_SCHEMA_VERSION, REBUILT_BELOW, TABLES
from orgevents.projections.views import (
    ChangeView,
    FigureView,
    FoundView,
    KnownUnit,
    ResponsibilityAt,
    UnitRef,
    UnitView,
    WhoView,
)

if TYPE_CHECKING:
    import networkx as nx

    from orgevents.application import OrgHistory
    from orgevents.events import DecisionMade, DocumentRegistered
    from orgevents.kinds import KindSpec
    from orgevents.projections.effects import Life, Phase
    from orgevents.projections.fold import Record
    from orgevents.projections.lookup import Holding
    from orgevents.projections.sqlindex import SqlIndex
    from orgevents.projections.sqlindex_db import Backend

KnownAt = dt.date | dt.datetime | None
DAY = dt.timedelta(days=1)

UNIT_NAMING = ("UnitEstablished", "UnitRenamed")
FIGURE_CARRIERS = ("UnitEstablished", "FiguresRecorded", "ResponsibilityTransferred")
CHUNK = 500  # keys or positions per IN (...) list
KEPT_RECORDS = 5_000  # stored events a view keeps decoded
KEPT_TIMELINES = 20_000  # subjects whose rows a view keeps


def end_of_day(day_: dt.date) -> dt.datetime:
    """A date given as a recorded time means the end of that day, UTC."""
    return dt.datetime.combine(day_, dt.time.max, tzinfo=dt.UTC)


def recorded_until(known_at: KnownAt) -> dt.datetime | None:
    """``known_at`` as a moment: a date is the end of that day (UTC); naive times are UTC."""
    if known_at is None:
        return None
    if not isinstance(known_at, dt.datetime):
        return end_of_day(known_at)
    return known_at if known_at.tzinfo else known_at.replace(tzinfo=dt.UTC)


class Reader:
    """The read side of one store. Keep one per process (or per store object).

    ``Reader(store)`` shares an open store and indexes what it saves; ``Reader.open(url)`` reads
    a store by its URL and opens the application (eventsourcing, the event models) only when the
    index must catch up or a question needs stored events, so an up-to-date index answers a
    one-shot command quickly.
    """

    def __init__(
        self, store: OrgHistory | None = None, *, url: str | None = None, indexes: bool = True
    ) -> None:
        """A reader of ``store`` (it keeps the index as the store saves; ``indexes=False``: a
        second reader of the same store, on its own connection, that leaves that to the first),
        or of the store at ``url`` (the index only, for commands that only read)."""
        self._store = store
        self._url = url
        self._writer: SqlIndex | None = None
        self._indexes = indexes
        # shared by every question (IndexedState's caches): figure JSON → Figure, and views
        self.parsed_figures: dict[str, Any] = {}
        self.figure_views: dict[tuple[str, str, tuple[Any, ...]], FigureView] = {}
        if store is not None:
            from orgevents.projections.sqlindex import SqlIndex

            self._writer = SqlIndex(store)
            self.db: Backend = self._writer.db
            if indexes:
                store.after_save.append(self._saved)
                self.catch_up()
        else:
            from orgevents.store import backend_env, store_url

            self._url = store_url(url)
            env = backend_env(self._url)
            path = env.get("SQLITE_DBNAME")
            if path and "ORGEVENTS_THROWAWAY" not in env and not Path(path).exists():
                from orgevents.errors import StoreError

                raise StoreError(
                    f"no store at {path!r}: check --store, or load something first "
                    "(orgevents load FILE makes the store)"
                )
            self.db = backend_for_env(env)

    @classmethod
    def open(cls, url: str | None = None) -> Reader:
        """A reader of the store at ``url`` (``$ORGEVENTS_STORE``, the default)."""
        return cls(url=url)

    @property
    def store(self) -> OrgHistory:
        """The store's application, opened when first needed."""
        if self._store is None:
            from orgevents.store import open_store

            self._store = open_store(self._url)
        return self._store

    @property
    def writer(self) -> SqlIndex:
        """The side that keeps the index (catch-up, reindex)."""
        if self._writer is None:
            from orgevents.projections.sqlindex import SqlIndex

            self._writer = SqlIndex(self.store, db=self.db)
        return self._writer

    def _saved(self, recordings: Sequence[Any]) -> None:
        self.writer.apply_recorded(recordings)

    def up_to_date(self) -> bool:
        """The index exists at this code's version and holds every stored event (one cheap
        look at each)."""
        db = self.db
        try:
            with db.read() as cur:
                if db.version_in(cur) < INDEX_SCHEMA_VERSION:
                    return False  # made by an older version: built again (``SqlIndex.ensure``)
                tracked = tracking(db, cur)[0]
                for table in ("orgindex_entries", "orgindex_search"):  # the newest tables
                    cur.execute(f"SELECT 1 FROM {table} LIMIT 1")
                    cur.fetchall()
                if db.version_in(cur) < REBUILT_BELOW:
                    return False  # rows this code reads otherwise: rebuilt on catching up
                cur.execute(f"SELECT max({db.position_column}) FROM {db.events_table}")
                last = int(cur.fetchone()[0] or 0)
        except Exception:  # a table is missing: the drivers raise their own kinds
            return False
        return tracked == last

    def catch_up(self, progress: Callable[[int, int], None] | None = None) -> int:
        """Apply the events recorded since the index last looked; return how many (none for a
        second reader, ``indexes=False``: it reads what the first one indexed)."""
        if not self._indexes or self.up_to_date():
            return 0
        return self.writer.catch_up(progress=progress)

    def close(self) -> None:
        if self._store is not None and self._saved in self._store.after_save:
            self._store.after_save.remove(self._saved)
        self.db.close()

    def position(self) -> int:
        with self.db.read() as cur:
            return tracking(self.db, cur)[0]

    def view(self, known_at: KnownAt = None, include_planned: bool = False) -> View:
        """The history as known at ``known_at`` (None: everything recorded), with or without
        expected and planned changes. Catches up with the store first."""
        self.catch_up()
        moment = recorded_until(known_at)
        db = self.db
        with db.read() as cur:
            tracked, monotone, _ = tracking(db, cur)
            position = tracked
            if moment is not None:
                if not monotone:
                    raise IndexUnavailableError(
                        "recorded times in this store do not rise with the log, so 'known at' "
                        "has no single answer here"
                    )
                cur.execute(
                    db.sql(
                        "SELECT max(position) FROM orgindex_events WHERE recorded <= ? "
                        "AND position <= ?"
                    ),
                    (micros(moment), tracked),
                )
                position = int(cur.fetchone()[0] or 0)
        return View(self, position, include_planned, moment)


class View:
    """One store as known at one log position, in one variant: answers for any date.

    Rows valid for a position never change, so a view's answers stay the same while the store
    moves on; a new view sees the new events.
    """

    def __init__(
        self,
        reader: Reader,
        position: int,
        include_planned: bool,
        known_at: dt.datetime | None = None,
    ) -> None:
        self.reader = reader
        self.db = reader.db
        self.position = position
        self.include_planned = include_planned
        self.variant = PLANNED if include_planned else ENACTED
        self.known_at = known_at
        self._days: dict[dt.date, IndexedState] = {}
        self._records: dict[int, Record] = {}
        self._kinds: dict[str, str | None] = {}
        self._decisions: dict[str, DecisionMade | None] = {}
        self._documents: dict[str, DocumentRegistered | None] = {}
        # (table, key) → the subject's rows visible in this view, by effective date
        self._timelines: OrderedDict[tuple[str, str], list[Any]] = OrderedDict()
        self._lives: dict[str, list[Life]] = {}
        self._amended: set[str] | None = None  # keys of the entries some event amends
        self.scope: Scope | None = None  # part of the organisation: see within()

    # --- part of the organisation: --root / --depth -------------------------------------------

    def within(self, root: str | None, depth: int | None, *days: dt.date) -> View:
        """This view limited to one part of the organisation: the unit ``root`` and the units
        under it (None: the units at the top and those under them), at most ``depth`` levels
        below it (None: all), as the organisation stood on any of ``days`` — and the
        responsibilities those units hold on those days. The lists it answers (units, changes,
        dates, find, exports, the audit) keep what involves them; the subtree is a recursive
        query on the index (:meth:`Scope.units_sql`), never the whole organisation in Python.
        Raises NotFoundError if ``root`` is in force on none of the days."""
        if root is None and depth is None:
            return self
        if not days:
            raise ValueError("within() needs the day(s) the subtree is taken on")
        scope = Scope(self, root, depth, tuple(sorted(set(days))))
        if root is not None and not scope.units():
            on = " or ".join(d.isoformat() for d in scope.days)
            raise NotFoundError(root, f"unit in force on {on} (--root)")
        scoped = View(self.reader, self.position, self.include_planned, self.known_at)
        scoped.scope = scope
        return scoped

    def _in_scope(self, key: str) -> bool:
        return self.scope is None or key in self.scope.members()

    def _scope_positions(self) -> tuple[str, tuple[Any, ...]]:
        """An SQL condition on ``position``: the events that involve the scope (none: true)."""
        if self.scope is None:
            return "1 = 1", ()
        keys, params = self.scope.keys_sql()
        return f"position IN (SELECT position FROM orgindex_related WHERE key IN ({keys}))", params

    # --- the state on a date ----------------------------------------------------------------

    def at(self, on: dt.date) -> IndexedState:
        state = self._days.get(on)
        if state is None:
            if len(self._days) >= 16:  # rows of many dates: keep memory bounded
                self._days.pop(next(iter(self._days)))
            state = self._days[on] = IndexedState(
                self.reader, on, self.position, self.variant, self.known_at
            )
        return state

    def units_at(self, on: dt.date) -> list[UnitView]:
        from orgevents.projections import phasing

        found = phasing.units(self.at(on).units(), self.phases_on(on))
        if self.scope is None:
            return found
        inside = self.scope.units()
        return [u for u in found if u.id in inside]

    def org_graph(self, on: dt.date) -> nx.DiGraph:
        from orgevents.projections import phasing

        return phasing.org_graph(self.at(on).org_graph(), self.phases_on(on))

    def responsibility_graph(self, on: dt.date) -> nx.MultiDiGraph:
        from orgevents.projections import phasing

        return phasing.responsibility_graph(self.at(on).responsibility_graph(), self.phases_on(on))

    def who(self, resp: str, on: dt.date) -> WhoView:
        from orgevents.projections import phasing

        return phasing.who(self.at(on).who(resp), self.phases_on(on, resp))

    def chain(self, key: str, on: dt.date) -> list[UnitRef]:
        return self.at(on).chain(key)

    def unit_kind(self, key: str, on: dt.date) -> str:
        return self.at(on).unit_kind(key)

    def unit_exists(self, key: str, on: dt.date) -> bool:
        at, _ = self.at(on)._unit(key)
        return bool(at is not None and at.alive)

    # --- names ------------------------------------------------------------------------------

    def kind_of(self, key: str) -> str | None:
        """unit, responsibility, decision, document — or None: not known in this view."""
        if key not in self._kinds:
            self._kinds[key] = self._kind_of(key)
        return self._kinds[key]

    def _kind_of(self, key: str) -> str | None:
        if self._timeline("orgindex_units", key):
            return "unit"
        if self._timeline("orgindex_responsibilities", key):
            return "responsibility"
        if self.decision(key) is not None:
            return "decision"
        if self.document(key) is not None:
            return "document"
        return None

    def ids_like(self, key: str, limit: int = 3) -> list[str]:
        """The ids of units and responsibilities spelt most like ``key`` (for "did you mean")."""
        import difflib

        ids: set[str] = set()
        with self.db.read() as cur:
            for table in ("orgindex_units", "orgindex_responsibilities"):
                key_col = TABLES[table][0]
                cur.execute(f"SELECT DISTINCT {key_col} FROM {table}")
                ids.update(row[0] for row in cur.fetchall())
        return difflib.get_close_matches(key, sorted(ids), n=limit, cutoff=0.6)

    def _timeline(self, table: str, key: str) -> list[Any]:
        """The rows of one unit or responsibility in this view, by effective date (kept for
        the most recently asked subjects: a walk through the history asks the same few
        subjects on many dates)."""
        found = self._timelines.get((table, key))
        if found is not None:
            self._timelines.move_to_end((table, key))
            return found
        key_col, columns, _ = TABLES[table]
        with self.db.read() as cur:
            cur.execute(
                self.db.sql(
                    f"SELECT e_from, e_to, variants, {', '.join(columns)} FROM {table} "
                    f"WHERE {key_col} = ? AND p_from <= ? AND p_to > ? AND (variants & ?) != 0 "
                    "ORDER BY e_from"
                ),
                (key, self.position, self.position, self.variant),
            )
            row_type = ROW_TYPES[table]
            found = [row_type(*r) for r in cur.fetchall()]
        self._timelines[(table, key)] = found
        while len(self._timelines) > KEPT_TIMELINES:
            self._timelines.popitem(last=False)
        return found

    def _row_on(self, table: str, key: str, on: dt.date) -> tuple[Any, Any]:
        """(the subject's row on ``on`` — the last to start by then — or None, its first row
        or None), as :meth:`.IndexedState._key_rows`."""
        rows = self._timeline(table, key)
        if not rows:
            return None, None
        i = bisect_right(rows, day(on), key=lambda r: r.e_from)
        return (rows[i - 1] if i else None), rows[0]

    def unit_name(self, key: str, on: dt.date) -> str:
        kind = self.kind_of(key)
        if kind == "responsibility":
            return self.responsibility_name(key, on)
        if kind != "unit":
            return key
        at, first = self._row_on("orgindex_units", key, on)
        row = at or first
        return (row.name if row else None) or key

    def responsibility_name(self, key: str, on: dt.date) -> str:
        row = self._responsibility_row(key, on)
        return (row.name if row else None) or key

    def _responsibility_row(self, key: str, on: dt.date) -> Any:
        at, first = self._row_on("orgindex_responsibilities", key, on)
        return at or first

    def subject_name(self, key: str, on: dt.date) -> str:
        kind = self.kind_of(key)
        if kind == "unit":
            return self.unit_name(key, on)
        if kind == "responsibility":
            return self.responsibility_name(key, on)
        if kind == "decision":
            d = self.decision(key)
            return d.title if d else key
        if kind == "document":
            doc = self.document(key)
            return doc.title if doc else key
        return key

    def label(self, key: str, on: dt.date) -> str:
        """Abbreviation where there is one, else the name: for short summaries."""
        kind = self.kind_of(key)
        if kind == "unit":
            at, first = self._row_on("orgindex_units", key, on)
            row = at or first
            return (row.abbreviation if row else None) or self.unit_name(key, on)
        if kind == "responsibility":
            row = self._responsibility_row(key, on)
            return (row.abbreviation if row else None) or self.responsibility_name(key, on)
        return self.subject_name(key, on)

    def parent_of(self, key: str, on: dt.date) -> str | None:
        if self.kind_of(key) != "unit":
            return None
        at, _ = self._row_on("orgindex_units", key, on)
        return at.parent if at else None

    def document(self, key: str) -> DocumentRegistered | None:
        if key not in self._documents:
            found = self._entries("subject = ? AND type = 'DocumentRegistered'", (key,))
            doc: Any = found[0].payload if found else None
            registered = doc is not None and doc.type == "DocumentRegistered"
            self._documents[key] = doc if registered else None
        return self._documents[key]

    def decision(self, key: str) -> DecisionMade | None:
        if key not in self._decisions:
            found = self._entries("subject = ? AND type = 'DecisionMade'", (key,))
            d: Any = found[0].payload if found else None
            self._decisions[key] = d if d is not None and d.type == "DecisionMade" else None
        return self._decisions[key]

    # --- stored events ----------------------------------------------------------------------

    def records_at(self, positions: Iterable[int]) -> dict[int, Record]:
        """The stored events at these log positions, as the fold's records."""
        positions = list(positions)
        wanted = sorted({p for p in positions if p not in self._records})
        if len(self._records) + len(wanted) > KEPT_RECORDS:
            self._records.clear()
            wanted = sorted(set(positions))
        db = self.db
        for start in range(0, len(wanted), CHUNK):
            chunk = wanted[start : start + CHUNK]
            marks = ", ".join("?" for _ in chunk)
            with db.read() as cur:
                cur.execute(
                    db.sql(f"{self._select_events()} WHERE {db.position_column} IN ({marks})"),
                    chunk,
                )
                rows = cur.fetchall()
            for row in rows:
                self._records[int(row[0])] = self._record(row)
        return {p: self._records[p] for p in positions if p in self._records}

    def log(self, after: int = 0, chunk: int = 1000) -> Iterator[Record]:
        """Every stored event after ``after`` up to the view's position, as recorded, in
        recorded order: read ``chunk`` events at a time, none kept."""
        db = self.db
        scoped, params = "", ()
        if self.scope is not None:
            keys, params = self.scope.keys_sql()
            scoped = (
                f" AND {db.position_column} IN "
                f"(SELECT position FROM orgindex_related WHERE key IN ({keys}))"
            )
        while True:
            with db.read() as cur:
                cur.execute(
                    db.sql(
                        f"{self._select_events()} WHERE {db.position_column} > ? "
                        f"AND {db.position_column} <= ?{scoped} ORDER BY {db.position_column} "
                        f"LIMIT {int(chunk)}"
                    ),
                    (after, self.position, *params),
                )
                rows = cur.fetchall()
            if not rows:
                return
            for row in rows:
                yield self._record(row)
            after = int(rows[-1][0])

    def _select_events(self) -> str:
        db = self.db
        return (
            f"SELECT {db.position_column}, originator_id, originator_version, topic, state "
            f"FROM {db.events_table}"
        )

    def _record(self, row: Sequence[Any]) -> Record:
        """One row of the events table (as :meth:`_select_events` reads it) as a record."""
        from eventsourcing.persistence import StoredEvent

        from orgevents.projections.fold import Record

        position, originator, version, topic, state = row
        stored = StoredEvent(originator, version, topic, bytes(state))
        event: Any = self.reader.store.mapper.to_domain_event(stored)
        return Record(int(position), event.payload, event.timestamp, event.recorded_by)

    def _entries(
        self, where: str, params: Sequence[Any], order: str = "e_day, position"
    ) -> list[Record]:
        """The entries that count in this view (their latest version) matching ``where``."""
        with self.db.read() as cur:
            cur.execute(
                self.db.sql(
                    "SELECT position, amended_by, payload FROM orgindex_entries "
                    f"WHERE {where} AND p_from <= ? AND p_to > ? ORDER BY {order}"
                ),
                (*params, self.position, self.position),
            )
            rows = cur.fetchall()
        return self._current(rows)

    def _current(self, rows: Sequence[tuple[Any, ...]]) -> list[Record]:
        from dataclasses import replace

        needed = [int(r[0]) for r in rows] + [int(r[1]) for r in rows if r[1] is not None]
        found = self.records_at(needed)
        out = []
        for position, amended_by, text in rows:
            rec = found[int(position)]
            if amended_by is not None:
                from orgevents.events import entry_adapter

                payload = entry_adapter.validate_json(text)
                rec = replace(rec, payload=payload, amended_by=found[int(amended_by)])
            out.append(rec)
        return out

    def original(self, key: str) -> Record | None:
        """The entry ``key`` as first recorded (an entry that can be amended: the index keeps no
        versions of amendments, which nothing amends — ``None`` for their keys)."""
        with self.db.read() as cur:
            cur.execute(
                self.db.sql(
                    "SELECT min(position) FROM orgindex_entries WHERE entry_key = ? AND p_from <= ?"
                ),
                (key, self.position),
            )
            row = cur.fetchone()
        if row is None or row[0] is None:
            return None
        return self.records_at([int(row[0])]).get(int(row[0]))

    def amendments_of(self, key: str) -> list[Record]:
        if self._amended is None:
            with self.db.read() as cur:
                cur.execute(
                    self.db.sql(
                        "SELECT DISTINCT target FROM orgindex_amendments WHERE position <= ?"
                    ),
                    (self.position,),
                )
                self._amended = {r[0] for r in cur.fetchall()}
        if key not in self._amended:
            return []
        with self.db.read() as cur:
            cur.execute(
                self.db.sql(
                    "SELECT position FROM orgindex_amendments WHERE target = ? AND position <= ? "
                    "ORDER BY position"
                ),
                (key, self.position),
            )
            positions = [int(r[0]) for r in cur.fetchall()]
        found = self.records_at(positions)
        return [found[p] for p in positions]

    def is_planned(self, rec: Record) -> bool:
        from orgevents.projections.effects import is_planned

        return is_planned(rec.payload)

    def _counting(self, rec: Record) -> bool:
        return self.include_planned or not self.is_planned(rec)

    def counted_starts(self, keys: list[str], on: dt.date) -> dict[str, str]:
        """The subjects among ``keys`` whose life on ``on`` began on a date the counting rule
        decides (an interval, an open end, uncertain), each with that date as people read it.
        From the index alone: such an entry keeps its payload there (``units`` asks for every
        unit it lists, without opening the event store)."""
        import json

        from orgevents.dates import EffectiveDate
        from orgevents.projections.index_rows import STARTING_ENTRIES
        from orgevents.sources import STORED

        types = ", ".join("?" for _ in STARTING_ENTRIES)
        planned = "" if self.include_planned else " AND planned = 0"
        last: dict[str, tuple[int, int, str | None]] = {}
        for start in range(0, len(keys), CHUNK):
            chunk = keys[start : start + CHUNK]
            marks = ", ".join("?" for _ in chunk)
            with self.db.read() as cur:
                cur.execute(
                    self.db.sql(
                        "SELECT subject, e_day, position, payload FROM orgindex_entries "
                        f"WHERE subject IN ({marks}) AND type IN ({types}) AND e_day <= ?"
                        f"{planned} AND p_from <= ? AND p_to > ?"
                    ),
                    (*chunk, *STARTING_ENTRIES, on.toordinal(), self.position, self.position),
                )
                for subject, e_day, position, text in cur.fetchall():
                    if (int(e_day), int(position)) > last.get(subject, (0, 0, None))[:2]:
                        last[subject] = (int(e_day), int(position), text)
        out = {}
        for subject, (_, _, text) in last.items():
            if text is not None:
                effective = EffectiveDate.model_validate(
                    json.loads(text)["effective"], context=STORED
                )
                if effective.is_counted:
                    out[subject] = str(effective)
        return out

    def lives(self, key: str) -> list[Life]:
        """The lives of a unit or responsibility in this view, in date order."""
        from orgevents.projections.effects import LIFE_ENTRIES, lives

        found = self._lives.get(key)
        if found is None:
            marks = ", ".join("?" for _ in LIFE_ENTRIES)
            entries = self._entries(f"subject = ? AND type IN ({marks})", (key, *LIFE_ENTRIES))
            found = lives(
                ((r.position, r.payload) for r in entries if self._counting(r)),
                self.include_planned,
            )
            if len(self._lives) >= KEPT_TIMELINES:
                self._lives.pop(next(iter(self._lives)))
            self._lives[key] = found
        return found

    # --- questions ----------------------------------------------------------------------------

    def changes(self, after: dt.date, until: dt.date) -> list[Record]:
        """The changes that count, effective after ``after`` up to ``until``, in effective
        order (date, then recorded order)."""
        if until <= after:
            return []
        from dataclasses import replace

        scoped, params = self._scope_positions()
        starting = self._entries(
            f"counts = 1 AND e_day > ? AND e_day <= ? AND {scoped}",
            (day(after), day(until), *params),
        )
        completing = self._entries(
            "counts = 1 AND id IN (SELECT entry FROM orgindex_phases WHERE end_day > ? "
            f"AND end_day <= ?) AND {scoped}",
            (day(after), day(until), *params),
        )
        found = starting + [replace(r, completes=True) for r in completing]
        return sorted(found, key=lambda r: (r.effective_date or dt.date.min, r.position))

    def phases_on(self, on: dt.date, subject: str | None = None) -> dict[str, list[Phase]]:
        """The phased changes under way on ``on`` (of one subject, if given), per subject."""
        planned = "" if self.include_planned else " AND planned = 0"
        only = " AND subject = ?" if subject is not None else ""
        found = self._entries(
            f"e_day <= ?{planned}{only} AND id IN (SELECT entry FROM orgindex_phases "
            "WHERE end_day > ? OR end_planned = 1)",
            (day(on), *([subject] if subject is not None else []), day(on)),
            order="position",
        )
        out: dict[str, list[Phase]] = {}
        if not found:
            return out  # (without loading the event models)
        from orgevents.projections.effects import phase_counts, phase_of

        for rec in found:
            if phase_counts(rec.payload, on, self.include_planned):
                out.setdefault(rec.payload.subject, []).extend(phase_of(rec.payload))
        return out

    def record_at(self, position: int) -> Record | None:
        """The event stored at ``position`` as recorded — None beyond this view's position (as
        in the fold, which has not read it)."""
        if position > self.position:
            return None
        return self.records_at([position]).get(position)

    def diff(self, start: dt.date, end: dt.date, labelled: bool = False) -> list[ChangeView]:
        """Every change effective after ``start`` up to and including ``end``. ``labelled``: the
        summaries name each subject with its id, and units whose names repeat in the list
        with their ids and parents (for text listings)."""
        from orgevents.projections.changes import change_view, labelled_summaries

        records = self.changes(start, end)
        views = [change_view(self, r) for r in records]
        if labelled:
            texts = labelled_summaries(self, records)
            views = [v.model_copy(update={"summary": t}) for v, t in zip(views, texts, strict=True)]
        return views

    def history(self, key: str) -> list[ChangeView]:
        """Every event about ``key`` or involving it, in effective order."""
        from orgevents.projections.changes import change_view, effective_order

        if self.kind_of(key) is None:
            raise NotFoundError(key, "unit, responsibility, decision or document")
        with self.db.read() as cur:
            cur.execute(
                self.db.sql(
                    "SELECT position FROM orgindex_related WHERE key = ? AND position <= ? "
                    "ORDER BY position"
                ),
                (key, self.position),
            )
            positions = [int(r[0]) for r in cur.fetchall()]
        found = self.records_at(positions)
        records = [found[p] for p in positions]
        return [change_view(self, r) for r in effective_order(records, self)]

    def dates(self) -> list[dt.date]:
        """The dates on which anything changes."""
        planned = "" if self.include_planned else " AND planned = 0"
        ended = "" if self.include_planned else " AND ph.end_planned = 0"
        scoped, params = self._scope_positions()
        with self.db.read() as cur:
            cur.execute(
                self.db.sql(
                    "SELECT DISTINCT e_day FROM orgindex_entries WHERE counts = 1 "
                    f"AND p_from <= ? AND p_to > ?{planned} AND {scoped} "
                    # a phased change's completion, where it counts in this view
                    "UNION SELECT ph.end_day FROM orgindex_phases ph JOIN orgindex_entries e "
                    "ON e.id = ph.entry WHERE e.counts = 1 AND e.p_from <= ? AND e.p_to > ?"
                    f"{planned.replace('planned', 'e.planned')}"
                    f"{ended} AND {scoped.replace('position', 'e.position', 1)} ORDER BY 1"
                ),
                (self.position, self.position, *params, self.position, self.position, *params),
            )
            return [dt.date.fromordinal(int(r[0])) for r in cur.fetchall()]

    def records(self, types: Sequence[str] = ()) -> list[Record]:
        """The entries that count now (latest versions), in recorded order; only ``types``.
        Not kept: a view kept by the service must not grow with the history."""
        types = tuple(types)
        if types:
            marks = ", ".join("?" for _ in types)
            return self._entries(f"type IN ({marks})", types, order="position")
        return self._entries("1 = 1", (), order="position")

    def show(self, key: str, on: dt.date) -> dict[str, Any]:
        from orgevents.projections import phasing

        kind = self.kind_of(key)
        if kind == "unit":
            return phasing.show(self._show_unit(key, on), self.phases_on(on, key))
        if kind == "responsibility":
            return phasing.show(self._show_responsibility(key, on), self.phases_on(on, key))
        if kind in ("decision", "document"):
            from orgevents.projections import provenance

            return provenance.show(self, key, on)
        raise NotFoundError(key, "unit, responsibility, decision or document")

    def _show_unit(self, key: str, on: dt.date) -> dict[str, Any]:
        from orgevents.projections.claims import claims_about
        from orgevents.projections.structure import figure_view

        state = self.at(on)
        at, first = state._unit(key)
        row = at or first  # before the unit exists: as it was first
        assert row is not None
        entries = self._entries(
            "subject = ? AND type IN ('UnitEstablished', 'UnitRenamed', 'FiguresRecorded')",
            (key,),
        )
        entries = [r for r in entries if self._counting(r)]
        # a figure counts in the life it was recorded in (as in the index's figure rows)
        starts = [life.start for life in self.lives(key)]
        names: set[str] = set()
        figures = []
        planned_end = None
        for rec in entries:
            p: Any = rec.payload
            if p.type in UNIT_NAMING:
                names.add(p.name)
                if p.abbreviation:
                    names.add(p.abbreviation)
            if p.type == "UnitEstablished":
                planned_end = p.planned_end
            when = p.effective.date
            if (
                p.type in ("UnitEstablished", "FiguresRecorded")
                and when <= on
                and not any(when < start <= on for start in starts)
            ):
                for f in p.figures:
                    figures.append((p.effective.date, rec.position, f, rec))
        figures.sort(key=lambda x: (x[0], x[1]))
        return {
            "id": key,
            "type": "unit",
            "at": on.isoformat(),
            "in_force": bool(at is not None and at.alive),
            "name": row.name or key,
            "abbreviation": row.abbreviation,
            "kind": row.kind,
            "parent": row.parent,
            "chain": [r.model_dump() for r in state.chain(key)],
            "children": self.children(key, on),
            "responsibilities": [
                {"id": r, "name": self.responsibility_name(r, on), "role": role}
                for r, role in self.responsibilities_of(key, on)
            ],
            "figures": [
                figure_view(self, f, str(rec.payload.effective)).model_dump(mode="json")  # type: ignore[attr-defined]
                for _, _, f, rec in figures
            ],
            "planned_end": str(planned_end) if planned_end else None,
            "former_names": sorted(names - {row.name, row.abbreviation}),
            "claims": claims_about(self, key),
            "lives": self._life_views(key, "('UnitEstablished', 'UnitRenamed')"),
            "names": self._name_history(key),
        }

    def _name_history(self, key: str) -> list[dict[str, Any]]:
        """Every other name of the unit, with form, language and validity (``show``)."""
        from orgevents.projections.effects import LIFE_ENTRIES, name_history

        types = ", ".join(f"'{t}'" for t in (*LIFE_ENTRIES, "UnitRenamed", "NamesRecorded"))
        entries = self._entries(f"subject = ? AND type IN ({types})", (key,))
        return name_history((r.position, r.payload) for r in entries if self._counting(r))

    def _life_views(self, key: str, naming: str) -> list[dict[str, Any]]:
        from orgevents.projections.effects import LIFE_ENTRIES, life_views

        types = ", ".join(f"'{t}'" for t in LIFE_ENTRIES)
        entries = self._entries(f"subject = ? AND (type IN {naming} OR type IN ({types}))", (key,))
        counting = [(r.position, r.payload) for r in entries if self._counting(r)]
        return life_views(self.lives(key), counting)

    def _show_responsibility(self, key: str, on: dt.date) -> dict[str, Any]:
        from orgevents.projections.claims import claims_about

        at, first = self.at(on)._key_rows("orgindex_responsibilities", key)
        row = at or first
        defined = [
            r
            for r in self._entries("subject = ? AND type = 'ResponsibilityDefined'", (key,))
            if self._counting(r)
        ]
        last: Any = defined[-1].payload if defined else None
        answer = self.who(key, on)
        return {
            "id": key,
            "type": "responsibility",
            "at": on.isoformat(),
            "in_force": bool(at is not None and at.alive),
            "name": (row.name if row else None) or key,
            "abbreviation": row.abbreviation if row else None,
            "scope": last.scope if last else "",
            "legal_basis": last.legal_basis if last else None,
            "holders": [h.model_dump(mode="json") for h in answer.holders],
            "claims": claims_about(self, key),
            "lives": self._life_views(key, "('ResponsibilityDefined')"),
        }

    def children(self, key: str, on: dt.date) -> list[str]:
        """The units in force directly under ``key`` on ``on``, by name."""
        d = day(on)
        with self.db.read() as cur:
            cur.execute(
                self.db.sql(
                    "SELECT unit FROM orgindex_units WHERE parent = ? AND alive = 1 "
                    "AND e_from <= ? AND e_to > ? AND p_from <= ? AND p_to > ? "
                    "AND (variants & ?) != 0"
                ),
                (key, d, d, self.position, self.position, self.variant),
            )
            found = [r[0] for r in cur.fetchall()]
        return sorted(found, key=lambda k: self.unit_name(k, on))

    def responsibilities_of(self, unit: str, on: dt.date) -> list[tuple[str, str]]:
        """(responsibility, role) pairs the unit holds on ``on``, authority first, by name."""
        d = day(on)
        with self.db.read() as cur:
            cur.execute(
                self.db.sql(
                    "SELECT responsibility, role FROM orgindex_holdings WHERE unit = ? "
                    "AND e_from <= ? AND e_to > ? AND p_from <= ? AND p_to > ? "
                    "AND (variants & ?) != 0"
                ),
                (unit, d, d, self.position, self.position, self.variant),
            )
            found = sorted(set(cur.fetchall()))
        return sorted(
            ((r, role) for r, role in found),
            key=lambda x: (ROLE_ORDER[x[1]], self.responsibility_name(x[0], on)),
        )

    def holdings(self, resp: str, on: dt.date) -> list[tuple[str, str]]:
        """(role, unit) of each holder of ``resp`` on ``on``, authority first."""
        return [(h.role, h.unit.id) for h in self.who(resp, on).holders]

    def find(self, text: str, on: dt.date) -> list[FoundView]:
        """Units and responsibilities by any name or abbreviation they had or will have, id,
        scope, legal basis, note or quoted source — through the store's full-text engine,
        ranked (:mod:`.textsearch`)."""
        from orgevents.projections.search import find_in_index

        return [f for f in find_in_index(self, text, on) if self._in_scope(f.id)]

    def claims_recorded(self, about: str | None = None) -> list[Record]:
        """The claims that count (about one subject, if given), in recorded order."""
        if about is None:
            scoped, params = self._scope_positions()
            return self._entries(f"type = 'ClaimRecorded' AND {scoped}", params, order="position")
        found = self._entries(
            "type = 'ClaimRecorded' AND position IN "
            "(SELECT position FROM orgindex_related WHERE key = ?)",
            (about,),
            order="position",
        )
        return [r for r in found if getattr(r.payload, "about", None) == about]

    def claims_preferred(self) -> dict[str, Record]:
        out = {}
        for rec in self.records(("ClaimPreferred",)):
            if not self._counting(rec):
                continue  # an expected or planned preference: only with planned changes
            out[getattr(rec.payload, "claim")] = rec  # noqa: B009
        return out

    def figure_records(self, subject: str | None = None) -> list[Record]:
        """The entries that carry figures (of one unit, if given), in recorded order."""
        marks = ", ".join("?" for _ in FIGURE_CARRIERS)
        if subject is None:
            scoped, params = self._scope_positions()
            return self._entries(
                f"type IN ({marks}) AND {scoped}", (*FIGURE_CARRIERS, *params), order="position"
            )
        return self._entries(
            f"subject = ? AND type IN ({marks})", (subject, *FIGURE_CARRIERS), order="position"
        )

    # --- the exports' questions -------------------------------------------------------------

    def latest(self, key: str) -> Record | None:
        found = self._entries("entry_key = ?", (key,))
        return found[0] if found else None

    def counting(self, types: Sequence[str], subjects: Sequence[str]) -> list[Record]:
        type_marks = ", ".join("?" for _ in types)
        out: list[Record] = []
        keys = sorted(set(subjects))
        for start in range(0, len(keys), CHUNK):
            chunk = keys[start : start + CHUNK]
            marks = ", ".join("?" for _ in chunk)
            out += self._entries(
                f"type IN ({type_marks}) AND subject IN ({marks})",
                (*types, *chunk),
                order="position",
            )
        out.sort(key=lambda r: r.position)
        return [r for r in out if self._counting(r)]

    def document_languages(self) -> list[str]:
        """The language of each registered document that counts, in recorded order — from the
        index alone (no stored event decoded), except in an index written before it kept them."""
        import json

        with self.db.read() as cur:
            cur.execute(
                self.db.sql(
                    "SELECT payload FROM orgindex_entries WHERE type = 'DocumentRegistered' "
                    "AND p_from <= ? AND p_to > ? ORDER BY position"
                ),
                (self.position, self.position),
            )
            texts = [row[0] for row in cur.fetchall()]
        if any(text is None for text in texts):
            return [doc.language for doc in self.registered_documents()]
        found: dict[str, str] = {}
        for text in texts:
            document = json.loads(text)
            found[document["document"]] = document["language"]
        return list(found.values())

    def registered_documents(self) -> list[DocumentRegistered]:
        found: dict[str, DocumentRegistered] = {}
        for rec in self.records(("DocumentRegistered",)):
            payload: Any = rec.payload
            found[payload.document] = payload
        return list(found.values())

    def kinds(self) -> list[KindSpec]:
        """The kinds of unit this view knows: the default vocabulary with the declarations
        recorded up to the view's position on top (a later one of a kind replaces an earlier
        one), ordered by level, then id."""
        from orgevents.kinds import from_json, vocabulary

        with self.db.read() as cur:
            cur.execute(
                self.db.sql(
                    "SELECT kind, declaration FROM orgindex_kinds WHERE position <= ? "
                    "ORDER BY position"
                ),
                (self.position,),
            )
            rows = cur.fetchall()
        return vocabulary(from_json(kind, text) for kind, text in rows)

    def _all_rows(self, table: str) -> dict[str, list[Any]]:
        """Every row of ``table`` visible in this view, per subject, by effective date."""
        key_col, columns, _ = TABLES[table]
        with self.db.read() as cur:
            cur.execute(
                self.db.sql(
                    f"SELECT {key_col}, e_from, e_to, variants, {', '.join(columns)} FROM {table} "
                    "WHERE p_from <= ? AND p_to > ? AND (variants & ?) != 0"
                ),
                (self.position, self.position, self.variant),
            )
            rows = cur.fetchall()
        row_type = ROW_TYPES[table]
        out: dict[str, list[Any]] = {}
        for r in rows:
            out.setdefault(r[0], []).append(row_type(*r[1:]))
        for found in out.values():
            found.sort(key=lambda r: r.e_from)
        return out

    @staticmethod
    def _on(rows: list[Any], on: dt.date) -> tuple[Any, Any]:
        i = bisect_right(rows, day(on), key=lambda r: r.e_from)
        return (rows[i - 1] if i else None), rows[0]

    def units_known(self, on: dt.date) -> list[KnownUnit]:
        out = []
        for key, rows in sorted(self._all_rows("orgindex_units").items()):
            if not self._in_scope(key):
                continue
            at, first = self._on(rows, on)
            row: UnitRow = at or first
            named = [r.e_from for r in rows if r.name is not None]
            since = dt.date.fromordinal(min(named)) if named else on
            unit = UnitView(
                id=key,
                name=row.name or key,
                abbreviation=row.abbreviation,
                kind=row.kind,
                parent=row.parent,
            )
            alive = bool(at is not None and at.alive)
            out.append(KnownUnit(unit, since, alive, names_of(row.names)))
        return out

    def responsibilities_known(self, on: dt.date) -> list[ResponsibilityAt]:
        defined: dict[str, Any] = {}
        for rec in self.records(("ResponsibilityDefined",)):
            if self._counting(rec):
                defined[rec.payload.subject] = rec.payload
        known = self._all_rows("orgindex_responsibilities")
        out = []
        for key, rows in sorted(known.items(), key=lambda kv: kv[1][0].defined_at):
            if not self._in_scope(key):
                continue
            at, first = self._on(rows, on)
            row: ResponsibilityRow = at or first
            last = defined.get(key)
            out.append(
                ResponsibilityAt(
                    id=key,
                    name=row.name or key,
                    abbreviation=row.abbreviation,
                    scope=last.scope if last else "",
                    legal_basis=last.legal_basis if last else None,
                    in_force=bool(at is not None and at.alive),
                )
            )
        return out

    def holders_at(self, on: dt.date) -> dict[str, list[Holding]]:
        from orgevents.projections.index_reader import _holding_order

        state = self.at(on)
        resps = sorted(state._stab("orgindex_responsibilities"), key=lambda kr: kr[1].defined_at)
        held: dict[str, list[HoldingRow]] = {key: [] for key, _ in resps if self._in_scope(key)}
        for key, holding in state._stab("orgindex_holdings"):
            if key in held and self._in_scope(holding.unit):
                held[key].append(holding)
        versions = self._versions({h.position for found in held.values() for h in found})
        return {
            key: [(h.role, h.unit, versions[h.position]) for h in sorted(found, key=_holding_order)]
            for key, found in held.items()
        }

    def _versions(self, positions: Iterable[int]) -> dict[int, Record]:
        """The entries first recorded at these positions, in their latest version."""
        wanted = sorted(set(positions))
        out: dict[int, Record] = {}
        for start in range(0, len(wanted), CHUNK):
            chunk = wanted[start : start + CHUNK]
            marks = ", ".join("?" for _ in chunk)
            for rec in self._entries(f"position IN ({marks})", chunk, order="position"):
                out[rec.position] = rec
        return out


class Scope:
    """One part of the organisation, as :meth:`View.within` takes it: SQL over the index that
    selects the units of the subtree (and the responsibilities they hold) on the days asked.
    The keys are read once, for the answers that are filtered in Python (units, find)."""

    LONGEST = 10_000  # levels: a deeper chain is a cycle stored before

    def __init__(
        self, view: View, root: str | None, depth: int | None, days: tuple[dt.date, ...]
    ) -> None:
        self.view = view
        self.root = root
        self.depth = depth
        self.days = days
        self._units: frozenset[str] | None = None
        self._keys: frozenset[str] | None = None

    def _as_of(self, alias: str) -> str:
        return (
            f"{alias}.e_from <= ? AND {alias}.e_to > ? AND {alias}.p_from <= ? "
            f"AND {alias}.p_to > ? AND ({alias}.variants & ?) != 0"
        )

    def _as_of_params(self, on: dt.date) -> tuple[Any, ...]:
        v = self.view
        return (day(on), day(on), v.position, v.position, v.variant)

    def units_sql(self) -> tuple[str, tuple[Any, ...]]:
        """SELECT the units of the subtree on any of the days (one column), with parameters."""
        parts: list[str] = []
        params: list[Any] = []
        limit = self.LONGEST if self.depth is None else self.depth
        for on in self.days:
            top = "u.unit = ?" if self.root is not None else "u.parent IS NULL"
            parts.append(
                "SELECT unit FROM (WITH RECURSIVE sub(unit, level) AS ("
                f"SELECT u.unit, 0 FROM orgindex_units u WHERE {top} AND u.alive = 1 "
                f"AND {self._as_of('u')} "
                "UNION SELECT c.unit, sub.level + 1 FROM orgindex_units c "
                "JOIN sub ON c.parent = sub.unit "
                f"WHERE c.alive = 1 AND {self._as_of('c')} AND sub.level < ?"
                ") SELECT unit FROM sub) AS scope_units"
            )
            if self.root is not None:
                params.append(self.root)
            params += [*self._as_of_params(on), *self._as_of_params(on), limit]
        return " UNION ".join(parts), tuple(params)

    def keys_sql(self) -> tuple[str, tuple[Any, ...]]:
        """SELECT the units of the subtree and the responsibilities they hold on the days."""
        units, params = self.units_sql()
        parts, held = [units], list(params)
        for on in self.days:
            parts.append(
                f"SELECT h.responsibility FROM orgindex_holdings h WHERE h.unit IN ({units}) "
                f"AND {self._as_of('h')}"
            )
            held += [*params, *self._as_of_params(on)]
        return " UNION ".join(parts), tuple(held)

    def _read(self, query: tuple[str, tuple[Any, ...]]) -> frozenset[str]:
        sql, params = query
        db = self.view.db
        with db.read() as cur:
            cur.execute(db.sql(sql), params)
            return frozenset(r[0] for r in cur.fetchall())

    def units(self) -> frozenset[str]:
        if self._units is None:
            self._units = self._read(self.units_sql())
        return self._units

    def members(self) -> frozenset[str]:
        if self._keys is None:
            self._keys = self._read(self.keys_sql())
        return self._keys


__all__ = ["FOREVER", "KnownAt", "Reader", "Scope", "View", "end_of_day", "recorded_until"]
