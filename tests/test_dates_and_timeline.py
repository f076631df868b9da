"""Effective dates keep their precision; the temporal index answers "as of" by binary search."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from orgevents.dates import EffectiveDate, Precision, Qualifier, parse_date
from orgevents.projections.timeline import Timeline


@pytest.mark.parametrize(
    ("text", "start", "end", "precision"),
    [
        ("2026-01-01", dt.date(2026, 1, 1), dt.date(2026, 1, 1), Precision.DAY),
        ("2025-05", dt.date(2025, 5, 1), dt.date(2025, 5, 31), Precision.MONTH),
        ("2026-Q3", dt.date(2026, 7, 1), dt.date(2026, 9, 30), Precision.QUARTER),
        ("2026-H1", dt.date(2026, 1, 1), dt.date(2026, 6, 30), Precision.HALF_YEAR),
        ("2030", dt.date(2030, 1, 1), dt.date(2030, 12, 31), Precision.YEAR),
    ],
)
def test_shorthand_dates_keep_their_precision(text, start, end, precision):
    d = EffectiveDate.model_validate(text)
    assert (d.date, d.end, d.precision) == (start, end, precision)
    assert str(d) == text


def test_expected_and_approximate_dates_say_so():
    expected = EffectiveDate.model_validate(
        {"date": 2030, "qualifier": "expected", "text": "forventeligt i 2030"}
    )
    assert expected.qualifier is Qualifier.EXPECTED and expected.precision is Precision.YEAR
    assert str(expected) == "expected 2030"
    assert str(EffectiveDate.model_validate("~2025-05")) == "~2025-05"


@pytest.mark.parametrize("bad", ["2026-13", "2026-02-30", "26-01-01", "2026-H3", "soon"])
def test_bad_dates_are_refused(bad):
    with pytest.raises(ValidationError):
        EffectiveDate.model_validate(bad)


def test_the_cli_date_is_strict():
    assert parse_date("2026-01-01") == dt.date(2026, 1, 1)
    with pytest.raises(ValueError, match="YYYY-MM-DD"):
        parse_date("2026-1-1")


def test_a_timeline_answers_with_the_last_point_on_or_before_the_date():
    t: Timeline[str] = Timeline()
    t.add(dt.date(2026, 1, 1), 5, "renamed")
    t.add(dt.date(2020, 1, 1), 1, "first")
    t.add(dt.date(2026, 1, 1), 9, "renamed again the same day")
    assert t.at(dt.date(2019, 12, 31), "none") == "none"
    assert t.at(dt.date(2025, 12, 31), "none") == "first"
    assert t.at(dt.date(2026, 1, 1), "none") == "renamed again the same day"


points = st.lists(
    st.tuples(st.dates(dt.date(2000, 1, 1), dt.date(2040, 1, 1)), st.integers(0, 1000)),
    max_size=40,
)


@given(points, st.dates(dt.date(1999, 1, 1), dt.date(2041, 1, 1)))
def test_a_timeline_agrees_with_replaying_every_point(pts, on):
    t: Timeline[int] = Timeline()
    for position, (when, value) in enumerate(pts):
        t.add(when, position, value)
    applicable = sorted(
        (when, position, value) for position, (when, value) in enumerate(pts) if when <= on
    )
    replay = applicable[-1][2] if applicable else None
    assert t.at(on, None) == replay
