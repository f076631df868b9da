"""Render times of the org chart for 50, 500 and 5,000 units, full and collapsed, SVG and PNG.

Run: ``.venv/bin/python bench/bench_diagrams.py [--repeat N]``

Synthetic organisations shaped like a municipality: a council, 7 committees each with its
administration, centres under the administrations and offices under the centres, every box with
figures (HTML-table labels, clusters — the expensive kind). "collapsed" cuts below the centres, so
each centre is one box counting the offices it holds. Times are wall-clock seconds for the whole
render (child process included), the median of ``--repeat`` runs; ratios are against a baseline
measured in the same run: ``dot`` drawing a one-node graph (its start-up cost).

Targets from the issue: ≤ 0.3 s up to 500 units; ≤ 1 s for larger ones through collapsing.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import time
from collections.abc import Callable

import networkx as nx

from orgevents.diagrams.orgchart import org_chart_of_graph, select
from orgevents.diagrams.render import render, renderer
from orgevents.projections.views import FigureView

ON = dt.date(2026, 1, 1)
COMMITTEES = 7


def figure(metric: str, value: float) -> FigureView:
    return FigureView(
        summary=f"{value:g} {metric}",
        metric=metric,
        value=value,
        approximate=False,
        year=2025,
        per_year=False,
        price_level=None,
        steering_area=None,
        text=None,
        note=None,
        effective="2025",
        sources=[],
    )


def organisation(units: int) -> nx.DiGraph:
    """A council, committees with administrations, centres, offices: ``units`` nodes in all."""
    graph = nx.DiGraph(at=ON)
    figures = [figure("headcount", 480), figure("budget", 423e6)]

    def add(key: str, name: str, kind: str, parent: str | None) -> None:
        graph.add_node(key, name=name, abbreviation=None, kind=kind, figures=figures)
        if parent:
            graph.add_edge(parent, key)

    add("br", "Borgerrepræsentationen", "council", None)
    for c in range(COMMITTEES):
        add(f"u{c}", f"Udvalg {c}", "committee", "br")
        add(f"f{c}", f"Forvaltning {c}", "administration", f"u{c}")
    rest = units - 1 - 2 * COMMITTEES
    centres = max(COMMITTEES, min(rest, round((rest * COMMITTEES) ** 0.5)))
    for i in range(centres):
        add(f"c{i}", f"Center for opgave {i}", "centre", f"f{i % COMMITTEES}")
    for j in range(rest - centres):
        add(f"o{j}", f"Kontor for opgave {j}", "office", f"c{j % centres}")
    return graph


def timed(action: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--sizes", type=int, nargs="*", default=[50, 500, 5000])
    args = parser.parse_args(argv)
    if renderer() is None:
        print("no renderer: install Graphviz (apt-get install graphviz) or pygraphviz")
        return 1
    baseline = timed(lambda: render("digraph { a }", "svg"), max(5, args.repeat))
    print(f"renderer: {renderer()}; baseline (one-node graph, SVG): {baseline:.3f} s\n")
    header = (
        f"{'variant':<16}{'units':>7}{'boxes':>7}{'DOT s':>8}{'SVG s':>8}{'×base':>7}"
        f"{'PNG s':>8}{'×base':>7}  target"
    )
    print(header)
    print("-" * len(header))
    for size in args.sizes:
        graph = organisation(size)
        for variant, depth in (("full", None), ("collapsed", 3)):
            if variant == "collapsed" and size <= 50:
                continue
            boxes = len(select(graph, depth=depth).shown) if depth else len(graph)
            build = timed(lambda g=graph, d=depth: org_chart_of_graph(g, ON, depth=d), args.repeat)
            source = org_chart_of_graph(graph, ON, depth=depth)
            runs = 1 if boxes > 2000 else args.repeat
            svg = timed(lambda s=source: render(s, "svg"), runs)
            png = timed(lambda s=source: render(s, "png"), runs)
            target = 0.3 if size <= 500 else 1.0
            verdict = "ok" if svg <= target else "over"
            if variant == "full" and size > 500:
                verdict = "(use --depth / --max-units)"
            print(
                f"{variant:<16}{size:>7}{boxes:>7}{build:>8.3f}{svg:>8.3f}{svg / baseline:>7.1f}"
                f"{png:>8.3f}{png / baseline:>7.1f}  SVG ≤ {target:g} s {verdict}"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
