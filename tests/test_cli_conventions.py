"""Command-line conventions (sqlite-utils as the model), run as real processes with stdout piped:
``--version``, tables that neither wrap nor pad when piped, and chart files whose extension names
no chart format refused before anything is written."""

from __future__ import annotations

import csv
import io
import json
from importlib.metadata import version

import pytest

from tests.test_cli import run

LONG = "Standing Committee on Agriculture, Fisheries, Forestry and the Rural Environment"
PARLIAMENT = f"""format: orgevents/1
entries:
  - {{type: DocumentRegistered, key: doc.rules, document: rules, title: Rules of Procedure,
      location: https://example.org/rules, language: en}}
  - {{type: UnitEstablished, key: p.est, unit: parliament, name: Parliament, kind: council,
      effective: 1990-01-01, sources: [{{document: rules, locator: r. 1}}]}}
  - {{type: UnitEstablished, key: agri.est, unit: a-very-long-committee-identifier-that-is-long,
      name: "{LONG}", kind: committee, parent: parliament, effective: 1995-03-01,
      sources: [{{document: rules, locator: r. 12}}]}}
  - {{type: UnitEstablished, key: calc.est, unit: calc, name: "=SUM(A1:A9)", kind: committee,
      parent: parliament, effective: 1996-01-01, sources: [{{document: rules, locator: r. 14}}]}}
  - {{type: UnitRenamed, key: calc.renamed, unit: calc, name: "Budget, Audit and Accounts",
      effective: 2001-01-01, sources: [{{document: rules, locator: r. 15}}]}}
"""


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> str:
    folder = tmp_path_factory.mktemp("conventions")
    (folder / "parliament.yaml").write_text(PARLIAMENT)
    url = f"sqlite:///{folder / 'p.db'}"
    run("--store", url, "load", str(folder / "parliament.yaml"))
    return url


def test_version_prints_the_installed_version():
    proc = run("--version")
    assert proc.stdout.strip() == f"orgevents {version('orgevents')}"


def test_a_piped_table_keeps_each_row_on_one_line_without_padding(store):
    out = run("--store", store, "units", "--at", "2000-01-01").stdout.splitlines()
    rows = [line for line in out if line.startswith("a-very-long")]
    assert len(rows) == 1, out  # not folded over two lines
    assert LONG in rows[0] and rows[0].rstrip().endswith("parliament")
    assert all(line == line.rstrip() for line in out)  # no padding to a width


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["-o", "{d}/x.jpg"], "'.jpg' is not a chart format"),
        (["-o", "{d}/x.svg", "--format", "png"], "--format png but x.svg names svg"),
    ],
    ids=["unknown-extension", "format-disagrees"],
)
def test_a_chart_file_named_for_another_format_is_refused(store, tmp_path, args, message):
    args = [a.format(d=tmp_path) for a in args]
    proc = run("--store", store, "chart", "--at", "2000-01-01", *args, check=False)
    assert proc.returncode == 2 and message in proc.stderr
    assert list(tmp_path.iterdir()) == []  # nothing written


def test_a_chart_file_with_a_known_extension_is_written_in_that_format(store, tmp_path):
    run("--store", store, "chart", "--at", "2000-01-01", "-o", str(tmp_path / "x.gv"))
    assert (tmp_path / "x.gv").read_text().startswith("digraph")


def rows(text: str, dialect: type[csv.Dialect] = csv.excel) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text), dialect=dialect))


def test_units_as_csv_and_tsv_hold_what_json_holds(store):
    as_json = json.loads(run("--store", store, "units", "--at", "2000-01-01", "--json").stdout)
    as_csv = rows(run("--store", store, "units", "--at", "2000-01-01", "--csv").stdout)
    as_tsv = rows(
        run("--store", store, "units", "--at", "2000-01-01", "--tsv").stdout, csv.excel_tab
    )
    assert [r["id"] for r in as_csv] == [u["id"] for u in as_json] == [r["id"] for r in as_tsv]
    assert {r["id"]: r["name"] for r in as_csv}[
        "a-very-long-committee-identifier-that-is-long"
    ] == LONG
    # a name a spreadsheet would run as a formula stays text
    assert {r["id"]: r["name"] for r in as_csv}["calc"] == "'=SUM(A1:A9)"


def test_changes_as_csv_one_row_per_change(store):
    as_json = json.loads(run("--store", store, "diff", "1990-01-01", "2002-01-01", "--json").stdout)
    as_csv = rows(run("--store", store, "diff", "1990-01-01", "2002-01-01", "--csv").stdout)
    assert [r["event"] for r in as_csv] == [c["event_id"] for c in as_json["changes"]]
    renamed = next(r for r in as_csv if r["event"] == "calc.renamed")
    assert renamed["type"] == "UnitRenamed" and renamed["date"] == "2001-01-01"
    assert (
        "Budget, Audit and Accounts" in renamed["summary"] and renamed["sources"] == "rules (r. 15)"
    )
    history = rows(run("--store", store, "history", "calc", "--csv").stdout)
    assert [r["event"] for r in history] == ["calc.est", "calc.renamed"]
    assert all(r["recorded_by"] for r in history)


@pytest.mark.parametrize("flags", [["--csv", "--json"], ["--csv", "--tsv"]])
def test_one_output_format_at_a_time(store, flags):
    proc = run("--store", store, "units", *flags, check=False)
    assert proc.returncode == 2 and "give one" in proc.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["who", "parliament"], "'parliament' is a unit, not a responsibility: `orgevents show"),
        (["show", "parliment"], "did you mean 'parliament'?"),
        (["history", "calk"], "did you mean 'calc'?"),
        (["who", "rules"], "'rules' is a document, not a responsibility: `orgevents show rules`"),
    ],
    ids=["unit-as-responsibility", "misspelt-show", "misspelt-history", "document-as-responsibility"],
)
def test_a_wrong_or_misspelt_id_says_what_it_is_or_what_was_meant(store, args, message):
    proc = run("--store", store, *args, check=False)
    assert proc.returncode == 1 and message in proc.stderr
