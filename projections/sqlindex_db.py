"""Where the SQL temporal index lives: tables in the event store's own database.

SQLite keeps the intervals of the rows that a date-stabbing query returns in R*Tree virtual
tables (``rtree_i32``: exact 32-bit integers — effective dates as day numbers, recorded positions);
PostgreSQL keeps them in a GiST index over ``int4range(e_from, e_to)`` and
``int8range(p_from, p_to)`` and, for the rows known now (the common question), in a partial
SP-GiST index over ``int4range(e_from, e_to)`` — measured ten times faster than the
two-dimensional GiST on 100 k events. Both answer "every row whose interval holds (D, P)"
without reading the rows that do not (``bench/bench_scale.py`` measures them against a B-tree
over the same intervals and against "latest change per key").

Each backend opens its own connection to the store's database (same file, same schema) and
gives the index two things: a write transaction that holds the index's write lock (SQLite
``BEGIN IMMEDIATE``; PostgreSQL a row lock on the tracking row) and plain reads.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Protocol

from orgevents.errors import StoreError
from orgevents.projections.index_rows import FOREVER

if TYPE_CHECKING:
    from orgevents.projections.textsearch import Query

# table → (key column, the row columns after the interval, the stab filter on the row)
TABLES: dict[str, tuple[str, tuple[str, ...], str | None]] = {
    "orgindex_units": (
        "unit",
        ("alive", "name", "abbreviation", "parent", "kind", "established_at", "names"),
        "alive",
    ),
    "orgindex_figures": (
        "unit",
        ("e_date", "position", "seq", "effective", "figure"),
        None,
    ),
    "orgindex_responsibilities": (
        "responsibility",
        ("alive", "name", "abbreviation", "defined_at"),
        "alive",
    ),
    "orgindex_holdings": (
        "responsibility",
        ("role", "unit", "position", "since", "expected"),
        None,
    ),
}
_TYPES = {
    "alive": "INTEGER NOT NULL",
    "expected": "INTEGER NOT NULL",
    "established_at": "BIGINT NOT NULL",
    "defined_at": "BIGINT NOT NULL",
    "e_date": "INTEGER NOT NULL",
    "position": "BIGINT NOT NULL",
    "seq": "INTEGER NOT NULL",
}


class Cursor(Protocol):
    def execute(self, sql: str, params: Sequence[Any] = ..., /) -> Any: ...
    def executemany(self, sql: str, params: Any, /) -> Any: ...
    def fetchall(self) -> list[Any]: ...
    def fetchone(self) -> Any: ...


INDEX_SCHEMA_VERSION = 7  # the index's row in orgevents_schema (2: log tables, 3: search
# tables, 4: declared kinds, 5: units' other names, 6: phased changes, 7: the documents an entry
# cites are among its related keys, and documents keep their location)
REBUILT_BELOW = 7  # an index of an older version holds rows this code reads otherwise: rebuilt
SCHEMA_TABLE = "orgevents_schema"


class Backend:
    """What differs between SQLite and PostgreSQL."""

    name = ""
    events_table = ""
    position_column = ""

    def ddl(self) -> list[str]:
        raise NotImplementedError

    def drop(self) -> list[str]:
        return [f"DROP TABLE IF EXISTS {t}" for t in [*TABLES, *_OTHER_TABLES]] + [
            f"DELETE FROM {SCHEMA_TABLE} WHERE component = 'index'"
        ]

    def schema_version(self) -> int:
        """The index tables' version (0: not made, or made before versions). One read, no lock
        beyond the table's own: an up-to-date index runs no DDL, so a reader never waits for a
        writer here."""
        try:
            with self.read() as cur:
                return self.version_in(cur)
        except Exception:  # the drivers raise their own kinds for a missing table
            return 0

    def version_in(self, cur: Cursor) -> int:
        cur.execute(f"SELECT version FROM {SCHEMA_TABLE} WHERE component = 'index'")
        row = cur.fetchone()
        return int(row[0]) if row else 0

    def lock_schema(self, cur: Cursor) -> None:
        """Make a second process creating the tables at the same time wait for the first."""

    def set_version_ddl(self) -> list[str]:
        return [
            (
                f"CREATE TABLE IF NOT EXISTS {SCHEMA_TABLE} (component TEXT PRIMARY KEY, "
                "version INTEGER NOT NULL)"
            ),
            (
                f"INSERT INTO {SCHEMA_TABLE} (component, version) "
                f"VALUES ('index', {INDEX_SCHEMA_VERSION}) "
                "ON CONFLICT (component) DO UPDATE SET version = excluded.version"
            ),
        ]

    def analyze(self) -> list[str]:
        return [f"ANALYZE {t}" for t in [*TABLES, *_OTHER_TABLES]]

    def write(self) -> Any:
        raise NotImplementedError

    def read(self) -> Any:
        raise NotImplementedError

    def sql(self, text: str) -> str:
        """``?`` placeholders in the backend's own style."""
        return text

    def stab(self, table: str, current: bool = False) -> str:
        """SELECT the key, interval and row columns of ``table`` whose intervals hold the day and
        the position and whose variants include the bit (parameters: ``stab_params``).
        ``current``: the position is the index's own, so only open rows can hold it."""
        raise NotImplementedError

    def stab_params(
        self, day: int, position: int, variant: int, current: bool = False
    ) -> tuple[int, ...]:
        raise NotImplementedError

    def insert_stab(self, table: str) -> str | None:
        """The statement that adds a row's interval to the stab structure (None: a DB index)."""
        return None

    def close_stab(self, table: str) -> str | None:
        return None

    def originator(self, key_uuid: Any) -> Any:
        return key_uuid

    def insert_rows(
        self, cur: Cursor, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]
    ) -> None:
        """Add a transaction's rows to ``table``, all in one go."""
        if rows:
            marks = ", ".join("?" for _ in columns)
            statement = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})"
            cur.executemany(self.sql(statement), rows)

    def close_rows(self, cur: Cursor, table: str, closes: Sequence[tuple[int, int]]) -> None:
        """Set ``p_to`` of the rows of ``table`` (``(p_to, id)`` pairs), all in one go."""
        if closes:
            cur.executemany(self.sql(f"UPDATE {table} SET p_to = ? WHERE id = ?"), closes)

    def insert_search(self, cur: Cursor, rows: Sequence[tuple[Any, ...]]) -> None:
        """Add rows to the search table (``SEARCH_COLUMNS``) and to the full-text index."""
        raise NotImplementedError

    def search(
        self, cur: Cursor, query: Query, position: int, include_planned: bool
    ) -> list[tuple[str, str, str, int, bool]]:
        """(subject, field, text, e_day, exact) of every search row valid at ``position``
        whose text matches the query (:func:`.textsearch.matches`) or, for a name,
        abbreviation or id, equals it (exact)."""
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError


