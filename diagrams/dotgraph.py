"""Building DOT safely: internal ids for nodes, an allow-list of attributes, checked values.

Every chart is built through :class:`Dot`, a thin layer over ``graphviz.Digraph`` that refuses

- node ids that are not internal ids (unit and responsibility keys, or ids made in code),
- attributes outside the allow-list (no ``image``, ``shapefile``, ``URL``, ``href``, ``imagepath``,
  ``fontpath``, ``shape=epsf``: nothing that reads a file or puts a link into the SVG),
- label values that were not made by :mod:`orgevents.diagrams.labels` (escaped text or markup),
- any other value that is not a plain token written in code (colours, styles, numbers).

So no text from the store can reach an attribute other than a label, and there it is escaped.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

import graphviz
from graphviz.quoting import NoHtml

from orgevents.diagrams.labels import HtmlLabel

_ID = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.\-]{0,199}$")
_TOKEN = re.compile(r"^[A-Za-z0-9#.,_ \-]{0,80}$")
_SHAPES = {
    "box", "plain", "plaintext", "none", "note", "folder", "tab", "component", "point", "ellipse",
    "hexagon", "octagon",
}  # fmt: skip
_LABELS = {"label", "xlabel", "headlabel", "taillabel", "tooltip"}

GRAPH_ATTRIBUTES = {
    "bgcolor", "color", "compound", "fillcolor", "fontcolor", "fontname", "fontsize", "label",
    "labeljust", "labelloc", "margin", "newrank", "nodesep", "ordering", "outputorder", "pad",
    "pencolor", "penwidth", "rank", "rankdir", "ranksep", "remincross", "splines", "style",
    "tooltip",
}  # fmt: skip
NODE_ATTRIBUTES = {
    "class", "color", "fillcolor", "fixedsize", "fontcolor", "fontname", "fontsize", "group",
    "height", "label", "margin", "penwidth", "peripheries", "shape", "style", "tooltip", "width",
    "xlabel",
}  # fmt: skip
EDGE_ATTRIBUTES = {
    "arrowhead", "arrowsize", "arrowtail", "color", "constraint", "dir", "fontcolor", "fontname",
    "fontsize", "headlabel", "label", "labelfloat", "lhead", "minlen", "penwidth", "style",
    "taillabel", "tooltip", "weight", "xlabel",
}  # fmt: skip


class UnsafeDotError(ValueError):
    """Code tried to put something into a DOT file that the allow-list does not permit."""


def node_id(key: str, prefix: str = "") -> str:
    """The DOT id for an internal key (a unit or responsibility key); never a name.

    ``prefix`` keeps kinds of node apart (``"r_"`` for responsibilities: keys contain no ``_``).
    """
    value = prefix + key
    if not _ID.match(value):
        raise UnsafeDotError(f"not an internal id: {value!r}")
    return value


def _checked(attributes: dict[str, object], allowed: set[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for name, value in attributes.items():
        if value is None:
            continue
        if name not in allowed:
            raise UnsafeDotError(f"attribute {name!r} is not on the allow-list")
        if name in _LABELS:
            if not isinstance(value, HtmlLabel | NoHtml):
                raise UnsafeDotError(f"{name} must be made by orgevents.diagrams.labels")
            out[name] = value
            continue
        text = str(value).lower() if isinstance(value, bool) else str(value)
        if not _TOKEN.match(text):
            raise UnsafeDotError(f"{name}={text!r} is not a plain token")
        if name == "shape" and text not in _SHAPES:
            raise UnsafeDotError(f"shape {text!r} is not on the allow-list")
        out[name] = text
    return out


class Dot:
    """A DOT graph (or cluster) that only takes allow-listed attributes."""

    def __init__(self, graph: graphviz.Digraph) -> None:
        self._graph = graph

    @classmethod
    def digraph(
        cls,
        graph: dict[str, object],
        node: dict[str, object] | None = None,
        edge: dict[str, object] | None = None,
    ) -> Dot:
        return cls(
            graphviz.Digraph(
                name="orgevents",
                graph_attr=_checked(graph, GRAPH_ATTRIBUTES),
                node_attr=_checked(node or {}, NODE_ATTRIBUTES),
                edge_attr=_checked(edge or {}, EDGE_ATTRIBUTES),
            )
        )

    def node(self, id: str, **attributes: object) -> None:
        self._graph.node(node_id(id), **_checked(attributes, NODE_ATTRIBUTES))

    def edge(self, tail: str, head: str, **attributes: object) -> None:
        self._graph.edge(node_id(tail), node_id(head), **_checked(attributes, EDGE_ATTRIBUTES))

    def attributes(self, **attributes: object) -> None:
        self._graph.attr(**_checked(attributes, GRAPH_ATTRIBUTES))

    @contextmanager
    def subgraph(self, name: str, **attributes: object) -> Iterator[Dot]:
        """A subgraph; a ``name`` starting with ``cluster_`` draws a box around its nodes."""
        with self._graph.subgraph(name=node_id(name)) as sub:
            sub.attr(**_checked(attributes, GRAPH_ATTRIBUTES))
            yield Dot(sub)

    @property
    def source(self) -> str:
        return str(self._graph.source)
