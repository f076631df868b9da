"""Reliability: hostile or careless input is refused where it is read, located, with nothing
written — and no accepted value breaks a read, a chart, an export or a later write.

Each test reproduces a finding of the red team on main (issue "Reliability").
"""

from __future__ import annotations

import csv
import io
import json
import time
from pathlib import Path
from typing import Any

import pytest
import yaml
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from orgevents.application import OrgHistory, RejectedEntryError
from orgevents.cli import app as cli
from orgevents.errors import InvalidEntryError
from orgevents.events import entry_adapter
from orgevents.http.app import create_app
from orgevents.importing import example_files, load_paths
from orgevents.projections.audit import audit, to_csv, to_markdown
from orgevents.projections.exports import csv_tables
from orgevents.projections.readmodel import ReadModel
from orgevents.store import open_store
from tests.conftest import BASE, SRC, entries
from tests.test_cli import run

TOKEN = "alice:s3cret"
AUTH = {"Authorization": "Bearer s3cret"}
YAML = {"Content-Type": "application/yaml"}
DOC = "  - {type: DocumentRegistered, key: doc, document: doc, title: A document, location: doc.txt}\n"
HEAD = "format: orgevents/1\nentries:\n" + DOC


def unit(key: str, name: str = "A unit", **extra: str) -> str:
    fields = {"name": json.dumps(name), "kind": "team", "effective": "2020-01-01", **extra}
    more = "".join(f", {k}: {v}" for k, v in fields.items())
    return (
        f"  - {{type: UnitEstablished, key: e-{key}, unit: {key}{more}, "
        "sources: [{document: doc, locator: s. 1}]}\n"
    )


def problems(tmp_path: Path, name: str, content: str | bytes) -> list[Any]:
    """The problems ``load`` reports for a file; the store stays empty."""
    path = tmp_path / name
    if isinstance(content, str):
        content = content.encode("utf-8")
    path.write_bytes(content)
    store = open_store("memory:")
    with pytest.raises(InvalidEntryError) as info:
        load_paths(store, [path], "tester")
    assert store.last_position() == 0
    return info.value.problems


def cli_error(*args: str) -> str:
    """Run ``orgevents`` as a process that must fail: one ``error:`` and no traceback."""
    proc = run("--store", "memory:", *args, check=False)
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr, proc.stderr
    assert proc.stderr.startswith("error: "), proc.stderr
    return proc.stderr


def laughs(levels: int = 9) -> str:
    """A "billion laughs" load file: nine levels of ten aliases, 10**9 values once expanded."""
    lines = ["format: orgevents/1", "entries:", "  - &l0 {type: DocumentRegistered, key: doc,"]
    lines[-1] += " document: doc, title: lol, location: lol.txt}"
    lines += [f"  - &l{i} [{', '.join([f'*l{i - 1}'] * 10)}]" for i in range(1, levels + 1)]
    return "\n".join(lines) + "\n"


# --- 1. input guards in the shared reading path ----------------------------------------------


def test_a_billion_laughs_yaml_file_is_refused_quickly_by_load(tmp_path):
    path = tmp_path / "laughs.yaml"
    path.write_text(laughs() + "# " + "x" * 2500 + "\n")
    assert 2_500 < path.stat().st_size < 4_000
    started = time.perf_counter()
    error = cli_error("load", str(path))
    assert time.perf_counter() - started < 30
    assert f"{path}" in error and "aliases" in error and "[rule: alias-expansion]" in error


def test_a_billion_laughs_yaml_file_is_refused_by_bulk_load(tmp_path):
    path = tmp_path / "laughs.yaml"
    path.write_text(laughs())
    result = CliRunner().invoke(cli, ["--store", "memory:", "bulk-load", str(path)])
    assert isinstance(result.exception, InvalidEntryError), result.output
    assert "alias-expansion" in str(result.exception)


