"""Effective dates: when a change takes effect in the organisation, and how precisely we know it.

The sources give dates at many precisions: "1. januar 2026", "maj 2025", "1. halvår 2026",
"forventeligt i 2030". An :class:`EffectiveDate` keeps the precision and whether the date is exact,
approximate, expected or only an upper bound, plus the source's own words. For ordering and "as of"
queries a change counts from the first day of its period (``date``).

This is the *effective* time. The time an event was *recorded* is the event store's own timestamp
and is never mixed with this one.
"""

from __future__ import annotations

import datetime as dt
import re
from enum import StrEnum
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    ConfigDict,
    GetJsonSchemaHandler,
    ValidationInfo,
    WithJsonSchema,
    model_validator,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, PydanticCustomError

from orgevents.sources import Words, is_stored


class Precision(StrEnum):
    DAY = "day"
    MONTH = "month"
    QUARTER = "quarter"
    HALF_YEAR = "half-year"
    YEAR = "year"


class Qualifier(StrEnum):
    EXACT = "exact"
    APPROXIMATE = "approximate"  # "ca.", "omkring"
    EXPECTED = "expected"  # "forventeligt": expected, not yet enacted
    PLANNED = "planned"  # decided or proposed for a future date, not yet enacted
    ON_OR_BEFORE = "on-or-before"  # "already in place by then"; the real date is earlier


_SHORTHAND = re.compile(
    r"^(?P<approx>~)?(?P<year>\d{4})"
    r"(?:-(?:(?P<month>\d{2})(?:-(?P<day>\d{2}))?|Q(?P<quarter>[1-4])|H(?P<half>[12])))?$"
)


FIRST_YEAR, LAST_YEAR = 1000, 9998
"""The years an effective date may fall in: every view can show the day before, the period
after and the end of any period in them."""

_SHORTHAND_SCHEMA: dict[str, Any] = {
    "anyOf": [
        {
            "type": "string",
            "pattern": _SHORTHAND.pattern,
            "description": "YYYY-MM-DD, YYYY-MM, YYYY-Qn, YYYY-Hn or YYYY; a leading ~ means "
            f"about; years {FIRST_YEAR} to {LAST_YEAR}",
        },
        {
            "type": "integer",
            "minimum": FIRST_YEAR,
            "maximum": LAST_YEAR,
            "description": "a year",
        },
    ]
}


def parse_date(text: str) -> dt.date:
    """Parse a strict ``YYYY-MM-DD`` date, as the CLI's ``--at`` takes it."""
    from orgevents.days import parse_day

    return parse_day(text)


class EffectiveDate(BaseModel):
    """When a change takes effect.

    Written in a load file either as a shorthand string or as a mapping:

    - ``2026-01-01`` (day), ``2025-05`` (month), ``2026-Q1`` (quarter), ``2026-H1`` (half-year),
      ``2030`` (year); a leading ``~`` marks it approximate: ``~2030``.
    - ``{date: 2030, qualifier: expected, text: "forventeligt i 2030"}``.

    Years run from :data:`FIRST_YEAR` to :data:`LAST_YEAR`.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    date: Annotated[dt.date, WithJsonSchema(_SHORTHAND_SCHEMA)]
    precision: Precision = Precision.DAY
    qualifier: Qualifier = Qualifier.EXACT
    text: Words | None = None

    @model_validator(mode="before")
    @classmethod
    def _from_shorthand(cls, value: Any) -> Any:
        if isinstance(value, dt.datetime):
            raise ValueError("give a date, not a date and time")
        if isinstance(value, dt.date):
            return {"date": value}
        if isinstance(value, int | str):
            return _parse_shorthand(str(value))
        if isinstance(value, dict) and isinstance(value.get("date"), int | str):
            parsed = _parse_shorthand(str(value["date"]))
            merged = {**parsed, **{k: v for k, v in value.items() if k != "date"}}
            merged["date"] = parsed["date"]
            if "precision" not in value:
                merged["precision"] = parsed["precision"]
            return merged
        return value

    @model_validator(mode="after")
    def _in_range(self, info: ValidationInfo) -> EffectiveDate:
        if not FIRST_YEAR <= self.date.year <= LAST_YEAR and not is_stored(info):
            raise PydanticCustomError(
                "date-range",
                "{date} is outside the years {first} to {last}, which every view can show",
                {"date": self.date.isoformat(), "first": FIRST_YEAR, "last": LAST_YEAR},
            )
        return self

    @classmethod
    def __get_pydantic_json_schema__(
        cls, core_schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        return {"anyOf": [*_SHORTHAND_SCHEMA["anyOf"], handler(core_schema)]}

    @property
    def end(self) -> dt.date:
        """The last day of the period this date names."""
        d = self.date
        if self.precision is Precision.DAY:
            return d
        if self.precision is Precision.MONTH:
            months = 1
        elif self.precision is Precision.QUARTER:
            months = 3
        elif self.precision is Precision.HALF_YEAR:
            months = 6
        else:
            months = 12
        month_index = d.month - 1 + months
        first_after = dt.date(d.year + month_index // 12, month_index % 12 + 1, 1)
        return first_after - dt.timedelta(days=1)

    @property
    def is_planned(self) -> bool:
        """Expected or planned: not (yet) enacted."""
        return self.qualifier in (Qualifier.EXPECTED, Qualifier.PLANNED)

    @property
    def is_exact(self) -> bool:
        return self.precision is Precision.DAY and self.qualifier is Qualifier.EXACT

    def __str__(self) -> str:
        d = self.date
        if self.precision is Precision.DAY:
            text = d.isoformat()
        elif self.precision is Precision.MONTH:
            text = f"{d.year}-{d.month:02d}"
        elif self.precision is Precision.QUARTER:
            text = f"{d.year}-Q{(d.month - 1) // 3 + 1}"
        elif self.precision is Precision.HALF_YEAR:
            text = f"{d.year}-H{(d.month - 1) // 6 + 1}"
        else:
            text = str(d.year)
        prefix = {
            Qualifier.EXACT: "",
            Qualifier.APPROXIMATE: "~",
            Qualifier.EXPECTED: "expected ",
            Qualifier.PLANNED: "planned ",
            Qualifier.ON_OR_BEFORE: "by ",
        }[self.qualifier]
        return prefix + text


def _parse_shorthand(text: str) -> dict[str, Any]:
    m = _SHORTHAND.match(text.strip())
    if not m:
        raise ValueError(
            f"{text!r} is not an effective date; "
            "write YYYY-MM-DD, YYYY-MM, YYYY-Qn, YYYY-Hn or YYYY"
        )
    year = int(m["year"])
    result: dict[str, Any] = {}
    if m["approx"]:
        result["qualifier"] = Qualifier.APPROXIMATE
    try:
        if m["day"]:
            result |= {"date": dt.date(year, int(m["month"]), int(m["day"])), "precision": "day"}
        elif m["month"]:
            result |= {"date": dt.date(year, int(m["month"]), 1), "precision": "month"}
        elif m["quarter"]:
            month = 3 * (int(m["quarter"]) - 1) + 1
            result |= {"date": dt.date(year, month, 1), "precision": "quarter"}
        elif m["half"]:
            month = 6 * (int(m["half"]) - 1) + 1
            result |= {"date": dt.date(year, month, 1), "precision": "half-year"}
        else:
            result |= {"date": dt.date(year, 1, 1), "precision": "year"}
    except ValueError as exc:
        raise ValueError(f"{text!r} is not a valid date: {exc}") from None
    return result
