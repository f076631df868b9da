"""The command-line contract, run as a real process: each command's JSON, and bad input."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ENV = {k: v for k, v in os.environ.items() if k != "ORGEVENTS_STORE"}


def run(*args: str, cwd: Path | None = None, check: bool = True) -> subprocess.CompletedProcess:
    proc = subprocess.run(
        [sys.executable, "-m", "orgevents", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=ENV,
        timeout=120,
    )
    if check and proc.returncode != 0:
        raise AssertionError(f"orgevents {' '.join(args)} failed:\n{proc.stderr}")
    return proc


def run_json(*args: str) -> object:
    return json.loads(run(*args, "--json").stdout)


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A SQLite store with the Copenhagen dataset, loaded once through the CLI."""
    url = f"sqlite:///{tmp_path_factory.mktemp('cli') / 'kk.db'}"
    loaded = json.loads(run("--store", url, "load", "--example", "copenhagen", "--json").stdout)
    assert loaded["appended"] > 100 and loaded["skipped"] == 0
    return url


def test_load_again_appends_nothing(store):
    again = run_json("--store", store, "load", "--example", "copenhagen")
    assert again["appended"] == 0 and again["skipped"] > 100


def test_find_matches_former_names_case_insensitively(store):
    found = run_json(
        "--store", store, "find", "beskæftigelses- og integrationsudvalget", "--at", "2026-06-01"
    )
    assert found[0] == {
        "id": "biu",
        "type": "unit",
        "name": "Beskæftigelses-, Integrations- og Erhvervsudvalget",
        "abbreviation": "BIU",
        "matched": "Beskæftigelses- og Integrationsudvalget",
        "field": "name",
        "when": "former",
        "rank": 0,
    }
    responsibilities = run_json("--store", store, "find", "stu")
    assert responsibilities[0]["id"] == "stu" and responsibilities[0]["type"] == "responsibility"
    for item in found + responsibilities:
        assert set(item) >= {"id", "type", "name", "abbreviation", "matched", "field", "rank"}


def test_find_prints_how_each_result_matched(store):
    out = run("--store", store, "find", "Integrationsudvalget", "--at", "2026-06-01").stdout
    assert out.splitlines()[0].split() == [
        "id",
        "type",
        "name",
        "abbreviation",
        "match",
        "matched",
    ]
    # (the matched name may wrap inside its column)
    assert "former name" in out and "Beskæftigelses- og" in out and "Integrationsudvalget" in out


def test_units_lists_the_structure_on_a_date(store):
    before = {u["id"]: u for u in run_json("--store", store, "units", "--at", "2025-12-31")}
    after = {u["id"]: u for u in run_json("--store", store, "units", "--at", "2026-01-01")}
    assert before["uiu"]["parent"] == "buf" and after["uiu"]["parent"] == "ungecenteret"
    assert before["br"]["parent"] is None and before["br"]["kind"] == "council"
    assert set(before["biu"]) >= {"id", "name", "abbreviation", "kind", "parent"}
    assert before["biu"]["name"] == "Beskæftigelses- og Integrationsudvalget"


def test_units_before_the_dataset_starts_is_empty_not_an_error(store):
    assert run_json("--store", store, "units", "--at", "1990-01-01") == []


def test_show_a_unit(store):
    data = run_json("--store", store, "show", "ungecenteret", "--at", "2026-01-01")
    assert set(data) >= {
        "id",
        "type",
        "name",
        "abbreviation",
        "kind",
        "parent",
        "children",
        "responsibilities",
        "figures",
    }
    assert data["type"] == "unit" and data["parent"] == "bif"
    assert {"uiu", "csv"} <= set(data["children"])
    assert {"id": "stu", "name": "Særligt Tilrettelagt Ungdomsuddannelse", "role": "performer"} in [
        {k: r[k] for k in ("id", "name", "role")} for r in data["responsibilities"]
    ]
    assert any(f["metric"] == "headcount" and f["value"] == 162 for f in data["figures"])


def test_show_a_responsibility(store):
    data = run_json("--store", store, "show", "stu", "--at", "2025-12-31")
    assert data["type"] == "responsibility"
    assert {(h["role"], h["unit"]["id"]) for h in data["holders"]} >= {("authority", "buu")}


def test_who_holds_stu_before_and_after(store):
    before = run_json("--store", store, "who", "stu", "--at", "2025-12-31")
    after = run_json("--store", store, "who", "stu", "--at", "2026-01-01")
    assert before["at"] == "2025-12-31"
    assert before["responsibility"]["id"] == "stu"
    [auth_before] = [h for h in before["holders"] if h["role"] == "authority"]
    [auth_after] = [h for h in after["holders"] if h["role"] == "authority"]
    assert auth_before["unit"] == {
        "id": "buu",
        "name": "Børne- og Ungdomsudvalget",
        "kind": "committee",
    }
    assert auth_after["unit"]["id"] == "biu"
    assert auth_after["unit"]["name"] == "Beskæftigelses-, Integrations- og Erhvervsudvalget"
    assert auth_after["chain"][-1]["kind"] == "council"
    assert [c["id"] for c in auth_after["chain"]] == ["br"]


