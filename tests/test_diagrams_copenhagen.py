"""The Copenhagen charts put every unit and responsibility where the sources put it, and the
images committed under docs/charts are the ones the code draws today."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from orgevents.diagrams import change_chart, demo_sources, org_chart, render, responsibility_chart
from orgevents.projections.structure import org_graph
from tests.diagram_helpers import all_text, node_text, node_titles

BEFORE, AFTER = dt.date(2025, 12, 31), dt.date(2026, 1, 1)
CHARTS = Path(__file__).resolve().parent.parent / "docs" / "charts"


def edge(source: str, tail: str, head: str) -> str | None:
    found = re.search(
        rf'(?m)^\s*"?{re.escape(tail)}"? -> "?{re.escape(head)}"?(?: \[(.*)\])?$', source
    )
    return None if found is None else found.group(1) or ""


@pytest.mark.parametrize("on", [BEFORE, AFTER])
def test_every_unit_appears_in_its_own_box_or_listed_in_its_parents(copenhagen_state, on):
    graph = org_graph(copenhagen_state, on)
    svg = render(org_chart(copenhagen_state, on), "svg")
    titles = set(node_titles(svg))
    for unit in graph:
        if unit in titles:
            continue
        (parent,) = graph.predecessors(unit)
        assert graph.nodes[unit]["name"] in node_text(svg, parent), unit


def test_before_1_january_2026_stu_schools_sit_in_buf_and_the_outreach_team_in_sof(
    copenhagen_state,
):
    source = org_chart(copenhagen_state, BEFORE)
    # UiU and CSV belong to BUF on 2025-12-31; the outreach team to SOF.
    assert edge(source, "buf", "uiu") is not None and edge(source, "buf", "csv") is not None
    assert edge(source, "sof", "udsatteteam") is not None
    svg = render(source, "svg")
    assert "Beskæftigelses- og Integrationsudvalget" in " ".join(node_text(svg, "biu").split())


def test_from_1_january_2026_they_sit_in_ungecenteret_and_dsi_and_biu_has_its_new_name(
    copenhagen_state,
):
    source = org_chart(copenhagen_state, AFTER)
    # UiU and CSV belong to Ungecenteret (BIF) on 2026-01-01; the outreach team to DSI (SOF).
    assert edge(source, "ungecenteret", "uiu") is not None
    assert edge(source, "ungecenteret", "csv") is not None
    assert edge(source, "dsi", "udsatteteam") is not None
    svg = render(source, "svg")
    assert "Beskæftigelses-, Integrations- og Erhvervsudvalget" in " ".join(
        node_text(svg, "biu").split()
    )


def test_the_change_diagram_shows_the_1_january_2026_reorganisation(copenhagen_state):
    source = change_chart(copenhagen_state, BEFORE, AFTER)
    svg = render(source, "svg")
    # The committee and the administration are renamed, their old names kept under the new.
    for unit in ("biu", "bif"):
        assert "RENAMED" in node_text(svg, unit)
    assert "formerly Beskæftigelses- og Integrationsudvalget" in " ".join(
        node_text(svg, "biu").split()
    )
    # UiU and CSV move from BUF, the outreach team from SOF: dashed lines from the old parents.
    for old, unit in (("buf", "uiu"), ("buf", "csv"), ("sof", "udsatteteam")):
        assert "MOVED" in node_text(svg, unit)
        line = edge(source, old, unit)
        assert line is not None and "dashed" in line
    # What moved to the employment committee and administration is said on the arrows' boxes.
    boxes = {
        t: " ".join(node_text(svg, t).split()) for t in node_titles(svg) if t.startswith("_moved")
    }
    from_buu = next(text for text in boxes.values() if text.startswith("FROM BUU"))
    assert "STU (authority)" in from_buu and "ca. 145" in from_buu and "181" in from_buu
    to_dsi = next(text for text in boxes.values() if "1.357 t.kr." in text)
    assert to_dsi.startswith("FROM BIF")


def test_every_responsibility_in_force_appears_with_its_holders(copenhagen_state):
    from orgevents.projections.holders import responsibility_graph

    graph = responsibility_graph(copenhagen_state, AFTER)
    source = responsibility_chart(copenhagen_state, AFTER)
    svg = render(source, "svg")
    titles = set(node_titles(svg))
    for key, unit, data in graph.edges(data=True):
        assert f"r_{key}" in titles and unit in titles
        pair = (unit, f"r_{key}") if data["role"] == "authority" else (f"r_{key}", unit)
        assert edge(source, *pair) is not None, (key, unit)
    assert "Særligt Tilrettelagt Ungdomsuddannelse" in all_text(svg)


@pytest.mark.parametrize("stem", ["before", "after", "changes", "responsibilities"])
def test_the_committed_charts_are_up_to_date(copenhagen_state, stem):
    committed = CHARTS / f"{stem}.dot"
    fresh = demo_sources(copenhagen_state)[stem]
    assert committed.exists() and committed.read_text(encoding="utf-8") == fresh, (
        f"docs/charts/{stem} is stale: run python -m orgevents.diagrams.docs"
    )
    for fmt in ("svg", "png"):
        assert (CHARTS / f"{stem}.{fmt}").exists()