def test_aliases_that_expand_a_little_are_still_read(tmp_path):
    text = HEAD + "  - &e {type: UnitEstablished, key: e-a, unit: a, name: A, kind: team,"
    text += " effective: 2020-01-01, sources: &s [{document: doc, locator: s. 1}]}\n"
    text += "  - {type: UnitRenamed, key: r-a, unit: a, name: B, effective: 2021, sources: *s}\n"
    path = tmp_path / "ok.yaml"
    path.write_text(text)
    assert load_paths(open_store("memory:"), [path], "t").appended == ["doc", "e-a", "r-a"]


@pytest.mark.parametrize(
    ("name", "content", "rule", "where"),
    [
        ("latin1.yaml", HEAD.encode() + b"title: K\xf8benhavn\n", "utf-8", ":4"),
        ("deep.json", '{"format": "orgevents/1", "entries": ' + "[" * 50_000, "nesting", ""),
        ("deep.yaml", "format: orgevents/1\nentries: " + "[" * 50_000, "nesting", ":2"),
        (
            "huge.json",
            '{"format": "orgevents/1",\n "entries": [{"value": ' + "9" * 5000 + "}]}",
            "number-size",
            ":2",
        ),
        ("huge.yaml", HEAD + "  - {value: " + "9" * 5000 + "}\n", "number-size", ":4"),
    ],
    ids=["invalid-utf-8", "deep-json", "deep-yaml", "huge-int-json", "huge-int-yaml"],
)
def test_unreadable_load_files_give_a_located_error_not_a_traceback(
    tmp_path, name, content, rule, where
):
    path = tmp_path / name
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    error = cli_error("load", str(path))
    assert f"{path}{where}: " in error and f"[rule: {rule}]" in error
    assert "nothing was written" in error


@pytest.mark.parametrize(
    ("line", "rule"),
    [
        (b'{"type": "DocumentRegistered", "key": "K\xf8", "document": "d"}', "utf-8"),
        (b'{"type": "ClaimRecorded", "value": ' + b"9" * 5000 + b"}", "number-size"),
        (b"[" * 50_000, "nesting"),
    ],
    ids=["invalid-utf-8", "huge-int", "deep"],
)
def test_unreadable_json_lines_give_a_located_error_from_bulk_load(tmp_path, line, rule):
    path = tmp_path / "bad.jsonl"
    path.write_bytes(b'{"format": "orgevents/1"}\n' + line + b"\n")
    result = CliRunner().invoke(cli, ["--store", "memory:", "bulk-load", str(path)])
    assert isinstance(result.exception, InvalidEntryError), result.output
    assert f"{path}:2" in str(result.exception) and f"[rule: {rule}]" in str(result.exception)


def test_the_http_write_path_still_answers_413_and_422():
    client = TestClient(create_app("memory:", TOKEN, max_body=20_000))
    too_big = client.post("/api/entries", content=laughs(6), headers=AUTH | YAML)
    assert too_big.status_code == 413 and "aliases" in too_big.json()["detail"]
    for body, rule in [
        (b"format: orgevents/1\nentries: []\ntitle: K\xf8\n", "utf-8"),
        (b'{"format": "orgevents/1", "entries": [' + b"9" * 5000 + b"]}", "number-size"),
        (b"[" * 5000, "nesting"),
    ]:
        answer = client.post("/api/entries", content=body, headers=AUTH | YAML)
        assert answer.status_code == 422, answer.text
        assert [p["rule"] for p in answer.json()["problems"]] == [rule]


# --- 2. duplicate mapping keys ---------------------------------------------------------------


def test_a_yaml_file_with_entries_twice_is_refused_naming_file_line_and_key(tmp_path):
    text = HEAD + "entries:\n" + DOC
    [p] = problems(tmp_path, "twice.yaml", text)
    assert (p.line, p.rule) == (4, "duplicate-key")
    assert "'entries'" in p.message and "line 2" in p.message
    assert p.describe().startswith(f"{tmp_path / 'twice.yaml'}:4: duplicate key 'entries'")


