"""France's communes, 1943–2026, from INSEE's register (Code officiel géographique 2026), as
orgevents load entries.

``entries()`` streams the whole history as load entries (plain dicts in the load format, one
event each), oldest first; ``python -m orgevents.datasets.france -o france.jsonl`` writes them as
a JSON Lines load file for ``orgevents bulk-load``; ``orgevents load --example france-communes``
loads them straight away. Source: INSEE, Code officiel géographique 2026 (Licence Ouverte 2.0).

The model (README, "France's communes"):

- ``fr`` (France, kind ``country``) → départements ``dep-01`` … → communes ``com-01001`` →
  their associated and delegated communes and municipal arrondissements (``coma-…``, ``comd-…``,
  ``arm-75101``). A unit's id is its type and INSEE code when it first appears; its
  ``abbreviation`` is always its current code. Regions are not in the register's history and are
  left out.
- The state before the first change (1943-02-19) is found by replaying the register: every unit
  the register first names on the ``_AV`` side, and every 2026 unit it never names, is established
  "on or before 1943-01-01".
- Each day's rows are replayed in :data:`MOD_ORDER`; within a group of rows the units on both
  sides go on (renamed where the name changed), units only on the ``_AV`` side end, units only on
  the ``_AP`` side start — but a commune that only receives (MOD 34, 35) goes on, and a commune
  whose only successors are its own sub-units (MOD 20 municipal arrondissements, MOD 72) goes on.
- Codes that change (MOD 41, new département; MOD 50, seat moved) keep the unit's id: a
  ``UnitRenamed`` gives the new code as abbreviation and a ``UnitMoved`` the new département.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from orgevents.datasets.france_register import (
    MOD_ORDER,
    Row,
    UnitRef,
    by_date,
    communes_2026,
    departement_of,
    departements_2026,
    movements,
)

ATTRIBUTION = "Source: INSEE, Code officiel géographique 2026"
MOVEMENTS_DOC = "insee-cog-2026-mouvements"
COMMUNES_DOC = "insee-cog-2026-communes"
DEPARTEMENTS_DOC = "insee-cog-2026-departements"
ROOT = "fr"
START = "1943-01-01"
"""Units in force before the first change are established on or before this day."""

PREFIX = {"COM": "com", "COMA": "coma", "COMD": "comd", "ARM": "arm"}
KIND = {
    "COM": "commune",
    "COMA": "commune-associee",
    "COMD": "commune-deleguee",
    "ARM": "arrondissement-municipal",
}
TYPE_OF_KIND = {kind: typ for typ, kind in KIND.items()}
KINDS: list[tuple[str, dict[str, str], int]] = [
    ("country", {"fr": "pays", "en": "country"}, 0),
    ("departement", {"fr": "département", "en": "department"}, 10),
    ("commune", {"fr": "commune", "en": "municipality"}, 20),
    ("commune-associee", {"fr": "commune associée", "en": "associated municipality"}, 30),
    ("commune-deleguee", {"fr": "commune déléguée", "en": "delegated municipality"}, 30),
    (
        "arrondissement-municipal",
        {"fr": "arrondissement municipal", "en": "municipal arrondissement"},
        30,
    ),
]
RECODES = {"41", "50"}
PARENT_GAPS = {"coma-55273": "com-55386"}
"""Sub-units whose commune the register's rows do not tell: in 1983 Madine (55245) was split
into Heudicourt-sous-les-Côtes (55245) and Nonsard-Lamarche (55386), and the rows link the
associated commune Lamarche-en-Woëvre (55273) only from Madine; ``communes.csv`` puts it under
Nonsard-Lamarche in 2026. The converter moves it there on the day of the split; the test checks
every other sub-unit's commune of 2026 against ``communes.csv``."""
RECEIVES = {"34", "35"}
QUOTE_LIMIT = 3900

Entry = dict[str, Any]


@dataclass
class Life:
    """What the converter knows of a unit id while replaying."""

    id: str
    type: str
    code: str
    name: str
    parent: str
    alive: bool = True


