"""``orgevents reindex`` rebuilds the SQL index from the log, row for row the index that was kept
up to date event by event — and the index refuses what it cannot answer."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

import pytest
from typer.testing import CliRunner

from orgevents.cli import app as cli
from orgevents.projections.sqlindex import IndexUnavailableError, SqlIndex
from orgevents.projections.sqlindex_db import TABLES
from orgevents.store import open_store
from tests.test_index_equivalence import HistoryMaker, StepClock, fresh_store

OTHER_TABLES = {
    "orgindex_documents": "document, title, p_from, p_to",
    "orgindex_events": "position, recorded",
    "orgindex_tracking": "id, position, monotone, last_recorded",
}


def snapshot(index: SqlIndex) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every index table (and of the R*Trees on SQLite), in a fixed order."""
    tables = dict.fromkeys(TABLES, "*") | OTHER_TABLES
    if index.db.name == "sqlite":
        tables |= {f"{t}_rt": "*" for t in TABLES}
    out = {}
    with index.db.read() as cur:
        for table, columns in tables.items():
            cur.execute(f"SELECT {columns} FROM {table}")
            out[table] = sorted(tuple(row) for row in cur.fetchall())
    return out


@pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def test_reindex_rebuilds_the_index_kept_up_to_date_event_by_event(backend):
    clock = StepClock()
    with fresh_store(backend, clock) as (url, app):
        live = SqlIndex(app, cache_size=3)  # small: subjects are also reloaded from the store
        maker = HistoryMaker(app, clock)
        rnd = random.Random(11)
        for _ in range(400):
            if maker.step(rnd.randrange(20), rnd.randrange(2**32)):
                live.catch_up()
        before = snapshot(live)
        assert sum(len(rows) for rows in before.values()) > 250
        live.close()
        result = CliRunner().invoke(cli, ["--store", url, "reindex"])
        assert result.exit_code == 0, result.output
        assert result.output.startswith(f"index rebuilt: {app.last_position()} events")
        rebuilt = SqlIndex(app)
        assert snapshot(rebuilt) == before
        rebuilt.close()


def test_the_index_refuses_an_in_memory_store_and_known_at_out_of_recorded_order(tmp_path):
    with pytest.raises(IndexUnavailableError):
        SqlIndex(open_store("memory:"))
    clock = StepClock()
    app = open_store(f"sqlite:///{tmp_path / 'clock.db'}", clock=clock)
    maker = HistoryMaker(app, clock)
    clock.now -= dt.timedelta(days=2)  # a writer whose clock is behind
    maker.step(0, 1)
    index = SqlIndex(app)
    index.catch_up()
    index.as_of(dt.date(2021, 1, 1))  # without known_at it still answers
    with pytest.raises(IndexUnavailableError, match="not a prefix"):
        index.as_of(dt.date(2021, 1, 1), known_at=dt.date(2025, 1, 1))
    index.close()


def test_a_plain_load_is_taken_into_an_existing_index_and_makes_none(tmp_path, base_entries):
    from orgevents.cli_scale import catch_up_if_indexed

    plain = open_store(f"sqlite:///{tmp_path / 'plain.db'}")
    plain.record(base_entries, "tests")
    assert catch_up_if_indexed(plain) == 0
    assert not SqlIndex(plain).exists()  # no index made behind the user's back
    indexed = open_store(f"sqlite:///{tmp_path / 'indexed.db'}")
    SqlIndex(indexed).ensure()
    indexed.record(base_entries, "tests")
    assert catch_up_if_indexed(indexed) == len(base_entries)
    assert SqlIndex(indexed).position() == indexed.last_position()
