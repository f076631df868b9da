"""The charts say what the history says: asserted on the DOT text and on the SVG `dot` draws."""

from __future__ import annotations

import datetime as dt
import io
import re
import xml.etree.ElementTree as ET

import pytest

from orgevents.diagrams import (
    change_chart,
    org_chart,
    render,
    render_pages,
    responsibility_chart,
    timeline_charts,
)
from orgevents.diagrams.figures import money, number, unit_figure_lines
from orgevents.diagrams.styles import MARKS, ROLES, TRANSFER
from orgevents.errors import NotFoundError
from tests.diagram_helpers import SVG, all_text, node_text, node_titles, state_of

ON = dt.date(2021, 1, 1)
BEFORE = dt.date(2020, 12, 31)

CHANGES = """
- {type: UnitEstablished, key: e-bf, unit: bf, name: Administration B, abbreviation: BF, kind: administration, parent: b, effective: 2020-01-01}
- {type: UnitEstablished, key: e-old, unit: old, name: Old Office, kind: office, parent: ac, effective: 2020-01-01}
- {type: UnitEstablished, key: e-mv, unit: mv, name: Moving Team, kind: team, parent: af, effective: 2020-01-01}
- {type: FiguresRecorded, key: f-ac, unit: ac, effective: 2020-01-01, figures: [{metric: headcount, value: 608, year: 2020, sources: [{document: doc, locator: s. 2}]}, {metric: budget, value: 533000000, year: 2020, sources: [{document: doc, locator: s. 2}]}]}
- {type: UnitEstablished, key: e-new, unit: new, name: New Centre, kind: centre, parent: bf, effective: 2021-01-01}
- {type: UnitAbolished, key: x-old, unit: old, effective: 2021-01-01}
- {type: UnitRenamed, key: r-a, unit: a, name: Committee A and C, effective: 2021-01-01}
- {type: UnitMoved, key: m-mv, unit: mv, parent: bf, effective: 2021-01-01}
- {type: ResponsibilityTransferred, key: t-t, responsibility: t, role: authority, from_units: [a], to_unit: b, effective: 2021-01-01, figures: [{metric: fte, value: 3.75, year: 2021, sources: [{document: doc, locator: s. 3}]}, {metric: budget, value: 1357000, year: 2021, sources: [{document: doc, locator: s. 3}]}]}
"""


@pytest.fixture(scope="module")
def story():
    return state_of(CHANGES)


def node_line(source: str, node: str) -> str:
    """The DOT statement that declares ``node``."""
    for line in source.splitlines():
        if re.match(rf'\s*"?{re.escape(node)}"? \[', line):
            return line
    raise AssertionError(f"no node {node!r} in the DOT source")


# --- the org chart ------------------------------------------------------------------------------


def test_the_org_chart_draws_every_unit_in_force_with_its_parent(story):
    source = org_chart(story, BEFORE)
    for unit in ("br", "a", "b", "af", "ac", "bf", "old", "mv"):
        node_line(source, unit)
    assert "new" not in node_titles(render(source, "svg"))  # established only on 2021-01-01
    for parent, child in (("br", "a"), ("a", "af"), ("af", "ac"), ("ac", "old"), ("af", "mv")):
        assert re.search(rf"\b{parent} -> {child}\b", source), (parent, child)


def test_committees_are_drawn_in_a_cluster_with_their_administration(story):
    source = org_chart(story, BEFORE)
    cluster = source.split("subgraph cluster_af {")[1].split("}")[0]
    assert re.search(r"^\s*a \[", cluster, re.M)
    assert re.search(r"^\s*af \[", cluster, re.M)
    assert re.search(r"^\s*ac \[", cluster, re.M)


def test_each_box_shows_name_abbreviation_and_the_figures_known_on_the_date(story):
    svg = render(org_chart(story, BEFORE), "svg")
    assert node_text(svg, "ac").split() == [
        "Centre",
        "A1",
        "staff",
        "608",
        "(2020)",
        "budget",
        "533",
        "mio.",
        "kr.",
        "(2020)",
    ]
    assert "Committee A" in node_text(svg, "a") and " A" in node_text(svg, "a")
    assert "Organisation on 31 December 2020" in all_text(svg)


