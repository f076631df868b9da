"""Command-line conventions (sqlite-utils as the model), run as real processes with stdout piped:
``--version``, tables that neither wrap nor pad when piped, and chart files whose extension names
no chart format refused before anything is written."""

from __future__ import annotations

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