# the search table: one text of an entry version (``entry``: its orgindex_entries row), the
# field it comes from, its folded words (``norm``) and, for names, their ends (``infix``: see
# :func:`.textsearch.infixes`), valid for the entry's recorded positions
SEARCH_COLUMNS = (
    "id",
    "entry",
    "subject",
    "field",
    "text",
    "norm",
    "infix",
    "e_day",
    "planned",
    "p_from",
    "p_to",
)
_NAMING = (
    "field IN ('name', 'abbreviation', 'official_name', 'short_name', 'alternative_name', 'id')"
)


def _search_table(bigint: str, extra: str) -> str:
    return (
        f"CREATE TABLE IF NOT EXISTS orgindex_search (id {bigint} PRIMARY KEY, "
        f"entry {bigint} NOT NULL, subject TEXT NOT NULL, field TEXT NOT NULL, "
        "text TEXT NOT NULL, norm TEXT NOT NULL, infix TEXT NOT NULL, e_day INTEGER NOT NULL, "
        f"planned INTEGER NOT NULL, p_from {bigint} NOT NULL, p_to {bigint} NOT NULL{extra})"
    )


def _search_where(position: int, include_planned: bool) -> tuple[str, tuple[int, ...]]:
    planned = "" if include_planned else " AND s.planned = 0"
    return f"s.p_from <= ? AND s.p_to > ?{planned}", (position, position)


