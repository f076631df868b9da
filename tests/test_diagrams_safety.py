"""Stored text is untrusted: a name can never become markup, an attribute, a node or a file read.

Every case is rendered by the real ``dot`` and the SVG parsed as XML.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import graphviz
import pytest

from orgevents.diagrams import change_chart, org_chart, render, responsibility_chart
from orgevents.diagrams.dotgraph import Dot, UnsafeDotError, node_id
from orgevents.diagrams.labels import html, label, plain, text
from orgevents.diagrams.render import RenderError
from tests.diagram_helpers import all_text, element_names, node_text, node_titles, state_of

ON = dt.date(2021, 1, 1)
EVIL = [
    "<script>alert(1)</script>",
    '"]; evil [',
    '<x>]; evil [image="/etc/hostname"]; y [label=<z>',
    "back \\N slash \\G here \\L \\n",
    "trailing backslash \\",
    '<IMG SRC="/etc/hostname"/>',
    "javascript:alert(1) & <b>bold</b> 'quoted'",
]


def evil_state(name: str) -> object:
    quoted = json.dumps(name)
    return state_of(
        f"""
- {{type: UnitEstablished, key: e-evil, unit: evil, name: {quoted}, abbreviation: {quoted}, kind: centre, parent: af, effective: 2020-06-01}}
- {{type: ResponsibilityDefined, key: d-evil, responsibility: evil-task, name: {quoted}, abbreviation: {quoted}, scope: {quoted}, effective: 2020-06-01}}
- {{type: ResponsibilityAssigned, key: a-evil, responsibility: evil-task, unit: a, role: authority, effective: 2020-06-01}}
- {{type: ResponsibilityAssigned, key: p-evil, responsibility: evil-task, unit: evil, role: performer, effective: 2020-06-01}}
- {{type: UnitRenamed, key: r-evil, unit: ac, name: {quoted}, effective: 2021-01-01}}
- {{type: ResponsibilityTransferred, key: t-evil, responsibility: t, role: performer, from_units: [ac], to_unit: evil, effective: 2021-01-01}}
"""
    )


@pytest.mark.parametrize("name", EVIL)
def test_a_hostile_unit_name_renders_as_plain_text_in_the_org_chart(name):
    state = evil_state(name)
    svg = render(org_chart(state, ON), "svg")
    # The name is drawn as the text it is, in the unit's own node; no node was injected.
    drawn = node_text(svg, "evil")
    for word in name.replace("\\", " ").split():
        assert word.strip() in drawn
    assert sorted(t for t in node_titles(svg) if not t.startswith("_")) == sorted(
        ["br", "a", "b", "af", "ac", "evil"]
    )
    # No markup came through: no script, image or link element, nothing read from a file.
    assert element_names(svg) <= {
        "svg",
        "g",
        "title",
        "polygon",
        "path",
        "text",
        "ellipse",
        "polyline",
    }
    assert Path("/etc/hostname").read_text().strip() not in all_text(svg)


@pytest.mark.parametrize("name", EVIL)
def test_a_hostile_name_renders_as_plain_text_in_the_change_and_responsibility_charts(name):
    state = evil_state(name)
    for source in (
        change_chart(state, dt.date(2020, 12, 31), ON),
        responsibility_chart(state, ON),
    ):
        svg = render(source, "svg")
        assert "evil" in node_titles(svg)
        assert "y" not in node_titles(svg)
        assert name.split()[0].rstrip("\\") in all_text(svg)
        assert element_names(svg) <= {
            "svg", "g", "title", "polygon", "path", "text", "ellipse", "polyline",
        }  # fmt: skip


def test_backslash_escapes_are_not_expanded():
    state = evil_state("back \\N slash \\G here")
    svg = render(org_chart(state, ON), "svg")
    assert "back \\N slash \\G here" in node_text(svg, "evil")


def test_html_text_escapes_markup_and_backslashes():
    assert html('<a href="x">&\'\\') == "&lt;a href=&quot;x&quot;&gt;&amp;&#39;\\\\"
    assert html("two\nlines") == 'two<BR ALIGN="CENTER"/>lines'
    assert html("bell\x07") == "bell"


def test_plain_text_doubles_backslashes_and_is_never_taken_for_html():
    value = plain("<b>x</b> \\N \\")
    assert isinstance(value, graphviz.quoting.NoHtml)
    assert value == "<b>x</b> \\\\N \\\\"
    dot = Dot.digraph(graph={"label": value})
    assert 'label="<b>x</b> \\\\N \\\\"' in dot.source


def test_the_builder_refuses_attributes_off_the_allow_list():
    dot = Dot.digraph(graph={})
    for attributes in (
        {"image": "/etc/hostname"},
        {"URL": "javascript:alert(1)"},
        {"href": "x"},
        {"shapefile": "/etc/hostname"},
        {"shape": "epsf"},
        {"color": 'red"]; x [image="/etc/passwd'},
        {"label": "<b>raw markup</b>"},  # a bare string, not made by the labels module
    ):
        with pytest.raises(UnsafeDotError):
            dot.node("a", **attributes)


def test_node_ids_are_internal_ids_never_names():
    assert node_id("stu") == "stu"
    assert node_id("a.b-c") == "a.b-c"
    for bad in ("Børne- og Ungdomsudvalget", 'x"]; y [', "a:b", ""):
        with pytest.raises(UnsafeDotError):
            node_id(bad)


def test_labels_are_only_built_from_escaped_fragments():
    with pytest.raises(TypeError):
        label("<B>x</B>")  # type: ignore[arg-type]
    assert label(text("<B>x</B>")) == "<&lt;B&gt;x&lt;/B&gt;>"


def test_dot_runs_in_safe_mode_and_reads_no_file(tmp_path):
    picture = tmp_path / "picture.png"
    picture.write_bytes(render("digraph { a }", "png"))
    source = f'digraph {{ a [image="{picture}" label=""]; b [shapefile="{picture}"] }}'
    svg = render(source, "svg")
    assert "image" not in element_names(svg)
    assert str(picture) not in svg.decode()


@pytest.mark.skipif(shutil.which("dot") is None, reason="needs the dot program")
def test_a_render_that_runs_too_long_is_stopped():
    big = "digraph { " + " ".join(f"n{i} -> n{i + 1};" for i in range(20000)) + " }"
    with pytest.raises(RenderError, match="took longer than"):
        render(big, "svg", timeout=0.05)


def test_the_pygraphviz_child_refuses_file_reading_attributes(monkeypatch, tmp_path):
    pytest.importorskip("pygraphviz")
    monkeypatch.setenv("ORGEVENTS_RENDERER", "pygraphviz")
    picture = tmp_path / "picture.png"
    picture.write_bytes(b"not really")
    with pytest.raises(RenderError, match="not allowed"):
        render(f'digraph {{ a [image="{picture}"] }}', "svg")
    with pytest.raises(RenderError, match="not allowed"):
        render(f'digraph {{ a [label=<<IMG SRC="{picture}"/>>] }}', "svg")
