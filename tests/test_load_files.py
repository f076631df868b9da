"""Loading files: validated with located errors, all or nothing, idempotent."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from orgevents.errors import InvalidEntryError
from orgevents.importing import load_paths
from orgevents.store import open_store

GOOD = """\
format: orgevents/1
entries:
  - type: DocumentRegistered
    key: doc
    document: doc
    title: A document
    location: doc.txt
  - type: UnitEstablished
    key: e-br
    unit: br
    name: Council
    kind: council
    effective: 2020-01-01
    sources: [{document: doc, locator: p. 1}]
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def problems_of(tmp_path: Path, text: str, name: str = "bad.yaml") -> list:
    app = open_store("memory:")
    with pytest.raises(InvalidEntryError) as info:
        load_paths(app, [write(tmp_path, name, text)], "tester")
    assert app.last_position() == 0
    return info.value.problems


def test_an_unknown_field_is_an_error_naming_file_entry_line_and_field(tmp_path):
    [p] = problems_of(tmp_path, GOOD + "    colour: red\n")
    assert p.file.endswith("bad.yaml")
    assert (p.index, p.line, p.key, p.field, p.rule) == (1, 15, "e-br", "colour", "extra_forbidden")
    assert "bad.yaml:15, entry 1 (e-br), field 'colour'" in p.describe()


def test_a_missing_field_and_a_bad_date_are_both_reported(tmp_path):
    text = GOOD.replace("    name: Council\n", "").replace("2020-01-01", "2020-13-01")
    found = {(p.field, p.rule) for p in problems_of(tmp_path, text)}
    assert ("name", "missing") in found
    assert any(field == "effective" for field, _ in found)


def test_an_unknown_type_is_named(tmp_path):
    [p] = problems_of(tmp_path, GOOD.replace("UnitEstablished", "UnitTeleported"))
    assert p.index == 1 and p.rule == "union_tag_invalid"
    assert "UnitTeleported" in p.message


def test_broken_yaml_names_the_line(tmp_path):
    [p] = problems_of(tmp_path, GOOD + "  - {type: [unclosed\n")
    assert p.rule == "syntax" and p.line is not None and p.line >= 15


def test_a_rule_broken_in_a_later_file_writes_nothing_from_any_file(tmp_path):
    app = open_store("memory:")
    good = write(tmp_path, "1.yaml", GOOD)
    bad = write(
        tmp_path,
        "2.yaml",
        """\
        format: orgevents/1
        entries:
          - type: UnitRenamed
            key: r
            unit: nowhere
            name: X
            effective: 2021-01-01
            sources: [{document: doc, locator: p. 2}]
        """,
    )
    with pytest.raises(InvalidEntryError) as info:
        load_paths(app, [good, bad], "tester")
    [p] = info.value.problems
    assert (Path(p.file).name, p.index, p.line, p.rule) == ("2.yaml", 0, 3, "reference-exists")
    assert app.last_position() == 0


def test_json_files_load_too(tmp_path):
    import json

    import yaml

    data = yaml.safe_load(GOOD)
    data["entries"][1]["effective"] = "2020-01-01"
    path = tmp_path / "good.json"
    path.write_text(json.dumps(data))
    result = load_paths(open_store("memory:"), [path], "tester")
    assert result.appended == ["doc", "e-br"]


def test_loading_the_same_file_twice_appends_nothing(tmp_path, store_url):
    path = write(tmp_path, "good.yaml", GOOD)
    app = open_store(store_url)
    assert len(load_paths(app, [path], "tester").appended) == 2
    if store_url != "memory:":
        app = open_store(store_url)  # a new process would open the store afresh
    again = load_paths(app, [path], "tester")
    assert again.appended == [] and again.skipped == ["doc", "e-br"]