@dataclass
class Replay:
    """The forward replay: the units in force by (type, code), every id ever used."""

    current: dict[UnitRef, str] = field(default_factory=dict)
    lives: dict[str, Life] = field(default_factory=dict)
    children: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    departements: dict[str, str] = field(default_factory=dict)  # code -> id, in force
    reestablished: int = 0

    def new_id(self, ref: UnitRef) -> str:
        """The unit's id: type and code; an ended unit's id again if it last had this code (a
        new life of it); else a suffix ``.2``, ``.3`` …"""
        base = f"{PREFIX[ref[0]]}-{ref[1].lower()}"
        candidate, n = base, 1
        while True:
            life = self.lives.get(candidate)
            if life is None:
                return candidate
            if not life.alive and life.code == ref[1] and life.type == ref[0]:
                self.reestablished += 1
                return candidate
            n += 1
            candidate = f"{base}.{n}"


def _date(day: str, on_or_before: bool = False) -> Any:
    if on_or_before:
        return {
            "date": day,
            "qualifier": "on-or-before",
            "text": "in force before the register's first change (1943-02-19)",
        }
    return day


def _cite(rows: list[Row]) -> list[dict[str, str]]:
    rows = sorted({r.line: r for r in rows}.values(), key=lambda r: r.line)
    kept: list[Row] = []
    size = 0
    for row in rows:
        if kept and size + len(row.text) + 1 > QUOTE_LIMIT:
            break
        kept.append(row)
        size += len(row.text) + 1
    lines = ", ".join(str(r.line) for r in kept)
    more = len(rows) - len(kept)
    locator = f"mouvements-communes.csv line{'s' if len(kept) > 1 else ''} {lines}" + (
        f" (and {more} more)" if more else ""
    )
    return [
        {"document": MOVEMENTS_DOC, "locator": locator, "quote": "\n".join(r.text for r in kept)}
    ]


def documents() -> list[Entry]:
    common = {"type": "DocumentRegistered", "language": "fr", "published": "2026"}
    return [
        {
            **common,
            "key": MOVEMENTS_DOC,
            "document": MOVEMENTS_DOC,
            "title": "INSEE, Code officiel géographique 2026: mouvements des communes depuis 1943",
            "location": "orgevents/data/france-communes/mouvements-communes.csv.gz",
            "note": f"{ATTRIBUTION}. Licence Ouverte / Open Licence (Etalab) 2.0.",
        },
        {
            **common,
            "key": COMMUNES_DOC,
            "document": COMMUNES_DOC,
            "title": "INSEE, Code officiel géographique 2026: communes au 1er janvier 2026",
            "location": "orgevents/data/france-communes/communes.csv.gz",
            "note": f"{ATTRIBUTION}. Licence Ouverte / Open Licence (Etalab) 2.0.",
        },
        {
            **common,
            "key": DEPARTEMENTS_DOC,
            "document": DEPARTEMENTS_DOC,
            "title": "INSEE, Code officiel géographique 2026: départements au 1er janvier 2026",
            "location": "orgevents/data/france-communes/departements.csv",
            "note": f"{ATTRIBUTION}. Licence Ouverte / Open Licence (Etalab) 2.0.",
        },
    ]


def kinds() -> list[Entry]:
    return [
        {
            "type": "KindDeclared",
            "key": f"kind.{kind}",
            "kind": kind,
            "labels": labels,
            "level": level,
        }
        for kind, labels, level in KINDS
    ]