def test_a_duplicate_field_inside_a_yaml_entry_is_refused(tmp_path):
    text = HEAD + "  - type: UnitEstablished\n    key: e-a\n    unit: a\n    unit: b\n"
    [p] = problems(tmp_path, "field.yaml", text)
    assert (p.line, p.rule) == (7, "duplicate-key") and "'unit'" in p.message


def test_a_json_file_with_a_key_twice_is_refused_naming_file_line_and_key(tmp_path):
    text = '{\n  "format": "orgevents/1",\n  "entries": [],\n  "entries": []\n}\n'
    [p] = problems(tmp_path, "twice.json", text)
    assert (p.line, p.rule) == (4, "duplicate-key") and "'entries'" in p.message


def test_a_json_line_with_a_key_twice_is_refused_by_bulk_load(tmp_path):
    path = tmp_path / "twice.jsonl"
    line = {"type": "DocumentRegistered", "key": "doc", "document": "doc", "title": "T"}
    text = json.dumps(line)[:-1] + ', "location": "a", "location": "b"}'
    path.write_text('{"format": "orgevents/1"}\n' + text + "\n")
    result = CliRunner().invoke(cli, ["--store", "memory:", "bulk-load", str(path)])
    assert isinstance(result.exception, InvalidEntryError), result.output
    [p] = result.exception.problems
    assert (p.line, p.rule) == (2, "duplicate-key") and "'location'" in p.message


def test_a_request_body_with_a_key_twice_is_422():
    client = TestClient(create_app("memory:", TOKEN))
    body = '{"format": "orgevents/1", "entries": [], "entries": []}'
    answer = client.post(
        "/api/entries", content=body, headers=AUTH | {"Content-Type": "application/json"}
    )
    assert answer.status_code == 422
    assert answer.json()["problems"][0]["rule"] == "duplicate-key"


# --- 3. finite numbers only ------------------------------------------------------------------


FIGURE = "{metric: fte, value: VALUE, sources: [{document: doc, locator: s. 1}]}"


@pytest.mark.parametrize("value", [".inf", "-.inf", ".nan"])
def test_a_figure_that_is_not_a_finite_number_is_refused_where_it_is(tmp_path, value):
    figure = FIGURE.replace("VALUE", value)
    text = HEAD + unit("a", figures=f"[{figure}]")
    [p] = problems(tmp_path, "figures.yaml", text)
    assert (p.index, p.key, p.field, p.rule) == (1, "e-a", "figures.0.value", "finite_number")


@pytest.mark.parametrize("value", [".inf", "-.inf", ".nan"])
def test_a_claim_value_that_is_not_a_finite_number_is_refused_where_it_is(tmp_path, value):
    text = (
        HEAD
        + unit("a")
        + (
            f"  - {{type: ClaimRecorded, key: c, about: a, property: fte, value: {value},"
            " effective: 2020, sources: [{document: doc, locator: s. 1}]}\n"
        )
    )
    [p] = problems(tmp_path, "claims.yaml", text)
    assert (p.index, p.key, p.field, p.rule) == (2, "c", "value", "finite_number")


def test_json_nan_and_infinity_are_refused_too(tmp_path):
    figure = {"metric": "fte", "value": 1, "sources": SRC}
    text = load_file(unit_entry(figures=[figure])).replace('"value": 1', '"value": NaN')
    [p] = problems(tmp_path, "nan.json", text)
    assert (p.field, p.rule) == ("figures.0.value", "finite_number")


# --- 4. dates every view can represent --------------------------------------------------------


@pytest.mark.parametrize("effective", ["9999-12", "9999-Q4", "9999-H2", "9999", "0001-01-01"])
def test_an_effective_date_no_view_can_show_is_refused(tmp_path, effective):
    [p] = problems(tmp_path, "far.yaml", HEAD + unit("a", effective=effective))
    assert (p.index, p.field, p.rule) == (1, "effective", "date-range")
    assert "1000" in p.message and "9998" in p.message


