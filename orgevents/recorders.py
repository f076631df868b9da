"""The recorders of every store: what happens inside the store's write lock, and the schema.

One insert transaction, after the store has made writers wait for each other (SQLite ``BEGIN
IMMEDIATE``; PostgreSQL ``LOCK TABLE ... IN EXCLUSIVE MODE``; a lock in memory):

1. **The reads are still current.** The application checks its rules before it saves, without the
   lock, and passes what the checks read: ``read_versions`` (each aggregate's version as read) and
   ``read_naming`` (who named a key, as read). If another writer has since changed any
   of them, the insert refuses with :class:`StaleReadError` and writes nothing — so two writers
   that each read what the other changes (each moving one of two units under the other) cannot
   both commit: the checks and the append are, in effect, one serialised section.
2. **The hash chain**: each event gets its link (:mod:`orgevents.chain`); with a signing key
   (``signer``), the head the write ends at is signed into the table of signed heads, and the
   write is refused if the head before it is not one this key signed (:mod:`orgevents.signing`).
3. **The references** (``references``: a key, a subject whose entries name it, and the field —
   :func:`orgevents.references.references`) go into a table of their own, so that the rules that
   look backwards ("a unit may not end while a unit sits under it", "a retraction may not leave
   a reference to nothing") find them without reading the log. A subject keeps the first field
   that named a key, except that naming it as a parent wins (as :func:`~orgevents.references.note`).

The schema is created once and versioned: a table ``orgevents_schema`` holds one row per part
(``store``; the SQL index adds ``index``). Opening a store reads that row; only a store that lacks
it or has an older version runs DDL, under a lock (SQLite's write lock, a PostgreSQL advisory lock)
so that two first opens do not race. An up-to-date store runs no DDL on open, so readers never wait
for a writer's table lock and concurrent opens never collide in the catalogue.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any
from uuid import UUID

from eventsourcing.persistence import (
    ApplicationRecorder,
    IntegrityError,
    OperationalError,
    StoredEvent,
)
from eventsourcing.popo import POPOApplicationRecorder, POPOFactory
from eventsourcing.sqlite import SQLiteApplicationRecorder, SQLiteCursor, SQLiteTransaction
from eventsourcing.utils import get_topic, resolve_topic

from orgevents.chain import ChainedMapper, head_of, link_events
from orgevents.errors import ConflictError
from orgevents.signing import HEADS_TABLE, SignedHead, Signer, sign_after

SCHEMA_TABLE = "orgevents_schema"
REFERENCES_TABLE = "orgevents_references"
STORE_SCHEMA_VERSION = 2  # 1: the references table and this version table; 2: signed heads
# The references of the events after a position (key, subject, field), and the last position read.
Backfill = Callable[[int], tuple[list[tuple[str, str, str]], int]]
Naming = Mapping[str, Mapping[str, str]]  # key → subject → field


class StaleReadError(IntegrityError):
    """What the rules were checked against changed before the insert: nothing was written."""


def stale_reads(
    read_versions: Mapping[UUID, int],
    versions: Mapping[UUID, int],
    read_naming: Naming,
    naming: Naming,
) -> StaleReadError | None:
    """The error to raise if the store no longer holds what was read (None: all still current)."""
    changed = sum(1 for agg_id, v in read_versions.items() if versions.get(agg_id, 0) != v)
    named = [k for k, seen in read_naming.items() if dict(naming.get(k, {})) != dict(seen)]
    if not changed and not named:
        return None
    what = []
    if changed:
        what.append(f"{changed} of the subjects the checks read changed")
    if named:
        what.append(f"now named by other subjects: {', '.join(sorted(named)[:5])}")
    return StaleReadError("; ".join(what))


UPSERT_REFERENCE = (
    f"INSERT INTO {REFERENCES_TABLE} (target, referrer, field) VALUES (?, ?, ?) "
    "ON CONFLICT (target, referrer) DO UPDATE SET field = excluded.field "
    "WHERE excluded.field LIKE '%parent'"  # naming it as a parent wins
)


SELECT_SIGNED = (
    f"SELECT key, seq, hash, signature FROM {HEADS_TABLE} WHERE key = ? ORDER BY seq"
)
SELECT_LAST_SIGNED = (
    f"SELECT key, seq, hash, signature FROM {HEADS_TABLE} WHERE key = ? ORDER BY seq DESC LIMIT 1"
)
INSERT_SIGNED = (
    f"INSERT INTO {HEADS_TABLE} (key, seq, hash, signature) VALUES (?, ?, ?, ?) "
    "ON CONFLICT (key, seq) DO NOTHING"
)


def _head(row: Any) -> SignedHead:
    return SignedHead(row[0], int(row[1]), row[2], row[3])


class SignedHeads:
    """What every recorder offers for signed heads: the key writes sign with (None: unsigned)."""

    signer: Signer | None = None


def _chunks(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


# --- SQLite -------------------------------------------------------------------------------------


class _ImmediateTransaction(SQLiteTransaction):
    """A transaction that takes SQLite's write lock at BEGIN, before anything is read.

    The library's plain (deferred) ``BEGIN`` would let two writers read the same last event and
    then fail (or, worse, chain onto it twice); ``BEGIN IMMEDIATE`` makes the second one wait for
    the first to commit (up to the store's lock timeout).
    """

    def __enter__(self) -> SQLiteCursor:
        cursor = self.connection.cursor()
        try:
            cursor.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:  # still locked after the lock timeout
            raise OperationalError(exc) from exc
        return cursor


class ChainedSQLiteApplicationRecorder(SignedHeads, SQLiteApplicationRecorder):
    @contextmanager
    def _locked(self) -> Iterator[SQLiteCursor]:
        with (
            self.datastore.get_connection(commit=True) as conn,
            _ImmediateTransaction(conn, commit=True) as curs,
            curs,
        ):
            yield curs

    # --- schema ---------------------------------------------------------------------------

    def schema_version(self) -> int:
        """The store's schema version (0: made before versions, or not made yet). One read."""
        with self.datastore.transaction(commit=False) as c:
            return self._version(c)

    @staticmethod
    def _version(c: SQLiteCursor) -> int:
        c.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (SCHEMA_TABLE,))
        if c.fetchone() is None:
            return 0
        c.execute(f"SELECT version FROM {SCHEMA_TABLE} WHERE component = 'store'")
        row = c.fetchone()
        return int(row[0]) if row else 0

    def ensure_schema(self, backfill: Backfill) -> None:
        """Create or upgrade the tables if the store's version is older than this code's; a
        store made before the references table gets it filled from the log (``backfill``)."""
        if self.schema_version() >= STORE_SCHEMA_VERSION:
            return
        with self._locked() as c:
            version = self._version(c)  # again, under the write lock: another may have done it
            if version < STORE_SCHEMA_VERSION:
                self._create(c, version, backfill)

    def _create(self, c: SQLiteCursor, version: int, backfill: Backfill) -> None:
        for statement in self.create_table_statements:
            c.execute(statement)
        c.execute(
            f"CREATE TABLE IF NOT EXISTS {REFERENCES_TABLE} (target TEXT NOT NULL, "
            "referrer TEXT NOT NULL, field TEXT NOT NULL, PRIMARY KEY (target, referrer)) "
            "WITHOUT ROWID"
        )
        c.execute(
            f"CREATE TABLE IF NOT EXISTS {HEADS_TABLE} (key TEXT NOT NULL, seq INTEGER NOT NULL, "
            "hash TEXT NOT NULL, signature TEXT NOT NULL, PRIMARY KEY (key, seq))"
        )
        c.execute(
            f"CREATE TABLE IF NOT EXISTS {SCHEMA_TABLE} (component TEXT PRIMARY KEY, "
            "version INTEGER NOT NULL)"
        )
        c.execute(f"SELECT 1 FROM {self.events_table_name} LIMIT 1")
        if version < 1 and c.fetchone() is not None:
            c.executemany(UPSERT_REFERENCE, backfill(0)[0])
        c.execute(
            f"INSERT OR REPLACE INTO {SCHEMA_TABLE} (component, version) VALUES ('store', ?)",
            (STORE_SCHEMA_VERSION,),
        )

    # --- references -----------------------------------------------------------------------

    def select_naming(self, keys: Collection[str]) -> dict[str, dict[str, str]]:
        """For each key: the subjects whose entries named it, each with the field."""
        with self.datastore.transaction(commit=False) as c:
            return self._naming(c, keys)

    def select_versions(self, ids: Collection[UUID]) -> dict[UUID, int]:
        """The last version of each of these aggregates that the store holds (the others it
        does not hold), in one query per 500."""
        with self.datastore.transaction(commit=False) as c:
            return self._versions(c, ids)

    def _versions(self, c: SQLiteCursor, ids: Collection[UUID]) -> dict[UUID, int]:
        versions: dict[UUID, int] = {}
        for chunk in _chunks(list(ids), 500):
            marks = ",".join("?" * len(chunk))
            c.execute(
                f"SELECT originator_id, MAX(originator_version) FROM {self.events_table_name} "
                f"WHERE originator_id IN ({marks}) GROUP BY originator_id",
                [agg_id.hex for agg_id in chunk],
            )
            versions.update((UUID(row[0]), int(row[1])) for row in c.fetchall())
        return versions

    @staticmethod
    def _naming(c: SQLiteCursor, keys: Collection[str]) -> dict[str, dict[str, str]]:
        found: dict[str, dict[str, str]] = {k: {} for k in keys}
        for chunk in _chunks(list(keys), 500):
            marks = ",".join("?" * len(chunk))
            c.execute(
                f"SELECT target, referrer, field FROM {REFERENCES_TABLE} WHERE target IN ({marks})",
                list(chunk),
            )
            for row in c.fetchall():
                found[row[0]][row[1]] = row[2]
        return found

    # --- inserting ------------------------------------------------------------------------

    def insert_events(
        self, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        with self._locked() as curs:
            return self._insert_events(curs, stored_events, **kwargs)

    def _insert_events(
        self,
        c: SQLiteCursor,
        stored_events: Sequence[StoredEvent],
        *,
        read_versions: Mapping[UUID, int] | None = None,
        read_naming: Naming | None = None,
        references: Iterable[tuple[str, str, str]] = (),
        **kwargs: Any,
    ) -> Sequence[int] | None:
        self._check_reads(c, read_versions or {}, read_naming or {})
        c.execute(f"SELECT state FROM {self.events_table_name} ORDER BY rowid DESC LIMIT 1")
        row = c.fetchone()
        last = row["state"] if row else None
        linked = link_events(last, stored_events)
        ids = super()._insert_events(c, linked, **kwargs)
        c.executemany(UPSERT_REFERENCE, list(references))
        if self.signer is not None and linked:
            self._sign(c, self.signer, head_of(last), head_of(linked[-1].state))
        return ids

    def _sign(
        self, c: SQLiteCursor, signer: Signer, last: tuple[int, str] | None, new: Any
    ) -> None:
        c.execute(SELECT_LAST_SIGNED, (signer.key_id,))
        row = c.fetchone()
        head = sign_after(signer, last, _head(row) if row else None, new)
        c.execute(INSERT_SIGNED, (head.key_id, head.seq, head.hash, head.signature))

    def select_signed_heads(self, key_id: str) -> list[SignedHead]:
        """Every head signed by the key ``key_id``, in chain order."""
        with self.datastore.transaction(commit=False) as c:
            c.execute(SELECT_SIGNED, (key_id,))
            return [_head(row) for row in c.fetchall()]

    def sign_head(self, signer: Signer, head: tuple[int, str]) -> None:
        """Sign ``head`` (checked by the caller) if it is still the log's last event."""
        with self._locked() as c:
            c.execute(f"SELECT state FROM {self.events_table_name} ORDER BY rowid DESC LIMIT 1")
            row = c.fetchone()
            _still_last(head, head_of(row["state"] if row else None))
            c.execute(INSERT_SIGNED, (signer.key_id, *head, signer.sign(*head)))

    def _check_reads(
        self,
        c: SQLiteCursor,
        read_versions: Mapping[UUID, int],
        read_naming: Naming,
    ) -> None:
        versions = self._versions(c, read_versions)
        naming = self._naming(c, read_naming) if read_naming else {}
        error = stale_reads(read_versions, versions, read_naming, naming)
        if error is not None:
            raise error


def _still_last(head: tuple[int, str], last: tuple[int, str] | None) -> None:
    if last != head:
        raise ConflictError(
            f"the log changed while it was checked (its last event is now "
            f"#{last[0] if last else 0}); nothing was signed: run the command again"
        )


# --- in memory ----------------------------------------------------------------------------------


class ChainedPOPOApplicationRecorder(SignedHeads, POPOApplicationRecorder):
    def __init__(self) -> None:
        super().__init__()
        self._naming: dict[str, dict[str, str]] = {}
        self._heads: list[SignedHead] = []

    def select_signed_heads(self, key_id: str) -> list[SignedHead]:
        with self._database_lock:
            return [h for h in self._heads if h.key_id == key_id]

    def sign_head(self, signer: Signer, head: tuple[int, str]) -> None:
        with self._database_lock:
            last = self._stored_events[-1].state if self._stored_events else None
            _still_last(head, head_of(last))
            self._heads.append(SignedHead(signer.key_id, *head, signer.sign(*head)))

    def ensure_schema(self, backfill: Backfill) -> None:
        """Nothing to create: an in-memory store starts empty with every structure it needs."""

    def schema_version(self) -> int:
        return STORE_SCHEMA_VERSION

    def select_naming(self, keys: Collection[str]) -> dict[str, dict[str, str]]:
        with self._database_lock:
            return {k: dict(self._naming.get(k, {})) for k in keys}

    def select_versions(self, ids: Collection[UUID]) -> dict[UUID, int]:
        with self._database_lock:
            found = {agg_id: self._stored_events_index.get(str(agg_id)) for agg_id in ids}
            return {agg_id: max(index) for agg_id, index in found.items() if index}

    def _insert_events(
        self,
        stored_events: Sequence[StoredEvent],
        *,
        read_versions: Mapping[UUID, int] | None = None,
        read_naming: Naming | None = None,
        references: Iterable[tuple[str, str, str]] = (),
        **kwargs: Any,
    ) -> Sequence[int] | None:
        with self._database_lock:
            versions = {
                agg_id: max(self._stored_events_index[str(agg_id)], default=0)
                for agg_id in read_versions or {}
            }
            error = stale_reads(
                read_versions or {},
                versions,
                read_naming or {},
                self.select_naming(read_naming or {}),
            )
            if error is not None:
                raise error
            last = self._stored_events[-1].state if self._stored_events else None
            linked = link_events(last, stored_events)
            if self.signer is not None and linked:
                mine = [h for h in self._heads if h.key_id == self.signer.key_id]
                new = head_of(linked[-1].state)
                assert new is not None
                signed = sign_after(self.signer, head_of(last), mine[-1] if mine else None, new)
            ids = super()._insert_events(linked, **kwargs)
            if self.signer is not None and linked:
                self._heads.append(signed)
            for target, referrer, field in references:
                naming = self._naming.setdefault(target, {})
                if field.endswith("parent"):
                    naming[referrer] = field
                else:
                    naming.setdefault(referrer, field)
            return ids


class ChainedPOPOFactory(POPOFactory):
    """The in-memory store, honouring APPLICATION_RECORDER_TOPIC like the SQL ones do."""

    def application_recorder(self) -> ApplicationRecorder:
        topic = self.env.get(self.APPLICATION_RECORDER_TOPIC)
        recorder_class = resolve_topic(topic) if topic else ChainedPOPOApplicationRecorder
        assert issubclass(recorder_class, POPOApplicationRecorder)
        recorder: ApplicationRecorder = recorder_class()
        return recorder


def recorder_env(persistence_module: str) -> dict[str, str]:
    """The environment keys that make a store use these recorders (for ``store_env``): chained
    events, checked reads, references, and a schema made by ``ensure_schema`` rather than by the
    library on every open."""
    recorders = {
        "eventsourcing.popo": get_topic(ChainedPOPOApplicationRecorder),
        "eventsourcing.sqlite": get_topic(ChainedSQLiteApplicationRecorder),
        # By name: the PostgreSQL driver is imported only for PostgreSQL stores.
        "eventsourcing.postgres": "orgevents.recorders_postgres:ChainedPostgresApplicationRecorder",
    }
    env = {
        "APPLICATION_RECORDER_TOPIC": recorders[persistence_module],
        "MAPPER_TOPIC": get_topic(ChainedMapper),
        "CREATE_TABLE": "false",
    }
    if persistence_module == "eventsourcing.popo":
        env["PERSISTENCE_MODULE"] = get_topic(ChainedPOPOFactory)
    return env
