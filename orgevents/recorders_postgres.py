"""The PostgreSQL recorder (see :mod:`orgevents.recorders`); in a module of its own so that only
PostgreSQL stores import the PostgreSQL driver.

Inserting does not use the library's pipeline mode: psycopg's pure-Python pipeline stops sending
after one partial flush of the last queued statement, so a statement larger than what the socket
takes at once (about 8 MB: the events of a load of 12,000 entries or more, sent as one array) never
reaches the server, and both sides wait for each other for ever. The insert runs as ordinary
statements instead, a bounded number of events each.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from typing import Any
from uuid import UUID

import psycopg
from eventsourcing.persistence import (
    InterfaceError,
    OperationalError,
    ProgrammingError,
    StoredEvent,
)
from eventsourcing.postgres import PostgresApplicationRecorder, PostgresDatastore
from eventsourcing.utils import retry
from psycopg import Cursor
from psycopg.rows import DictRow
from psycopg.sql import SQL, Identifier

from orgevents.chain import head_of, link_events
from orgevents.recorders import (
    REFERENCES_TABLE,
    SCHEMA_TABLE,
    STORE_SCHEMA_VERSION,
    Backfill,
    Naming,
    SignedHeads,
    _still_last,
    stale_reads,
)
from orgevents.signing import HEADS_TABLE, SignedHead, Signer, sign_after

INSERT_CHUNK = 2000  # events per INSERT statement


class ChainedPostgresApplicationRecorder(SignedHeads, PostgresApplicationRecorder):
    def __init__(self, datastore: PostgresDatastore, *, events_table_name: str = "stored_events"):
        if datastore.enable_db_functions:
            raise ProgrammingError(
                "tamper evidence needs POSTGRES_ENABLE_DB_FUNCTIONS off: the database function "
                "inserts events without chaining them"
            )
        super().__init__(datastore, events_table_name=events_table_name)
        names = {
            "schema": Identifier(self.datastore.schema),
            "table": Identifier(self.events_table_name),
            "refs": Identifier(REFERENCES_TABLE),
            "versions": Identifier(SCHEMA_TABLE),
            "heads": Identifier(HEADS_TABLE),
        }
        self.select_last_state_statement = SQL(
            "SELECT state FROM {schema}.{table} ORDER BY notification_id DESC LIMIT 1"
        ).format(**names)
        self.select_versions_statement = SQL(
            "SELECT originator_id, max(originator_version) AS version FROM {schema}.{table} "
            "WHERE originator_id = ANY(%s) GROUP BY originator_id"
        ).format(**names)
        self.select_naming_statement = SQL(
            "SELECT target, referrer, field FROM {schema}.{refs} WHERE target = ANY(%s)"
        ).format(**names)
        self.insert_references_statement = SQL(
            "INSERT INTO {schema}.{refs} AS r (target, referrer, field) "
            "SELECT * FROM unnest(%s::text[], %s::text[], %s::text[]) "
            "ON CONFLICT (target, referrer) DO UPDATE SET field = excluded.field "
            "WHERE excluded.field LIKE '%%parent'"  # naming it as a parent wins
        ).format(**names)
        self.select_version_statement = SQL(
            "SELECT version FROM {schema}.{versions} WHERE component = 'store'"
        ).format(**names)
        self.select_signed_statement = SQL(
            "SELECT key, seq, hash, signature FROM {schema}.{heads} WHERE key = %s ORDER BY seq"
        ).format(**names)
        self.select_last_signed_statement = SQL(
            "SELECT key, seq, hash, signature FROM {schema}.{heads} WHERE key = %s "
            "ORDER BY seq DESC LIMIT 1"
        ).format(**names)
        self.insert_signed_statement = SQL(
            "INSERT INTO {schema}.{heads} (key, seq, hash, signature) VALUES (%s, %s, %s, %s) "
            "ON CONFLICT (key, seq) DO NOTHING"
        ).format(**names)
        self.schema_ddl = [
            SQL(
                "CREATE TABLE IF NOT EXISTS {schema}.{heads} (key text NOT NULL, seq bigint "
                "NOT NULL, hash text NOT NULL, signature text NOT NULL, PRIMARY KEY (key, seq))"
            ).format(**names),
            SQL(
                "CREATE TABLE IF NOT EXISTS {schema}.{refs} (target text NOT NULL, "
                "referrer text NOT NULL, field text NOT NULL, PRIMARY KEY (target, referrer))"
            ).format(**names),
            SQL(
                "CREATE TABLE IF NOT EXISTS {schema}.{versions} (component text PRIMARY KEY, "
                "version integer NOT NULL)"
            ).format(**names),
        ]
        self.set_version_statement = SQL(
            "INSERT INTO {schema}.{versions} (component, version) VALUES ('store', %s) "
            "ON CONFLICT (component) DO UPDATE SET version = EXCLUDED.version"
        ).format(**names)
        self.lock_events_statement = SQL("LOCK TABLE {schema}.{table} IN EXCLUSIVE MODE").format(
            **names
        )
        self.any_event_statement = SQL("SELECT 1 FROM {schema}.{table} LIMIT 1").format(**names)
        self.schema_lock_name = f"orgevents-schema:{self.datastore.schema}.{events_table_name}"

    # --- schema -------------------------------------------------------------------------------

    def schema_version(self) -> int:
        """The store's schema version (0: made before versions, or not made yet). One SELECT."""
        with self.datastore.get_connection() as conn:  # autocommit: a failed read harms nothing
            try:
                row = conn.execute(self.select_version_statement).fetchone()
            except psycopg.errors.UndefinedTable:
                return 0
        return int(row["version"]) if row else 0

    def ensure_schema(self, backfill: Backfill) -> None:
        """Create or upgrade the tables if the store's version is older than this code's (under
        an advisory lock, so that concurrent first opens take turns); a store made before the
        references table gets it filled from the log (``backfill``)."""
        if self.schema_version() < STORE_SCHEMA_VERSION:
            # An older store's log is read before the lock (reading it takes longer than a
            # transaction may sit idle); what is appended meanwhile is read under the lock.
            before, seen = backfill(0) if self._has_events_table() else ([], 0)
            with (
                self.datastore.get_connection() as conn,
                conn.transaction(),
                conn.cursor() as curs,
            ):
                curs.execute(
                    "SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))",
                    (self.schema_lock_name,),
                )
                version = self._version(curs)  # again, under the lock: another may have done it
                if version < STORE_SCHEMA_VERSION:
                    self._create(curs, version, lambda: [*before, *backfill(seen)[0]])
        self.datastore.register_type_adapters()  # the event type, if this open created it

    def _has_events_table(self) -> bool:
        name = f'"{self.datastore.schema}"."{self.events_table_name}"'
        with self.datastore.get_connection() as conn:
            row = conn.execute("SELECT to_regclass(%s) IS NOT NULL AS present", (name,)).fetchone()
        return bool(row and row["present"])

    def _version(self, curs: Cursor[DictRow]) -> int:
        curs.execute(
            "SELECT to_regclass(%s) IS NOT NULL AS present",
            (f'"{self.datastore.schema}"."{SCHEMA_TABLE}"',),
        )
        row = curs.fetchone()
        if row is None or not row["present"]:
            return 0
        curs.execute(self.select_version_statement)
        row = curs.fetchone()
        return int(row["version"]) if row else 0

    def _create(
        self,
        curs: Cursor[DictRow],
        version: int,
        references: Callable[[], list[tuple[str, str, str]]],
    ) -> None:
        for statement in self.sql_create_statements:
            text = statement.as_string()
            if "CREATE OR REPLACE FUNCTION" in text:
                continue  # the insert function is for POSTGRES_ENABLE_DB_FUNCTIONS, which is off
            if "CREATE TYPE" in text:  # no IF NOT EXISTS for types
                curs.execute(
                    "SELECT 1 FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace "
                    "WHERE n.nspname = %s AND t.typname = %s",
                    (self.datastore.schema, self.stored_event_type_name),
                )
                if curs.fetchone() is not None:
                    continue
            curs.execute(statement)
        for statement in self.schema_ddl:
            curs.execute(statement)
        if version < 1:
            curs.execute(self.lock_events_statement)  # nothing appended while the log is read
            curs.execute(self.any_event_statement)
            if curs.fetchone() is not None:
                self._insert_references(curs, references())
        curs.execute(self.set_version_statement, (STORE_SCHEMA_VERSION,))

    # --- references ---------------------------------------------------------------------------

    def select_naming(self, keys: Collection[str]) -> dict[str, dict[str, str]]:
        """For each key: the subjects whose entries named it, each with the field."""
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            return self._naming(curs, keys)

    def select_versions(self, ids: Collection[UUID]) -> dict[UUID, int]:
        """The last version of each of these aggregates that the store holds (the others it
        does not hold), in one query."""
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            return self._versions(curs, ids)

    def _versions(self, curs: Cursor[DictRow], ids: Collection[UUID]) -> dict[UUID, int]:
        if not ids:
            return {}
        curs.execute(self.select_versions_statement, (list(ids),))
        return {r["originator_id"]: int(r["version"]) for r in curs.fetchall()}

    def _naming(self, curs: Cursor[DictRow], keys: Collection[str]) -> dict[str, dict[str, str]]:
        found: dict[str, dict[str, str]] = {k: {} for k in keys}
        curs.execute(self.select_naming_statement, (list(keys),))
        for row in curs.fetchall():
            found[row["target"]][row["referrer"]] = row["field"]
        return found

    def _insert_references(
        self, curs: Cursor[DictRow], rows: Sequence[tuple[str, str, str]]
    ) -> None:
        """Insert ``(key, subject, field)`` rows, each pair at most once."""
        for i in range(0, len(rows), 10 * INSERT_CHUNK):
            chunk = rows[i : i + 10 * INSERT_CHUNK]
            columns = [[row[n] for row in chunk] for n in range(3)]
            curs.execute(self.insert_references_statement, columns)

    # --- inserting ----------------------------------------------------------------------------

    @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)
    def insert_events(
        self,
        stored_events: Sequence[StoredEvent],
        *,
        read_versions: Mapping[UUID, int] | None = None,
        read_naming: Naming | None = None,
        references: Iterable[tuple[str, str, str]] = (),
        **kwargs: Any,
    ) -> Sequence[int] | None:
        ids: list[int] = []
        with (
            self.datastore.get_connection() as conn,
            conn.transaction(),
            conn.cursor() as curs,
        ):
            # Lock first (EXCLUSIVE: writers wait, readers don't), then check the reads are still
            # current and read the last event, all under the lock.
            self._lock_table(curs)
            self._check_reads(curs, read_versions or {}, read_naming or {})
            curs.execute(self.select_last_state_statement)
            row = curs.fetchone()
            last = bytes(row["state"]) if row else None
            before = head_of(last)
            # Chunk by chunk: linking is Python work inside the transaction, and a transaction
            # left idle longer than POSTGRES_IDLE_IN_TRANSACTION_SESSION_TIMEOUT is killed.
            for i in range(0, len(stored_events), INSERT_CHUNK):
                linked = link_events(last, stored_events[i : i + INSERT_CHUNK])
                params = [
                    self.construct_pg_stored_event(
                        s.originator_id, s.originator_version, s.topic, s.state
                    )
                    for s in linked
                ]
                curs.execute(self.insert_events_statement, (params,))
                ids.extend(r["notification_id"] for r in curs.fetchall())
                last = linked[-1].state
            self._insert_references(curs, list(references))
            if self.signer is not None and stored_events:
                self._sign(curs, self.signer, before, head_of(last))
            self._notify_channel(curs)
        return ids

    def _sign(
        self,
        curs: Cursor[DictRow],
        signer: Signer,
        before: tuple[int, str] | None,
        new: tuple[int, str] | None,
    ) -> None:
        assert new is not None
        curs.execute(self.select_last_signed_statement, (signer.key_id,))
        row = curs.fetchone()
        signed = _signed(row) if row else None
        head = sign_after(signer, before, signed, new)
        curs.execute(
            self.insert_signed_statement, (head.key_id, head.seq, head.hash, head.signature)
        )

    def select_signed_heads(self, key_id: str) -> list[SignedHead]:
        """Every head signed by the key ``key_id``, in chain order."""
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(self.select_signed_statement, (key_id,))
            return [_signed(row) for row in curs.fetchall()]

    def sign_head(self, signer: Signer, head: tuple[int, str]) -> None:
        """Sign ``head`` (checked by the caller) if it is still the log's last event."""
        with (
            self.datastore.get_connection() as conn,
            conn.transaction(),
            conn.cursor() as curs,
        ):
            self._lock_table(curs)
            curs.execute(self.select_last_state_statement)
            row = curs.fetchone()
            _still_last(head, head_of(bytes(row["state"]) if row else None))
            curs.execute(self.insert_signed_statement, (signer.key_id, *head, signer.sign(*head)))

    def _check_reads(
        self,
        curs: Cursor[DictRow],
        read_versions: Mapping[UUID, int],
        read_naming: Naming,
    ) -> None:
        versions = self._versions(curs, read_versions)
        naming = self._naming(curs, read_naming) if read_naming else {}
        error = stale_reads(read_versions, versions, read_naming, naming)
        if error is not None:
            raise error


def _signed(row: DictRow) -> SignedHead:
    return SignedHead(row["key"], int(row["seq"]), row["hash"], row["signature"])