def test_the_last_accepted_dates_export_and_read_back(tmp_path):
    text = HEAD + unit("a", effective="9998") + unit("b", effective="1000-01-01")
    text += (
        "  - {type: UnitRenamed, key: r-b, unit: b, name: B, effective: 1000-01-01,"
        " sources: [{document: doc, locator: s. 1}]}\n"
    )
    path = tmp_path / "edge.yaml"
    path.write_text(text)
    url = f"sqlite:///{tmp_path / 'edge.db'}"
    load_paths(open_store(url), [path], "t")
    runner = CliRunner()
    for args in (
        ["export", "-f", "jsonld"],
        ["history", "b"],
        ["audit", "1000-01-01", "9999-12-31"],
        ["diff", "1000-01-01", "9999-12-31"],
    ):
        result = runner.invoke(cli, ["--store", url, *args])
        assert result.exit_code == 0, (args, result.output, result.exception)


def test_the_schema_documents_the_year_range():
    result = CliRunner().invoke(cli, ["schema"])
    assert "1000" in result.output and "9998" in result.output


# --- 5. names and other text fields ---------------------------------------------------------


def load_file(*items: dict[str, Any]) -> str:
    doc = {"type": "DocumentRegistered", "key": "doc", "document": "doc", "title": "D",
           "location": "doc.txt"}  # fmt: skip
    return json.dumps({"format": "orgevents/1", "entries": [doc, *items]})


def unit_entry(**fields: Any) -> dict[str, Any]:
    return {"type": "UnitEstablished", "key": "e-a", "unit": "a", "name": "A", "kind": "team",
            "effective": "2020-01-01", "sources": SRC, **fields}  # fmt: skip


@pytest.mark.parametrize(
    ("name", "what"),
    [
        ("Evil\x1b[31mRed", "U+001B"),
        ("Two\nlines", "U+000A"),
        ("Tab\there", "U+0009"),
        ("abc\u202edcba", "U+202E"),
        ("iso\u2066late", "U+2066"),
        ("zero\u200bwidth", "U+200B"),
        ("joiner\u200dhere", "U+200D"),
        ("bom\ufeffhere", "U+FEFF"),
        ("c1\x9bcontrol", "U+009B"),
    ],
    ids=[
        "ansi",
        "newline",
        "tab",
        "bidi-override",
        "bidi-isolate",
        "zwsp",
        "zwj",
        "bom",
        "c1",
    ],
)
def test_control_bidi_and_zero_width_characters_in_a_name_are_refused_where_they_are(
    tmp_path, name, what
):
    [p] = problems(tmp_path, "names.json", load_file(unit_entry(name=name)))
    assert (p.index, p.key, p.field, p.rule) == (1, "e-a", "name", "plain-text")
    assert what in p.message


@pytest.mark.parametrize("field", ["abbreviation", "kind-free text"])
def test_abbreviations_and_other_text_fields_are_checked_too(tmp_path, field):
    if field == "abbreviation":
        text = HEAD + unit("a", abbreviation='"A\u202eB"')
        expected = "abbreviation"
    else:
        text = HEAD + unit("a", note='"a note\\a that rings"')
        expected = "note"
    [p] = problems(tmp_path, "fields.yaml", text)
    assert (p.field, p.rule) == (expected, "plain-text")


def test_a_note_may_have_several_lines_but_no_other_control_characters():
    ok = entry_adapter.validate_python(
        {
            "type": "UnitRenamed",
            "key": "r",
            "unit": "a",
            "name": "A",
            "note": "first line\nsecond line",
            "effective": "2020",
            "sources": SRC,
        }
    )
    assert ok.note == "first line\nsecond line"


def test_a_binary_yaml_value_is_refused_not_made_text(tmp_path):
    text = HEAD + unit("a").replace('name: "A unit"', "name: !!binary QSB1bml0")
    [p] = problems(tmp_path, "binary.yaml", text)
    assert p.line == 4 and "binary" in p.message


# --- 6. exports neutralise formulas; the Markdown report escapes stored text -----------------


