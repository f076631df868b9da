"""Dates known only roughly: EDTF-style intervals (D1/D2), open ends (../D, D/..) and uncertain or
approximate dates (? ~ %) on any precision; the one counting rule (a change counts from the first
day its date names) and the note every answer that rests on such a date carries."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from fastapi.testclient import TestClient
from pydantic import ValidationError

from orgevents.dates import COUNTED_NOTE, EffectiveDate, OpenEnd, Precision, Qualifier, counted
from orgevents.diagrams.changes import change_chart
from orgevents.diagrams.responsibilities import responsibility_chart
from orgevents.diagrams.styles import COUNTED_LEGEND
from orgevents.errors import InvalidEntryError
from orgevents.http.app import create_app
from orgevents.importing import load_paths
from orgevents.projections.readmodel import ReadModel
from orgevents.store import open_store
from tests.test_cli import run

D = dt.date
ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "docs" / "examples" / "uncertain-dates.yaml"
NOTE = "(uncertain: counted from"


def parsed(value: Any) -> EffectiveDate:
    return EffectiveDate.model_validate(value)


# --- the forms --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "first", "precision", "shown"),
    [
        ("1995-01-03/1996-12-31", D(1995, 1, 3), "day", "1995-01-03/1996-12-31"),
        ("1995/1996-06", D(1995, 1, 1), "year", "1995/1996-06"),
        ("2026-Q1/2026-H2", D(2026, 1, 1), "quarter", "2026-Q1/2026-H2"),
        ("../2026-06", D(2026, 6, 1), "month", "../2026-06"),
        ("2026-01/..", D(2026, 1, 1), "month", "2026-01/.."),
        ("2026-03?", D(2026, 3, 1), "month", "2026-03?"),
        ("2026-H2?", D(2026, 7, 1), "half-year", "2026-H2?"),
        ("2026-03-04%", D(2026, 3, 4), "day", "2026-03-04%"),
        ("~1995/1996?", D(1995, 1, 1), "year", "1995~/1996?"),
    ],
)
def test_each_form_counts_from_the_first_day_it_names_and_says_so(
    written: str, first: dt.date, precision: str, shown: str
) -> None:
    date = parsed(written)
    assert date.date == first and date.precision is Precision(precision)
    assert str(date) == f"{shown} ({COUNTED_NOTE} {first.isoformat()})"
    assert counted(str(date)) == (shown, first.isoformat())
    assert not date.is_exact
    # stored and read back: the same date
    assert (
        EffectiveDate.model_validate(date.model_dump(mode="json"), context={"stored": True}) == date
    )


def test_an_interval_keeps_its_end_and_an_open_end_its_side() -> None:
    date = parsed("1995-01-03/1996-12")
    assert date.latest is not None and date.latest.date == D(1996, 12, 1)
    assert date.end == D(1996, 12, 31)
    assert parsed("../2026-06").open is OpenEnd.START
    assert parsed("2026-01/..").open is OpenEnd.END
    assert parsed("2026-03%").uncertain and parsed("2026-03%").qualifier is Qualifier.APPROXIMATE
    expected = parsed({"date": "2028/2030", "qualifier": "expected", "text": "2028–30"})
    assert str(expected).startswith("expected 2028/2030 (") and expected.is_planned


@pytest.mark.parametrize(
    "written", ["2026-01-01", "2025-05", "2026-Q1", "2026-H1", "2030", "~2030"]
)
def test_the_old_forms_read_show_and_store_as_before(written: str) -> None:
    date = parsed(written)
    assert str(date) == written and counted(str(date)) is None
    assert set(date.model_dump(mode="json")) == {"date", "precision", "qualifier", "text"}


def test_a_trailing_tilde_is_the_old_approximate() -> None:
    assert parsed("2030~") == parsed("~2030")
    assert str(parsed("2030~")) == "~2030"


@pytest.mark.parametrize(
    ("written", "rule", "words"),
    [
        ("1996/1995", "date-interval", "ends (1995-12-31) before it starts (1996-01-01)"),
        ("1996-12-31/1996-12-30", "date-interval", "before it starts"),
        ("../..", "date-interval", "at least one known end"),
        ({"date": "../2026", "qualifier": "on-or-before"}, "date-interval", "on-or-before"),
        ("2026-02-30/2027", "value_error", "2026-02-30 is not a valid date"),
        ("~2026?", "value_error", "2026%"),
        ("/2026", "value_error", "open end"),
        ("0999/2000", "date-range", "1000 to 9998"),
    ],
)
def test_malformed_dates_say_which_rule(written: Any, rule: str, words: str) -> None:
    with pytest.raises(ValidationError) as info:
        parsed(written)
    [error] = info.value.errors()
    assert error["type"] == rule and words in error["msg"]


def test_a_load_file_error_names_the_entry_the_field_and_the_rule(tmp_path: Path) -> None:
    text = EXAMPLE.read_text().replace("effective: 2026-01/..", "effective: 2027/2026-06")
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    store = open_store("memory:")
    with pytest.raises(InvalidEntryError) as info:
        load_paths(store, [path], "tester")
    [problem] = info.value.problems
    assert (problem.key, problem.field, problem.rule) == (
        "hsed-sub.established",
        "effective",
        "date-interval",
    )
    assert problem.line is not None and "2027/2026-06" in text.splitlines()[problem.line - 1]
    assert store.last_position() == 0, "nothing partial is written"


def test_the_published_schema_takes_every_form_and_refuses_others() -> None:
    schema = json.loads((ROOT / "docs" / "load-format.schema.json").read_text())
    jsonschema.validate(yaml.safe_load(EXAMPLE.read_text()), schema)
    pattern = schema["$defs"]["EffectiveDate"]["anyOf"][0]["pattern"]
    import re

    for good in ("1995-01-03/1996-12-31", "../2026-06", "2026-01/..", "2026-Q1?", "~2030"):
        assert re.match(pattern, good), good
    for bad in ("1995-01-03 / 1996", "../..x", "2026??", "2026-Q5"):
        assert not re.match(pattern, bad), bad


# --- answers on every read side ---------------------------------------------------------------


def test_as_of_answers_count_from_the_first_day_on_every_store(store_url: str) -> None:
    from orgevents.projections.reader import Reader

    store = open_store(store_url)
    load_paths(store, [EXAMPLE], "tester")
    reader = Reader(store)
    fold = ReadModel(store).catch_up()
    keys = ["house", "hsag", "hsed", "hsed-sub", "schools"]
    for on in (D(1899, 12, 31), D(1995, 1, 3), D(2026, 6, 1)):
        assert reader.view().counted_starts(keys, on) == fold.counted_starts(keys, on)
    assert fold.counted_starts(keys, D(1995, 1, 3)) == {
        "house": "../1900 (uncertain: counted from 1900-01-01)",
        "hsag": "1950-06? (uncertain: counted from 1950-06-01)",
        "hsed": "1995-01-03/1996-12-31 (uncertain: counted from 1995-01-03)",
        "schools": "1950-06? (uncertain: counted from 1950-06-01)",
    }
    for view in (fold, reader.view()):
        before = view.who("schools", D(1995, 1, 2))
        on = view.who("schools", D(1995, 1, 3))
        assert [h.unit.id for h in before.holders] == ["hsag"]
        assert [h.unit.id for h in on.holders] == ["hsag", "hsed"]
        assert on.holders[1].since == "1995-01-03/1996-12-31 (uncertain: counted from 1995-01-03)"
        assert [u.id for u in view.units_at(D(2025, 12, 31))] == ["house", "hsag", "hsed"]
        assert "hsed-sub" in [u.id for u in view.units_at(D(2026, 1, 1))]
        assert [u.id for u in view.units_at(D(1899, 12, 31))] == []  # ../1900: from 1900-01-01
        assert view.unit_name("hsed", D(1997, 1, 1)) == "Committee on Education and the Workforce"
    reader.close()


def test_units_says_so_from_the_index_alone(tmp_path: Path) -> None:
    """``units`` answers without opening the event store (tests/test_one_read_side.py): the
    dates it notes come from the index."""
    import subprocess
    import sys

    from tests.test_one_read_side import IMPORTED

    url = f"sqlite:///{tmp_path / 'house.db'}"
    run("--store", url, "load", str(EXAMPLE))
    ran = subprocess.run(
        [sys.executable, "-c", IMPORTED, "--store", url, "units", "--at", "1996-06-01"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "hsed: in force from 1995-01-03/1996-12-31 (uncertain" in ran.stdout
    assert ran.stdout.splitlines()[-1] == "False False"  # neither eventsourcing nor the models


def test_the_cli_says_which_answers_rest_on_an_uncertain_date(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'house.db'}"
    run("--store", url, "load", str(EXAMPLE))
    who = run("--store", url, "who", "schools", "--at", "1996-06-01").stdout
    assert "1995-01-03/1996-12-31 (uncertain: counted from 1995-01-03)" in who
    assert "1950-06? (uncertain: counted from 1950-06-01)" in who
    units = run("--store", url, "units", "--at", "2026-06-01").stdout
    assert "hsed-sub: in force from 2026-01/.. (uncertain: counted from 2026-01-01)" in units
    assert "house: in force from ../1900 (uncertain: counted from 1900-01-01)" in units
    show = run("--store", url, "show", "hsed", "--at", "1996-01-01").stdout
    assert "in force: 1995-01-03/1996-12-31 (uncertain: counted from 1995-01-03)" in show
    diff = run("--store", url, "diff", "1994-12-31", "1997-12-31").stdout
    assert diff.count(NOTE) == 2 and "~1997" in diff
    history = json.loads(run("--store", url, "history", "hsed", "--json").stdout)
    assert history[0]["effective"].endswith("(uncertain: counted from 1995-01-03)")
    assert history[0]["effective_date"] == "1995-01-03"
    answer = json.loads(
        run("--store", url, "who", "schools", "--at", "1996-06-01", "--json").stdout
    )
    assert [NOTE in h["since"] for h in answer["holders"]] == [True, True]
    shown = json.loads(run("--store", url, "show", "hsed", "--json").stdout)
    assert shown["lives"][0]["from"].startswith("1995-01-03/1996-12-31 (uncertain")
    # an exact-dated answer carries no note
    assert NOTE not in run("--store", url, "units", "--at", "1890-01-01").stdout


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_the_http_api_says_so_too(backend: str, tmp_path: Path, request: Any) -> None:
    url = (
        f"sqlite:///{tmp_path / 'house.db'}"
        if backend == "sqlite"
        else str(request.getfixturevalue("postgres_url"))
    )
    app = create_app(url)
    load_paths(app.state.service.store, [EXAMPLE], "tests")
    client = TestClient(app)
    who = client.get("/api/who/schools", params={"at": "1996-06-01"}).json()
    assert who["holders"][1]["since"].startswith("1995-01-03/1996-12-31 (uncertain: counted")
    early = client.get("/api/who/schools", params={"at": "1995-01-02"}).json()
    assert [h["unit"]["id"] for h in early["holders"]] == ["hsag"]
    diff = client.get("/api/diff", params={"from": "1994-12-31", "to": "1995-01-03"}).json()
    assert {c["effective"] for c in diff["changes"]} == {
        "1995-01-03/1996-12-31 (uncertain: counted from 1995-01-03)"
    }
    history = client.get("/api/history/hsed-sub").json()
    assert history[0]["effective"] == "2026-01/.. (uncertain: counted from 2026-01-01)"
    show = client.get("/api/show/hsed", params={"at": "2000-01-01"}).json()
    assert NOTE in show["lives"][0]["from"]
    chart = client.get("/api/charts/responsibilities.dot", params={"at": "1996-06-01"})
    assert chart.status_code == 200 and "dotted" in chart.text
    assert "counted from its first day" in chart.text


def test_the_responsibility_chart_draws_an_uncertain_holding_dotted_with_a_legend_line() -> None:
    store = open_store("memory:")
    load_paths(store, [EXAMPLE], "tests")
    dot = responsibility_chart(ReadModel(store).catch_up(), D(1996, 6, 1))
    assert dot.count("style=dotted") == 2
    assert "since 1995-01-03/1996-12-31" in dot and "since 1950-06?" in dot
    assert COUNTED_LEGEND in dot
    exact = responsibility_chart(ReadModel(store).catch_up(), D(1990, 6, 1))
    assert exact.count("style=dotted") == 1  # only hsag's holding then


def test_the_change_chart_dates_an_uncertain_change_on_its_box_and_in_the_legend() -> None:
    store = open_store("memory:")
    load_paths(store, [EXAMPLE], "tests")
    state = ReadModel(store).catch_up()
    dot = change_chart(state, D(1994, 12, 31), D(1997, 12, 31))
    assert "dated 1995-01-03/1996-12-31:" in dot and "counted from 1995-01-03" in dot
    assert COUNTED_LEGEND in dot
    exact = change_chart(state, D(1997, 1, 1), D(1997, 12, 31))  # only the ~1997 rename
    assert "counted from" not in exact


def test_exports_carry_the_note_and_an_interval_its_last_possible_day(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'house.db'}"
    run("--store", url, "load", str(EXAMPLE))
    found: list[dict[str, Any]] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if str(node.get("oe:effective", "")).startswith("1995-01-03/1996-12-31"):
                found.append(node)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(json.loads(run("--store", url, "export", "-f", "jsonld", "--at", "1996-06-01").stdout))
    assert found and all(n["oe:effectiveEnd"] == "1996-12-31" for n in found)
    assert all(n["prov:atTime"] == "1995-01-03" for n in found)
    table = run(
        "--store", url, "export", "-f", "csv", "--table", "responsibilities", "--at", "1996-06-01"
    ).stdout
    assert "1995-01-03/1996-12-31 (uncertain: counted from 1995-01-03)" in table
