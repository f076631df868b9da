"""The pygraphviz renderer, run as a child process by :mod:`.render` (never imported by it).

Usage: ``python -m orgevents.diagrams.pygraphviz_child FORMAT OPTIONS_JSON ALLOWED_JSON`` with
the DOT source on standard input; the image goes to standard output.

pygraphviz's bundled Graphviz does not honour ``SERVER_NAME``, so before drawing this checks the
parsed graph: only allow-listed attributes (passed in by the parent), no ``<IMG>`` in any HTML-like
label, no ``epsf`` shape. Anything else is refused with exit status 2.
"""

from __future__ import annotations

import importlib
import json
import re
import sys
from typing import Any

_IMG = re.compile(r"<\s*img\b", re.IGNORECASE)


def _problems(graph: Any, allowed: dict[str, list[str]]) -> list[str]:
    found: list[str] = []

    def check(kind: str, what: str, attributes: dict[str, str]) -> None:
        for name, value in attributes.items():
            if not value:
                continue
            if name not in allowed[kind]:
                found.append(f"{what}: attribute {name!r} is not allowed")
            elif name == "shape" and value.lower() == "epsf":
                found.append(f"{what}: shape epsf is not allowed")
            elif _IMG.search(value):
                found.append(f"{what}: <IMG> is not allowed in a label")

    graphs = [graph]
    while graphs:
        g = graphs.pop()
        check("graph", "graph", dict(g.graph_attr))
        check("node", "node defaults", dict(g.node_attr))
        check("edge", "edge defaults", dict(g.edge_attr))
        graphs.extend(g.subgraphs())
    for node in graph.nodes():
        check("node", f"node {node}", dict(node.attr))
    for edge in graph.edges():
        check("edge", f"edge {edge[0]} -> {edge[1]}", dict(edge.attr))
    return found


def main(argv: list[str]) -> int:
    pygraphviz = importlib.import_module("pygraphviz")
    fmt, options, allowed = argv[0], json.loads(argv[1]), json.loads(argv[2])
    graph = pygraphviz.AGraph(string=sys.stdin.read())
    problems = _problems(graph, allowed)
    if problems:
        print(f"refused: {problems[0]}", file=sys.stderr)
        return 2
    sys.stdout.buffer.write(graph.draw(format=fmt, prog="dot", args=" ".join(options)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
