"""Effective dates: when a change takes effect in the organisation, and how precisely we know it.

The sources give dates at many precisions: "1. januar 2026", "maj 2025", "1. halvår 2026",
"forventeligt i 2030". An :class:`EffectiveDate` keeps the precision and whether the date is exact,
approximate, expected or only an upper bound, plus the source's own words. It may also be an
EDTF-style interval ("some time between D1 and D2": ``1995-01-03/1996-12-31``), have an open end
(``../2026-06``, ``2026-01/..``) or be uncertain (``2026-03?``; ``%`` is uncertain and approximate).

:data:`COUNTING_RULE` is the one rule for ordering and "as of" queries: a change counts from the
first day its date names (``date``). Answers that rest on an interval, an open end or an uncertain
date say so: ``str()`` of such a date ends in "(uncertain: counted from YYYY-MM-DD)".

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
    Field,
    GetJsonSchemaHandler,
    SerializerFunctionWrapHandler,
    ValidationInfo,
    WithJsonSchema,
    model_serializer,
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


_PERIOD = (
    r"(?P<year>\d{4})"
    r"(?:-(?:(?P<month>\d{2})(?:-(?P<day>\d{2}))?|Q(?P<quarter>[1-4])|H(?P<half>[12])))?"
)
_SHORTHAND = re.compile(rf"^(?P<approx>~)?{_PERIOD}$")
"""The forms of ``orgevents/1`` before intervals: parsed without the EDTF parser."""

_MARK = r"[?~%]"
_END = rf"(?:~?\d{{4}}(?:-(?:\d{{2}}(?:-\d{{2}})?|Q[1-4]|H[12]))?{_MARK}?)"
_EXTENDED = re.compile(rf"^(?:{_END}|(?:{_END}|\.\.)/(?:{_END}|\.\.))$")
"""Every form a load file may write: one date, or an interval ``D1/D2`` whose ends may be open
(``..``); each date may carry ``?`` (uncertain), ``~`` (approximate) or ``%`` (both)."""

_BOUND = re.compile(rf"^(?P<approx>~)?{_PERIOD}(?P<mark>{_MARK})?$")

FIRST_YEAR, LAST_YEAR = 1000, 9998
"""The years an effective date may fall in: every view can show the day before, the period
after and the end of any period in them."""

COUNTING_RULE = (
    "A change counts, in every as-of answer and in the order of changes, from the first day its "
    "date names: the first day of its month, quarter, half-year or year; of an interval's start "
    "(1995-01-03/1996-12-31 counts from 1995-01-03, 2026-01/.. from 2026-01-01); with an open "
    "start (../2026-06, like on-or-before) the first day of its end. ? ~ and % do not move it."
)
"""The one rule for how an imprecise date counts (README, "Dates")."""

_SHORTHAND_SCHEMA: dict[str, Any] = {
    "anyOf": [
        {
            "type": "string",
            "pattern": _EXTENDED.pattern,
            "description": "YYYY-MM-DD, YYYY-MM, YYYY-Qn, YYYY-Hn or YYYY; a leading ~ means "
            "about; EDTF-style, a trailing ? means uncertain, ~ approximate, % both; D1/D2 is "
            "an interval (some time between D1 and D2), .. an open end (../D2, D1/..); years "
            f"{FIRST_YEAR} to {LAST_YEAR}. {COUNTING_RULE}",
        },
        {
            "type": "integer",
            "minimum": FIRST_YEAR,
            "maximum": LAST_YEAR,
            "description": "a year",
        },
    ]
}


COUNTED_NOTE = "uncertain: counted from"
"""What a date that the counting rule decides says after itself: "2026-03? (uncertain: counted
from 2026-03-01)"."""


def counted(since: str) -> tuple[str, str] | None:
    """A date as :class:`EffectiveDate` prints it, split into (as written, counted from) when the
    counting rule decides it (an interval, an open end or an uncertain date), else None."""
    written, note, day = since.partition(f" ({COUNTED_NOTE} ")
    return (written, day.rstrip(")")) if note else None


def parse_date(text: str) -> dt.date:
    """Parse a strict ``YYYY-MM-DD`` date, as the CLI's ``--at`` takes it."""
    from orgevents.days import parse_day

    return parse_day(text)


class OpenEnd(StrEnum):
    START = "start"  # ../D: some time up to D (like on-or-before)
    END = "end"  # D/..: some time from D on


