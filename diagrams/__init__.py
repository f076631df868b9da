"""Graphs in, Graphviz out: the only code that runs ``dot``.

- :func:`org_chart` — the organisation as of a date (:mod:`.orgchart`);
- :func:`responsibility_chart` — who holds which responsibility (:mod:`.responsibilities`);
- :func:`change_chart` — what changed between two dates (:mod:`.changes`);
- :func:`timeline_charts` — one change diagram per change date (:mod:`.timeline`);
- :func:`render` — DOT to SVG, PNG or PDF, safely (:mod:`.render`);
- :func:`demo_charts` — the before/after/changes charts and the responsibility graph.

Each chart function returns DOT source (deterministic for the same history), built with only
allow-listed attributes (:mod:`.dotgraph`) and escaped text (:mod:`.labels`).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from orgevents.diagrams.changes import change_chart
from orgevents.diagrams.orgchart import org_chart
from orgevents.diagrams.render import FORMATS, RenderError, render, render_pages, renderer
from orgevents.diagrams.responsibilities import responsibility_chart
from orgevents.diagrams.timeline import timeline_charts, timeline_dates
from orgevents.projections.lookup import Questions

BEFORE = dt.date(2025, 12, 31)
AFTER = dt.date(2026, 1, 1)


def demo_sources(state: Questions) -> dict[str, str]:
    """DOT sources of the demo charts, by file stem."""
    return {
        "before": org_chart(state, BEFORE),
        "after": org_chart(state, AFTER),
        "changes": change_chart(state, BEFORE, AFTER),
        "responsibilities": responsibility_chart(state, AFTER),
    }


def demo_charts(
    state: Questions, folder: Path, formats: tuple[str, ...] = ("svg", "png")
) -> list[Path]:
    """Write the before (2025-12-31), after (2026-01-01), changes and responsibility charts into
    ``folder`` (made if missing); returns the files written."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for stem, source in demo_sources(state).items():
        for fmt in formats:
            path = folder / f"{stem}.{fmt}"
            path.write_bytes(render(source, fmt))
            written.append(path)
    return written


__all__ = [
    "FORMATS",
    "RenderError",
    "change_chart",
    "demo_charts",
    "demo_sources",
    "org_chart",
    "render",
    "render_pages",
    "renderer",
    "responsibility_chart",
    "timeline_charts",
    "timeline_dates",
]
