"""The chart commands, run as a real process: DOT to standard output, images to the file named,
one clear line when no renderer is installed, and both renderers drawing the same chart."""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from orgevents.diagrams import org_chart, render
from orgevents.diagrams.render import RenderError, renderer
from tests.diagram_helpers import node_titles, state_of

ENV = {k: v for k, v in os.environ.items() if k not in ("ORGEVENTS_STORE", "ORGEVENTS_RENDERER")}


def run(
    *args: str, env: dict[str, str] | None = None, check: bool = True
) -> subprocess.CompletedProcess:
    proc = subprocess.run(
        [sys.executable, "-m", "orgevents", *args],
        capture_output=True,
        env=env or ENV,
        timeout=120,
    )
    if check and proc.returncode != 0:
        raise AssertionError(f"orgevents {' '.join(args)} failed:\n{proc.stderr.decode()}")
    return proc


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('charts') / 'kk.db'}"
    loaded = json.loads(run("--store", url, "load", "--example", "copenhagen", "--json").stdout)
    assert loaded["appended"] > 100
    return url


def test_chart_writes_dot_to_standard_output(store):
    out = run("--store", store, "chart", "--at", "2026-01-01").stdout.decode()
    assert out.startswith("digraph orgevents {") and "ungecenteret -> uiu" in out


def test_chart_graph_and_diff_write_the_format_the_file_names(store, tmp_path):
    run("--store", store, "chart", "--at", "2025-12-31", "-o", str(tmp_path / "before.svg"))
    run("--store", store, "graph", "--at", "2026-01-01", "-o", str(tmp_path / "graph.png"))
    run(
        "--store",
        store,
        "diff",
        "2025-12-31",
        "2026-01-01",
        "--format",
        "pdf",
        "-o",
        str(tmp_path / "d.pdf"),
    )
    assert "biu" in node_titles((tmp_path / "before.svg").read_bytes())
    assert (tmp_path / "graph.png").read_bytes().startswith(b"\x89PNG")
    assert (tmp_path / "d.pdf").read_bytes().startswith(b"%PDF")


def test_diff_without_a_format_still_lists_the_changes(store):
    out = run("--store", store, "diff", "2025-12-31", "2026-01-01", "--json").stdout
    assert json.loads(out)["changes"]


def test_chart_draws_a_part_with_root_and_depth(store):
    out = run(
        "--store", store, "chart", "--at", "2026-01-01", "--root", "bif", "--depth", "1"
    ).stdout
    assert b"biu" not in out.split(b"->")[0] and b"+ 2 units below" in out


def test_timeline_writes_a_pdf_page_or_an_image_per_change_date(store, tmp_path):
    from pypdf import PdfReader

    run("--store", store, "timeline", "2025-12-01", "2026-12-31", "-o", str(tmp_path / "t.pdf"))
    pages = len(PdfReader(io.BytesIO((tmp_path / "t.pdf").read_bytes())).pages)
    run("--store", store, "timeline", "2025-12-01", "2026-12-31", "-o", str(tmp_path / "t.svg"))
    images = sorted(p.name for p in tmp_path.glob("t-*.svg"))
    assert pages == len(images) >= 2
    assert images[0] == "t-2026-01-01.svg"


def test_an_unknown_root_is_one_clear_error_line(store):
    proc = run("--store", store, "chart", "--root", "nowhere", check=False)
    assert proc.returncode == 1
    assert proc.stderr.decode().startswith("error: no unit in force on")


def test_without_any_renderer_one_line_says_what_to_install_and_dot_still_works(store, tmp_path):
    env = dict(ENV, PATH=str(tmp_path), ORGEVENTS_RENDERER="dot")  # no dot on this PATH
    proc = run("--store", store, "chart", "-o", str(tmp_path / "x.svg"), env=env, check=False)
    assert proc.returncode == 1
    lines = proc.stderr.decode().strip().splitlines()
    assert len(lines) == 1 and "apt-get install graphviz" in lines[0] and "pygraphviz" in lines[0]
    assert run("--store", store, "chart", env=env).stdout.startswith(b"digraph")


def test_the_renderer_can_be_forced_and_must_be_known(monkeypatch):
    monkeypatch.setenv("ORGEVENTS_RENDERER", "dot")
    assert renderer() == "dot"
    monkeypatch.setenv("ORGEVENTS_RENDERER", "cairo")
    with pytest.raises(RenderError, match="must be dot or pygraphviz"):
        renderer()


@pytest.mark.parametrize("engine", ["dot", "pygraphviz"])
@pytest.mark.parametrize("fmt", ["svg", "png", "pdf"])
def test_both_renderers_draw_every_format(monkeypatch, engine, fmt):
    if engine == "pygraphviz":
        pytest.importorskip("pygraphviz", reason="the optional extra orgevents[render]")
    monkeypatch.setenv("ORGEVENTS_RENDERER", engine)
    state = state_of()
    data = render(org_chart(state, dt.date(2021, 1, 1)), fmt)
    magic = {"svg": b"<?xml", "png": b"\x89PNG", "pdf": b"%PDF"}[fmt]
    assert data.startswith(magic)
    if fmt == "svg":
        assert {"br", "a", "af", "ac"} <= set(node_titles(data))


def test_output_paths_are_the_ones_given(store, tmp_path):
    target = tmp_path / "given name.svg"
    run("--store", store, "chart", "-o", str(target))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["given name.svg"]


def test_png_piped_to_standard_output_works(store):
    proc = run("--store", store, "chart", "--format", "png")
    assert proc.stdout.startswith(b"\x89PNG")  # standard output is a pipe here


def test_the_docs_module_regenerates_the_charts(tmp_path):
    from orgevents.diagrams.docs import main

    assert main([str(tmp_path)]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        f"{stem}.{ext}"
        for stem in ("before", "after", "changes", "responsibilities")
        for ext in ("dot", "svg", "png")
    )
    assert Path(tmp_path / "changes.dot").read_text().startswith("digraph orgevents {")