def test_each_kind_of_unit_has_its_own_style(story):
    source = org_chart(story, BEFORE)
    assert "#1f3b57" in node_line(source, "br")  # council
    assert "rounded,filled" in node_line(source, "a")  # committee
    assert "#cfe0f1" in node_line(source, "af")  # administration
    assert "#fff6dc" in node_line(source, "mv")  # team


def test_root_and_depth_draw_a_part_with_collapsed_boxes_counting_what_they_hold(story):
    source = org_chart(story, BEFORE, root="af", depth=1, language="en")
    svg = render(source, "svg")
    assert sorted(t for t in node_titles(svg) if not t.startswith("_")) == ["ac", "af", "mv"]
    assert "+ 1 unit below: 1 office" in node_text(svg, "ac")
    with pytest.raises(NotFoundError):
        org_chart(story, BEFORE, root="nowhere")


def test_max_units_cuts_whole_levels(story):
    svg = render(org_chart(story, BEFORE, max_units=4), "svg")
    titles = [t for t in node_titles(svg) if not t.startswith("_")]
    assert sorted(titles) == ["a", "b", "br"]
    assert "units below level 1 drawn as counts" in all_text(svg)


def test_expand_opens_a_collapsed_box_in_place_and_marks_what_stays_collapsed(story):
    svg = render(org_chart(story, BEFORE, root="af", depth=0), "svg").decode()
    assert [t for t in node_titles(svg) if not t.startswith("_")] == ["af"]
    assert re.search(r'<g id="node\d+" class="node collapsed">\s*<title>af</title>', svg)
    svg = render(
        org_chart(story, BEFORE, root="af", depth=0, expand=["af", "elsewhere"]), "svg"
    ).decode()
    assert sorted(t for t in node_titles(svg) if not t.startswith("_")) == ["ac", "af", "mv"]
    assert re.search(r'class="node collapsed">\s*<title>ac</title>', svg)  # holds "old"
    assert not re.search(r'class="node collapsed">\s*<title>af</title>', svg)
    assert not re.search(r'class="node collapsed">\s*<title>mv</title>', svg)  # nothing below


def test_numbers_read_the_danish_way():
    assert number(22500) == "22.500"
    assert number(3.75) == "3,75"
    assert money(533_000_000) == "533 mio. kr."
    assert money(8_400_000_000) == "8,4 mia. kr."
    assert money(1_357_000) == "1.357 t.kr."


def test_a_unit_shows_the_figures_of_the_year_nearest_before_the_date(copenhagen_state):
    from orgevents.projections.structure import figures_at

    lines = unit_figure_lines(
        figures_at(copenhagen_state, "taskforce", ON.replace(year=2026)), ON.replace(year=2026)
    )
    assert "budget 6,1 mio. kr. (2026)" in lines
    assert not any("7,8 mio" in line for line in lines)


# --- the change diagram -------------------------------------------------------------------------


def test_the_change_diagram_marks_each_kind_of_change_in_its_colour(story):
    source = change_chart(story, BEFORE, ON)
    assert MARKS["added"].colour in node_line(source, "new")
    abolished = node_line(source, "old")
    assert MARKS["abolished"].colour in abolished and "dashed" in abolished
    assert MARKS["renamed"].colour in node_line(source, "a")
    assert MARKS["moved"].colour in node_line(source, "mv")
    # moved: a dashed line from the old parent to the unit
    moved = re.search(r"\baf -> mv \[([^\]]*)\]", source)
    assert moved and "dashed" in moved.group(1) and MARKS["moved"].colour in moved.group(1)
    # transferred: old holder → a box saying what moved → new holder, in the transfer colour
    assert re.search(rf"\ba -> _moved0 \[[^\]]*{TRANSFER}", source)
    assert re.search(rf"\b_moved0 -> b \[[^\]]*{TRANSFER}", source)


def test_the_change_diagram_shows_old_names_and_what_moved(story):
    svg = render(change_chart(story, BEFORE, ON), "svg")
    assert "RENAMED" in node_text(svg, "a") and "formerly Committee A" in node_text(svg, "a")
    assert "ABOLISHED" in node_text(svg, "old")  # kept visible
    assert "moved from Administration A" in node_text(svg, "mv")
    moved = node_text(svg, "_moved0")
    assert "FROM A" in moved and "Task T (authority)" in moved
    assert "FTE 3,75 (2021)" in moved and "budget 1.357 t.kr. (2021)" in moved
    assert "Changes on 1 January 2021" in all_text(svg)


