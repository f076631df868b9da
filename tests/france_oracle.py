"""The units in force on any date, by walking the register backwards from 2026 — the way the
COG is meant to be used, and independent of the converter's forward replay (tests compare them).

Start from ``communes.csv`` (1 January 2026) and undo the changes date by date, newest first: the
units a change made (its ``_AP`` side) are taken out and the units it found (its ``_AV`` side)
are put back, with the names they had. The changes of one day are undone in the reverse of the
order they follow each other (``MOD_ORDER``). One exception: a commune that receives an
associated or delegated commune it absorbs (MOD 34, 35) is named on the ``_AP`` side only,
although it existed before and goes on existing — it is not taken out.
"""

from __future__ import annotations

import datetime as dt

from orgevents.datasets.france_register import (
    MOD_ORDER,
    Row,
    UnitRef,
    by_date,
    communes_2026,
    movements,
)

RECEIVES = {"34", "35"}
"""Changes whose commune on the ``_AP`` side existed before: it absorbs the ``_AV`` unit."""

State = dict[UnitRef, str]


class Oracle:
    """``oracle.at(date)``: ``{(type, code): name}`` of the units in force on that date."""

    def __init__(self, rows: list[Row] | None = None) -> None:
        self.rows = rows if rows is not None else movements()
        self.by_date = by_date(self.rows)
        self.dates = sorted(self.by_date, reverse=True)
        self.final: State = {
            (rec["TYPECOM"], rec["COM"]): rec["LIBELLE"] for _, _, rec in communes_2026()
        }

    @classmethod
    def undo(cls, state: State, rows: list[Row]) -> State:
        """The state before the changes of one date, from the state after them: the changes of
        the day undone in the reverse of :data:`MOD_ORDER`."""
        for mod in reversed(MOD_ORDER):
            group = [row for row in rows if row.mod == mod]
            if group:
                state = cls.undo_one(state, group)
        return state

    @staticmethod
    def undo_one(state: State, rows: list[Row]) -> State:
        before = dict(state)
        for row in rows:
            if row.after is not None and not (row.mod in RECEIVES and row.after[0] == "COM"):
                before.pop(row.after, None)
        for row in rows:
            if row.before is not None:
                before[row.before] = row.before_name
        return before

    def at(self, day: dt.date | str) -> State:
        on = day if isinstance(day, str) else day.isoformat()
        state = self.final
        for date in self.dates:
            if date <= on:
                break
            state = self.undo(state, self.by_date[date])
        return state

    def first(self) -> State:
        """The units in force before the register's first change (1943-02-19)."""
        return self.at("1943-01-01")

    def states(self, days: list[str]) -> dict[str, State]:
        """The states on many dates in one backward walk."""
        wanted = sorted(set(days), reverse=True)
        result: dict[str, State] = {}
        state = self.final
        remaining = list(self.dates)
        for on in wanted:
            while remaining and remaining[0] > on:
                state = self.undo(state, self.by_date[remaining.pop(0)])
            result[on] = dict(state)
        return result