_OTHER_TABLES = [
    "orgindex_tracking",
    "orgindex_events",
    "orgindex_documents",
    "orgindex_entries",
    "orgindex_related",
    "orgindex_amendments",
    "orgindex_search",
    "orgindex_kinds",
    "orgindex_phases",
]


def _common_ddl(bigint: str) -> list[str]:
    statements = [
        (
            "CREATE TABLE IF NOT EXISTS orgindex_tracking (id INTEGER PRIMARY KEY, "
            f"position {bigint} NOT NULL, monotone INTEGER NOT NULL, "
            f"last_recorded {bigint} NOT NULL)"
        ),
        (
            "INSERT INTO orgindex_tracking (id, position, monotone, last_recorded) "
            "SELECT 1, 0, 1, 0 WHERE NOT EXISTS (SELECT 1 FROM orgindex_tracking)"
        ),
        (
            f"CREATE TABLE IF NOT EXISTS orgindex_events (position {bigint} PRIMARY KEY, "
            f"recorded {bigint} NOT NULL)"
        ),
        "CREATE INDEX IF NOT EXISTS orgindex_events_recorded ON orgindex_events (recorded)",
        (
            "CREATE TABLE IF NOT EXISTS orgindex_documents (document TEXT NOT NULL, title TEXT, "
            f"location TEXT, p_from {bigint} NOT NULL, p_to {bigint} NOT NULL)"
        ),
        "CREATE INDEX IF NOT EXISTS orgindex_documents_key ON orgindex_documents (document)",
        # every kind declaration, at its log position (declarations are never amended)
        (
            "CREATE TABLE IF NOT EXISTS orgindex_kinds (kind TEXT NOT NULL, "
            f"position {bigint} NOT NULL, declaration TEXT NOT NULL)"
        ),
        "CREATE INDEX IF NOT EXISTS orgindex_kinds_position ON orgindex_kinds (position)",
        # every entry's current version over recorded positions (amendments applied)
        (
            f"CREATE TABLE IF NOT EXISTS orgindex_entries (id {bigint} PRIMARY KEY, "
            "entry_key TEXT NOT NULL, subject TEXT NOT NULL, type TEXT NOT NULL, "
            "e_day INTEGER NOT NULL, planned INTEGER NOT NULL, counts INTEGER NOT NULL, "
            f"position {bigint} NOT NULL, amended_by {bigint}, payload TEXT, "
            f"p_from {bigint} NOT NULL, p_to {bigint} NOT NULL)"
        ),
        "CREATE INDEX IF NOT EXISTS orgindex_entries_key ON orgindex_entries (entry_key, p_to)",
        "CREATE INDEX IF NOT EXISTS orgindex_entries_day ON orgindex_entries (counts, e_day)",
        "CREATE INDEX IF NOT EXISTS orgindex_entries_subject ON orgindex_entries (subject, type)",
        "CREATE INDEX IF NOT EXISTS orgindex_entries_type ON orgindex_entries (type, p_to)",
        # a phased change's completion (``phased_until``) beside its entry row: the change is
        # listed on that day too, and is under way from the entry's e_day until it
        (
            f"CREATE TABLE IF NOT EXISTS orgindex_phases (entry {bigint} NOT NULL, "
            "end_day INTEGER NOT NULL, end_planned INTEGER NOT NULL)"
        ),
        "CREATE INDEX IF NOT EXISTS orgindex_phases_entry ON orgindex_phases (entry)",
        "CREATE INDEX IF NOT EXISTS orgindex_phases_end ON orgindex_phases (end_day)",
        # the log positions of the events that involve a subject; amendments per entry
        (
            "CREATE TABLE IF NOT EXISTS orgindex_related (key TEXT NOT NULL, "
            f"position {bigint} NOT NULL)"
        ),
        "CREATE INDEX IF NOT EXISTS orgindex_related_key ON orgindex_related (key, position)",
        (
            "CREATE TABLE IF NOT EXISTS orgindex_amendments (target TEXT NOT NULL, "
            f"position {bigint} NOT NULL)"
        ),
        "CREATE INDEX IF NOT EXISTS orgindex_amendments_key ON orgindex_amendments (target)",
        # (the search table is the backend's own: its full-text index differs)
    ]
    for table, (key, columns, _) in TABLES.items():
        cols = ", ".join(f"{c} {_TYPES.get(c, 'TEXT')}" for c in columns)
        statements += [
            (
                f"CREATE TABLE IF NOT EXISTS {table} (id {bigint} PRIMARY KEY, "
                f"{key} TEXT NOT NULL, e_from INTEGER NOT NULL, e_to INTEGER NOT NULL, "
                f"p_from {bigint} NOT NULL, p_to {bigint} NOT NULL, variants INTEGER NOT NULL, "
                f"{cols})"
            ),
            f"CREATE INDEX IF NOT EXISTS {table}_key ON {table} ({key}, p_to)",
        ]
    return statements


