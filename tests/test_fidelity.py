"""Fidelity of the Copenhagen dataset to its three source documents, fact by fact.

``tests/data/copenhagen-fidelity.csv`` lists the facts of the memo, the implementation plan, the
BIF presentation and the public pages: the fact, its source and locator, the CLI query that
answers it and a text the answer must contain (whitespace-insensitive). Rows marked ``pending``
are facts the model cannot answer yet, each with the reason; they are run too and must *not*
pass, so a pending row that becomes answerable fails until it is marked answered. A second test
checks that every quote the dataset gives from the three documents is verbatim in them (the texts
are in ``tests/data/sources/``), line breaks and hyphenation at line ends aside.
"""

from __future__ import annotations

import csv
import re
import shlex
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from orgevents.cli import app as cli
from orgevents.importing import example_files

DATA = Path(__file__).parent / "data"
TABLE = DATA / "copenhagen-fidelity.csv"
SOURCES = {
    "notat": "000_12039bdcf22b1749.txt",
    "implementeringsplan": "003_b05c8514e64cb776.txt",
    "bif-praesentation": "004_26cae6b8a7887ec7.txt",
}
ROWS = list(csv.DictReader(TABLE.open(encoding="utf-8")))


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('fidelity') / 'kk.db'}"
    result = CliRunner().invoke(cli, ["--store", url, "load", "--example", "copenhagen"])
    assert result.exit_code == 0, result.output
    return url


def squeeze(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def answer(url: str, query: str) -> str:
    result = CliRunner().invoke(cli, ["--store", url, *shlex.split(query)], env={"COLUMNS": "200"})
    return squeeze(result.output) if result.exit_code == 0 else f"<exit {result.exit_code}>"


def test_the_table_is_well_formed():
    assert len(ROWS) >= 150
    assert {r["status"] for r in ROWS} <= {"answered", "pending"}
    for row in ROWS:
        assert row["fact"] and row["source"] and row["query"] and row["expected"], row
        assert row["status"] == "answered" or row["reason"], f"pending without reason: {row}"


def test_every_fact_is_answered_by_its_query(store, capsys):
    unanswered = [r for r in ROWS if squeeze(r["expected"]) not in answer(store, r["query"])]
    pending = [r for r in ROWS if r["status"] == "pending"]
    with capsys.disabled():
        print(
            f"\nfidelity: {len(ROWS)} facts, {len(ROWS) - len(pending)} answered, "
            f"{len(pending)} pending:"
        )
        for r in pending:
            print(f"  pending: {r['fact']} ({r['reason']})")
    failed = [
        f"{r['fact']} — `orgevents {r['query']}` lacks {r['expected']!r}"
        for r in unanswered
        if r["status"] == "answered"
    ]
    assert not failed, "\n".join(failed)
    # Pending facts do not pass silently: exactly the rows marked pending are unanswered.
    now_answered = [r["fact"] for r in pending if r not in unanswered]
    assert not now_answered, f"answerable now, mark them answered: {now_answered}"
    assert len(unanswered) == len(pending)


def _quoted(node: Any) -> Iterator[dict[str, str]]:
    if isinstance(node, dict):
        if "quote" in node and "document" in node:
            yield node
        for value in node.values():
            yield from _quoted(value)
    elif isinstance(node, list):
        for value in node:
            yield from _quoted(value)


def _verbatim(quote: str, text: str) -> bool:
    """The quote's characters in order, with the source's own line breaks (and a hyphen at a line
    break, "arbejds-\\nevne") allowed between them."""
    chars = re.sub(r"\s+", "", quote)
    return re.search(r"(?:\s*|-\s+)".join(map(re.escape, chars)), text) is not None


def test_every_quote_from_the_documents_is_verbatim_and_every_event_quotes():
    texts = {
        doc: (DATA / "sources" / name).read_text(encoding="utf-8") for doc, name in SOURCES.items()
    }
    checked, wrong, unquoted = 0, [], []
    for path in example_files("copenhagen"):
        for entry in yaml.safe_load(path.read_text(encoding="utf-8"))["entries"]:
            for source in _quoted(entry):
                if source["document"] in texts:
                    checked += 1
                    if not _verbatim(source["quote"], texts[source["document"]]):
                        wrong.append(f"{path.name} {entry['key']}: {source['quote']!r}")
            cited = entry.get("sources", [])
            on_pages = all(s["document"] not in texts for s in cited)
            quoted = any("quote" in s for s in cited)
            if entry["type"] != "DocumentRegistered" and not on_pages and not quoted:
                unquoted.append(f"{path.name} {entry['key']}")
    assert checked > 400
    assert not wrong, "\n".join(wrong)
    assert not unquoted, "events citing the documents without a quote:\n" + "\n".join(unquoted)
