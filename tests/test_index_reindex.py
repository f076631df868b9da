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
from tests.histories import HistoryMaker, StepClock, fresh_store

OTHER_TABLES = {
    "orgindex_documents": "document, title, p_from, p_to",
    "orgindex_kinds": "kind, position, declaration",
    "orgindex_events": "position, recorded",
    "orgindex_tracking": "id, position, monotone, last_recorded",
    "orgindex_entries": (
        "entry_key, subject, type, e_day, planned, counts, position, amended_by, payload, "
        "p_from, p_to"
    ),
    "orgindex_related": "key, position",
    "orgindex_amendments": "target, position",
    "orgindex_search": "subject, field, text, norm, e_day, planned, p_from, p_to",
}


def snapshot(index: SqlIndex) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every index table (and of the R*Trees on SQLite), in a fixed order."""
    tables = dict.fromkeys(TABLES, "*") | OTHER_TABLES
    if index.db.name == "sqlite":
        tables |= {f"{t}_rt": "*" for t in TABLES}
        tables["orgindex_search"] += ", terms"
    else:
        tables["orgindex_search"] += ", tsv::text"
    out = {}
    with index.db.read() as cur:
        for table, columns in tables.items():
            cur.execute(f"SELECT {columns} FROM {table}")
            rows = [tuple(row) for row in cur.fetchall()]
            out[table] = sorted(rows, key=lambda row: tuple(repr(v) for v in row))
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
        declare = maker.ops.index(maker._declare_kind)  # the two ops that declare kinds
        for _ in range(400):
            op = rnd.randrange(22)  # the first twenty kinds of entry, and kind declarations
            if maker.step(op if op < 20 else declare + op - 20, rnd.randrange(2**32)):
                live.catch_up()
        before = snapshot(live)
        assert sum(len(rows) for rows in before.values()) > 250
        assert before["orgindex_kinds"], "the history declares kinds"
        live.close()
        result = CliRunner().invoke(cli, ["--store", url, "reindex"])
        assert result.exit_code == 0, result.output
        assert result.output.startswith(f"index rebuilt: {app.last_position()} events")
        rebuilt = SqlIndex(app)
        assert snapshot(rebuilt) == before
        rebuilt.close()


def test_the_index_refuses_known_at_out_of_recorded_order(tmp_path):
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


def test_every_write_path_keeps_the_index_so_no_reindex_is_needed(tmp_path, base_entries):
    from orgevents.projections.reader import Reader

    url = f"sqlite:///{tmp_path / 'plain.db'}"
    path = tmp_path / "base.yaml"
    import yaml

    path.write_text(
        yaml.safe_dump(
            {"format": "orgevents/1", "entries": [e.model_dump(mode="json") for e in base_entries]}
        )
    )
    result = CliRunner().invoke(cli, ["--store", url, "load", str(path)])
    assert result.exit_code == 0, result.output
    store = open_store(url)
    assert SqlIndex(store).position() == store.last_position() == len(base_entries)
    reader = Reader(store)  # a store object that writes keeps its reader's index as it saves
    store.record(
        [base_entries[0].model_copy(update={"key": "doc-2", "document": "doc-2"})], "tests"
    )
    assert reader.position() == store.last_position() == len(base_entries) + 1
    reader.close()


def test_a_throwaway_store_has_an_index_too():
    store = open_store("memory:")
    reader_index = SqlIndex(store)
    reader_index.catch_up()
    assert reader_index.exists()
    reader_index.close()