def _search_indexes(using: str = "") -> list[str]:
    return [
        "CREATE INDEX IF NOT EXISTS orgindex_search_entry ON orgindex_search (entry, p_to)",
        # exact matches of names, abbreviations and ids
        (
            f"CREATE INDEX IF NOT EXISTS orgindex_search_norm ON orgindex_search {using}(norm) "
            f"WHERE {_NAMING}"
        ),
    ]


def _row_columns(table: str) -> str:
    key, columns, _ = TABLES[table]
    return ", ".join(f"t.{c}" for c in (key, "e_from", "e_to", *columns))


class SQLiteBackend(Backend):
    name = "sqlite"
    events_table = "stored_events"
    position_column = "rowid"

    def __init__(self, path: str, timeout: float) -> None:
        # shared by a worker's threads one at a time (the HTTP service holds a lock around it)
        self.conn = sqlite3.connect(
            path, isolation_level=None, timeout=timeout, check_same_thread=False
        )
        self.conn.execute("PRAGMA journal_mode=WAL")
        self.conn.execute("PRAGMA synchronous=NORMAL")

    def ddl(self) -> list[str]:
        statements = _common_ddl("INTEGER")
        for table in TABLES:
            statements.append(
                f"CREATE VIRTUAL TABLE IF NOT EXISTS {table}_rt USING rtree_i32(id, e0, e1, p0, p1)"
            )
        # FTS5 over the stems computed in Python (``terms``: :func:`.textsearch.index_terms`
        # joined by spaces), read from
        # the search table (external content). The ascii tokenizer splits on the spaces alone:
        # every other character of a stem is part of it, as in Python.
        statements += [
            _search_table("INTEGER", ", terms TEXT NOT NULL"),
            *_search_indexes(),
            (
                "CREATE VIRTUAL TABLE IF NOT EXISTS orgindex_fts USING fts5(terms, "
                "content='orgindex_search', content_rowid='id', tokenize='ascii', "
                "prefix='2 3')"
            ),
        ]
        return statements

    def drop(self) -> list[str]:
        return [
            "DROP TABLE IF EXISTS orgindex_fts",
            *(f"DROP TABLE IF EXISTS {t}_rt" for t in TABLES),
            *super().drop(),
        ]

    def insert_search(self, cur: Cursor, rows: Sequence[tuple[Any, ...]]) -> None:
        from orgevents.projections.textsearch import index_terms

        norm_at, infix_at = SEARCH_COLUMNS.index("norm"), SEARCH_COLUMNS.index("infix")
        full = [(*r, " ".join(index_terms(r[norm_at], r[infix_at]))) for r in rows]
        names = ", ".join((*SEARCH_COLUMNS, "terms"))
        marks = ", ".join("?" for _ in range(len(SEARCH_COLUMNS) + 1))
        cur.executemany(f"INSERT INTO orgindex_search ({names}) VALUES ({marks})", full)
        cur.executemany(
            "INSERT INTO orgindex_fts (rowid, terms) VALUES (?, ?)", [(r[0], r[-1]) for r in full]
        )

    def search(
        self, cur: Cursor, query: Query, position: int, include_planned: bool
    ) -> list[tuple[str, str, str, int, bool]]:
        where, params = _search_where(position, include_planned)
        ids = [f"SELECT id FROM orgindex_search WHERE norm = ? AND {_NAMING}"]
        id_params: list[Any] = [query.norm]
        if query.terms:
            ids.append("SELECT rowid FROM orgindex_fts WHERE orgindex_fts MATCH ?")
            id_params.append(query.fts5())
        cur.execute(
            f"SELECT s.subject, s.field, s.text, s.e_day, s.norm = ? AND s.{_NAMING} "
            f"FROM orgindex_search s WHERE s.id IN ({' UNION '.join(ids)}) AND {where}",
            (query.norm, *id_params, *params),
        )
        return [(r[0], r[1], r[2], int(r[3]), bool(r[4])) for r in cur.fetchall()]

    @contextmanager
    def write(self) -> Iterator[sqlite3.Cursor]:
        cur = self.conn.cursor()
        cur.execute("BEGIN IMMEDIATE")
        try:
            yield cur
        except BaseException:
            self.conn.rollback()
            raise
        self.conn.commit()

    @contextmanager
    def read(self) -> Iterator[sqlite3.Cursor]:
        cur = self.conn.cursor()
        cur.execute("BEGIN")  # one snapshot for the whole read
        try:
            yield cur
        finally:
            self.conn.rollback()

    def stab(self, table: str, current: bool = False) -> str:
        return (
            f"SELECT {_row_columns(table)} FROM {table}_rt r JOIN {table} t ON t.id = r.id "
            "WHERE r.e0 <= ? AND r.e1 >= ? AND r.p0 <= ? AND r.p1 >= ? AND (t.variants & ?) != 0"
        )

    def stab_params(
        self, day: int, position: int, variant: int, current: bool = False
    ) -> tuple[int, ...]:
        return (day, day, position, position, variant)

    def insert_stab(self, table: str) -> str | None:
        return f"INSERT INTO {table}_rt (id, e0, e1, p0, p1) VALUES (?, ?, ?, ?, ?)"

    def close_stab(self, table: str) -> str | None:
        return f"UPDATE {table}_rt SET p1 = ? WHERE id = ?"

    def originator(self, key_uuid: Any) -> Any:
        return key_uuid.hex

    def close(self) -> None:
        self.conn.close()

    # lock_schema: nothing more; the write transaction's BEGIN IMMEDIATE makes creators take turns

    def version_in(self, cur: Cursor) -> int:
        cur.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", [SCHEMA_TABLE])
        return super().version_in(cur) if cur.fetchone() else 0


