"""The timeline: one change diagram per date on which something changes between two dates.

As a PDF, one page per date (:func:`orgevents.diagrams.render.render_pages`); as SVG, PNG or DOT,
one file per date.
"""

from __future__ import annotations

import datetime as dt

from orgevents.diagrams.changes import change_chart
from orgevents.projections.lookup import Questions

DAY = dt.timedelta(days=1)


def timeline_dates(state: Questions, start: dt.date, end: dt.date) -> list[dt.date]:
    """The dates after ``start`` up to and including ``end`` on which something changes."""
    return [d for d in state.dates() if start < d <= end]


def timeline_charts(
    state: Questions,
    start: dt.date,
    end: dt.date,
    *,
    root: str | None = None,
    depth: int | None = None,
    max_units: int | None = None,
    language: str | None = None,
) -> list[tuple[dt.date, str]]:
    """(date, DOT source of what changed on that date) for every change date in the period."""
    return [
        (
            day,
            change_chart(
                state,
                day - DAY,
                day,
                root=root,
                depth=depth,
                max_units=max_units,
                language=language,
            ),
        )
        for day in timeline_dates(state, start, end)
    ]
