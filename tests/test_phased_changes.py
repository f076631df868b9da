"""Phased changes: an abolition, ending or transfer that starts on its effective date and is
complete by ``phased_until`` — in force (being phased out, or in) in between, in every view, on
SQLite and PostgreSQL, through the command line and the HTTP API."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from orgevents.application import RejectedEntryError
from orgevents.events import entry_adapter
from orgevents.projections.reader import Reader
from orgevents.store import open_store
from tests.conftest import BASE, entries

SRC = "sources: [{document: doc, locator: p1}]"
LOAD_FILE = f"""format: orgevents/1
title: A phased change
entries:
  - {{type: DocumentRegistered, key: doc, document: doc, title: Reform slides, location: slides.pdf, language: en}}
  - {{type: UnitEstablished, key: e-br, unit: br, name: Council, kind: council, effective: 2020-01-01, {SRC}}}
  - {{type: UnitEstablished, key: e-c, unit: c, name: Employment Committee, abbreviation: EC, kind: committee, parent: br, effective: 2020-01-01, {SRC}}}
  - {{type: UnitEstablished, key: e-a, unit: a, name: Employment Administration, kind: administration, parent: c, effective: 2020-01-01, {SRC}}}
  - {{type: UnitEstablished, key: e-old, unit: old, name: Old Centre, kind: centre, parent: a, effective: 2020-01-01, {SRC}}}
  - {{type: UnitEstablished, key: e-new, unit: new, name: New Centre, kind: centre, parent: a, effective: 2020-01-01, {SRC}}}
  - {{type: ResponsibilityDefined, key: d-rf, responsibility: rf, name: Resource programme, scope: the programme, effective: 2020-01-01, {SRC}}}
  - {{type: ResponsibilityAssigned, key: a-rf, responsibility: rf, unit: c, role: authority, effective: 2020-01-01, {SRC}}}
  - {{type: ResponsibilityAssigned, key: p-rf, responsibility: rf, unit: old, role: performer, effective: 2020-01-01, {SRC}}}
  - {{type: ResponsibilityDefined, key: d-jc, responsibility: jc, name: Job centre, scope: the job centre, effective: 2020-01-01, {SRC}}}
  - {{type: ResponsibilityAssigned, key: a-jc, responsibility: jc, unit: c, role: authority, effective: 2020-01-01, {SRC}}}
  - {{type: ResponsibilityAssigned, key: p-jc, responsibility: jc, unit: old, role: performer, effective: 2020-01-01, {SRC}}}
  # the programme is phased out from February 2026, complete by 2028
  - {{type: ResponsibilityAbolished, key: rf.phased-out, responsibility: rf, effective: 2026-02-01, phased_until: 2028-01-01, sources: [{{document: doc, locator: p7, quote: phased out}}]}}
  # the job centre moves to the new centre gradually over 2026
  - {{type: ResponsibilityTransferred, key: jc.moves, responsibility: jc, role: performer, from_units: [old], to_unit: new, effective: 2026-01-01, phased_until: 2027-01-01, sources: [{{document: doc, locator: p8}}]}}
  # the old centre is wound down from 2028, expected to be gone by mid-2028
  - {{type: UnitAbolished, key: old.wound-down, unit: old, effective: 2028-01-01, phased_until: {{date: 2028-07-01, qualifier: expected}}, sources: [{{document: doc, locator: p9}}]}}
