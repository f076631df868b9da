"""Shared helpers for the diagram tests: small histories folded in memory, SVG parsed as XML."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from orgevents.projections.fold import OrgState
from orgevents.projections.readmodel import ReadModel
from orgevents.store import open_store
from tests.conftest import BASE, entries

SVG = "{http://www.w3.org/2000/svg}"


def state_of(*texts: str, include_planned: bool = False) -> OrgState:
    """The base history (council, committees A and B, administration A, centre A1, task T) plus
    ``texts``, folded."""
    app = open_store("memory:")
    for text in (BASE, *texts):
        app.record(entries(text), "tester")
    return ReadModel(app, include_planned=include_planned).catch_up()


def parse_svg(svg: bytes) -> ET.Element:
    return ET.fromstring(svg)


def node_titles(svg: bytes, cls: str = "node") -> list[str]:
    """The <title> of every node (or edge, cluster) group: Graphviz writes the DOT id there."""
    root = parse_svg(svg)
    return [
        (g.findtext(f"{SVG}title") or "")
        for g in root.iter(f"{SVG}g")
        if cls in (g.get("class") or "").split()
    ]


def node_text(svg: bytes, title: str) -> str:
    """All text drawn in the node whose title is ``title``, joined by spaces."""
    root = parse_svg(svg)
    for g in root.iter(f"{SVG}g"):
        if "node" in (g.get("class") or "").split() and g.findtext(f"{SVG}title") == title:
            return " ".join((t.text or "") for t in g.iter(f"{SVG}text"))
    raise AssertionError(f"no node {title!r} in the SVG")


def all_text(svg: bytes) -> str:
    return " ".join((t.text or "") for t in parse_svg(svg).iter(f"{SVG}text"))


def element_names(svg: bytes) -> set[str]:
    return {el.tag.removeprefix(SVG) for el in parse_svg(svg).iter()}
