"""The PostgreSQL recorder of the tamper-evident chain (see :mod:`orgevents.chain`); in a module
of its own so that only PostgreSQL stores import the PostgreSQL driver."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from eventsourcing.persistence import ProgrammingError, StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder, PostgresDatastore
from psycopg import Cursor
from psycopg.rows import DictRow
from psycopg.sql import SQL, Identifier

from orgevents.chain import link_events


class ChainedPostgresApplicationRecorder(PostgresApplicationRecorder):
    def __init__(self, datastore: PostgresDatastore, *, events_table_name: str = "stored_events"):
        if datastore.enable_db_functions:
            raise ProgrammingError(
                "tamper evidence needs POSTGRES_ENABLE_DB_FUNCTIONS off: the database function "
                "inserts events without chaining them"
            )
        super().__init__(datastore, events_table_name=events_table_name)
        self.select_last_state_statement = SQL(
            "SELECT state FROM {schema}.{table} ORDER BY notification_id DESC LIMIT 1"
        ).format(schema=Identifier(self.datastore.schema), table=Identifier(self.events_table_name))

    def _insert_stored_events(
        self, curs: Cursor[DictRow], stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> None:
        # Lock first (EXCLUSIVE: writers wait, readers don't), then read the last event. In
        # pipeline mode fetchone() flushes the queued statements and waits for this result.
        self._lock_table(curs)
        curs.execute(self.select_last_state_statement)
        row = curs.fetchone()
        linked = link_events(bytes(row["state"]) if row else None, stored_events)
        super()._insert_stored_events(curs, linked, **kwargs)  # locks again: a no-op