"""

OUT_RF = "being phased out (from 2026-02-01, complete by 2028-01-01)"
OUT_JC = "being phased out (from 2026-01-01, complete by 2027-01-01)"
IN_JC = "being phased in (from 2026-01-01, complete by 2027-01-01)"
OUT_OLD = "being phased out (from 2028-01-01, complete by expected 2028-07-01)"


def cli(*args: str) -> Any:
    from typer.testing import CliRunner

    from orgevents.cli import app as command

    return CliRunner().invoke(command, list(args))


@pytest.fixture
def loaded(shared_store_url: str, tmp_path: Path) -> str:
    path = tmp_path / "phased.yaml"
    path.write_text(LOAD_FILE)
    result = cli("--store", shared_store_url, "load", str(path))
    assert result.exit_code == 0, result.output
    assert "appended 15 events" in result.output
    return shared_store_url


def run(*args: str) -> Any:
    """The command as a real process (its error output as people see it)."""
    import subprocess
    import sys

    return subprocess.run(
        [sys.executable, "-m", "orgevents", *args], capture_output=True, text=True, timeout=120
    )


def ask(url: str, *args: str) -> Any:
    result = cli("--store", url, *args, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


# --- the load format ------------------------------------------------------------------------


def test_an_unphased_entry_dumps_as_before_phasing_existed() -> None:
    """Old orgevents/1 files load unchanged: no phased_until in the dump, the same content."""
    raw = {
        "type": "ResponsibilityAbolished",
        "key": "k",
        "responsibility": "r",
        "effective": "2026-02-01",
        "sources": [{"document": "d", "locator": "p"}],
    }
    entry = entry_adapter.validate_python(raw)
    assert "phased_until" not in entry.model_dump(mode="json")
    assert "phased_until" not in entry.model_dump_json()
    phased = entry_adapter.validate_python({**raw, "phased_until": "2030"})
    assert phased.model_dump(mode="json")["phased_until"]["date"] == "2030-01-01"
    assert phased.content_hash() != entry.content_hash()


@pytest.mark.parametrize(
    ("until", "effective", "words"),
    [
        ("2026-02-01", "2026-02-01", "must come after effective"),
        ("2025", "2026-02-01", "must come after effective"),
        ("2030", "{date: 2027-01-01, qualifier: expected}", "a phase ends planned"),
    ],
)
def test_a_phase_must_end_after_it_starts(
    tmp_path: Path, until: str, effective: str, words: str
) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(
        LOAD_FILE.replace(
            "effective: 2026-02-01, phased_until: 2028-01-01",
            f"effective: {effective}, phased_until: {until}",
        )
    )
    url = f"sqlite:///{tmp_path / 'bad.db'}"
    result = run("--store", url, "load", str(path))
    assert result.returncode != 0
    message = " ".join((result.stdout + result.stderr).split())
    assert "bad.yaml" in message and "rf.phased-out" in message
    assert "phased_until" in message and words in message
    assert "[rule: phase-after-start]" in message
    assert cli("--store", url, "dates").output == "", "nothing of a refused load is written"


def test_nothing_new_is_given_to_what_is_being_phased_out() -> None:
    """The rules treat a phased ending as of its start: no new holder for a task being phased
    out (while the read side still shows its holders until it is complete)."""
    app = open_store("memory:")
    app.record(entries(BASE), "t")
    app.record(
        entries(
            "- {type: ResponsibilityAbolished, key: t.out, responsibility: t, "
            "effective: 2026-01-01, phased_until: 2027-01-01}"
        ),
        "t",
    )
    with pytest.raises(RejectedEntryError) as info:
        app.record(
            entries(
                "- {type: ResponsibilityAssigned, key: t.more, responsibility: t, unit: b, "
                "role: authority, effective: 2026-06-01}"
            ),
            "t",
        )
    assert info.value.rule == "in-force"


def test_a_confirmation_may_not_date_the_start_after_the_completion() -> None:
    app = open_store("memory:")
    app.record(entries(BASE), "t")
    app.record(
        entries(
            "- {type: ResponsibilityAbolished, key: t.out, responsibility: t, "
            "effective: {date: 2026-01-01, qualifier: planned}, "
            "phased_until: {date: 2027-01-01, qualifier: expected}}"
        ),
        "t",
    )
    with pytest.raises(RejectedEntryError) as info:
        app.record(
            entries(
                "- {type: ChangeConfirmed, key: m, about: t, confirms: t.out, reason: enacted, "
                "effective: 2027-03-01}"
            ),
            "t",
        )
    assert "phased until expected 2027-01-01" in str(info.value)
    assert info.value.rule == "amendment-fits"


# --- as-of answers, command line --------------------------------------------------------------


def test_who_during_the_phase_still_names_the_holders_being_phased_out(loaded: str) -> None:
    during = ask(loaded, "who", "rf", "--at", "2027-06-01")
    assert [h["unit"]["id"] for h in during["holders"]] == ["c", "old"]
    assert during["phase"]["text"] == OUT_RF and during["phase"]["event_id"] == "rf.phased-out"
    assert all(h["phase"]["text"] == OUT_RF for h in during["holders"])
    before = ask(loaded, "who", "rf", "--at", "2026-01-31")
    assert before["phase"] is None and len(before["holders"]) == 2
    after = ask(loaded, "who", "rf", "--at", "2028-01-01")
    assert after["holders"] == [] and after["phase"] is None
    text = cli("--store", loaded, "who", "rf", "--at", "2027-06-01").output
    assert f"Resource programme (rf) on 2027-06-01: {OUT_RF}" in text


def test_a_phased_transfer_has_both_holders_until_it_is_complete(loaded: str) -> None:
    during = ask(loaded, "who", "jc", "--at", "2026-06-01")
    performers = {
        h["unit"]["id"]: h["phase"] for h in during["holders"] if h["role"] == "performer"
    }
    assert performers["old"]["text"] == OUT_JC and performers["new"]["text"] == IN_JC
    assert during["phase"] is None  # the job centre itself stays
    done = ask(loaded, "who", "jc", "--at", "2027-01-01")
    assert [h["unit"]["id"] for h in done["holders"] if h["role"] == "performer"] == ["new"]
    assert all(h["phase"] is None for h in done["holders"])
    text = cli("--store", loaded, "who", "jc", "--at", "2026-06-01").output
    assert re.search(r"performer\s+Old Centre.*" + re.escape(OUT_JC), text)
    assert re.search(r"performer\s+New Centre.*" + re.escape(IN_JC), text)


def test_units_and_show_mark_a_unit_being_phased_out(loaded: str) -> None:
    units = {u["id"]: u for u in ask(loaded, "units", "--at", "2028-03-01")}
    assert units["old"]["phase"]["text"] == OUT_OLD and units["new"]["phase"] is None
    # its completion is only expected: enacted-only views never see it complete
    assert "old" in {u["id"] for u in ask(loaded, "units", "--at", "2029-01-01")}
    planned = ask(loaded, "units", "--at", "2028-07-01", "--include-planned")
    assert "old" not in {u["id"] for u in planned}
    shown = ask(loaded, "show", "old", "--at", "2028-03-01")
    assert shown["in_force"] is True and shown["phase"]["until"] == "expected 2028-07-01"
    text = cli("--store", loaded, "units", "--at", "2028-03-01").output
    assert re.search(r"old\s+Old Centre.*" + re.escape(OUT_OLD), text)
    assert OUT_OLD in cli("--store", loaded, "show", "old", "--at", "2028-03-01").output
    resp = cli("--store", loaded, "show", "rf", "--at", "2027-01-01").output
    assert resp.splitlines()[1].strip() == OUT_RF


def test_diff_and_history_list_a_phased_change_on_its_start_and_its_end(loaded: str) -> None:
    start = ask(loaded, "diff", "2026-01-31", "2026-02-01")["changes"]
    [begun] = start
    assert begun["event_id"] == "rf.phased-out" and begun["effective"] == "2026-02-01"
    assert begun["meaning"] == ["responsibility", "phases"]
    assert begun["details"]["phase"] == {
        "from": "2026-02-01",
        "until": "2028-01-01",
        "step": "start",
    }
    assert begun["summary"] == f"Resource programme abolished: {OUT_RF}"
    [done] = ask(loaded, "diff", "2027-12-31", "2028-01-01")["changes"][-1:]
    assert done["event_id"] == "rf.phased-out" and done["effective"] == "2028-01-01"
    assert done["meaning"] == ["responsibility", "completes", "ends"]
    assert done["summary"] == "Resource programme abolished (phased out from 2026-02-01: complete)"
    history = ask(loaded, "history", "rf")
    steps = [(c["effective"], c["details"].get("phase", {}).get("step")) for c in history]
    assert steps[-2:] == [("2026-02-01", "start"), ("2028-01-01", "complete")]
    expected_end = ask(loaded, "diff", "2028-06-30", "2028-07-01", "--include-planned")["changes"]
    assert [(c["event_id"], c["details"]["planned"]) for c in expected_end] == [
        ("old.wound-down", True)
    ]
    text = " ".join(cli("--store", loaded, "diff", "2025-12-31", "2028-01-01").output.split())
    assert "Job centre (jc): performer Old Centre → New Centre: being phased in" in text
    assert "(phased in from 2026-01-01: complete)" in text


def test_dates_list_both_dates_of_a_phase(loaded: str) -> None:
    assert ask(loaded, "dates") == [
        "2020-01-01",
        "2026-01-01",
        "2026-02-01",
        "2027-01-01",
        "2028-01-01",
    ]
    assert ask(loaded, "dates", "--include-planned")[-1] == "2028-07-01"  # expected completion


def test_the_reader_answers_as_the_fold_does(loaded: str) -> None:
    from tests.test_reader_equivalence import assert_reader_answers_as_fold

    app = open_store(loaded)
    reader = Reader(app)
    try:
        assert_reader_answers_as_fold(app, reader, everything=False)
    finally:
        reader.close()


# --- charts and the HTTP API ------------------------------------------------------------------


def test_charts_draw_what_is_being_phased_out_in_their_own_style(loaded: str) -> None:
    graph = cli("--store", loaded, "graph", "--at", "2026-06-01", "-f", "dot").output
    assert graph.count("style=dotted") == 4  # rf's two roles, jc's old and new performer
    assert "being phased out (or in)" in graph  # the legend
    graph = re.sub(r"<BR[^>]*/>", " ", graph)
    assert OUT_RF in graph  # on the responsibility's note
    chart = cli("--store", loaded, "chart", "--at", "2028-03-01", "-f", "dot").output
    assert re.search(r"old \[[^\]]*style=\"dotted,filled\"", chart)
    assert "being phased out" in chart
    changes = cli("--store", loaded, "timeline", "2026-01-31", "2026-02-01", "-f", "dot").output
    changes = re.sub(r"<BR[^>]*/>", " ", changes)  # the words as the chart wraps them
    assert "TASKS BEING PHASED OUT" in changes and "complete by 2028-01-01" in changes


def test_http_answers_carry_the_phase(loaded: str) -> None:
    from fastapi.testclient import TestClient

    from orgevents.http.app import create_app

    client = TestClient(create_app(loaded))
    who = client.get("/api/who/jc", params={"at": "2026-06-01"}).json()
    assert {h["unit"]["id"]: h["phase"]["direction"] for h in who["holders"] if h["phase"]} == {
        "old": "out",
        "new": "in",
    }
    show = client.get("/api/show/rf", params={"at": "2027-06-01"}).json()
    assert show["phase"]["text"] == OUT_RF and show["in_force"] is True
    units = client.get("/api/units", params={"at": "2028-03-01"}).json()
    assert {u["id"]: u["phase"]["text"] for u in units if u["phase"]} == {"old": OUT_OLD}
    diff = client.get("/api/diff", params={"from": "2027-12-31", "to": "2028-01-01"}).json()
    assert ["completes" in c["meaning"] for c in diff["changes"]] == [False, True]
    dates = client.get("/api/dates", params={"include_planned": "true"}).json()
    assert dates[-2:] == ["2028-01-01", "2028-07-01"]


def test_exports_carry_the_phase(loaded: str) -> None:
    import csv
    import io

    def table(name: str, at: str) -> list[dict[str, str]]:
        result = cli("--store", loaded, "export", "-f", "csv", "--table", name, "--at", at)
        assert result.exit_code == 0, result.output
        return list(csv.DictReader(io.StringIO(result.output)))

    units = {r["id"]: r for r in table("units", "2028-03-01")}
    assert units["old"]["phase"] == OUT_OLD and units["new"]["phase"] == ""
    held = {
        (r["id"], r["role"], r["unit_id"]): r["phase"]
        for r in table("responsibilities", "2026-06-01")
    }
    assert held[("jc", "performer", "old")] == OUT_JC and held[("jc", "performer", "new")] == IN_JC
    changes = {r["event_id"]: r for r in table("changes", "2026-06-01")}
    assert changes["jc.moves"]["phased_until"] == "2027-01-01"
    assert changes["old.wound-down"]["phased_until"] == "expected 2028-07-01"
    assert all(
        r["phased_until"] == ""
        for k, r in changes.items()
        if k not in {"jc.moves", "old.wound-down", "rf.phased-out"}
    )


def test_the_jsonld_export_says_what_is_being_phased_out(loaded: str) -> None:
    result = cli("--store", loaded, "export", "-f", "jsonld", "--at", "2028-03-01")
    assert result.exit_code == 0, result.output
    nodes = {n.get("org:identifier"): n for n in json.loads(result.output)["@graph"]}
    phase = nodes["old"]["oe:phase"]
    assert phase["oe:direction"] == "out" and phase["rdfs:comment"] == OUT_OLD
    assert phase["oe:changedBy"]["@id"].endswith("event/old.wound-down")
    assert "oe:phase" not in nodes["new"]
