"""Reading a day given on the command line or in a URL (``YYYY-MM-DD``), with errors that say
exactly what is wrong ("2026-02-30: February has 28 days in 2026"). Kept apart from
:mod:`orgevents.dates` (the effective dates of events) so a read command parses its dates
without loading the event models."""

from __future__ import annotations

import calendar
import datetime as dt
import re

_DAY = re.compile(r"(\d{4})-(\d{2})-(\d{2})")


def parse_day(text: str) -> dt.date:
    """A strict ``YYYY-MM-DD`` date; ValueError says what is wrong with it."""
    found = _DAY.fullmatch(text.strip())
    if found is None:
        raise ValueError(f"{text!r} is not a date of the form YYYY-MM-DD")
    year, month, day = (int(part) for part in found.groups())
    if year < 1:
        raise ValueError(f"{text}: there is no year 0")
    if not 1 <= month <= 12:
        raise ValueError(f"{text}: there is no month {month} (months run from 01 to 12)")
    days = calendar.monthrange(year, month)[1]
    if not 1 <= day <= days:
        name = calendar.month_name[month]
        raise ValueError(f"{text}: {name} has {days} days in {year}")
    return dt.date(year, month, day)
