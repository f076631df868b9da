"""Shared by the France tests: the dates they check and a small fold over converter entries."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

from orgevents.datasets.france import TYPE_OF_KIND
from orgevents.datasets.france_register import Row


def check_dates(rows: list[Row], busiest: int = 20) -> list[str]:
    """1 January of every year 1943–2026, and the day before and the day of the ``busiest``
    dates of the register (the waves of 1971–73, 2015–2019 …)."""
    days = {f"{year}-01-01" for year in range(1943, 2027)}
    for day, _ in Counter(r.date for r in rows).most_common(busiest):
        days.add(day)
        days.add((dt.date.fromisoformat(day) - dt.timedelta(days=1)).isoformat())
    return sorted(days)


def _end(entry: dict[str, Any]) -> bool:
    kind = entry["type"]
    return kind in ("UnitAbolished", "UnitMerged", "UnitAbsorbed") or (
        kind == "UnitSplit" and not entry.get("continues")
    )


def _day(effective: Any) -> str:
    return effective["date"] if isinstance(effective, dict) else str(effective)


def states_from_entries(
    entries: list[dict[str, Any]], days: list[str]
) -> dict[str, dict[tuple[str, str], str]]:
    """``{(type, code): name}`` of the communes and their sub-units in force on each day,
    reading only the entries (establishments, renames with their abbreviations, endings)."""
    units: dict[str, dict[str, Any]] = {}
    result: dict[str, dict[tuple[str, str], str]] = {}
    pending = sorted(days)
    changes = [e for e in entries if "effective" in e and "unit" in e]

    def snapshot() -> dict[tuple[str, str], str]:
        return {
            (TYPE_OF_KIND[u["kind"]], u["code"]): u["name"]
            for u in units.values()
            if u["alive"] and u["kind"] in TYPE_OF_KIND
        }

    for entry in changes:
        day = _day(entry["effective"])
        while pending and pending[0] < day:
            result[pending.pop(0)] = snapshot()
        unit = entry["unit"]
        if entry["type"] == "UnitEstablished":
            units[unit] = {
                "kind": entry["kind"],
                "code": entry.get("abbreviation"),
                "name": entry["name"],
                "alive": True,
            }
        elif entry["type"] == "UnitRenamed":
            units[unit]["name"] = entry["name"]
            if "abbreviation" in entry:
                units[unit]["code"] = entry["abbreviation"]
        elif _end(entry):
            units[unit]["alive"] = False
    for day in pending:
        result[day] = snapshot()
    return result