def test_diff_lists_what_changed_on_1_january_2026(store):
    data = run_json("--store", store, "diff", "2025-12-31", "2026-01-01")
    assert (data["from"], data["to"]) == ("2025-12-31", "2026-01-01")
    kinds = {(c["type"], c["subject"]["id"]) for c in data["changes"]}
    assert ("UnitRenamed", "biu") in kinds and ("UnitRenamed", "bif") in kinds
    assert ("ResponsibilityTransferred", "stu") in kinds
    assert ("UnitMoved", "udsatteteam") in kinds
    assert all(c["effective"] == "2026-01-01" for c in data["changes"])
    for c in data["changes"]:
        assert set(c) >= {"type", "subject", "effective"} and set(c["subject"]) >= {"id", "name"}
        assert c["sources"], f"{c['event_id']} cites nothing"


def test_history_of_a_unit_in_effective_order(store):
    items = run_json("--store", store, "history", "biu")
    assert items[0]["type"] == "UnitEstablished"
    dates = [i["effective_date"] for i in items]
    assert dates == sorted(dates)
    rename = next(i for i in items if i["type"] == "UnitRenamed")
    assert rename["details"]["old_name"] == "Beskæftigelses- og Integrationsudvalget"
    for item in items:
        assert set(item) >= {"event_id", "type", "effective", "recorded_at", "sources"}
        assert all(set(s) >= {"document", "locator"} for s in item["sources"])


def test_an_unknown_id_is_an_error_that_suggests_find(store):
    proc = run("--store", store, "who", "no-such-thing", check=False)
    assert proc.returncode == 1
    assert "no-such-thing" in proc.stderr and "orgevents find" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_a_store_that_cannot_be_opened_is_one_line(tmp_path):
    proc = run("--store", f"sqlite:///{tmp_path}/missing/folder/x.db", "units", check=False)
    assert proc.returncode == 1
    assert proc.stderr.strip().count("\n") == 0 and "cannot open store" in proc.stderr
    proc = run("--store", "postgresql://nobody@127.0.0.1:1/nothing", "units", check=False)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert proc.stderr.strip().count("\n") == 0
    proc = run("--store", "mysql://x", "units", check=False)
    assert proc.returncode == 1 and "unknown store URL" in proc.stderr


def test_a_bad_date_is_a_usage_error(store):
    proc = run("--store", store, "units", "--at", "31/12/2025", check=False)
    assert proc.returncode == 2 and "YYYY-MM-DD" in proc.stderr


def test_an_invalid_file_is_refused_with_its_location_and_nothing_written(tmp_path):
    url = f"sqlite:///{tmp_path / 's.db'}"
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "format: orgevents/1\nentries:\n"
        "  - {type: DocumentRegistered, key: d, document: d, title: T, location: x}\n"
        "  - type: UnitEstablished\n    key: u\n    unit: u\n    name: U\n    kind: planet\n"
        "    effective: 2020-01-01\n    sources: [{document: d, locator: p}]\n"
    )
    proc = run("--store", url, "load", str(bad), check=False)
    assert proc.returncode == 1
    assert (
        f"{bad}:8, entry 1 (u), field 'kind'" in proc.stderr
        and "nothing was written" in proc.stderr
    )
    assert run_json("--store", url, "units", "--at", "2020-01-01") == []


def test_a_change_contradicting_the_history_is_refused_with_the_rule(store, tmp_path):
    bad = tmp_path / "cycle.yaml"
    bad.write_text(
        "format: orgevents/1\nentries:\n"
        "  - type: UnitMoved\n    key: t.cycle\n    unit: biu\n    parent: cbe\n    effective: 2026-03-01\n"
        "    sources: [{document: notat, locator: x}]\n"
    )
    proc = run("--store", store, "load", str(bad), check=False)
    assert proc.returncode == 1 and "[rule: no-parent-cycle]" in proc.stderr
    assert "entry 0 (t.cycle)" in proc.stderr


def test_python_dash_m_and_the_console_script_agree(store):
    script = Path(sys.executable).parent / "orgevents"
    out = subprocess.run(
        [str(script), "--store", store, "who", "stu", "--at", "2026-01-01", "--json"],
        capture_output=True,
        text=True,
        env=ENV,
        check=True,
    ).stdout
    assert json.loads(out) == run_json("--store", store, "who", "stu", "--at", "2026-01-01")


def test_the_default_store_is_a_sqlite_file_in_the_current_folder(tmp_path):
    run("load", "--example", "copenhagen", cwd=tmp_path)
    assert (tmp_path / "orgevents.db").is_file()


def test_an_impossible_date_says_what_is_wrong(store):
    proc = run("--store", store, "who", "stu", "--at", "2026-02-30", check=False)
    assert proc.returncode == 2 and "February has 28 days in 2026" in proc.stderr
    proc = run("--store", store, "units", "--at", "2024-13-01", check=False)
    assert proc.returncode == 2 and "there is no month 13" in proc.stderr


def test_a_read_command_on_a_missing_store_is_an_error_and_makes_no_file(tmp_path):
    missing = tmp_path / "typo.db"
    proc = run("--store", f"sqlite:///{missing}", "units", check=False)
    assert proc.returncode == 1 and "no store at" in proc.stderr
    assert not missing.exists()