EVIL = """
- {type: UnitRenamed, key: r-a, unit: a, name: "=HYPERLINK(\\"http://x\\")", effective: 2021-01-01}
- {type: UnitRenamed, key: r-b, unit: b, name: "+1+1", abbreviation: "@SUM", effective: 2021-01-01, note: "-2"}
"""


@pytest.fixture
def evil_state() -> Any:
    store = open_store("memory:")
    store.record([*entries(BASE), *entries(EVIL)], "=cmd|' /C calc'!A0")
    return ReadModel(store).catch_up()


def test_csv_cells_that_a_spreadsheet_would_run_start_with_a_quote(evil_state):
    import datetime as dt

    cells = [
        cell
        for table in csv_tables(evil_state, dt.date(2021, 6, 1))
        for row in csv.reader(io.StringIO(table.csv()))
        for cell in row
    ]
    assert '\'=HYPERLINK("http://x")' in cells and "'+1+1" in cells and "'@SUM" in cells
    assert not [c for c in cells if c[:1] in ("=", "+", "-", "@", "\t", "\r")]


def test_the_audit_csv_neutralises_formulas_too(evil_state):
    import datetime as dt

    items = audit(evil_state, dt.date(2021, 1, 1), dt.date(2021, 1, 1))
    cells = [c for row in csv.reader(io.StringIO(to_csv(items))) for c in row]
    assert "'=cmd|' /C calc'!A0" in cells
    assert not [c for c in cells if c[:1] in ("=", "+", "-", "@", "\t", "\r")]


def test_the_export_command_writes_neutralised_csv(tmp_path):
    url = f"sqlite:///{tmp_path / 'evil.db'}"
    open_store(url).record([*entries(BASE), *entries(EVIL)], "tester")
    result = CliRunner().invoke(
        cli, ["--store", url, "export", "-f", "csv", "--table", "units", "--at", "2021-06-01"]
    )
    assert result.exit_code == 0, result.output
    assert "'=HYPERLINK" in result.output and ",=HYPERLINK" not in result.output


def test_the_markdown_audit_report_shows_html_as_text_and_links_no_javascript():
    from markdown_it import MarkdownIt

    store = open_store("memory:")
    store.record(entries(BASE), "tester")
    store.record(
        entries(
            """
- {type: UnitRenamed, key: r-a, unit: a, name: "<script>alert(1)</script>", effective: 2021-01-01, sources: [{document: doc, locator: "[click](javascript:alert(1))", quote: "<img src=x onerror=alert(2)>"}]}
- {type: UnitRenamed, key: r-b, unit: b, name: "B <javascript:alert(3)>", effective: 2021-01-01}
"""
        ),
        "<b>bold</b>",
    )
    import datetime as dt

    state = ReadModel(store).catch_up()
    md = to_markdown(audit(state, dt.date(2021, 1, 1), dt.date(2021, 1, 1)), dt.date(2021, 1, 1),
                     dt.date(2021, 1, 1))  # fmt: skip
    html = MarkdownIt("commonmark").render(md)
    assert "<script" not in html and "<img" not in html and "<b>" not in html
    assert "href=" not in html  # no link at all: neither the locator nor the <...> autolink
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_the_audit_command_writes_escaped_markdown(tmp_path):
    url = f"sqlite:///{tmp_path / 'evil.db'}"
    store = open_store(url)
    store.record(entries(BASE), "tester")
    store.record(
        entries(
            '- {type: UnitRenamed, key: r-a, unit: a, name: "<b>A</b>", effective: 2021-01-01}'
        ),
        "tester",
    )
    result = CliRunner().invoke(
        cli, ["--store", url, "audit", "2021-01-01", "2021-01-01", "--format", "md"]
    )
    assert result.exit_code == 0, result.output
    assert "<b>" not in result.output and "&lt;b>A&lt;/b>" in result.output


# --- 7. a 500 carries the security headers ----------------------------------------------------


def test_an_unexpected_error_is_a_500_with_the_security_headers():
    from orgevents.http.security import HEADERS

    app = create_app("memory:")

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("a bug")

    answer = TestClient(app, raise_server_exceptions=False).get("/boom")
    assert answer.status_code == 500
    for name, value in HEADERS:
        assert answer.headers[name.decode()] == value.decode()
    assert "a bug" not in answer.text