def test_new_and_ended_responsibilities_are_noted_below_the_unit_doing_them():
    state = state_of(
        """
- {type: ResponsibilityDefined, key: d-u, responsibility: u, name: Task U, scope: u, effective: 2021-01-01}
- {type: ResponsibilityAssigned, key: p-u, responsibility: u, unit: ac, role: performer, effective: 2021-01-01}
- {type: ResponsibilityAbolished, key: x-t, responsibility: t, effective: 2021-01-01}
"""
    )
    source = change_chart(state, BEFORE, ON)
    svg = render(source, "svg")
    texts = {t: node_text(svg, t) for t in node_titles(svg) if t.startswith("_task")}
    assert sorted(texts.values()) == ["NEW TASKS Task U", "TASKS ENDED Task T"]
    assert len(re.findall(r"\bac -> _task\d", source)) == 2


def test_a_change_diagram_needs_the_dates_in_order(story):
    with pytest.raises(ValueError, match="must come after"):
        change_chart(story, ON, BEFORE)


# --- the responsibility graph -------------------------------------------------------------------


def test_responsibilities_are_nodes_linked_to_their_holders_with_a_style_per_role(story):
    source = responsibility_chart(story, BEFORE)
    assert re.search(rf"\ba -> r_t \[[^\]]*{ROLES['authority'][1]}", source)
    assert re.search(rf"\br_t -> ac \[[^\]]*{ROLES['performer'][1]}", source)
    svg = render(source, "svg")
    assert "Task T" in node_text(svg, "r_t")
    assert "in AF · A" in node_text(svg, "ac") or "in Administration A · A" in node_text(svg, "ac")


def test_an_expected_holding_is_dashed():
    state = state_of(
        """
- {type: ResponsibilityTransferred, key: t-x, responsibility: t, role: performer, from_units: [ac], to_unit: af, effective: {date: 2021-01-01, qualifier: expected}}
""",
        include_planned=True,
    )
    edge = re.search(r"\br_t -> af \[([^\]]*)\]", responsibility_chart(state, ON))
    assert edge and "dashed" in edge.group(1)
    moved = change_chart(state, BEFORE, ON)
    assert re.search(r"\bac -> _moved0 \[[^\]]*dashed", moved)


# --- the timeline -------------------------------------------------------------------------------


def test_the_timeline_has_one_page_per_change_date(story):
    pages = timeline_charts(story, dt.date(2019, 12, 31), dt.date(2021, 12, 31))
    assert [day for day, _ in pages] == [dt.date(2020, 1, 1), ON]
    from pypdf import PdfReader

    pdf = render_pages([source for _, source in pages])
    assert len(PdfReader(io.BytesIO(pdf)).pages) == 2


def test_many_plain_units_under_one_are_a_grid_in_name_order_with_one_line_to_it():
    names = [f"Commune {chr(ord('A') + i % 26)}{i // 26}" for i in range(30)]
    region = "- {type: UnitEstablished, key: e-reg, unit: reg, name: Region, kind: region, effective: 2020-01-01}\n"
    towns = "".join(
        f"- {{type: UnitEstablished, key: e-c{i}, unit: c{i}, name: {name}, kind: municipality, "
        "parent: reg, effective: 2020-01-01}\n"
        for i, name in reversed(list(enumerate(names)))
    )
    svg = render(org_chart(state_of(region + towns), ON, root="reg", language="en"), "svg")
    assert "cluster_grid_reg" in node_titles(svg, "cluster")
    lines = [t for t in node_titles(svg, "edge") if t.startswith("reg")]
    assert len(lines) == 1  # one line to the grid, not thirty
    root = ET.fromstring(svg)
    where = {}
    for g in root.iter(f"{SVG}g"):
        title = g.findtext(f"{SVG}title") or ""
        if g.get("class") == "node" and title.startswith("c"):
            first = g.find(f"{SVG}text")
            assert first is not None
            where[title] = (round(float(first.get("y", 0))), float(first.get("x", 0)))
    rows = sorted({y for y, _ in where.values()})
    assert 2 <= len(rows) <= 6
    reading_order = [node_text(svg, t).split(" ")[0:2] for t in sorted(where, key=where.get)]
    assert [" ".join(n) for n in reading_order] == sorted(names)
