"""Re-establishment: a unit or responsibility that ended can start again under the same id, and
every view shows its lives as one identity."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest

from orgevents.application import OrgHistory, RejectedEntryError
from orgevents.store import open_store
from tests.conftest import BASE, entries

D = dt.date

LIVES = (
    BASE
    + """
- {type: UnitEstablished, key: x.established, unit: x, name: Merchant Marine Committee, abbreviation: MMC, kind: committee, parent: br, effective: 1950-01-01}
- {type: UnitRenamed, key: x.renamed-1960, unit: x, name: Merchant Marine and Fisheries Committee, effective: 1960-01-01}
- {type: UnitAbolished, key: x.abolished-1971, unit: x, effective: 1971-01-01}
- {type: UnitEstablished, key: x.reestablished-2021, unit: x, name: Maritime Committee, abbreviation: MC, kind: committee, parent: b, effective: 2021-03-01}
"""
)


def record(app: OrgHistory, text: str) -> None:
    app.record(entries(text), "tester")


def rejected(app: OrgHistory, text: str) -> RejectedEntryError:
    before = app.last_position()
    with pytest.raises(RejectedEntryError) as info:
        record(app, text)
    assert app.last_position() == before, "a rejected load must write nothing"
    return info.value


@pytest.fixture
def lived() -> OrgHistory:
    # the base history starts in 2020; x's first life is older (a council has no date limit)
    app = open_store("memory:")
    record(app, LIVES.replace("effective: 2020-01-01", "effective: 1940-01-01"))
    return app


def test_a_unit_has_two_lives_under_one_id(lived: OrgHistory) -> None:
    from orgevents.units import Unit

    unit = lived.repository.get(Unit.create_id(entries(LIVES)[-1]))
    assert [(life.start, life.end) for life in unit.lives()] == [
        (D(1950, 1, 1), D(1971, 1, 1)),
        (D(2021, 3, 1), None),
    ]
    assert unit.in_force_on(D(1965, 1, 1))
    assert not unit.in_force_on(D(1990, 1, 1))
    assert unit.in_force_on(D(2021, 3, 1))
    assert unit.name_on(D(1965, 1, 1)) == "Merchant Marine and Fisheries Committee"
    assert unit.name_on(D(2022, 1, 1)) == "Maritime Committee"
    assert unit.parent_on(D(1965, 1, 1)) == "br"
    assert unit.parent_on(D(2022, 1, 1)) == "b"


def test_reestablishing_a_unit_in_force_is_refused(lived: OrgHistory) -> None:
    err = rejected(
        lived,
        """
- {type: UnitEstablished, key: x.again, unit: x, name: Another, kind: committee, parent: br, effective: 2022-01-01}
""",
    )
    assert err.rule == "id-unique"
    assert "still in force since 2021-03-01" in str(err)
    assert "needs the earlier life to end first" in str(err)


def test_reestablishment_before_the_end_is_refused(lived: OrgHistory) -> None:
    record(lived, "- {type: UnitAbolished, key: x.abolished-2023, unit: x, effective: 2023-01-01}")
    err = rejected(
        lived,
        """
- {type: UnitEstablished, key: x.again, unit: x, name: Another, kind: committee, parent: br, effective: 2022-06-01}
""",
    )
    assert err.rule == "lives-in-order"
    assert err.cause.field == "effective"
    assert "ends only on 2023-01-01" in str(err)


@pytest.mark.parametrize(
    "change",
    [
        "{type: UnitRenamed, key: c, unit: x, name: Gap name, effective: 1980-01-01}",
        "{type: UnitMoved, key: c, unit: x, parent: b, effective: 1980-01-01}",
        "{type: FiguresRecorded, key: c, unit: x, effective: 1980-01-01, figures: [{metric: headcount, value: 3, year: 1980, sources: [{document: doc, locator: p}]}]}",
        "{type: UnitAbolished, key: c, unit: x, effective: 1980-01-01}",
    ],
)
def test_changes_in_the_gap_between_lives_are_refused(lived: OrgHistory, change: str) -> None:
    err = rejected(lived, f"- {change}")
    assert err.rule == "in-force"
    assert "it ended on 1971-01-01, re-established only on 2021-03-01" in str(err)


def test_a_change_in_the_first_life_is_still_allowed(lived: OrgHistory) -> None:
    record(lived, "- {type: UnitRenamed, key: c, unit: x, name: Early name, effective: 1955-01-01}")
    err = rejected(lived, "- {type: UnitAbolished, key: c2, unit: x, effective: 1965-01-01}")
    assert err.rule == "in-force"  # the first life already ends, in 1971


def test_nothing_may_sit_under_a_unit_in_its_gap(lived: OrgHistory) -> None:
    err = rejected(
        lived,
        """
