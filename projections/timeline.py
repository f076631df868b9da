"""The temporal index: per key, the points at which its value changes, and the value as of a date.

A change point is ``(effective date, recorded position, value)``. Points are kept sorted, so the
value as of ``D`` is one binary search: the last point with effective ≤ D, ties broken by recorded
order. Backdated events recorded later slot into place. This is the in-memory form of the index;
an SQL form of the same points can serve very large stores.
"""

from __future__ import annotations

import bisect
import datetime as dt
from typing import Generic, TypeVar

V = TypeVar("V")

_MAX_POS = 2**62


class Timeline(Generic[V]):
    """The change points of one key."""

    __slots__ = ("_points", "_values")

    def __init__(self) -> None:
        self._points: list[tuple[dt.date, int]] = []
        self._values: list[V] = []

    def add(self, on: dt.date, position: int, value: V) -> None:
        i = bisect.bisect_right(self._points, (on, position))
        self._points.insert(i, (on, position))
        self._values.insert(i, value)

    def at(self, on: dt.date, default: V) -> V:
        """The value as of ``on`` (inclusive), or ``default`` before the first point."""
        i = bisect.bisect_right(self._points, (on, _MAX_POS))
        return self._values[i - 1] if i else default

    def first_point(self) -> tuple[dt.date, int] | None:
        """(effective date, position) of the first point."""
        return self._points[0] if self._points else None

    def first_date(self) -> dt.date | None:
        return self._points[0][0] if self._points else None

    def dates(self) -> list[dt.date]:
        return [d for d, _ in self._points]

    def __len__(self) -> int:
        return len(self._points)
