"""The query parameters the read endpoints share: ``at`` (the effective date to answer for) and
``known_at`` (answer from only the events recorded up to then)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated

from fastapi import Path, Query
from pydantic import BeforeValidator

from orgevents.dates import parse_date

_TZ_SPACE = re.compile(r"(T?\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?) (\d{2}:?\d{2})$")


def _day(value: object) -> object:
    return parse_date(value) if isinstance(value, str) else value


def _recorded_time(value: object) -> object:
    """A date (the end of that day, UTC) or an ISO date-time (UTC if it names no zone)."""
    if not isinstance(value, str):
        return value
    text = value.strip()
    if len(text) == 10:
        return parse_date(text)
    # A "+" in a query string arrives as a space: 2026-01-01T12:00:00 01:00 means +01:00.
    text = _TZ_SPACE.sub(r"\1+\2", text).replace("Z", "+00:00")
    try:
        when = dt.datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(
            f"{value!r} is neither a date (YYYY-MM-DD) nor a date-time "
            "(YYYY-MM-DDTHH:MM[:SS][+HH:MM])"
        ) from None
    return when if when.tzinfo else when.replace(tzinfo=dt.UTC)


Day = Annotated[dt.date, BeforeValidator(_day)]
RecordedTime = Annotated[dt.datetime | dt.date, BeforeValidator(_recorded_time)]

At = Annotated[
    Day | None,
    Query(
        description="The effective date to answer for, YYYY-MM-DD [default: today].",
        examples=["2026-01-01"],
    ),
]
KnownAt = Annotated[
    RecordedTime | None,
    Query(
        description="Answer from only the events recorded up to then: a date (up to the end of "
        "that day, UTC) or a date-time (UTC unless it names a zone) [default: everything "
        "recorded].",
        examples=["2026-11-24", "2026-11-24T12:00:00Z"],
    ),
]
Planned = Annotated[
    bool,
    Query(
        description="Include expected and planned changes (marked as such) "
        "[default: enacted only].",
    ),
]
From = Annotated[
    Day,
    Query(
        alias="from",
        description="Changes effective after this date (YYYY-MM-DD) ...",
        examples=["2025-12-31"],
    ),
]
To = Annotated[
    Day,
    Query(
        alias="to",
        description="... up to and including this date (YYYY-MM-DD).",
        examples=["2026-01-01"],
    ),
]
ScopeRoot = Annotated[
    str | None,
    Query(
        max_length=200,
        description="Only this unit, the units under it and what they hold, as the organisation "
        "stood on the date(s) asked (as --root).",
        examples=["biu"],
    ),
]
ScopeDepth = Annotated[
    int | None,
    Query(
        ge=0,
        le=10_000,
        description="Only this many levels below ``root`` (without ``root``: below the units at "
        "the top) (as --depth).",
    ),
]
Key = Annotated[
    str,
    Path(
        description="The id of a unit, responsibility, decision or document (look units and "
        "responsibilities up with /api/find).",
        examples=["stu"],
        max_length=200,
    ),
]


def day_or_today(at: dt.date | None) -> dt.date:
    return at if at is not None else dt.date.today()
