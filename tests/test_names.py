"""Other names of a unit — official, short, abbreviation, alternative; per language — each with
its own validity: loaded, shown, found, drawn and exported on SQLite and PostgreSQL, through the
command line and HTTP (the example ``docs/examples/names.yaml``)."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from orgevents.cli import app as cli
from orgevents.http.app import create_app

EXAMPLE = Path(__file__).resolve().parent.parent / "docs" / "examples" / "names.yaml"


def run(url: str, *args: str) -> str:
    result = CliRunner().invoke(cli, ["--store", url, *args])
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture
def loaded(shared_store_url: str) -> str:
    assert "appended 5 events" in run(shared_store_url, "load", str(EXAMPLE))
    return shared_store_url


def chart(url: str, *args: str) -> str:
    """The chart's DOT source with its HTML labels' markup taken out (lines wrap in boxes)."""
    return " ".join(re.sub(r"<[^>]*>", " ", run(url, *args, "-f", "dot")).split())


def names_on(shown: dict[str, Any], on: str) -> set[tuple[str, str, str | None]]:
    return {
        (n["name"], n["form"], n["language"])
        for n in shown["names"]
        if n["from_date"] <= on < (n["until_date"] or "9999")
    }


def test_show_lists_every_other_name_with_form_language_and_validity(loaded: str) -> None:
    shown = json.loads(run(loaded, "show", "bss", "--at", "2016-01-01", "--json"))
    assert names_on(shown, "2016-01-01") == {
        ("Bildungsdirektion", "short", None),
        ("Direction de la formation, des affaires sociales et du sport", "official", "fr"),
        ("Direction de la formation", "short", "fr"),
        ("FAS", "abbreviation", "fr"),
        ("Directorate of Education, Social Affairs and Sport", "official", "en"),
        ("Education Directorate", "short", "en"),
    }
    # the rename in 2020 gives all other names anew: the English ones and FAS end, the short
    # names given again hold on without a break
    assert names_on(shown, "2021-01-01") == {
        ("Bildungsdirektion", "short", None),
        ("Direction de la formation, des affaires sociales et de la culture", "official", "fr"),
        ("Direction de la formation", "short", "fr"),
    }
    fas = next(n for n in shown["names"] if n["name"] == "FAS")
    assert (fas["from"], fas["until"]) == ("2010-01-01", "2020-01-01")
    short = next(n for n in shown["names"] if n["name"] == "Bildungsdirektion")
    assert (short["from"], short["until"]) == ("2010-01-01", None)
    text = run(loaded, "show", "bss", "--at", "2016-01-01")
    assert "Other names" in text
    line = next(line for line in text.splitlines() if line.startswith("abbreviation"))
    assert line.split()[:3] == ["abbreviation", "fr", "FAS"] and line.rstrip().endswith("yes")
    # names given without a language are in the store's (its documents': German)
    assert any(
        line.split()[:3] == ["short", "de", "Bildungsdirektion"] for line in text.splitlines()
    )


def test_find_matches_other_names_and_says_which_form(loaded: str) -> None:
    def found(text: str, on: str) -> dict[str, Any]:
        [hit] = json.loads(run(loaded, "find", text, "--at", on, "--json"))
        return hit

    fas = found("FAS", "2024-01-01")
    assert (fas["id"], fas["field"], fas["when"], fas["rank"]) == (
        "bss",
        "abbreviation",
        "former",
        0,
    )
    assert fas["name"] == "Direktion Bildung, Soziales und Kultur"
    english = found("education directorate", "2016-01-01")
    assert (english["field"], english["when"]) == ("short_name", "current")
    assert found("education directorate", "2024-01-01")["when"] == "former"
    culture = found("culture", "2016-01-01")
    assert (culture["field"], culture["when"]) == ("official_name", "future")
    assert found("Conseil municipal", "2016-01-01")["id"] == "rat"
    table = run(loaded, "find", "FAS", "--at", "2024-01-01")
    assert "exact former abbreviation" in table


def test_charts_name_units_in_the_asked_language(loaded: str) -> None:
    german = chart(loaded, "chart", "--at", "2016-01-01")
    assert "Bildungsdirektion" in german  # the short name in the store's language
    assert "Direktion Bildung, Soziales und Sport" not in german
    french = chart(loaded, "--language", "fr", "chart", "--at", "2016-01-01")
    assert "Direction de la formation" in french and "FAS" in french
    assert "Conseil municipal" in french  # the official French name: it has no short one
    assert "Gemeinderat" not in french
    english = chart(loaded, "--language", "en", "chart", "--at", "2021-01-01")
    assert "Education Directorate" not in english  # ended with the rename
    assert "Bildungsdirektion" in english  # no English name then: the unit's own
    renamed = chart(loaded, "--language", "en", "diff", "2019-06-01", "2020-01-01")
    assert "RENAMED" in renamed and "formerly Education Directorate" in renamed


def test_exports_carry_the_other_names_with_their_languages(loaded: str) -> None:
    csv_text = run(loaded, "export", "--format", "csv", "--table", "units", "--at", "2021-01-01")
    rows = {r["id"]: r for r in csv.DictReader(io.StringIO(csv_text))}
    assert "Direction de la formation (short, fr)" in rows["bss"]["other_names"]
    assert "FAS" not in rows["bss"]["other_names"]
    document = json.loads(run(loaded, "export", "--format", "jsonld", "--at", "2016-01-01"))
    node = next(n for n in document["@graph"] if n.get("org:identifier") == "bss")
    assert {"@value": "FAS", "@language": "fr"} in node["skos:altLabel"]
    assert {"@value": "Bildungsdirektion", "@language": "de"} in node["skos:altLabel"]
    assert {"@value": "BSS", "@language": "de"} in node["skos:altLabel"]
    forms = {(n["skos:literalForm"]["@value"], n["oe:form"]) for n in node["oe:names"]}
    assert ("Education Directorate", "short") in forms


def test_http_show_and_find_answer_the_other_names(loaded: str) -> None:
    client = TestClient(create_app(loaded))
    shown = client.get("/api/show/bss", params={"at": "2016-01-01"}).json()
    assert ("FAS", "abbreviation", "fr") in names_on(shown, "2016-01-01")
    hits = client.get("/api/find", params={"q": "Direction de la formation", "at": "2016-01-01"})
    [hit] = hits.json()
    assert (hit["id"], hit["field"], hit["when"]) == ("bss", "short_name", "current")
    assert hit["rank"] == 0  # the short name equals the query
    french = client.get("/api/charts/org.dot", params={"at": "2016-01-01", "language": "fr"})
    assert french.status_code == 200 and "Conseil municipal" in french.text
    german = client.get("/api/charts/org.dot", params={"at": "2016-01-01"})
    assert "Gemeinderat" in german.text and "Conseil municipal" not in german.text
    changes = client.get(
        "/api/charts/changes.dot",
        params={"from": "2019-01-01", "to": "2020-01-01", "language": "fr"},
    )
    assert changes.status_code == 200 and "Conseil municipal" in changes.text


def test_an_index_of_an_older_version_is_built_again_with_the_names(loaded: str) -> None:
    """An index made before names (schema version 4, no names column) is rebuilt on opening."""
    from orgevents.projections.reader import Reader

    reader = Reader.open(loaded)
    with reader.writer.db.write() as cur:
        cur.execute("ALTER TABLE orgindex_units DROP COLUMN names")
        cur.execute("UPDATE orgevents_schema SET version = 4 WHERE component = 'index'")
    reader.close()
    shown = json.loads(run(loaded, "show", "bss", "--at", "2016-01-01", "--json"))
    assert ("FAS", "abbreviation", "fr") in names_on(shown, "2016-01-01")
    french = chart(loaded, "--language", "fr", "chart", "--at", "2016-01-01")
    assert "Direction de la formation" in french


def test_bad_names_are_refused_with_their_place(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'bad.db'}"
    run(url, "load", str(EXAMPLE))
    twice = tmp_path / "twice.yaml"
    twice.write_text(
        "format: orgevents/1\nentries:\n"
        "  - {type: NamesRecorded, key: n.twice, unit: bss, effective: 2016-01-01,\n"
        "     names: [{name: A, form: short, language: fr}, {name: B, form: short, language: fr}],\n"
        "     sources: [{document: reglement, locator: x}]}\n"
    )
    error = refused(url, twice)
    assert f"{twice}:4, entry 0 (n.twice), field 'names'" in error
    assert "two short names in fr: give one name per form and language" in error
    early = tmp_path / "early.yaml"
    early.write_text(
        "format: orgevents/1\nentries:\n"
        "  - {type: NamesRecorded, key: n.early, unit: bss, effective: 2000-01-01,\n"
        "     names: [{name: Old, form: alternative}], sources: [{document: reglement, locator: x}]}\n"
    )
    error = refused(url, early)
    assert "cannot record names for unit 'bss' on 2000-01-01" in error
    assert "nothing was written" in error
    shown = json.loads(run(url, "show", "bss", "--at", "2016-01-01", "--json"))
    assert len(shown["names"]) == 7


def refused(url: str, path: Path) -> str:
    """The error of a load the store refuses."""
    result = CliRunner().invoke(cli, ["--store", url, "load", str(path)])
    assert result.exit_code != 0
    return str(result.exception)