# --- 8. domain rules: into itself, into a descendant, units left under an ended unit -----------


def refused(store: OrgHistory, text: str) -> RejectedEntryError:
    before = store.last_position()
    with pytest.raises(RejectedEntryError) as info:
        store.record(entries(text), "tester")
    assert store.last_position() == before, "a refused load must write nothing"
    return info.value


@pytest.fixture
def based(store_url) -> OrgHistory:
    store = open_store(store_url)
    store.record(entries(BASE), "tester")
    return store


def test_merging_a_unit_into_itself_is_refused(based):
    err = refused(based, "- {type: UnitMerged, key: x, unit: ac, into: ac, effective: 2021-01-01}")
    assert err.rule == "not-into-itself" and "'ac'" in str(err)


def test_absorbing_a_unit_into_itself_is_refused(based):
    err = refused(based, "- {type: UnitAbsorbed, key: x, unit: b, into: b, effective: 2021-01-01}")
    assert err.rule == "not-into-itself"


def test_splitting_a_unit_into_itself_is_refused_even_when_it_continues(based):
    err = refused(
        based,
        "- {type: UnitSplit, key: x, unit: ac, into: [b, ac], continues: true, effective: 2021-01-01}",
    )
    assert err.rule == "not-into-itself"


@pytest.mark.parametrize(
    ("entry_type", "unit", "into"), [("UnitAbsorbed", "af", "ac"), ("UnitMerged", "a", "ac")]
)
def test_merging_or_absorbing_a_unit_into_its_own_descendant_is_refused(
    based, entry_type, unit, into
):
    err = refused(
        based,
        f"- {{type: {entry_type}, key: x, unit: {unit}, into: {into}, effective: 2021-01-01}}",
    )
    assert err.rule == "not-into-descendant"
    assert f"'{into}'" in str(err) and "descendant" in str(err)


@pytest.mark.parametrize(
    "change",
    [
        "{type: UnitAbolished, key: x, unit: af, effective: 2021-01-01}",
        "{type: UnitMerged, key: x, unit: af, into: b, effective: 2021-01-01}",
        "{type: UnitAbsorbed, key: x, unit: af, into: b, effective: 2021-01-01}",
        "{type: UnitSplit, key: x, unit: af, into: [b], effective: 2021-01-01}",
    ],
    ids=["abolished", "merged", "absorbed", "split"],
)
def test_ending_a_unit_with_units_still_under_it_is_refused(based, change):
    err = refused(based, f"- {change}")
    assert err.rule == "no-orphaned-units"
    assert "'ac'" in str(err) and "'af'" in str(err)


def test_ending_a_unit_after_its_units_moved_away_is_accepted(based):
    based.record(
        entries(
            """
- {type: UnitMoved, key: m, unit: ac, parent: b, effective: 2021-01-01}
- {type: UnitAbolished, key: x, unit: af, effective: 2021-01-01}
"""
        ),
        "tester",
    )
    based.record(
        entries(
            "- {type: UnitSplit, key: y, unit: b, into: [a], continues: true, effective: 2022}"
        ),
        "tester",
    )


def test_a_unit_established_under_it_in_the_same_load_keeps_a_unit_from_ending(based):
    err = refused(
        based,
        """
- {type: UnitEstablished, key: e-n, unit: n, name: New, kind: team, parent: b, effective: 2021-01-01}
- {type: UnitAbolished, key: x, unit: b, effective: 2021-06-01}
""",
    )
    assert err.rule == "no-orphaned-units" and err.index == 1 and "'n'" in str(err)


def test_a_unit_placed_under_it_later_keeps_a_unit_from_ending_earlier(based):
    based.record(
        entries(
            "- {type: UnitEstablished, key: e-n, unit: n, name: N, kind: team, parent: b, effective: 2023-01-01}"
        ),
        "tester",
    )
    err = refused(based, "- {type: UnitAbolished, key: x, unit: b, effective: 2022-01-01}")
    assert err.rule == "no-orphaned-units" and "'n'" in str(err)


