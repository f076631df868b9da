"""Figures attached to units or to transfers: FTE, headcount, budget, citizens served."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from orgevents.sources import Sources, Text


class Metric(StrEnum):
    FTE = "fte"  # årsværk
    HEADCOUNT = "headcount"  # medarbejdere / ansatte
    BUDGET = "budget"  # kr.
    CITIZENS = "citizens"  # borgere / fuldtidspersoner served
    PLACES = "places"  # pladser
    PAYOUTS = "payouts"  # kr. paid out in benefits
    SAVINGS = "savings"  # kr. saved


class Figure(BaseModel):
    """One number with its source.

    Money is stored in Danish kroner (``amount`` 1357000 for "1.357 t.kr."); ``text`` keeps the
    source's own wording. ``approximate`` marks "ca." figures.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    metric: Metric
    value: float = Field(ge=0)
    approximate: bool = False
    year: int | None = Field(default=None, ge=1900, le=2200)
    per_year: bool = False
    price_level: Text | None = None  # "2026 p/l"
    steering_area: Text | None = None  # Service, Indsats, Anlæg, Overførsler
    text: Text | None = None
    note: Text | None = None
    sources: Sources

    def describe(self) -> str:
        if self.metric in (Metric.BUDGET, Metric.PAYOUTS, Metric.SAVINGS):
            number = _money(self.value)
        else:
            number = f"{self.value:g}".replace(".", ",")
        parts = [("ca. " if self.approximate else "") + number, self.metric.value]
        if self.year:
            parts.append(str(self.year))
        if self.steering_area:
            parts.append(self.steering_area)
        return " ".join(parts)


def _money(kr: float) -> str:
    if kr >= 1e9:
        return f"{kr / 1e9:g} bn kr"
    if kr >= 1e6:
        return f"{kr / 1e6:g} m kr"
    if kr >= 1e3:
        return f"{kr / 1e3:g} k kr"
    return f"{kr:g} kr"
