"""Reading the bundled INSEE register (Code officiel géographique 2026) of France's communes.

The files sit gzipped in ``orgevents/data/france-communes/`` (see its ``SOURCE.md``). A row of
``mouvements-communes.csv`` links a unit as it was before a change (``_AV``) to a unit after it
(``_AP``); a unit is a type (``COM``, ``COMA``, ``COMD``, ``ARM``) and an INSEE code.
"""

from __future__ import annotations

import csv
import gzip
import io
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

FOLDER = "data/france-communes"
MOVEMENTS = "mouvements-communes.csv.gz"
COMMUNES = "communes.csv.gz"
DEPARTEMENTS = "departements.csv"

MOD_ORDER = ("41", "20", "21", "30", "31", "32", "33", "34", "35", "70", "71", "72", "50", "10")
"""The order in which the changes of one day follow each other, where the register's rows of
one day name a unit twice: a commune moves to another département and then merges (41 before
32); a commune nouvelle's delegated communes are made and then suppressed the same day (32
before 35); a commune absorbs its associated commune and is then renamed (34 before 10) or
recoded (35 before 50)."""

UnitRef = tuple[str, str]
"""``(type, code)``: ``("COM", "01001")``."""


@dataclass(frozen=True)
class Row:
    """One row of the register of changes; ``line`` is its line number in the CSV file."""

    line: int
    text: str
    mod: str
    date: str
    before: UnitRef | None
    before_name: str
    after: UnitRef | None
    after_name: str


def data_path(name: str) -> Path:
    return Path(str(resources.files("orgevents").joinpath(FOLDER, name)))


def _text(name: str) -> str:
    data = data_path(name).read_bytes()
    if name.endswith(".gz"):
        data = gzip.decompress(data)
    return data.decode("utf-8")


def movements() -> list[Row]:
    """Every row of the register, in file order (newest first), with its line number."""
    text = _text(MOVEMENTS)
    lines = text.splitlines()
    rows = []
    for i, rec in enumerate(csv.DictReader(io.StringIO(text)), start=2):
        before = (rec["TYPECOM_AV"], rec["COM_AV"]) if rec["TYPECOM_AV"] else None
        after = (rec["TYPECOM_AP"], rec["COM_AP"]) if rec["TYPECOM_AP"] else None
        rows.append(
            Row(
                line=i,
                text=lines[i - 1],
                mod=rec["MOD"],
                date=rec["DATE_EFF"],
                before=before,
                before_name=rec["LIBELLE_AV"],
                after=after,
                after_name=rec["LIBELLE_AP"],
            )
        )
    return rows


def by_date(rows: list[Row]) -> dict[str, list[Row]]:
    """The rows of each effective date."""
    days: dict[str, list[Row]] = defaultdict(list)
    for row in rows:
        days[row.date].append(row)
    return days


def communes_2026() -> Iterator[tuple[int, str, dict[str, str]]]:
    """``(line, text, record)`` of every unit in force on 1 January 2026."""
    text = _text(COMMUNES)
    lines = text.splitlines()
    for i, rec in enumerate(csv.DictReader(io.StringIO(text)), start=2):
        yield i, lines[i - 1], rec


def departements_2026() -> dict[str, tuple[int, str, str]]:
    """Département code -> ``(line, text, name)`` for the départements of 2026."""
    text = _text(DEPARTEMENTS)
    lines = text.splitlines()
    return {
        rec["DEP"]: (i, lines[i - 1], rec["LIBELLE"])
        for i, rec in enumerate(csv.DictReader(io.StringIO(text)), start=2)
    }


def departement_of(code: str) -> str:
    """The département part of a commune code: ``01``, ``2A``, ``971``."""
    return code[:3] if code.startswith("97") else code[:2]