class Converter:
    """Replays the register forward and yields one load entry per event."""

    def __init__(self, rows: list[Row] | None = None) -> None:
        self.rows = rows if rows is not None else movements()
        self.by_date = by_date(self.rows)
        self.deps_2026 = departements_2026()
        self.replay = Replay()
        self.counts: dict[str, int] = defaultdict(int)
        self.mod_events: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        # the last day a département code is named: names of the codes gone by 2026
        self.dep_last: dict[str, str] = {}
        for row in self.rows:
            for ref in (row.before, row.after):
                if ref is not None:
                    dep = departement_of(ref[1])
                    self.dep_last[dep] = max(self.dep_last.get(dep, ""), row.date)

    # --- entries ---------------------------------------------------------------------------

    def _emit(self, entry: Entry, mod: str | None = None) -> Entry:
        self.counts[entry["type"]] += 1
        if mod is not None:
            self.mod_events[mod][entry["type"]] += 1
        return entry

    def _dep_name(self, code: str) -> str:
        if code in self.deps_2026:
            return self.deps_2026[code][2]
        return f"Département {code} (before {self.dep_last[code][:4]})"

    def _departement(self, code: str, day: str, rows: list[Row], initial: bool) -> list[Entry]:
        """The département's id, establishing it first where it is not in force."""
        if code in self.replay.departements:
            return []
        unit = f"dep-{code.lower()}"
        if unit in self.replay.lives:
            self.replay.reestablished += 1
        self.replay.departements[code] = unit
        self.replay.lives[unit] = Life(unit, "DEP", code, self._dep_name(code), ROOT)
        note = (
            "The name is the département's name of 2026 (COG 2026 départements); the register "
            "has no history of départements: the département is in force while communes are."
            if code in self.deps_2026
            else "A département code the register's communes had until "
            f"{self.dep_last[code]}; it has no département of that code in 2026, and the "
            "register names no départements, so it is named by its code."
        )
        if code in ("75", "78"):
            note += (
                " Before 1968 this code covered a larger département (Seine, Seine-et-Oise): its "
                "communes moved to 91–95 on 1968-01-01 (MOD 41 rows of 1967-12-31/1968-01-01)."
            )
        if code in self.deps_2026 and initial:
            line, text, _ = self.deps_2026[code]
            sources = [
                {
                    "document": DEPARTEMENTS_DOC,
                    "locator": f"departements.csv line {line}",
                    "quote": text,
                }
            ]
        else:
            sources = _cite(rows)
        return [
            self._emit(
                {
                    "type": "UnitEstablished",
                    "key": f"{unit}.{day}.established",
                    "unit": unit,
                    "name": self._dep_name(code),
                    "abbreviation": code,
                    "kind": "departement",
                    "parent": ROOT,
                    "effective": _date(day, initial),
                    "sources": sources,
                    "note": note,
                }
            )
        ]

    def _establish(
        self,
        ref: UnitRef,
        name: str,
        parent: str,
        day: str,
        rows: list[Row],
        mod: str | None,
        initial: bool = False,
        sources: list[dict[str, str]] | None = None,
    ) -> tuple[str, Entry]:
        unit = self.replay.new_id(ref)
        again = unit in self.replay.lives
        self.replay.lives[unit] = Life(unit, ref[0], ref[1], name, parent)
        self.replay.current[ref] = unit
        self.replay.children[parent].add(unit)
        entry: Entry = {
            "type": "UnitEstablished",
            "key": f"{unit}.{day}.established",
            "unit": unit,
            "name": name,
            "abbreviation": ref[1],
            "kind": KIND[ref[0]],
            "parent": parent,
            "effective": _date(day, initial),
            "sources": sources or _cite(rows),
        }
        if again:
            entry["note"] = "Re-established: a new life of the unit with this code."
        return unit, self._emit(entry, mod)

    def _end(
        self, unit: str, how: str, day: str, rows: list[Row], mod: str, into: list[str]
    ) -> Entry:
        life = self.replay.lives[unit]
        life.alive = False
        self.replay.current.pop((life.type, life.code), None)
        self.replay.children[life.parent].discard(unit)
        entry: Entry = {
            "type": how,
            "key": f"{unit}.{day}.ended",
            "unit": unit,
            "effective": day,
            "sources": _cite(rows),
        }
        if how == "UnitSplit":
            entry["into"] = into
        elif how in ("UnitMerged", "UnitAbsorbed"):
            entry["into"] = into[0]
        return self._emit(entry, mod)

    def _move(self, unit: str, parent: str, day: str, rows: list[Row], mod: str) -> Entry:
        life = self.replay.lives[unit]
        self.replay.children[life.parent].discard(unit)
        self.replay.children[parent].add(unit)
        life.parent = parent
        return self._emit(
            {
                "type": "UnitMoved",
                "key": f"{unit}.{day}.moved",
                "unit": unit,
                "parent": parent,
                "effective": day,
                "sources": _cite(rows),
            },
            mod,
        )

    def _rename(
        self, unit: str, name: str, code: str, day: str, rows: list[Row], mod: str, what: str
    ) -> Entry:
        life = self.replay.lives[unit]
        life.name = name
        entry: Entry = {
            "type": "UnitRenamed",
            "key": f"{unit}.{day}.{what}",
            "unit": unit,
            "name": name,
            "effective": day,
            "sources": _cite(rows),
        }
        if code != life.code:
            entry["abbreviation"] = code
            entry["note"] = f"INSEE code {life.code} becomes {code}."
            life.code = code
        return self._emit(entry, mod)

    # --- the state before 1943 -------------------------------------------------------------

    def initial(self) -> Iterator[Entry]:
        """Every unit the register first names on the ``_AV`` side, or never names although it
        is in force in 2026, established on or before 1943-01-01 with its name then."""
        seen: set[UnitRef] = set()
        first: dict[UnitRef, tuple[str, Row]] = {}
        for day in sorted(self.by_date):
            for mod in MOD_ORDER:
                group = [r for r in self.by_date[day] if r.mod == mod]
                found = {r.before for r in group if r.before is not None}
                for row in group:
                    if row.before is not None and row.before not in seen:
                        first.setdefault(row.before, (row.before_name, row))
                    ref = row.after
                    receives = mod in RECEIVES and ref is not None and ref[0] == "COM"
                    if ref is not None and ref not in seen and ref not in found and receives:
                        first.setdefault(ref, (row.after_name, row))
                seen |= found | {r.after for r in group if r.after is not None}
        named_2026: dict[UnitRef, tuple[int, str, dict[str, str]]] = {}
        for line, text, rec in communes_2026():
            ref = (rec["TYPECOM"], rec["COM"])
            named_2026[ref] = (line, text, rec)
        units: dict[UnitRef, tuple[str, list[dict[str, str]], list[Row]]] = {}
        for ref, (name, row) in first.items():
            units[ref] = (name, _cite([row]), [row])
        for ref, (line, text, rec) in named_2026.items():
            if ref not in seen:
                cite = {
                    "document": COMMUNES_DOC,
                    "locator": f"communes.csv line {line}",
                    "quote": text,
                }
                units[ref] = (rec["LIBELLE"], [cite], [])
        parents_2026 = {ref: rec["COMPARENT"] for ref, (_, _, rec) in named_2026.items()}
        yield self._emit(
            {
                "type": "UnitEstablished",
                "key": f"{ROOT}.established",
                "unit": ROOT,
                "name": "France",
                "abbreviation": "FR",
                "kind": "country",
                "effective": _date(START, True),
                "sources": [
                    {
                        "document": COMMUNES_DOC,
                        "locator": "communes.csv (the whole list)",
                        "quote": "The communes of France (COG 2026).",
                    }
                ],
                "note": "The root of the register's units; not itself in the register.",
            }
        )
        order = sorted(units, key=lambda ref: (ref[0] != "COM", ref[1], ref[0]))
        for ref in order:
            name, sources, rows = units[ref]
            if ref[0] == "COM":
                dep = departement_of(ref[1])
                yield from self._departement(dep, START, rows, True)
                parent = self.replay.departements[dep]
            else:
                # sub-units in force before 1943: municipal arrondissements of Paris and Lyon
                parent_code = parents_2026.get(ref) or ""
                parent = self.replay.current[("COM", parent_code)]
            _, entry = self._establish(
                ref, name, parent, START, [], None, initial=True, sources=sources
            )
            yield entry

    # --- the changes, day by day -----------------------------------------------------------

    def changes(self) -> Iterator[Entry]:
        for day in sorted(self.by_date):
            rows = self.by_date[day]
            entries: list[Entry] = []
            for mod in MOD_ORDER:
                group = [r for r in rows if r.mod == mod]
                if group:
                    entries.extend(self._group(day, mod, group))
            yield from _drop_same_day_lives(entries)

    def _group(self, day: str, mod: str, rows: list[Row]) -> list[Entry]:
        replay = self.replay
        out: list[Entry] = []
        before = {r.before: r.before_name for r in rows if r.before is not None}
        after = {r.after: r.after_name for r in rows if r.after is not None}
        links: dict[UnitRef, list[UnitRef]] = defaultdict(list)
        sources: dict[UnitRef, list[UnitRef]] = defaultdict(list)
        rows_of: dict[UnitRef, list[Row]] = defaultdict(list)
        for r in rows:
            if r.before is not None and r.after is not None:
                links[r.before].append(r.after)
                sources[r.after].append(r.before)
            for ref in (r.before, r.after):
                if ref is not None:
                    rows_of[ref].append(r)

        # codes that change: the unit keeps its id
        if mod in RECODES:
            pairs = [
                (r.before, r.after, r)
                for r in rows
                if r.before and r.after and r.before[0] == r.after[0] and r.before != r.after
            ]
            moving = [(replay.current.pop(old), old, new, r) for old, new, r in pairs]
            for unit, _, new, _row in moving:
                replay.current[new] = unit
            for unit, old, new, r in moving:
                out.extend(self._recode(unit, old, new, after[new], day, [r], mod))
            self._end_empty_departements(day, rows, mod, out)
            return out

        started = [ref for ref in after if ref not in before and ref not in replay.current]
        ending: list[UnitRef] = []
        for ref in before:
            if ref in after:
                continue
            targets = [t for t in links.get(ref, []) if t != ref]
            if ref[0] == "COM" and targets and all(t[0] != "COM" for t in targets):
                continue  # only its own sub-units come from it (MOD 20 arrondissements, 72)
            ending.append(ref)
        going_on = [ref for ref in after if ref in replay.current and ref not in ending]

        def heir(ref: UnitRef) -> UnitRef | None:
            """The commune a unit's territory goes to by the end of the group."""
            for t in links.get(ref, []):
                if t[0] == "COM" and t != ref:
                    return t if t not in ending else heir(t)
            return None

        # new communes (and re-established ones), under their département
        new_ids: dict[UnitRef, str] = {}
        for ref in sorted((r for r in started if r[0] == "COM"), key=lambda r: r[1]):
            dep = departement_of(ref[1])
            out.extend(self._departement(dep, day, rows_of[ref], False))
            unit, entry = self._establish(
                ref, after[ref], replay.departements[dep], day, rows_of[ref], mod
            )
            new_ids[ref] = unit
            out.append(entry)

        # units that go on: renamed where the name changed
        for ref in going_on:
            unit = replay.current[ref]
            if replay.lives[unit].name != after[ref]:
                out.append(
                    self._rename(unit, after[ref], ref[1], day, rows_of[ref], mod, "renamed")
                )

        # new sub-units, under the commune they belong to after the change
        def parent_for(ref: UnitRef) -> str:
            for src in sources.get(ref, []):
                if src[0] == "COM":
                    target = heir(src) if src in ending else src
                    if target is not None and target in replay.current:
                        return replay.current[target]
                    for t in links.get(src, []):
                        if t[0] == "COM" and t in replay.current:
                            return replay.current[t]
                elif src in replay.current:
                    return replay.lives[replay.current[src]].parent
            raise ValueError(f"{day}: no commune for {ref} (lines {[r.line for r in rows]})")

        for ref in sorted((r for r in started if r[0] != "COM"), key=lambda r: r[1]):
            unit, entry = self._establish(ref, after[ref], parent_for(ref), day, rows_of[ref], mod)
            new_ids[ref] = unit
            out.append(entry)

        # sub-units that go on under another commune
        for ref in going_on:
            if ref[0] == "COM" or ref not in before:
                continue
            heirs = [t for t in links.get(ref, []) if t[0] == "COM" and t in replay.current]
            unit = replay.current[ref]
            if heirs and replay.current[heirs[0]] != replay.lives[unit].parent:
                out.append(self._move(unit, replay.current[heirs[0]], day, rows_of[ref], mod))

        # units that go on and give part of themselves to new units: a split that continues
        for ref in going_on:
            if ref not in before:
                continue
            parts = [new_ids[t] for t in links.get(ref, []) if t in new_ids and t[0] == ref[0]]
            if parts and ref[0] == "COM":
                out.extend(self._follow(ref, before, after, links, new_ids, day, rows_of, mod))
            if parts:
                unit = replay.current[ref]
                out.append(
                    self._emit(
                        {
                            "type": "UnitSplit",
                            "key": f"{unit}.{day}.split",
                            "unit": unit,
                            "into": parts,
                            "continues": True,
                            "effective": day,
                            "sources": _cite(rows_of[ref]),
                        },
                        mod,
                    )
                )

        # units that end: sub-units first, then communes (whose remaining sub-units move first)
        for ref in sorted(ending, key=lambda r: (r[0] == "COM", r[1])):
            unit = replay.current[ref]
            if ref[0] == "COM":
                into = [t for t in links.get(ref, []) if t[0] == "COM" and t != ref]
            else:
                into = [t for t in links.get(ref, []) if t != ref]
            into = [heir(t) or t if t in ending else t for t in into]
            into = list(dict.fromkeys(t for t in into if t in replay.current))
            into_ids = [replay.current[t] for t in into]
            if ref[0] == "COM":
                for child in sorted(replay.children[unit]):
                    if not into_ids:
                        raise ValueError(f"{day}: {unit} ends with {child} under it")
                    out.append(self._move(child, into_ids[0], day, rows_of[ref], mod))
            if not into_ids:
                out.append(self._end(unit, "UnitAbolished", day, rows_of[ref], mod, []))
            elif len(into_ids) > 1:
                out.append(self._end(unit, "UnitSplit", day, rows_of[ref], mod, into_ids))
            elif into[0] in started:
                out.append(self._end(unit, "UnitMerged", day, rows_of[ref], mod, into_ids))
            else:
                out.append(self._end(unit, "UnitAbsorbed", day, rows_of[ref], mod, into_ids))
        self._end_empty_departements(day, rows, mod, out)
        return out

    def _follow(
        self,
        ref: UnitRef,
        before: dict[UnitRef, str],
        after: dict[UnitRef, str],
        links: dict[UnitRef, list[UnitRef]],
        new_ids: dict[UnitRef, str],
        day: str,
        rows_of: dict[UnitRef, list[Row]],
        mod: str,
    ) -> list[Entry]:
        """Sub-units that follow a new part of a commune that splits: where the part carries
        the commune's name from before (the commune's code goes back to a re-established
        commune: 2024, Les Hauts-Talican), every sub-unit left under it (see
        :data:`PARENT_GAPS` for the one case the register does not tell)."""
        replay = self.replay
        unit = replay.current[ref]
        parts = [t for t in links.get(ref, []) if t in new_ids and t[0] == "COM"]
        gaps = [
            self._move(child, PARENT_GAPS[child], day, rows_of[ref], mod)
            for child in sorted(replay.children[unit])
            if PARENT_GAPS.get(child) in new_ids.values()
        ]
        named = [t for t in parts if after[t] == before[ref] and after[ref] != before[ref]]
        if named:
            target = new_ids[named[0]]
            ends = {replay.current[t] for t in before if t not in after and t in replay.current}
            moving = sorted(c for c in replay.children[unit] if c not in ends)
        else:
            return gaps
        return [*gaps, *(self._move(child, target, day, rows_of[ref], mod) for child in moving)]

    def _recode(
        self,
        unit: str,
        old: UnitRef,
        new: UnitRef,
        name: str,
        day: str,
        rows: list[Row],
        mod: str,
    ) -> list[Entry]:
        out: list[Entry] = []
        if new[0] == "COM" and departement_of(old[1]) != departement_of(new[1]):
            dep = departement_of(new[1])
            out.extend(self._departement(dep, day, rows, False))
            out.append(self._move(unit, self.replay.departements[dep], day, rows, mod))
        out.append(self._rename(unit, name, new[1], day, rows, mod, "recoded"))
        return out

    def _end_empty_departements(
        self, day: str, rows: list[Row], mod: str, out: list[Entry]
    ) -> None:
        """A département ends the day it has no commune left: split into the départements its
        communes moved to that day, else abolished."""
        replay = self.replay
        for code, unit in sorted(replay.departements.items()):
            if replay.children[unit]:
                continue
            moved_to = sorted(
                {
                    replay.departements[departement_of(r.after[1])]
                    for r in rows
                    if r.before
                    and r.after
                    and departement_of(r.before[1]) == code
                    and departement_of(r.after[1]) in replay.departements
                    and departement_of(r.after[1]) != code
                }
            )
            mentioned = [r for r in rows if r.before and departement_of(r.before[1]) == code]
            del replay.departements[code]
            replay.lives[unit].alive = False
            entry: Entry = {
                "type": "UnitSplit" if moved_to else "UnitAbolished",
                "key": f"{unit}.{day}.ended",
                "unit": unit,
                "effective": day,
                "sources": _cite(mentioned or rows),
                "note": "The département has no commune left in the register.",
            }
            if moved_to:
                entry["into"] = moved_to
            out.append(self._emit(entry, mod))


