"""A deterministic synthetic history: N municipalities × Y years of reorganisations.

Run: ``.venv/bin/python bench/generate.py --municipalities 100 --years 50 -o history.jsonl``

Every municipality starts with a council, committees, one administration per committee, centres
and offices, and responsibilities held by a committee (authority) and a centre or office
(performer). Then, year after year, it renames, moves, establishes, abolishes, merges, splits and
absorbs units and transfers, defines and abolishes responsibilities — each change obeying the
domain rules as ``orgevents`` checks them (a unit exists on the date of its change; nothing comes
after its end; parents are in force; transfers name the current holders; responsibilities leave a
unit before it ends), so the file loads through the normal checks. A few renames are recorded a
year late (backdated) and a few (``--corrections``, a share of the renames) are corrected the
next year (``EventCorrected``).

The output is JSON Lines: a header line ``{"format": "orgevents/1", ...}``, then one entry per
line, in recorded order (year by year, municipality by municipality, by effective date). The same
``--seed`` and sizes give the same file, byte for byte. ``orgevents bulk-load`` streams it.

Sizes: ``--units`` is the number of units a municipality keeps in force (about; the yearly
changes balance establishments against endings) and ``--changes`` the changes per municipality
per year; events ≈ municipalities × (setup + years × (changes + extra events of merges/splits)).
``--events N`` picks ``--years`` to reach about N events. 1 M events with ~10 k live units at the
end: ``--municipalities 100 --units 100 --changes 150 --events 1000000`` (46 years, 1980–2025).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

WORDS = [
    "Børn",
    "Unge",
    "Skole",
    "Sundhed",
    "Omsorg",
    "Kultur",
    "Fritid",
    "Teknik",
    "Miljø",
    "Beskæftigelse",
    "Integration",
    "Økonomi",
    "Byggeri",
    "Trafik",
    "Natur",
    "Ældre",
    "Handicap",
    "Digitalisering",
    "Borgerservice",
    "Erhverv",
]
LEVEL_KIND = {0: "council", 1: "committee", 2: "administration", 3: "centre", 4: "office"}
LEVEL_WORD = {3: "Center for", 4: "Kontor for"}


@dataclass
class UnitState:
    key: str
    level: int
    parent: str | None
    established: dt.date
    last_change: dt.date
    children: set[str] = field(default_factory=set)
    renames: list[str] = field(default_factory=list)  # entry keys of its renames
    received: dt.date = dt.date.min  # the last day a unit was merged or absorbed into it


@dataclass
class RespState:
    key: str
    defined: dt.date
    holders: dict[str, str]  # role -> unit
    last_change: dt.date


class Municipality:
    """One municipality's organisation as the generator evolves it, in effective-date order."""

    def __init__(self, gen: Generator, number: int, start: dt.date) -> None:
        self.gen = gen
        self.rng = gen.rng
        self.prefix = f"m{number:03d}"
        self.name = f"Kommune {number}"
        self.units: dict[str, UnitState] = {}
        self.resps: dict[str, RespState] = {}
        self.counter = 0
        self.year = start.year
        self.decision: str | None = None
        self.document = ""
        self.pending_corrections: list[tuple[str, str, dict[str, Any]]] = []

    # --- helpers ---------------------------------------------------------------------------

    def _id(self, kind: str) -> str:
        self.counter += 1
        return f"{self.prefix}-{kind}{self.counter}"

    def _entry(self, type_: str, on: dt.date | None, **fields: Any) -> dict[str, Any]:
        self.counter += 1
        entry: dict[str, Any] = {"type": type_, "key": f"{self.prefix}-e{self.counter}"}
        if on is not None:
            entry["effective"] = on.isoformat()
            entry["sources"] = [{"document": self.document, "locator": f"s. {self.counter % 97}"}]
            if self.decision and type_ not in ("DecisionMade",):
                entry["decision"] = self.decision
        entry.update(fields)
        return entry

    def _words(self) -> str:
        return f"{self.rng.choice(WORDS)} og {self.rng.choice(WORDS)}".lower().capitalize()

    def live(self, level: int) -> list[str]:
        return sorted(k for k, u in self.units.items() if u.level == level)

    # --- primitive changes (each one event, each checked the way orgevents checks it) ------

    def establish(self, on: dt.date, level: int, parent: str | None) -> Iterator[dict[str, Any]]:
        key = self._id("u")
        if level == 0:
            name = f"{self.name}s Byråd"
        elif level == 1:
            name = f"{self._words()}udvalget"
        elif level == 2:
            name = f"{self._words()}forvaltningen"
        else:
            name = f"{LEVEL_WORD[level]} {self._words()}"
        fields: dict[str, Any] = {"unit": key, "name": name, "kind": LEVEL_KIND[level]}
        if level <= 2:
            fields["abbreviation"] = key.split("-")[1].upper()
        if parent is not None:
            fields["parent"] = parent
            self.units[parent].children.add(key)
            self.units[parent].last_change = max(self.units[parent].last_change, on)
        if level >= 3 and self.rng.random() < 0.05:
            fields["figures"] = [self._figure(on)]
        self.units[key] = UnitState(key, level, parent, on, on)
        yield self._entry("UnitEstablished", on, **fields)

    def _figure(self, on: dt.date) -> dict[str, Any]:
        return {
            "metric": "fte",
            "value": self.rng.randint(3, 400),
            "year": on.year,
            "sources": [{"document": self.document, "locator": "Tabel 1"}],
        }

    def rename(self, on: dt.date, unit: str) -> Iterator[dict[str, Any]]:
        u = self.units[unit]
        word = LEVEL_WORD.get(u.level, "")
        name = f"{word} {self._words()}".strip()
        if u.level == 1:
            name = f"{self._words()}udvalget"
        elif u.level == 2:
            name = f"{self._words()}forvaltningen"
        entry = self._entry("UnitRenamed", on, unit=unit, name=name)
        u.last_change = max(u.last_change, on)
        u.renames.append(entry["key"])
        if self.rng.random() < self.gen.corrections:  # corrected next year (misread name)
            self.pending_corrections.append((unit, entry["key"], dict(entry)))
        yield entry

    def move(self, on: dt.date, unit: str, parent: str) -> Iterator[dict[str, Any]]:
        u = self.units[unit]
        if u.parent is not None:
            self.units[u.parent].children.discard(unit)
        u.parent = parent
        u.last_change = max(u.last_change, on)
        self.units[parent].children.add(unit)
        yield self._entry("UnitMoved", on, unit=unit, parent=parent)

    def transfer(self, on: dt.date, resp: str, role: str, to: str) -> Iterator[dict[str, Any]]:
        r = self.resps[resp]
        frm = r.holders[role]
        r.holders[role] = to
        r.last_change = max(r.last_change, on)
        yield self._entry(
            "ResponsibilityTransferred",
            on,
            responsibility=resp,
            role=role,
            from_units=[frm],
            to_unit=to,
        )

    def hand_over(self, on: dt.date, unit: str, to: str) -> Iterator[dict[str, Any]]:
        """Every responsibility ``unit`` holds passes to ``to`` (before ``unit`` ends)."""
        for resp in sorted(self.resps):
            for role, holder in sorted(self.resps[resp].holders.items()):
                if holder == unit:
                    yield from self.transfer(on, resp, role, to)

    def end(
        self, on: dt.date, unit: str, how: str, into: str | list[str] | None = None
    ) -> Iterator[dict[str, Any]]:
        u = self.units.pop(unit)
        assert not u.children, (unit, u.children)
        assert u.last_change <= on
        if u.parent is not None and u.parent in self.units:
            self.units[u.parent].children.discard(unit)
        fields: dict[str, Any] = {"unit": unit}
        if into is not None:
            fields["into"] = into
            for target in [into] if isinstance(into, str) else into:
                self.units[target].received = on
        yield self._entry(how, on, **fields)

    def define(self, on: dt.date) -> Iterator[dict[str, Any]]:
        committees, performers = self.live(1), self.live(3) + self.live(4)
        if not committees or not performers:
            return
        key = self._id("r")
        yield self._entry(
            "ResponsibilityDefined",
            on,
            responsibility=key,
            name=f"Opgaven {self._words().lower()}",
            scope=f"{self._words()} i {self.name}",
        )
        holders = {
            "authority": self.rng.choice(committees),
            "performer": self.rng.choice(performers),
        }
        self.resps[key] = RespState(key, on, holders, on)
        for role, unit in holders.items():
            yield self._entry(
                "ResponsibilityAssigned", on, responsibility=key, unit=unit, role=role
            )

    # --- the history -----------------------------------------------------------------------

    def setup(self, on: dt.date, units: int) -> Iterator[dict[str, Any]]:
        self.document = f"{self.prefix}-doc-{on.year}"
        yield self._entry(
            "DocumentRegistered",
            None,
            document=self.document,
            title=f"{self.name}: styrelsesvedtægt {on.year}",
            location=f"{self.prefix}/{on.year}.pdf",
        )
        council = yield from self._establish_key(on, 0, None)
        committees = 5
        for _ in range(committees):
            committee = yield from self._establish_key(on, 1, council)
            yield from self._establish_key(on, 2, committee)
        centres_per = max(1, (units - 1 - 2 * committees) // (committees * 4))
        for admin in self.live(2):
            for _ in range(centres_per):
                yield from self._establish_key(on, 3, admin)
        centres = self.live(3)
        while len(self.units) < units:
            yield from self._establish_key(on, 4, self.rng.choice(centres))
        for _ in range(max(3, units // 2)):
            yield from self.define(on)

    def _establish_key(
        self, on: dt.date, level: int, parent: str | None
    ) -> Iterator[dict[str, Any]]:
        key = ""
        for entry in self.establish(on, level, parent):
            key = entry["unit"]
            yield entry
        return key

    def year_of_changes(self, year: int, changes: int, units: int) -> Iterator[dict[str, Any]]:
        rng = self.rng
        jan1 = dt.date(year, 1, 1)
        self.document = f"{self.prefix}-doc-{year}"
        yield self._entry(
            "DocumentRegistered",
            None,
            document=self.document,
            title=f"{self.name}: budget og organisering {year}",
            location=f"{self.prefix}/{year}.pdf",
        )
        self.decision = None
        decision = self._id("d")
        yield self._entry(
            "DecisionMade",
            dt.date(year - 1, 10, 1),
            id=decision,
            kind="budget",
            title=f"Budget {year}",
            body=self.live(0)[0],
        )
        self.decision = decision
        yield from self._corrections()
        # backdated: renames that took effect last year, recorded only now
        for unit in rng.sample(self.live(4), k=min(1, len(self.live(4)))):
            u = self.units[unit]
            day = dt.date(year - 1, rng.randint(2, 12), 1)
            if u.established < day and u.last_change < jan1:
                yield from self.rename(day, unit)
        # the year's changes, by date: reorganisations on 1 January, the rest during the year
        days = sorted(
            jan1 + dt.timedelta(days=0 if rng.random() < 0.3 else rng.randint(1, 360))
            for _ in range(changes)
        )
        for on in days:
            yield from self._one_change(on, units)

    def _corrections(self) -> Iterator[dict[str, Any]]:
        pending, self.pending_corrections = self.pending_corrections, []
        for unit, target, original in pending:
            if unit not in self.units:
                continue
            replacement = dict(original)
            replacement["name"] = original["name"] + " (rettet)"
            yield self._entry(
                "EventCorrected",
                None,
                about=unit,
                corrects=target,
                replacement=replacement,
                reason="Navnet var fejllæst",
                sources=[{"document": self.document, "locator": "Rettelse"}],
            )

    def _one_change(self, on: dt.date, units: int) -> Iterator[dict[str, Any]]:
        rng = self.rng
        offices, centres = self.live(4), self.live(3)
        roll = rng.random()
        too_few = len(self.units) < units * 0.95
        too_many = len(self.units) > units * 1.05
        # only units established before today end today: a unit that starts and ends on one
        # day would make the units moved under it that day fail a later re-check; and a unit
        # that took another in today does not end today (the other would go into nothing)
        free = [
            k
            for k in offices
            if self.units[k].last_change <= on
            and self.units[k].established < on
            and self.units[k].received < on
        ]
        if roll < 0.30 and self.resps:  # transfer a responsibility
            resp = rng.choice(sorted(self.resps))
            role = "performer" if rng.random() < 0.8 else "authority"
            pool = (centres + offices) if role == "performer" else self.live(1)
            current = self.resps[resp].holders[role]
            pool = [u for u in pool if u != current]
            if pool:
                yield from self.transfer(on, resp, role, rng.choice(pool))
        elif roll < 0.45:  # rename
            candidates = offices + centres + self.live(2) + self.live(1)
            yield from self.rename(on, rng.choice(candidates))
        elif roll < 0.55 and len(centres) > 1 and offices:  # move an office to another centre
            unit = rng.choice(offices)
            others = [c for c in centres if c != self.units[unit].parent]
            yield from self.move(on, unit, rng.choice(others))
        elif roll < 0.60:  # move a centre to another administration
            admins = self.live(2)
            if centres and len(admins) > 1:
                unit = rng.choice(centres)
                others = [a for a in admins if a != self.units[unit].parent]
                yield from self.move(on, unit, rng.choice(others))
        elif roll < 0.68 or (too_few and roll < 0.80):  # establish an office
            if centres:
                yield from self.establish(on, 4, rng.choice(centres))
        elif roll < 0.72 and not too_few and free:  # abolish an office
            unit = rng.choice(free)
            if not self.units[unit].children:
                heir = self.units[unit].parent
                assert heir is not None
                yield from self.hand_over(on, unit, heir)
                yield from self.end(on, unit, "UnitAbolished")
        elif roll < 0.76 and len(free) >= 2 and not too_few:  # merge two offices into a new one
            a, b = rng.sample(free, 2)
            parent = self.units[a].parent
            new = yield from self._establish_key(on, 4, parent)
            for old in (a, b):
                yield from self.hand_over(on, old, new)
                yield from self.end(on, old, "UnitMerged", new)
        elif roll < 0.80 and free and not too_many:  # split an office in two
            unit = rng.choice(free)
            parent = self.units[unit].parent
            first = yield from self._establish_key(on, 4, parent)
            second = yield from self._establish_key(on, 4, parent)
            yield from self.hand_over(on, unit, first)
            yield from self.end(on, unit, "UnitSplit", [first, second])
        elif roll < 0.83 and len(free) >= 2 and not too_few:  # absorb an office into another
            unit, into = rng.sample(free, 2)
            yield from self.hand_over(on, unit, into)
            yield from self.end(on, unit, "UnitAbsorbed", into)
        elif roll < 0.85 and len(centres) >= 2 and not too_few:  # merge two centres
            a, b = rng.sample(centres, 2)
            if all(
                self.units[c].last_change <= on
                and self.units[c].established < on
                and self.units[c].received < on
                for c in (a, b)
            ):
                new = yield from self._establish_key(on, 3, self.units[a].parent)
                for old in (a, b):
                    for child in sorted(self.units[old].children):
                        yield from self.move(on, child, new)
                    yield from self.hand_over(on, old, new)
                    yield from self.end(on, old, "UnitMerged", new)
        elif roll < 0.90 and len(self.resps) < units // 2:  # a new responsibility
            yield from self.define(on)
        elif roll < 0.90 and len(self.resps) > 3:  # a responsibility ends
            resp = rng.choice(sorted(self.resps))
            r = self.resps.pop(resp)
            if r.last_change > on:
                self.resps[resp] = r
            else:
                yield self._entry("ResponsibilityAbolished", on, responsibility=resp)
        elif offices:  # figures
            unit = rng.choice(offices)
            self.units[unit].last_change = max(self.units[unit].last_change, on)
            yield self._entry("FiguresRecorded", on, unit=unit, figures=[self._figure(on)])


class Generator:
    def __init__(self, seed: int, corrections: float = 0.01) -> None:
        self.rng = random.Random(seed)
        self.corrections = corrections  # the share of renames corrected the next year


def generate(
    municipalities: int,
    years: int,
    units: int,
    changes: int,
    seed: int,
    start_year: int = 1970,
    corrections: float = 0.01,
) -> Iterator[dict[str, Any]]:
    """The entries, in recorded order."""
    gen = Generator(seed, corrections)
    towns = [Municipality(gen, n + 1, dt.date(start_year, 1, 1)) for n in range(municipalities)]
    for town in towns:
        yield from town.setup(dt.date(start_year, 1, 1), units)
    for year in range(start_year + 1, start_year + years + 1):
        for town in towns:
            yield from town.year_of_changes(year, changes, units)


def live_units(entries: list[dict[str, Any]]) -> int:
    alive: set[str] = set()
    for e in entries:
        if e["type"] == "UnitEstablished":
            alive.add(e["unit"])
        elif e["type"] in ("UnitAbolished", "UnitMerged", "UnitAbsorbed", "UnitSplit"):
            alive.discard(e["unit"])
    return len(alive)


def years_for(events: int, municipalities: int, units: int, changes: int) -> int:
    """About how many years give ``events`` events (measured: a municipality's set-up is about
    3.8 events per unit, and a year about 1.4 events per change)."""
    setup = municipalities * units * 3.8
    per_year = municipalities * changes * 1.37
    return max(1, round((events - setup) / per_year))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--municipalities", type=int, default=10)
    parser.add_argument("--years", type=int, default=None)
    parser.add_argument("--events", type=int, default=None, help="pick --years to reach ~N")
    parser.add_argument("--units", type=int, default=100, help="units in force per municipality")
    parser.add_argument("--changes", type=int, default=80, help="changes per municipality-year")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--last-year", type=int, default=2025)
    parser.add_argument(
        "--corrections", type=float, default=0.01, help="share of renames corrected later"
    )
    parser.add_argument("-o", "--output", type=Path, required=True)
    args = parser.parse_args(argv)
    years = args.years
    if years is None:
        target = args.events or 100_000
        years = years_for(target, args.municipalities, args.units, args.changes)
    start_year = args.last_year - years
    started = time.perf_counter()
    count, alive = write(
        args.output,
        args.municipalities,
        years,
        args.units,
        args.changes,
        args.seed,
        start_year,
        args.corrections,
    )
    print(
        f"{args.output}: {count} events, {args.municipalities} municipalities × {years} years "
        f"({start_year + 1}–{args.last_year}), {alive} units in force at the end "
        f"[{time.perf_counter() - started:.1f} s]",
        file=sys.stderr,
    )


def write(
    path: Path,
    municipalities: int,
    years: int,
    units: int,
    changes: int,
    seed: int,
    start: int,
    corrections: float = 0.01,
) -> tuple[int, int]:
    """Write the history as JSON Lines; return (events, units in force at the end)."""
    alive: set[str] = set()
    count = 0
    title = f"synthetic: {municipalities} municipalities × {years} years, seed {seed}"
    with path.open("w", encoding="utf-8") as out:
        out.write(json.dumps({"format": "orgevents/1", "title": title}) + "\n")
        for entry in generate(municipalities, years, units, changes, seed, start, corrections):
            out.write(json.dumps(entry, ensure_ascii=False) + "\n")
            count += 1
            if entry["type"] == "UnitEstablished":
                alive.add(entry["unit"])
            elif entry["type"] in ("UnitAbolished", "UnitMerged", "UnitAbsorbed", "UnitSplit"):
                alive.discard(entry["unit"])
    return count, len(alive)


if __name__ == "__main__":
    main()