- {type: UnitEstablished, key: y, unit: y, name: Sub, kind: team, parent: x, effective: 1980-01-01}
""",
    )
    assert err.rule == "in-force"
    assert "from 1950-01-01 until 1971-01-01 and from 2021-03-01" in str(err)


def test_a_unit_under_the_first_life_must_leave_before_it_ends() -> None:
    app = open_store("memory:")
    record(app, BASE)
    record(
        app,
        """
- {type: UnitEstablished, key: x.e, unit: x, name: X, kind: committee, parent: br, effective: 2020-02-01}
- {type: UnitEstablished, key: y.e, unit: y, name: Y, kind: team, parent: x, effective: 2020-03-01}
""",
    )
    err = rejected(app, "- {type: UnitAbolished, key: x.a, unit: x, effective: 2020-06-01}")
    assert err.rule == "no-orphaned-units"


def test_retracting_the_end_between_two_lives_is_refused(lived: OrgHistory) -> None:
    err = rejected(
        lived,
        "- {type: EventRetracted, key: r, about: x, retracts: x.abolished-1971, reason: wrong}",
    )
    assert err.rule == "amendment-fits"
    assert "still in force" in str(err)


def test_correcting_the_end_past_the_new_life_is_refused(lived: OrgHistory) -> None:
    err = rejected(
        lived,
        """
- type: EventCorrected
  key: fix
  about: x
  corrects: x.abolished-1971
  reason: later
  replacement: {type: UnitAbolished, key: x.abolished-1971, unit: x, effective: 2021-06-01, sources: [{document: doc, locator: p}]}
""",
    )
    assert err.rule == "amendment-fits"
    assert "lives-in-order" not in str(err) and "ends only on 2021-06-01" in str(err)


def test_retracting_a_reestablishment_ends_the_unit_again(lived: OrgHistory) -> None:
    from orgevents.units import Unit

    record(
        lived,
        "- {type: EventRetracted, key: r, about: x, retracts: x.reestablished-2021, reason: not so}",
    )
    unit = lived.repository.get(Unit.create_id(entries(LIVES)[-1]))
    assert [(life.start, life.end) for life in unit.lives()] == [(D(1950, 1, 1), D(1971, 1, 1))]


def test_retracting_a_reestablishment_with_later_changes_is_refused(lived: OrgHistory) -> None:
    record(lived, "- {type: UnitRenamed, key: c, unit: x, name: Later, effective: 2022-01-01}")
    err = rejected(
        lived,
        "- {type: EventRetracted, key: r, about: x, retracts: x.reestablished-2021, reason: not so}",
    )
    assert err.rule == "amendment-fits"


def test_a_responsibility_can_be_defined_again(lived: OrgHistory) -> None:
    record(
        lived,
        """
- {type: ResponsibilityAbolished, key: t.abolished, responsibility: t, effective: 2021-01-01}
- {type: ResponsibilityDefined, key: t.defined-again, responsibility: t, name: Task T again, scope: T anew, effective: 2022-01-01}
- {type: ResponsibilityAssigned, key: t.b, responsibility: t, unit: b, role: authority, effective: 2022-01-01}
""",
    )
    err = rejected(
        lived,
        "- {type: ResponsibilityAssigned, key: t.gap, responsibility: t, unit: a, role: performer, effective: 2021-06-01}",
    )
    assert err.rule == "in-force"
    assert "defined again only from 2022-01-01" in str(err)
    err = rejected(
        lived,
        "- {type: ResponsibilityDefined, key: t.third, responsibility: t, name: T3, scope: s, effective: 2023-01-01}",
    )
    assert err.rule == "id-unique" and "still in force since 2022-01-01" in str(err)


def test_a_responsibility_defined_before_its_abolition_is_refused(lived: OrgHistory) -> None:
    record(
        lived,
        "- {type: ResponsibilityAbolished, key: t.ab, responsibility: t, effective: 2021-01-01}",
    )
    err = rejected(
        lived,
        "- {type: ResponsibilityDefined, key: t.again, responsibility: t, name: T, scope: s, effective: 2020-06-01}",
    )
    assert err.rule == "lives-in-order"


# --- the read side: CLI, HTTP, exports, charts (SQLite and PostgreSQL) -------------------------

LOAD_FILE = """\
format: orgevents/1
entries:
  - {type: DocumentRegistered, key: rules, document: rules, title: Rules of the House, location: rules.pdf}
  - {type: UnitEstablished, key: house.established, unit: house, name: House of Representatives, abbreviation: HR, kind: council, effective: 1900-01-01, sources: [{document: rules, locator: Rule I}]}
  - {type: UnitEstablished, key: mmf.established, unit: mmf, name: Committee on Merchant Marine and Fisheries, abbreviation: MMF, kind: committee, parent: house, effective: 1950-01-01, sources: [{document: rules, locator: Rule X}]}
  - {type: UnitRenamed, key: mmf.renamed-1960, unit: mmf, name: Committee on Merchant Marine, effective: 1960-01-01, sources: [{document: rules, locator: Rule X}]}
  - {type: UnitAbolished, key: mmf.abolished-1971, unit: mmf, effective: 1971-01-01, sources: [{document: rules, locator: Rule X}]}
  - {type: UnitEstablished, key: mmf.reestablished-1996, unit: mmf, name: Committee on Fisheries, abbreviation: CF, kind: committee, parent: house, effective: 1996-03-01, sources: [{document: rules, locator: Rule X (1996)}]}
  - {type: ResponsibilityDefined, key: shipping.defined, responsibility: shipping, name: Shipping, scope: merchant shipping, effective: 1950-01-01, sources: [{document: rules, locator: Rule X}]}
  - {type: ResponsibilityAssigned, key: shipping.mmf, responsibility: shipping, unit: mmf, role: authority, effective: 1950-01-01, sources: [{document: rules, locator: Rule X}]}
  - {type: ResponsibilityAbolished, key: shipping.abolished-1971, responsibility: shipping, effective: 1971-01-01, sources: [{document: rules, locator: Rule X}]}
  - {type: ResponsibilityDefined, key: shipping.defined-1996, responsibility: shipping, name: Shipping and ports, scope: ports too, effective: 1996-03-01, sources: [{document: rules, locator: Rule X (1996)}]}
