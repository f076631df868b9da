"""Figures attached to units or to transfers: FTE, headcount, budget, citizens served."""

from __future__ import annotations

import math
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

from orgevents.sources import Name, Sources, Text, is_stored


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
    price_level: Name | None = None  # "2026 p/l"
    steering_area: Name | None = None  # Service, Indsats, Anlæg, Overførsler
    text: Text | None = None
    note: Text | None = None
    sources: Sources

    @field_validator("value", mode="before")
    @classmethod
    def _finite(cls, value: Any, info: ValidationInfo) -> Any:
        if not is_stored(info):
            check_finite(value)
        return value

    def describe(self) -> str:
        """A short English rendering: "ca. 2 FTE", "DKK 1.357 m budget (2026, Service)"."""
        about = "ca. " if self.approximate else ""
        if self.metric in (Metric.BUDGET, Metric.PAYOUTS, Metric.SAVINGS):
            text = f"{about}{money(self.value)} {self.metric.value}"
        else:
            text = f"{about}{self.value:g} {_UNIT_WORDS[self.metric]}"
        qualifiers = [str(self.year)] if self.year else []
        if self.per_year:
            qualifiers.append("per year")
        if self.steering_area:
            qualifiers.append(self.steering_area)
        return text + (f" ({', '.join(qualifiers)})" if qualifiers else "")


def check_finite(value: Any) -> None:
    """Refuse infinities and NaN (as numbers, or as the text a number is parsed from)."""
    try:
        number = float(value) if isinstance(value, float | str) else 0.0
    except ValueError:
        return  # not a number at all: the field's own validation says so
    if not math.isfinite(number):
        raise PydanticCustomError("finite_number", "Input should be a finite number")


_UNIT_WORDS = {
    Metric.FTE: "FTE",
    Metric.HEADCOUNT: "staff",
    Metric.CITIZENS: "citizens",
    Metric.PLACES: "places",
}


def money(kr: float) -> str:
    """Kroner for people: DKK 11 bn, DKK 1.357 m, DKK 4,500."""
    if kr >= 1e9:
        return f"DKK {kr / 1e9:g} bn"
    if kr >= 1e6:
        return f"DKK {kr / 1e6:g} m"
    return f"DKK {kr:,.0f}"
