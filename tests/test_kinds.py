"""An open vocabulary of unit kinds, posts, file languages and helpful id errors.

A load file declares kinds (labels per language, level, chart style) on top of the default
vocabulary; units may only have known kinds; the CLI, the API, the charts and the JSON-LD export
name kinds by their labels in the store's language; a file's language is its documents' default.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from fastapi.testclient import TestClient

from orgevents.errors import InvalidEntryError
from orgevents.events import LoadFile, entry_adapter
from orgevents.http.app import create_app
from orgevents.importing import load_paths, parse_text
from orgevents.kinds import DEFAULT_KINDS
from orgevents.load_schema import load_file_schema
from orgevents.projections.exports import jsonld
from orgevents.projections.reader import Reader
from orgevents.projections.reference import FoldView
from orgevents.projections.vocabulary import Vocabulary
from orgevents.sources import id_problem
from orgevents.store import open_store

README = Path(__file__).resolve().parent.parent / "README.md"

# A French city: its own kind (arrondissement), a default kind relabelled in French, a mayor (a
# post) under the council holding a responsibility, and a deputy mayor's post under a committee.
CITY = """
format: orgevents/1
language: fr
entries:
  - {type: DocumentRegistered, key: doc.charte, document: charte, title: La charte,
     location: charte.pdf}
  - {type: DocumentRegistered, key: doc.minutes, document: minutes, title: The minutes,
     location: minutes.pdf, language: en}
  - type: KindDeclared
    key: kind.arrondissement
    kind: arrondissement
    labels: {fr: arrondissement, en: borough}
    level: 50
    style: {shape: hexagon, colour: green, line: dashed}
  - {type: KindDeclared, key: kind.committee, kind: committee,
     labels: {fr: commission, en: committee}}
  - {type: UnitEstablished, key: e.conseil, unit: conseil, name: Conseil municipal,
     kind: council, effective: 2020-01-01, sources: [{document: charte, locator: art. 1}]}
  - {type: UnitEstablished, key: e.maire, unit: maire, name: Maire, kind: post, parent: conseil,
     effective: 2020-01-01, sources: [{document: charte, locator: art. 2}]}
  - {type: UnitEstablished, key: e.urbanisme, unit: urbanisme, name: Commission d'urbanisme,
     kind: committee, parent: conseil, effective: 2020-01-01,
     sources: [{document: charte, locator: art. 3}]}
  - {type: UnitEstablished, key: e.adjoint, unit: adjoint-urbanisme,
     name: Adjoint à l'urbanisme, kind: post, parent: urbanisme, effective: 2020-01-01,
     sources: [{document: minutes, locator: item 4}]}
  - {type: UnitEstablished, key: e.nord, unit: nord, name: Arrondissement nord,
     kind: arrondissement, parent: conseil, effective: 2020-01-01,
     sources: [{document: charte, locator: art. 5}]}
  - {type: ResponsibilityDefined, key: d.police, responsibility: police,
     name: Police municipale, scope: Ordre public, effective: 2020-01-01,
     sources: [{document: charte, locator: art. 6}]}
  - {type: ResponsibilityAssigned, key: a.police, responsibility: police, unit: maire,
     role: authority, effective: 2020-01-01, sources: [{document: charte, locator: art. 6}]}
"""

AGAIN = """
format: orgevents/1
language: fr
entries:
  - {type: KindDeclared, key: kind.arrondissement.2, kind: arrondissement,
     labels: {fr: secteur, en: district}, level: 45}