"""


def cli(*args: str) -> Any:
    from typer.testing import CliRunner

    from orgevents.cli import app as command

    return CliRunner().invoke(command, list(args))


@pytest.fixture
def loaded(shared_store_url: str, tmp_path: Any) -> str:
    path = tmp_path / "committees.yaml"
    path.write_text(LOAD_FILE)
    result = cli("--store", shared_store_url, "load", str(path))
    assert result.exit_code == 0, result.output
    return shared_store_url


def run(*args: str) -> Any:
    """The command as a real process (its error output as people see it)."""
    import subprocess
    import sys

    return subprocess.run(
        [sys.executable, "-m", "orgevents", *args], capture_output=True, text=True, timeout=120
    )


def test_load_errors_name_the_file_entry_field_and_rule(tmp_path: Any) -> None:
    url = f"sqlite:///{tmp_path / 'e.db'}"
    still = LOAD_FILE.replace("key: mmf.abolished-1971", "key: mmf.renamed-1971").replace(
        "type: UnitAbolished, key: mmf.renamed-1971, unit: mmf,",
        "type: UnitRenamed, key: mmf.renamed-1971, unit: mmf, name: Still here,",
    )
    (tmp_path / "still.yaml").write_text(still)
    result = run("--store", url, "load", str(tmp_path / "still.yaml"))
    assert result.returncode != 0
    out = " ".join((result.stdout + result.stderr).split())
    assert "still.yaml" in out and "entry 5 (mmf.reestablished-1996)" in out
    assert "field 'unit'" in out and "[rule: id-unique]" in out
    assert "still in force since 1950-01-01" in out

    early = LOAD_FILE.replace(
        "effective: 1996-03-01, sources: [{document: rules, locator: Rule X (1996)}]}\n  - {type: ResponsibilityDefined",
        "effective: 1970-03-01, sources: [{document: rules, locator: Rule X (1996)}]}\n  - {type: ResponsibilityDefined",
    )
    assert early != LOAD_FILE
    (tmp_path / "early.yaml").write_text(early)
    result = run("--store", url, "load", str(tmp_path / "early.yaml"))
    out = " ".join((result.stdout + result.stderr).split())
    assert result.returncode != 0
    assert "early.yaml" in out and "entry 5 (mmf.reestablished-1996)" in out
    assert "field 'effective'" in out and "[rule: lives-in-order]" in out
    assert "ends only on 1971-01-01" in out
    assert run("--store", url, "dates").stdout == "", "nothing of a refused load is written"


def test_show_lists_the_lives_and_the_names_of_each(loaded: str) -> None:
    result = cli("--store", loaded, "show", "mmf", "--at", "2000-01-01")
    assert result.exit_code == 0, result.output
    assert "lives: 1950-01-01 – 1971-01-01, 1996-03-01 –" in result.output
    assert (
        "1950-01-01 – 1971-01-01: Committee on Merchant Marine and Fisheries; "
        "Committee on Merchant Marine" in result.output
    )
    assert "1996-03-01 –: Committee on Fisheries" in result.output
    data = json.loads(cli("--store", loaded, "show", "mmf", "--at", "1980-01-01", "--json").output)
    assert data["in_force"] is False
    assert [(life["from"], life["until"]) for life in data["lives"]] == [
        ("1950-01-01", "1971-01-01"),
        ("1996-03-01", None),
    ]
    resp = json.loads(
        cli("--store", loaded, "show", "shipping", "--at", "2000-01-01", "--json").output
    )
    assert resp["holders"] == [] and resp["name"] == "Shipping and ports"
    assert [life["names"] for life in resp["lives"]] == [["Shipping"], ["Shipping and ports"]]


def test_units_leave_it_out_in_the_gap_and_find_lists_it_once(loaded: str) -> None:
    def ids(on: str) -> list[str]:
        out = cli("--store", loaded, "units", "--at", on, "--json").output
        return [u["id"] for u in json.loads(out)]

    assert (
        "mmf" in ids("1965-01-01") and "mmf" not in ids("1980-01-01") and "mmf" in ids("2000-01-01")
    )
    found = json.loads(
        cli("--store", loaded, "find", "merchant", "--at", "2000-01-01", "--json").output
    )
    assert [f["id"] for f in found if f["type"] == "unit"] == ["mmf"]  # once, for both lives
    assert found[0]["id"] == "mmf" and found[0]["when"] == "former"


def test_history_and_diff_say_re_established(loaded: str) -> None:
    result = cli("--store", loaded, "history", "mmf")
    assert result.exit_code == 0, result.output
    out = result.output
    assert "History of mmf (2 lives: 1950-01-01 – 1971-01-01, 1996-03-01 –)" in out
    assert out.index("Committee on Merchant Marine abolished") < out.index(
        "Committee on Fisheries (committee) re-established under HR"
    )
    assert "Committee on Merchant Marine and Fisheries (committee) established under HR" in out
    changes = json.loads(
        cli("--store", loaded, "diff", "1990-01-01", "2000-01-01", "--json").output
    )
    summaries = [c["summary"] for c in changes["changes"]]
    assert "Committee on Fisheries (committee) re-established under HR" in summaries
    assert "responsibility re-established: Shipping and ports" in summaries
    again = next(c for c in changes["changes"] if c["event_id"] == "mmf.reestablished-1996")
    assert "restarts" in again["meaning"] and again["details"]["reestablished"] is True


def test_http_show_carries_the_lives(loaded: str) -> None:
    from fastapi.testclient import TestClient

    from orgevents.http.app import create_app

    client = TestClient(create_app(loaded))
    body = client.get("/api/show/mmf", params={"at": "2000-01-01"}).json()
    assert body["name"] == "Committee on Fisheries" and body["in_force"] is True
    assert body["lives"][0] == {
        "from": "1950-01-01",
        "until": "1971-01-01",
        "names": ["Committee on Merchant Marine and Fisheries", "Committee on Merchant Marine"],
    }
    assert body["lives"][1]["until"] is None
    gap = client.get("/api/units", params={"at": "1980-01-01"}).json()
    assert [u["id"] for u in gap] == ["house"]


def test_exports_carry_every_life(loaded: str) -> None:
    import csv
    import io

    out = cli("--store", loaded, "export", "-f", "csv", "--table", "units", "--at", "2000-01-01")
    rows = {r["id"]: r for r in csv.DictReader(io.StringIO(out.output))}
    assert rows["mmf"]["lives"] == "1950-01-01 – 1971-01-01, 1996-03-01 –"
    assert rows["mmf"]["established"] == "1996-03-01"
    doc = json.loads(cli("--store", loaded, "export", "-f", "jsonld", "--at", "2000-01-01").output)
    [unit] = [n for n in doc["@graph"] if n.get("@id") == "urn:orgevents:unit/mmf"]
    assert [
        (life.get("oe:effectiveStart"), life.get("oe:effectiveEnd")) for life in unit["oe:lives"]
    ] == [
        ("1950-01-01", "1971-01-01"),
        ("1996-03-01", None),
    ]


def test_charts_draw_the_unit_once(loaded: str) -> None:
    import re

    dot = cli("--store", loaded, "chart", "--at", "2000-01-01", "-f", "dot").output
    assert len(re.findall(r"^\s*mmf \[", dot, re.M)) == 1
    gap = cli("--store", loaded, "chart", "--at", "1980-01-01", "-f", "dot").output
    assert not re.findall(r"^\s*mmf \[", gap, re.M)
    changes = cli("--store", loaded, "timeline", "1970-01-01", "1997-01-01", "-f", "dot").output
    graphs = [g for g in re.split(r"(?m)^(?:strict )?digraph", changes) if g.strip()]
    [again] = [g for g in graphs if "RE-ESTABLISHED" in g]
    assert len(re.findall(r"^\s*mmf \[", again, re.M)) == 1
    assert any("ABOLISHED" in g and "RE-ESTABLISHED" not in g for g in graphs)
