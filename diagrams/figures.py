"""How figures read on a chart: Danish number style, one line per metric, the year chosen for
the chart's date.

Money is written as the sources write it ("533 mio. kr.", "8,4 mia. kr.", "1.357 t.kr."), other
numbers with "." for thousands and "," for decimals ("22.500", "3,75").
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from orgevents.diagrams.labels import shorten
from orgevents.projections.views import FigureView

METRICS = ["headcount", "fte", "budget", "citizens", "places", "payouts", "savings"]
METRIC_WORDS = {
    "headcount": "staff",
    "fte": "FTE",
    "budget": "budget",
    "citizens": "citizens",
    "places": "places",
    "payouts": "paid out",
    "savings": "savings",
}
MONEY = {"budget", "payouts", "savings"}


def number(value: float) -> str:
    """22500 → "22.500"; 3.75 → "3,75"; 145.0 → "145"."""
    if value == int(value):
        return f"{int(value):,}".replace(",", ".")
    whole, _, decimals = f"{value:,.2f}".rstrip("0").partition(".")
    return whole.replace(",", ".") + "," + decimals


def money(kr: float) -> str:
    """Kroner as the sources write them: mia., mio. or t.kr."""
    if kr >= 1e9 and round(kr / 1e8) * 1e8 == kr:
        return f"{number(round(kr / 1e9, 1))} mia. kr."
    if kr >= 1e6 and round(kr / 1e5) * 1e5 == kr:
        return f"{number(round(kr / 1e6, 1))} mio. kr."
    if kr >= 1e3:
        return f"{number(round(kr / 1e3))} t.kr."
    return f"{number(kr)} kr."


def value_text(metric: str, value: float, approximate: bool = False) -> str:
    shown = money(value) if metric in MONEY else number(value)
    return ("ca. " if approximate else "") + shown


def _when(f: FigureView | Mapping[str, Any]) -> str:
    get = f.get if isinstance(f, Mapping) else lambda k: getattr(f, k)
    if get("per_year"):
        return "per year"
    return str(get("year")) if get("year") else ""


def _chosen_year(figures: list[FigureView], on: dt.date) -> list[FigureView]:
    years = {f.year for f in figures if f.year is not None}
    if not years:
        return figures
    past = [y for y in years if y <= on.year]
    year = max(past) if past else min(years)
    return [f for f in figures if f.year == year]


def unit_figure_lines(figures: Iterable[FigureView], on: dt.date, limit: int = 9) -> list[str]:
    """Lines for a unit's box: per metric, the figures of the year nearest before ``on``.

    One figure: "staff 608 (2025)". A total with parts per steering area: the total, then the
    parts on one line. Several figures of one metric that are not parts of a total (the
    sources' own breakdowns): each in the source's own words.
    """
    by_metric: dict[str, list[FigureView]] = {}
    for f in figures:
        by_metric.setdefault(f.metric, []).append(f)
    lines: list[str] = []
    for metric in sorted(by_metric, key=lambda m: [*METRICS, m].index(m)):
        chosen = _chosen_year(by_metric[metric], on)
        word = METRIC_WORDS.get(metric, metric)
        totals = [f for f in chosen if not f.steering_area]
        parts = [f for f in chosen if f.steering_area]
        if len(totals) == 1:
            f = totals[0]
            when = _when(f)
            lines.append(
                f"{word} {value_text(metric, f.value, f.approximate)}"
                + (f" ({when})" if when else "")
            )
        elif len(totals) > 1:
            for f in totals:
                said = f.text or value_text(metric, f.value, f.approximate)
                lines.append(f"{word}: {shorten(said, 44)}")
        if parts:
            when = _when(parts[0])
            prefix = "" if totals else f"{word}{f' {when}' if when else ''}: "
            lines.append(
                prefix
                + " · ".join(
                    f"{f.steering_area} {value_text(metric, f.value, f.approximate)}" for f in parts
                )
            )
    if len(lines) > limit:
        lines = [*lines[: limit - 1], f"… and {len(lines) - limit + 1} more"]
    return lines


def moved_figure_text(figures: Iterable[Mapping[str, Any]]) -> list[str]:
    """What moved along with a transfer (figures as dicts, as ChangeView details hold them).

    Competing figures from different sources are all shown, separated by " / ".
    """
    by_metric: dict[str, list[str]] = {}
    for f in figures:
        metric = str(f["metric"])
        when = _when(f)
        shown = value_text(metric, float(f["value"]), bool(f.get("approximate")))
        if f.get("steering_area"):
            shown += f" {f['steering_area']}"
        if when and when != "per year":
            shown += f" ({when})"
        elif when:
            shown += " a year"
        by_metric.setdefault(metric, []).append(shown)
    return [
        f"{METRIC_WORDS.get(m, m)} {' / '.join(by_metric[m])}"
        for m in sorted(by_metric, key=lambda m: [*METRICS, m].index(m))
    ]