"""


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {"COLUMNS": "160", "PATH": "/usr/bin:/bin"}
    return subprocess.run(
        [sys.executable, "-m", "orgevents", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=120,
    )


@pytest.fixture(scope="module")
def city(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path]:
    """A SQLite store with the French city, loaded through the CLI."""
    folder = tmp_path_factory.mktemp("city")
    (folder / "city.yaml").write_text(CITY, encoding="utf-8")
    url = f"sqlite:///{folder / 'city.db'}"
    loaded = run("--store", url, "load", str(folder / "city.yaml"))
    assert loaded.returncode == 0, loaded.stderr
    return url, folder


def view_of(url: str) -> Any:
    return Reader.open(url).view()


# --- the vocabulary ------------------------------------------------------------------------------


def test_the_default_vocabulary_covers_municipalities_legislatures_governments_and_posts():
    wanted = {
        "council", "committee", "administration", "centre", "office", "team", "institution",
        "taskforce", "external", "legislature", "chamber", "subcommittee", "government",
        "ministry", "agency", "department", "directorate", "division", "unit", "municipality",
        "region", "company", "board", "post",
    }  # fmt: skip
    assert wanted <= set(DEFAULT_KINDS)
    for spec in DEFAULT_KINDS.values():
        assert spec.labels["en"] and spec.level is not None
    assert DEFAULT_KINDS["committee"].labels["da"] == "udvalg"
    assert DEFAULT_KINDS["post"].style.shape == "ellipse"


def test_the_readme_table_of_kinds_is_the_default_vocabulary():
    text = README.read_text(encoding="utf-8")
    section = text.split("### Kinds of unit", 1)[1].split("\n#", 1)[0]
    rows = re.findall(
        r"^\| `([a-z-]+)` \| (\d+) \| ([^|]+) \| ([^|]*) \| ([^|]+) \|$", section, re.M
    )
    table = {
        kind: (int(level), en.strip(), da.strip(), style.strip())
        for kind, level, en, da, style in rows
    }
    expected = {
        spec.kind: (
            spec.level,
            spec.labels["en"],
            spec.labels.get("da", ""),
            f"{spec.style.shape}, {spec.style.colour}, {spec.style.line}",
        )
        for spec in DEFAULT_KINDS.values()
    }
    assert table == expected


def test_declared_kinds_answer_in_the_cli_in_the_files_language(city):
    url, _ = city
    listed = json.loads(run("--store", url, "kinds", "--json").stdout)
    by_kind = {k["kind"]: k for k in listed}
    assert by_kind["arrondissement"] == {
        "kind": "arrondissement",
        "label": "arrondissement",
        "labels": {"fr": "arrondissement", "en": "borough"},
        "level": 50,
        "style": {"shape": "hexagon", "colour": "green", "line": "dashed"},
        "declared": True,
        "note": None,
    }
    # a default kind relabelled: the default level and style stay
    assert by_kind["committee"]["label"] == "commission"
    assert by_kind["committee"]["level"] == DEFAULT_KINDS["committee"].level
    assert by_kind["committee"]["declared"] is True
    # a default kind without a French label: English
    assert by_kind["ministry"]["label"] == "ministry" and not by_kind["ministry"]["declared"]
    levels = [k["level"] if k["level"] is not None else 1000 for k in listed]
    assert levels == sorted(levels)
    english = json.loads(run("--store", url, "--language", "en", "kinds", "--json").stdout)
    assert {k["kind"]: k["label"] for k in english}["arrondissement"] == "borough"
    table = run("--store", url, "kinds").stdout
    assert "Kinds of unit (labels in fr)" in table and "arrondissement" in table


def test_show_and_who_name_the_kind_by_its_label(city):
    url, _ = city
    shown = run("--store", url, "show", "nord", "--at", "2020-06-01").stdout
    assert shown.startswith("Arrondissement nord [-] — arrondissement (nord)")
    shown = run("--store", url, "--language", "en", "show", "nord", "--at", "2020-06-01").stdout
    assert shown.startswith("Arrondissement nord [-] — borough (nord)")
    who = run("--store", url, "who", "police", "--at", "2020-06-01").stdout
    assert re.search(r"authority\s+Maire\s+post\s", who)
    units = run("--store", url, "units", "--at", "2020-06-01").stdout
    assert re.search(r"urbanisme\s+Commission d'urbanisme\s+commission", units)


def test_a_post_sits_under_a_committee_and_holds_responsibilities(city):
    url, _ = city
    view = view_of(url)
    on = view.dates()[0]
    assert view.chain("adjoint-urbanisme", on)[0].id == "urbanisme"
    assert view.unit_kind("adjoint-urbanisme", on) == "post"
    who = view.who("police", on)
    assert [(h.role, h.unit.id, h.unit.kind) for h in who.holders] == [
        ("authority", "maire", "post")
    ]
    assert view.show("maire", on)["responsibilities"][0]["id"] == "police"


def test_charts_draw_posts_as_ellipses_and_name_kinds_in_the_legend(city):
    from orgevents.diagrams.orgchart import org_chart

    url, _ = city
    view = view_of(url)
    on = view.dates()[0]
    dot = org_chart(view, on)
    maire = next(line for line in dot.splitlines() if line.strip().startswith("maire "))
    assert "shape=ellipse" in maire
    nord = next(line for line in dot.splitlines() if line.strip().startswith("nord "))
    assert "shape=hexagon" in nord and "dashed" in nord
    legend = next(line for line in dot.splitlines() if "_legend" in line and "Legend" in line)
    words = re.findall(r'<FONT POINT-SIZE="9">([^<]+)</FONT>', legend)
    # in the store's language (French), the English label in brackets where it differs
    assert "arrondissement (borough)" in words
    assert "commission (committee)" in words
    assert "post" in words
    assert not any("udvalg" in w or "forvaltning" in w for w in words)
    english = org_chart(view, on, language="en")
    assert "borough" in english and "arrondissement (borough)" not in english


def test_the_cli_chart_takes_the_language_option(city):
    url, folder = city
    out = folder / "chart.dot"
    done = run("--store", url, "--language", "en", "chart", "--at", "2020-06-01", "-o", str(out))
    assert done.returncode == 0, done.stderr
    text = out.read_text(encoding="utf-8")
    assert ">borough<" in text and ">committee<" in text


def test_the_api_lists_the_kinds():
    app = create_app("memory:")
    store = app.state.service.store
    load_paths_text(store, CITY)
    client = TestClient(app)
    answer = client.get("/api/kinds")
    assert answer.status_code == 200
    labels = {k["kind"]: k["label"] for k in answer.json()}
    assert labels["arrondissement"] == "arrondissement" and labels["committee"] == "commission"
    english = client.get("/api/kinds", params={"language": "en"}).json()
    assert {k["kind"]: k["label"] for k in english}["arrondissement"] == "borough"
    assert client.get("/api/kinds", params={"language": "French"}).status_code == 422


def load_paths_text(store: Any, text: str, name: str = "city.yaml") -> None:
    from orgevents.importing import record_located

    record_located(store, parse_text(text, name), "tests")


def test_a_later_declaration_wins_and_known_at_sees_the_earlier(tmp_path):
    url = f"sqlite:///{tmp_path / 's.db'}"
    store = open_store(url)
    load_paths_text(store, CITY)
    reader = Reader(store)
    first = reader.view()
    load_paths_text(store, AGAIN, "again.yaml")
    now = reader.view()
    label = {k.kind: k for k in now.kinds()}["arrondissement"]
    assert label.labels == {"fr": "secteur", "en": "district"} and label.level == 45
    # the style the later declaration leaves out is not the earlier one's: it replaces it
    assert label.style.shape == "box"
    # a view made before the second declaration (as known then) keeps the first
    assert {k.kind: k for k in first.kinds()}["arrondissement"].labels["fr"] == "arrondissement"
    fold = FoldView.of(store)
    assert fold.kinds() == now.kinds()
    assert Vocabulary.of(fold).table() == Vocabulary.of(now).table()
    store.close()


def test_an_unknown_kind_is_a_located_error_with_the_known_kinds(tmp_path):
    text = CITY.replace("kind: arrondissement, parent", "kind: arondissement, parent")
    path = tmp_path / "city.yaml"
    path.write_text(text, encoding="utf-8")
    store = open_store("memory:")
    with pytest.raises(InvalidEntryError) as caught:
        load_paths(store, [path], "tests")
    [problem] = caught.value.problems
    assert problem.file == str(path)
    assert problem.key == "e.nord" and problem.field == "kind" and problem.rule == "kind-known"
    assert "did you mean 'arrondissement'?" in problem.message
    assert "ministry" in problem.message and "post" in problem.message
    assert store.last_position() == 0  # nothing written


def test_a_kind_must_be_declared_before_the_units_that_use_it():
    block = (
        "  - type: KindDeclared\n    key: kind.arrondissement\n    kind: arrondissement\n"
        "    labels: {fr: arrondissement, en: borough}\n    level: 50\n"
        "    style: {shape: hexagon, colour: green, line: dashed}\n"
    )
    assert block in CITY
    late = CITY.replace(block, "") + block
    store = open_store("memory:")
    with pytest.raises(InvalidEntryError) as caught:
        load_paths_text(store, late)
    [problem] = caught.value.problems
    assert problem.rule == "kind-known" and problem.key == "e.nord"
    assert store.last_position() == 0


def test_a_kind_style_is_chosen_from_the_safe_set():
    bad = CITY.replace("colour: green", "colour: '#ff0000\"];x[label=1'")
    with pytest.raises(InvalidEntryError) as caught:
        parse_text(bad, "city.yaml")
    [problem] = caught.value.problems
    assert problem.field == "style.colour" and problem.index == 2
    with pytest.raises(InvalidEntryError):
        parse_text(CITY.replace("shape: hexagon", "shape: epsf"), "city.yaml")
    with pytest.raises(InvalidEntryError):
        parse_text(CITY.replace("labels: {fr: arrondissement, en: borough}", "labels: {}"), "c")


# --- languages -----------------------------------------------------------------------------------


def test_a_documents_language_is_its_files_else_danish():
    located = parse_text(CITY, "city.yaml")
    docs = {
        e.entry.document: e.entry.language for e in located if e.entry.type == "DocumentRegistered"
    }
    assert docs == {"charte": "fr", "minutes": "en"}  # an explicit language stays
    plain = CITY.replace("language: fr\n", "")
    docs = {
        e.entry.document: e.entry.language
        for e in parse_text(plain, "city.yaml")
        if e.entry.type == "DocumentRegistered"
    }
    assert docs == {"charte": "da", "minutes": "en"}  # orgevents/1 files: Danish
    with pytest.raises(InvalidEntryError) as caught:
        parse_text(CITY.replace("language: fr", "language: French"), "city.yaml")
    assert caught.value.problems[0].rule == "language-code"


def test_a_json_lines_header_may_declare_the_language(tmp_path):
    from orgevents.bulk import Reading, jsonl_entries

    data = yaml.safe_load(CITY)
    path = tmp_path / "city.jsonl"
    lines = [json.dumps({"format": "orgevents/1", "language": "fr"})]
    lines += [json.dumps(e, default=str) for e in data["entries"]]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    docs = {
        e.entry.document: e.entry.language
        for e in jsonl_entries(path, Reading())
        if e.entry.type == "DocumentRegistered"
    }
    assert docs == {"charte": "fr", "minutes": "en"}


def test_the_jsonld_export_uses_the_documents_languages():
    store = open_store("memory:")
    load_paths_text(store, CITY)
    view = Reader(store).view()
    on = view.dates()[0]
    doc = jsonld(view, on)
    nodes = {n["@id"]: n for n in doc["@graph"]}
    # nothing is Danish but the default kinds' Danish labels
    others = [n for n in doc["@graph"] if ":kind/" not in n["@id"]]
    assert "'@language': 'da'" not in str(others) and "'@language': 'fr'" in str(others)
    assert nodes["urn:orgevents:document/charte"]["dcterms:title"]["@language"] == "fr"
    assert nodes["urn:orgevents:document/minutes"]["dcterms:title"]["@language"] == "en"
    assert nodes["urn:orgevents:unit/nord"]["skos:prefLabel"]["@language"] == "fr"
    # an event's texts in the language of the document it cites first
    assert nodes["urn:orgevents:event/e.adjoint"]["oe:newName"]["@language"] == "en"
    assert nodes["urn:orgevents:event/e.nord"]["oe:newName"]["@language"] == "fr"
    kind = nodes["urn:orgevents:kind/arrondissement"]
    assert {"@value": "borough", "@language": "en"} in kind["skos:prefLabel"]
    assert kind["oe:level"] == 50
    tagged = jsonld(view, on, language="de")
    units = {n["@id"]: n for n in tagged["@graph"]}
    assert units["urn:orgevents:unit/nord"]["skos:prefLabel"]["@language"] == "de"
    store.close()


def test_the_copenhagen_export_is_still_danish(copenhagen_view):
    doc = jsonld(copenhagen_view, copenhagen_view.dates()[0])
    unit = next(n for n in doc["@graph"] if n["@id"] == "urn:orgevents:unit/biu")
    assert unit["skos:prefLabel"]["@language"] == "da"


@pytest.fixture(scope="module")
def copenhagen_view() -> Any:
    from orgevents.importing import example_files

    store = open_store("memory:")
    load_paths(store, example_files("copenhagen"), "tests")
    return Reader(store).view()


# --- ids -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("HSAG", "ids are lower case: `hsag`"),
        ("my unit", "ids use a-z, 0-9, - and .; `my unit` has a space (try `my-unit`)"),
        ("x_y", "`x_y` has `_` (try `x-y`)"),
        ("børn", "`børn` has `ø` (try `boern`)"),
        ("-x", "ids start with a letter or a digit"),
        ("a..b", "(try `a.b`)"),
    ],
)
def test_a_malformed_id_gets_a_helpful_message(text, message):
    assert message in (id_problem(text) or "")
    with pytest.raises(Exception) as caught:
        entry_adapter.validate_python(
            {
                "type": "DocumentRegistered",
                "key": "d",
                "document": text,
                "title": "t",
                "location": "l",
            }
        )
    assert message in str(caught.value)
    assert "^[a-z0-9]" not in str(caught.value)  # not the raw pattern


def test_a_malformed_id_in_a_file_is_located(tmp_path):
    bad = CITY.replace("unit: nord,", "unit: Nord,")
    with pytest.raises(InvalidEntryError) as caught:
        parse_text(bad, "city.yaml")
    [problem] = caught.value.problems
    assert problem.field == "unit" and problem.rule == "id-format"
    assert "ids are lower case: `nord`" in problem.message


def test_read_commands_answer_an_upper_case_id_for_its_lower_case_one(city):
    url, _ = city
    shown = run("--store", url, "show", "NORD", "--at", "2020-06-01")
    assert shown.returncode == 0, shown.stderr
    assert "(nord)" in shown.stdout and "ids are lower case" in shown.stderr
    who = run("--store", url, "who", "POLICE", "--at", "2020-06-01")
    assert who.returncode == 0 and "Maire" in who.stdout
    missing = run("--store", url, "show", "NOWHERE")
    assert missing.returncode != 0


# --- the published schema ------------------------------------------------------------------------


def test_the_schema_documents_kinds_and_languages():
    schema = load_file_schema()
    defs = schema["$defs"]
    assert "KindDeclared" in defs and "KindStyle" in defs
    assert set(defs["KindStyle"]["properties"]) == {"shape", "colour", "line"}
    assert "language" in schema["properties"]
    assert defs["UnitEstablished"]["properties"]["kind"]["pattern"]
    LoadFile.model_validate(yaml.safe_load(CITY))