class PostgresBackend(Backend):
    name = "postgres"
    position_column = "notification_id"

    def __init__(self, conninfo: dict[str, Any], schema: str, events_table: str) -> None:
        import psycopg

        self.events_table = events_table
        self.schema = schema
        try:
            self.conn = psycopg.connect(**conninfo, autocommit=True)
        except psycopg.Error as exc:
            reason = " ".join(str(exc).split())
            raise StoreError(f"cannot open store: PostgreSQL does not answer: {reason}") from None
        self.conn.execute(f'SET search_path TO "{schema}"')

    def ddl(self) -> list[str]:
        statements = _common_ddl("BIGINT")
        for table, (_, _, alive) in TABLES.items():
            where = f" WHERE {alive} = 1" if alive else ""
            now = f"WHERE {alive} = 1 AND p_to = {FOREVER}" if alive else f"WHERE p_to = {FOREVER}"
            statements += [
                # known at an earlier position: both axes
                (
                    f"CREATE INDEX IF NOT EXISTS {table}_stab ON {table} USING gist "
                    f"(int4range(e_from, e_to), int8range(p_from, p_to)){where}"
                ),
                # known now (the common question): only open rows, one axis, SP-GiST
                (
                    f"CREATE INDEX IF NOT EXISTS {table}_now ON {table} USING spgist "
                    f"(int4range(e_from, e_to)) {now}"
                ),
            ]
        # PostgreSQL's own Danish text search over the words folded in Python (æ → ae, ...):
        # the lexemes are the stems :func:`.textsearch.index_terms` computes (a test checks it)
        statements += [
            _search_table(
                "BIGINT",
                ", tsv tsvector GENERATED ALWAYS AS "
                "(to_tsvector('danish'::regconfig, norm || ' ' || infix)) STORED",
            ),
            *_search_indexes("USING hash "),  # hashed: a B-tree entry cannot hold a long name
            "CREATE INDEX IF NOT EXISTS orgindex_search_tsv ON orgindex_search USING gin (tsv)",
        ]
        return statements

    def insert_rows(
        self, cur: Cursor, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]
    ) -> None:
        """By ``COPY``: one stream of rows instead of a statement per row."""
        if rows:
            with cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:  # type: ignore[attr-defined]
                for row in rows:
                    copy.write_row(row)

    def close_rows(self, cur: Cursor, table: str, closes: Sequence[tuple[int, int]]) -> None:
        """One statement over arrays of the pairs instead of a statement per row."""
        if closes:
            cur.execute(
                f"UPDATE {table} AS t SET p_to = v.p_to FROM unnest(%s::bigint[], %s::bigint[]) "
                "AS v(p_to, id) WHERE t.id = v.id",
                ([c[0] for c in closes], [c[1] for c in closes]),
            )

    def insert_search(self, cur: Cursor, rows: Sequence[tuple[Any, ...]]) -> None:
        self.insert_rows(cur, "orgindex_search", SEARCH_COLUMNS, rows)

    def search(
        self, cur: Cursor, query: Query, position: int, include_planned: bool
    ) -> list[tuple[str, str, str, int, bool]]:
        where, params = _search_where(position, include_planned)
        exact = f"(s.norm = %s AND s.{_NAMING})"
        match = exact
        match_params: list[Any] = [query.norm]
        if query.words:
            match = f"(s.tsv @@ to_tsquery('danish'::regconfig, %s) OR {exact})"
            match_params = [query.tsquery(), query.norm]
        cur.execute(
            f"SELECT s.subject, s.field, s.text, s.e_day, {exact} FROM orgindex_search s "
            f"WHERE {match} AND {self.sql(where)}",
            (query.norm, *match_params, *params),
        )
        return [(r[0], r[1], r[2], int(r[3]), bool(r[4])) for r in cur.fetchall()]

    def sql(self, text: str) -> str:
        return text.replace("?", "%s")

    def lock_schema(self, cur: Cursor) -> None:
        cur.execute(
            "SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))",
            (f"orgevents-index-schema:{self.schema}",),
        )

    def version_in(self, cur: Cursor) -> int:
        cur.execute("SELECT to_regclass(%s) IS NOT NULL", (f'"{self.schema}"."{SCHEMA_TABLE}"',))
        row = cur.fetchone()
        return super().version_in(cur) if row and row[0] else 0

    @contextmanager
    def write(self) -> Iterator[Any]:
        with self.conn.transaction():
            cur = self.conn.cursor()
            yield cur

    @contextmanager
    def read(self) -> Iterator[Any]:
        with self.conn.transaction():
            cur = self.conn.cursor()
            cur.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
            yield cur

    def stab(self, table: str, current: bool = False) -> str:
        _, _, alive = TABLES[table]
        where = f"t.{alive} = 1 AND " if alive else ""
        if current:
            return (
                f"SELECT {_row_columns(table)} FROM {table} t WHERE {where}"
                f"t.p_to = {FOREVER} AND t.p_from <= %s "
                "AND int4range(t.e_from, t.e_to) @> %s::int4 AND (t.variants & %s) != 0"
            )
        return (
            f"SELECT {_row_columns(table)} FROM {table} t WHERE {where}"
            "int4range(t.e_from, t.e_to) @> %s::int4 "
            "AND int8range(t.p_from, t.p_to) @> %s::int8 AND (t.variants & %s) != 0"
        )

    def stab_params(
        self, day: int, position: int, variant: int, current: bool = False
    ) -> tuple[int, ...]:
        return (position, day, variant) if current else (day, position, variant)

    def close(self) -> None:
        self.conn.close()