def _period_end(d: dt.date, precision: Precision) -> dt.date:
    """The last day of the period that starts on ``d`` at ``precision``."""
    months = {
        Precision.DAY: 0,
        Precision.MONTH: 1,
        Precision.QUARTER: 3,
        Precision.HALF_YEAR: 6,
        Precision.YEAR: 12,
    }[precision]
    if not months:
        return d
    month_index = d.month - 1 + months
    first_after = dt.date(d.year + month_index // 12, month_index % 12 + 1, 1)
    return first_after - dt.timedelta(days=1)


def _period_text(d: dt.date, precision: Precision) -> str:
    if precision is Precision.DAY:
        return d.isoformat()
    if precision is Precision.MONTH:
        return f"{d.year}-{d.month:02d}"
    if precision is Precision.QUARTER:
        return f"{d.year}-Q{(d.month - 1) // 3 + 1}"
    if precision is Precision.HALF_YEAR:
        return f"{d.year}-H{(d.month - 1) // 6 + 1}"
    return str(d.year)


def _mark(approximate: bool, uncertain: bool) -> str:
    return "%" if approximate and uncertain else "?" if uncertain else "~" if approximate else ""


class IntervalEnd(BaseModel):
    """The latest end of an interval ``D1/D2``: D2, at its own precision."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    date: dt.date
    precision: Precision = Precision.DAY
    approximate: bool = False
    uncertain: bool = False

    @property
    def end(self) -> dt.date:
        return _period_end(self.date, self.precision)

    def __str__(self) -> str:
        return _period_text(self.date, self.precision) + _mark(self.approximate, self.uncertain)


class EffectiveDate(BaseModel):
    """When a change takes effect.

    Written in a load file either as a shorthand string or as a mapping:

    - ``2026-01-01`` (day), ``2025-05`` (month), ``2026-Q1`` (quarter), ``2026-H1`` (half-year),
      ``2030`` (year); a leading ``~`` marks it approximate: ``~2030``.
    - EDTF-style: a trailing ``?`` (uncertain), ``~`` (approximate) or ``%`` (both) on any of
      them; an interval ``1995-01-03/1996-12-31`` (some time between the two); open ends
      ``../2026-06`` (some time up to June 2026) and ``2026-01/..`` (some time from January 2026).
    - ``{date: 2030, qualifier: expected, text: "forventeligt i 2030"}``.

    ``date``, ``precision`` and the marks describe the interval's start (with an open start: its
    end); ``latest`` is the end of an interval. The change counts from ``date``
    (:data:`COUNTING_RULE`). Years run from :data:`FIRST_YEAR` to :data:`LAST_YEAR`.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    date: Annotated[dt.date, WithJsonSchema(_SHORTHAND_SCHEMA)]
    precision: Precision = Precision.DAY
    qualifier: Qualifier = Qualifier.EXACT
    text: Words | None = None
    uncertain: bool = Field(False, description="? or %: the sources are not sure of the date")
    latest: IntervalEnd | None = Field(
        None, description="D1/D2: the interval's end; the change happened some time up to it"
    )
    open: OpenEnd | None = Field(
        None, description="../D (start: some time up to D) or D/.. (end: some time from D on)"
    )

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
        if is_stored(info):
            return self
        for day in (self.date, self.latest.date if self.latest else self.date):
            if not FIRST_YEAR <= day.year <= LAST_YEAR:
                raise PydanticCustomError(
                    "date-range",
                    "{date} is outside the years {first} to {last}, which every view can show",
                    {"date": day.isoformat(), "first": FIRST_YEAR, "last": LAST_YEAR},
                )
        if self.latest is not None and self.open is not None:
            raise PydanticCustomError(
                "date-interval", "an interval has an end (latest) or an open end, not both"
            )
        if self.latest is not None and self.latest.end < self.date:
            raise PydanticCustomError(
                "date-interval",
                "{text}: the interval ends ({end}) before it starts ({start}); "
                "write the earlier date first",
                {
                    "text": self._written(),
                    "end": self.latest.end.isoformat(),
                    "start": self.date.isoformat(),
                },
            )
        if self.qualifier is Qualifier.ON_OR_BEFORE and (self.latest or self.open):
            raise PydanticCustomError(
                "date-interval",
                "{text}: an interval already says how early and how late it may be; leave out "
                "qualifier on-or-before (../D is some time up to D)",
                {"text": self._written()},
            )
        return self

    @model_serializer(mode="wrap")
    def _without_unused_forms(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        """Leave out the interval and uncertainty fields where unused: a date written before
        they existed is stored, hashed and exported exactly as before."""
        data: dict[str, Any] = handler(self)
        for name, unused in (("uncertain", False), ("latest", None), ("open", None)):
            if data.get(name) == unused:
                del data[name]
        return data

    @classmethod
    def __get_pydantic_json_schema__(
        cls, core_schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        return {"anyOf": [*_SHORTHAND_SCHEMA["anyOf"], handler(core_schema)]}

    @property
    def end(self) -> dt.date:
        """The last day of the period this date names (of an interval: of its end)."""
        if self.latest is not None:
            return self.latest.end
        return _period_end(self.date, self.precision)

    @property
    def is_planned(self) -> bool:
        """Expected or planned: not (yet) enacted."""
        return self.qualifier in (Qualifier.EXPECTED, Qualifier.PLANNED)

    @property
    def is_exact(self) -> bool:
        return (
            self.precision is Precision.DAY
            and self.qualifier is Qualifier.EXACT
            and not self.is_counted
        )

    @property
    def is_counted(self) -> bool:
        """An interval, an open end or an uncertain date: the answer is counted by the rule."""
        return self.uncertain or self.latest is not None or self.open is not None

    def _written(self) -> str:
        """The date as a load file writes it (EDTF-style for intervals and uncertain dates)."""
        period = _period_text(self.date, self.precision)
        approximate = self.qualifier is Qualifier.APPROXIMATE
        if not self.is_counted:
            return ("~" if approximate else "") + period
        first = period + _mark(approximate, self.uncertain)
        if self.open is OpenEnd.START:
            return f"../{first}"
        if self.open is OpenEnd.END:
            return f"{first}/.."
        if self.latest is not None:
            return f"{first}/{self.latest}"
        return first

    def __str__(self) -> str:
        prefix = {
            Qualifier.EXACT: "",
            Qualifier.APPROXIMATE: "",
            Qualifier.EXPECTED: "expected ",
            Qualifier.PLANNED: "planned ",
            Qualifier.ON_OR_BEFORE: "by ",
        }[self.qualifier]
        text = prefix + self._written()
        if self.is_counted:
            text += f" ({COUNTED_NOTE} {self.date.isoformat()})"
        return text


def _parse_shorthand(text: str) -> dict[str, Any]:
    text = text.strip()
    m = _SHORTHAND.match(text)
    if m:
        result = _period(m, text)
        if m["approx"]:
            result["qualifier"] = Qualifier.APPROXIMATE
        return result
    if not _EXTENDED.match(text):
        raise ValueError(
            f"{text!r} is not an effective date; "
            "write YYYY-MM-DD, YYYY-MM, YYYY-Qn, YYYY-Hn or YYYY, optionally with ? ~ or %, "
            "or an interval D1/D2 (.. for an open end)"
        )
    first, slash, last = text.partition("/")
    if not slash:
        return _bound(text, text)
    if first == last == "..":
        raise PydanticCustomError(
            "date-interval", "{text}: an interval needs at least one known end", {"text": text}
        )
    if first == "..":
        return _bound(last, text) | {"open": OpenEnd.START}
    if last == "..":
        return _bound(first, text) | {"open": OpenEnd.END}
    end = _bound(last, text)
    latest = {
        "date": end["date"],
        "precision": end["precision"],
        "approximate": end.get("qualifier") is Qualifier.APPROXIMATE,
        "uncertain": end.get("uncertain", False),
    }
    return _bound(first, text) | {"latest": latest}


def _period(m: re.Match[str], text: str) -> dict[str, Any]:
    year = int(m["year"])
    try:
        if m["day"]:
            return {"date": dt.date(year, int(m["month"]), int(m["day"])), "precision": "day"}
        if m["month"]:
            return {"date": dt.date(year, int(m["month"]), 1), "precision": "month"}
        if m["quarter"]:
            month = 3 * (int(m["quarter"]) - 1) + 1
            return {"date": dt.date(year, month, 1), "precision": "quarter"}
        if m["half"]:
            month = 6 * (int(m["half"]) - 1) + 1
            return {"date": dt.date(year, month, 1), "precision": "half-year"}
        return {"date": dt.date(year, 1, 1), "precision": "year"}
    except ValueError as exc:
        raise ValueError(f"{text!r} is not a valid date: {exc}") from None


def _bound(part: str, text: str) -> dict[str, Any]:
    """One date of an extended form: quarters and half-years here, the rest through EDTF."""
    m = _BOUND.match(part)
    assert m is not None  # _EXTENDED matched
    if m["approx"] and m["mark"]:
        core = part[1:-1]
        raise ValueError(f"{text!r}: one mark per date; {core}% is uncertain and approximate")
    mark = m["mark"] or ("~" if m["approx"] else "")
    if m["quarter"] or m["half"]:
        result = _period(m, text)
    else:
        result = _edtf(part.lstrip("~").rstrip("?~%"), text)
    if mark in ("~", "%"):
        result["qualifier"] = Qualifier.APPROXIMATE
    if mark in ("?", "%"):
        result["uncertain"] = True
    return result


def _edtf(part: str, text: str) -> dict[str, Any]:
    """A year, month or day read by the EDTF parser (the ``edtf`` package)."""
    from edtf import parse_edtf
    from edtf.parser.edtf_exceptions import EDTFParseException

    try:
        parsed = parse_edtf(part)
    except EDTFParseException:
        raise ValueError(f"{text!r}: {part} is not a valid date") from None
    year, month, day = (parsed.lower_strict()[i] for i in range(3))
    precision = "day" if parsed.day else "month" if parsed.month else "year"
    return {"date": dt.date(year, month, day), "precision": precision}