def test_units_added_by_another_writer_keep_a_unit_from_ending(shared_store_url):
    writer = open_store(shared_store_url)
    writer.record(entries(BASE), "tester")
    other = open_store(shared_store_url)
    # the other writer knows the history up to now: a unit without units under it may end
    # (once it has handed over what it holds)
    other.record(
        entries(
            "- {type: ResponsibilityTransferred, key: t-ac, responsibility: t, role: performer, "
            "from_units: [ac], to_unit: af, effective: 2021-01-01}\n"
            "- {type: UnitAbolished, key: x-ac, unit: ac, effective: 2021-01-01}"
        ),
        "tester",
    )
    writer.record(
        entries(
            "- {type: UnitEstablished, key: e-n, unit: n, name: N, kind: team, parent: b, effective: 2021-01-01}"
        ),
        "tester",
    )
    err = refused(other, "- {type: UnitAbolished, key: x-b, unit: b, effective: 2022-01-01}")
    assert err.rule == "no-orphaned-units" and "'n'" in str(err)


def test_the_copenhagen_dataset_still_loads():
    store = open_store("memory:")
    result = load_paths(store, example_files("copenhagen"), "tests")
    assert len(result.appended) > 200


# --- 9. bulk-load checks the header even after a blank first line ---------------------------


def test_bulk_load_refuses_a_file_whose_header_follows_a_blank_line_when_it_is_missing(tmp_path):
    path = tmp_path / "headless.jsonl"
    entry = {"type": "DocumentRegistered", "key": "doc", "document": "doc", "title": "T",
             "location": "x"}  # fmt: skip
    path.write_text("\n" + json.dumps(entry) + "\n")
    url = f"sqlite:///{tmp_path / 'h.db'}"
    result = CliRunner().invoke(cli, ["--store", url, "bulk-load", str(path)])
    assert isinstance(result.exception, InvalidEntryError), result.output
    [p] = result.exception.problems
    assert (p.line, p.rule) == (2, "format")
    assert open_store(url).last_position() == 0


