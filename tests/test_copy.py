"""``orgevents copy``: a whole log to another store, to a dump and back, run as real processes.

A faithful copy ends at the same chain head, answers every question the same, and keeps the
store's rules (ids already used stay used); a changed dump or a tampered source is refused and
leaves nothing behind."""

from __future__ import annotations

import gzip
import json
import sqlite3

import pytest

from tests.test_cli import run
from tests.test_cli_conventions import PARLIAMENT

MORE = """format: orgevents/1
entries:
  - {type: UnitRenamed, key: agri.renamed, unit: a-very-long-committee-identifier-that-is-long,
      name: Agriculture Committee, effective: 2001-06-01, sources: [{document: rules, locator: r. 40}]}
  - {type: UnitEstablished, key: fin.est, unit: finance, name: Finance Committee, kind: committee,
      parent: parliament, effective: 1999-01-01, sources: [{document: rules, locator: r. 13}]}
"""
AGAIN = """format: orgevents/1
entries:
  - {type: UnitEstablished, key: fin.other, unit: finance, name: Finance Board, kind: committee,
      parent: parliament, effective: 2005-01-01, sources: [{document: rules, locator: r. 99}]}
"""


def head(url: str) -> str:
    return json.loads(run("--store", url, "verify", "--json").stdout)["head"]["anchor"]


def answers(url: str) -> list[str]:
    return [
        run("--store", url, *question).stdout
        for question in (
            ["units", "--at", "2000-01-01", "--json"],
            ["units", "--at", "2002-01-01", "--json"],
            ["history", "a-very-long-committee-identifier-that-is-long", "--json"],
            ["diff", "1998-01-01", "2002-01-01", "--json"],
        )
    ]


@pytest.fixture
def source(tmp_path) -> str:
    (tmp_path / "p.yaml").write_text(PARLIAMENT)
    (tmp_path / "more.yaml").write_text(MORE)
    url = f"sqlite:///{tmp_path / 'source.db'}"
    run("--store", url, "load", str(tmp_path / "p.yaml"))
    run("--store", url, "load", str(tmp_path / "more.yaml"))  # a second transaction
    return url


def test_sqlite_to_dump_to_postgres_to_sqlite_is_the_same_log(source, tmp_path, postgres_url):
    dump = tmp_path / "backup.jsonl.gz"
    back = f"sqlite:///{tmp_path / 'back.db'}"
    run("copy", source, str(dump))
    run("copy", str(dump), postgres_url)
    run("copy", postgres_url, back)
    assert head(source) == head(postgres_url) == head(back)
    expected = answers(source)
    assert answers(postgres_url) == expected and answers(back) == expected
    assert "Agriculture Committee" in expected[1]
    # the copy keeps the store's rules: the id is taken there too, and loading again adds nothing
    (tmp_path / "again.yaml").write_text(AGAIN)
    for url in (postgres_url, back):
        refused = run("--store", url, "load", str(tmp_path / "again.yaml"), check=False)
        assert refused.returncode == 1 and "'finance' already exists" in refused.stderr
        again = json.loads(
            run("--store", url, "load", str(tmp_path / "more.yaml"), "--json").stdout
        )
        assert again == {"appended": 0, "skipped": 2}


def test_a_changed_dump_is_refused_with_its_line_and_makes_no_store(source, tmp_path):
    dump = tmp_path / "backup.jsonl.gz"
    run("copy", source, str(dump))
    lines = gzip.decompress(dump.read_bytes()).decode().splitlines()
    assert json.loads(lines[0])["format"] == "orgevents-dump/1"
    assert "Finance Committee" in lines[-1]
    lines[-1] = lines[-1].replace("Finance Committee", "Finance Ministry")
    forged = tmp_path / "forged.jsonl"
    forged.write_text("\n".join(lines) + "\n")
    target = tmp_path / "target.db"
    proc = run("copy", str(forged), f"sqlite:///{target}", check=False)
    assert proc.returncode == 1
    assert f"forged.jsonl:{len(lines)}:" in proc.stderr and "was changed" in proc.stderr
    assert not target.exists()


def test_a_cut_dump_is_refused(source, tmp_path):
    dump = tmp_path / "backup.jsonl"
    run("copy", source, str(dump))
    lines = dump.read_text().splitlines()
    (tmp_path / "cut.jsonl").write_text("\n".join(lines[:-1]) + "\n")
    proc = run("copy", str(tmp_path / "cut.jsonl"), f"sqlite:///{tmp_path / 't.db'}", check=False)
    assert proc.returncode == 1 and "cut short or changed" in proc.stderr


def test_a_tampered_source_is_not_copied(source, tmp_path):
    path = source.removeprefix("sqlite:///")
    with sqlite3.connect(path) as db:
        (state,) = db.execute("SELECT state FROM stored_events ORDER BY rowid LIMIT 1").fetchone()
        db.execute(
            "UPDATE stored_events SET state = ? WHERE rowid = 1",
            (bytes(state).replace(b"Rules of Procedure", b"Rules of Disorder"),),
        )
    proc = run("copy", source, str(tmp_path / "d.jsonl"), check=False)
    assert proc.returncode == 1 and "chain is broken" in proc.stderr
    assert not (tmp_path / "d.jsonl").exists()


def test_copy_goes_only_into_an_empty_store_and_never_over_a_file(source, tmp_path):
    other = f"sqlite:///{tmp_path / 'other.db'}"
    run("copy", source, other)
    proc = run("copy", source, other, check=False)
    assert proc.returncode == 1 and "already holds events" in proc.stderr
    (tmp_path / "d.jsonl").write_text("keep me")
    proc = run("copy", source, str(tmp_path / "d.jsonl"), check=False)
    assert proc.returncode == 1 and "never written over" in proc.stderr
    assert (tmp_path / "d.jsonl").read_text() == "keep me"