def _drop_same_day_lives(entries: list[Entry]) -> list[Entry]:
    """A unit made and ended the same day (a commune nouvelle's delegated communes made and
    suppressed at once, MOD 32 then 35) leaves no trace: both entries are dropped."""
    made = {e["unit"] for e in entries if e["type"] == "UnitEstablished"}
    ended = {
        e["unit"]
        for e in entries
        if e["type"] in ("UnitAbolished", "UnitMerged", "UnitAbsorbed")
        or (e["type"] == "UnitSplit" and not e.get("continues"))
    }
    gone = made & ended
    if not gone:
        return entries
    kept = []
    for e in entries:
        if e.get("unit") in gone and (
            e["type"] == "UnitEstablished" or e["key"].endswith(".ended")
        ):
            continue
        if e["type"] == "UnitSplit" and set(e["into"]) & gone:
            e = {**e, "into": [u for u in e["into"] if u not in gone]}
            if not e["into"]:
                continue
        kept.append(e)
    return kept


def entries(converter: Converter | None = None) -> Iterator[Entry]:
    """The whole history as load entries, oldest first (documents and kinds first)."""
    conv = converter or Converter()
    yield from documents()
    yield from kinds()
    yield from conv.initial()
    yield from conv.changes()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m orgevents.datasets.france",
        description="Write France's communes 1943–2026 (INSEE COG 2026) as a JSON Lines load "
        f"file. {ATTRIBUTION}.",
    )
    parser.add_argument("-o", "--output", type=Path, required=True, help="the .jsonl file")
    args = parser.parse_args(argv)
    conv = Converter()
    n = 0
    with args.output.open("w", encoding="utf-8") as out:
        out.write(json.dumps({"format": "orgevents/1", "title": "France's communes 1943–2026"}))
        out.write("\n")
        for entry in entries(conv):
            out.write(json.dumps(entry, ensure_ascii=False) + "\n")
            n += 1
    print(f"wrote {n} entries to {args.output}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