def test_bulk_load_reads_a_header_after_blank_lines(tmp_path):
    path = tmp_path / "spaced.jsonl"
    entry = {"type": "DocumentRegistered", "key": "doc", "document": "doc", "title": "T",
             "location": "x"}  # fmt: skip
    path.write_text('\n\n{"format": "orgevents/1"}\n' + json.dumps(entry) + "\n")
    result = CliRunner().invoke(cli, ["--store", "memory:", "bulk-load", str(path), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["appended"] == 1


# --- 10. the change chart on the bundled data -----------------------------------------------


@pytest.fixture(scope="module")
def copenhagen_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('kk') / 'kk.db'}"
    load_paths(open_store(url), example_files("copenhagen"), "tests")
    return url


def test_the_change_chart_over_a_planned_new_task_draws_from_the_cli(copenhagen_url, tmp_path):
    out = tmp_path / "x.svg"
    result = CliRunner().invoke(
        cli, ["--store", copenhagen_url, "diff", "2025-12-31", "2027-01-01", "-o", str(out)]
    )
    assert result.exit_code == 0, (result.output, result.exception)
    assert out.read_text().lstrip().startswith(("<?xml", "<svg"))


def test_the_change_chart_over_a_planned_new_task_draws_over_http(copenhagen_url):
    client = TestClient(create_app(copenhagen_url))
    params = {"from": "2025-12-31", "to": "2027-01-01"}
    answer = client.get("/api/charts/changes.dot", params=params)
    assert answer.status_code == 200, answer.text
    planned = client.get("/api/charts/changes.dot", params=params | {"include_planned": "true"})
    assert planned.status_code == 200 and "lgruppestruktur" in planned.text


# --- 11. a retraction may not leave references dangling; no write ends in StopIteration -------


def test_retracting_the_establishment_of_a_unit_with_a_child_is_refused(based):
    err = refused(
        based, "- {type: EventRetracted, key: x, about: af, retracts: e-af, reason: never was}"
    )
    assert err.rule == "still-referenced"
    assert "'ac'" in str(err) and "parent" in str(err)


def test_retracting_the_establishment_of_a_unit_holding_a_responsibility_is_refused(based):
    err = refused(
        based, "- {type: EventRetracted, key: x, about: ac, retracts: e-ac, reason: never was}"
    )
    assert err.rule == "still-referenced" and "'t'" in str(err)


def test_correcting_a_parent_so_that_its_child_predates_it_is_refused(based):
    err = refused(
        based,
        "- {type: EventCorrected, key: x, about: af, corrects: e-af, reason: later, "
        "replacement: {type: UnitEstablished, key: e-af, unit: af, name: Administration A, "
        "kind: administration, parent: a, effective: 2021-01-01, sources: [{document: doc, "
        "locator: s. 1}]}}",
    )
    assert err.rule == "amendment-fits" and "'e-ac'" in str(err)


def test_a_retracted_unit_is_refused_by_later_writes_with_a_located_error(based):
    based.record(
        entries(
            """
- {type: UnitEstablished, key: e-n, unit: n, name: N, kind: team, effective: 2021-01-01}
- {type: EventRetracted, key: x, about: n, retracts: e-n, reason: never was}
"""
        ),
        "tester",
    )
    for change in (
        "{type: UnitRenamed, key: r-n, unit: n, name: M, effective: 2022-01-01}",
        "{type: UnitMoved, key: m-c, unit: ac, parent: n, effective: 2022-01-01}",
        "{type: ResponsibilityAssigned, key: a-n, responsibility: t, unit: n, role: authority, effective: 2022-01-01}",
        "{type: UnitAbsorbed, key: ab, unit: b, into: n, effective: 2022-01-01}",
    ):
        err = refused(based, f"- {change}")
        assert err.rule == "reference-exists" and "'n'" in str(err)


def test_over_http_a_refused_retraction_leaves_later_writes_working():
    client = TestClient(create_app("memory:", TOKEN))
    load = {"format": "orgevents/1", "entries": _raw(BASE)}
    assert client.post("/api/entries", json=load, headers=AUTH).status_code == 201
    retract = "- {type: EventRetracted, key: x, about: af, retracts: e-af, reason: never was}"
    answer = client.post(
        "/api/entries", json={"format": "orgevents/1", "entries": _raw(retract)}, headers=AUTH
    )
    assert answer.status_code == 422
    [problem] = answer.json()["problems"]
    assert problem["rule"] == "still-referenced" and problem["key"] == "x"
    rename = "- {type: UnitRenamed, key: r-af, unit: af, name: Renamed, effective: 2022-01-01}"
    later = client.post(
        "/api/entries", json={"format": "orgevents/1", "entries": _raw(rename)}, headers=AUTH
    )
    assert later.status_code == 201, later.text


def _raw(text: str) -> list[dict[str, Any]]:
    """Entries as a request body carries them (sources filled in, dates as text)."""
    from orgevents.importing import _Loader

    items = yaml.load(text, Loader=_Loader)
    for raw in items:
        if raw["type"] not in ("DocumentRegistered",):
            raw.setdefault("sources", SRC)
    return items


def test_events_stored_before_these_checks_are_still_read():
    """The new checks guard input; what an earlier version stored stays readable."""
    from orgevents.application import PydanticAsDict
    from orgevents.events import UnitEstablished

    figure = {"metric": "fte", "value": float("inf"), "sources": SRC}
    stored = PydanticAsDict(UnitEstablished).decode(
        {
            "type": "UnitEstablished",
            "key": "e-a",
            "unit": "a",
            "name": "Tab\there",
            "kind": "team",
            "effective": {"date": "9999-12-01", "precision": "month"},
            "sources": SRC,
            "figures": [figure],
        }
    )
    assert stored.name == "Tab\there" and str(stored.effective) == "9999-12"
