"""Random organisational histories for the property tests that compare the read side with the fold.

``HistoryMaker`` proposes random entries — units established (some with figures, some only
planned, some with other names), renamed, moved and ended, given other names (official, short,
abbreviation, alternative, per language); responsibilities defined, assigned, transferred (some with
figures), ended and abolished — some endings, abolitions and transfers phased (``phased_until`` a
later day, now and then only expected); figures; documents, decisions and claims, preferred claims;
corrections, retractions, confirmations and cancellations of any of them — on coarse effective
dates (so changes share days), often backdated, some expected or planned, written at every
precision. It records those the rules accept, one ``record`` call each (now and then two entries in
one call), at rising recorded times from a ``StepClock``: every call is one clock reading, so
"known at" a time between two calls is a prefix of the log. A refused entry is skipped.

Names include Danish letters (æ, ø, å) so that searches are tested beyond ASCII.
"""

from __future__ import annotations

import datetime as dt
import random
import tempfile
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import networkx as nx
from hypothesis import strategies as st

from orgevents.aggregate import aggregate_id
from orgevents.application import OrgHistory, RejectedEntryError
from orgevents.events import Role, entry_adapter
from orgevents.responsibilities import Responsibility
from orgevents.store import open_store
from orgevents.units import Unit
from tests.conftest import POSTGRES, _postgres_connect

START = dt.date(2020, 1, 1)
# Coarse effective dates (the first of every second month) so that changes often fall on the
# same day, and every date can be written at month precision (some at quarter, half-year, year).
ROLES = [role.value for role in Role]  # authority, administrative, performer

DAYS = [dt.date(START.year + k // 6, 2 * (k % 6) + 1, 1) for k in range(20)]
SRC = [{"document": "doc", "locator": "s. 1"}]
DOCUMENTS = ["doc", "notat", "plan"]  # "doc" is registered with the history; the others by ops
NAMES = ["Alpha", "Beta", "Økonomiforvaltningen", "Børn og Unge", "Ærø Centret", "Åben Rådgivning"]
TITLES = ["Ressortanalysen", "Aftale om ændret ressort", "Budget 2026", "Høring i MED"]
# (form, language) of other names: None is the store's language
NAME_SLOTS = [
    ("official", None),
    ("official", "en"),
    ("short", None),
    ("short", "fr"),
    ("abbreviation", "en"),
    ("alternative", None),
]
PROPERTIES = ["fte", "ikrafttræden", "omfang"]
CLAIM_VALUES: list[Any] = [
    2,
    3.75,
    "en del af UU",
    "hele UU",
    {"date": "2026-01-01"},
    {"date": "2030", "qualifier": "expected"},
]
STARTS = ("UnitEstablished", "ResponsibilityDefined")
PHASED = (  # the changes that may be phased
    "UnitAbolished",
    "UnitMerged",
    "UnitAbsorbed",
    "ResponsibilityTransferred",
    "ResponsibilityEnded",
    "ResponsibilityAbolished",
)
AMENDS = {  # amendment → the field naming the entry it amends
    "EventCorrected": "corrects",
    "EventRetracted": "retracts",
    "ChangeConfirmed": "confirms",
    "ChangeCancelled": "cancels",
}
KINDS = 41  # entries HistoryMaker proposes (op numbers 0 to KINDS - 1; KINDS: two in one call)


class StepClock:
    """Recorded times one hour apart, rising with every call's ``tick``."""

    def __init__(self) -> None:
        self.now = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)

    def __call__(self) -> dt.datetime:
        return self.now

    def tick(self) -> dt.datetime:
        self.now += dt.timedelta(hours=1)
        return self.now


@contextmanager
def fresh_store(backend: str, clock: StepClock) -> Iterator[tuple[str, OrgHistory]]:
    """An empty SQLite file or PostgreSQL schema, dropped afterwards."""
    if backend == "sqlite":
        with tempfile.TemporaryDirectory() as folder:
            url = f"sqlite:///{folder}/orgevents.db"
            app = open_store(url, clock=clock)
            try:
                yield url, app
            finally:
                app.close()
        return
    conn = _postgres_connect()
    schema = f"h_{uuid.uuid4().hex[:12]}"
    conn.execute(f"CREATE SCHEMA {schema}")
    try:
        url = f"{POSTGRES}?schema={schema}"
        app = open_store(url, clock=clock)
        try:
            yield url, app
        finally:
            app.close()  # its connections, before the schema goes
    finally:
        conn.execute(f"DROP SCHEMA {schema} CASCADE")
        conn.close()


def effective(rnd: random.Random, on: dt.date, planned_ok: bool = True) -> Any:
    """``on`` as a load file may write it: at day or a coarser precision where the date is the
    start of that period, approximate, by a date, (``planned_ok``) expected or planned, or in an
    EDTF-style form that counts from ``on``: uncertain (``?``, ``%``), approximate (``~`` after),
    an interval from it, or an open end (``../D``, ``D/..``)."""
    forms: list[Any] = [on.isoformat(), on.isoformat(), f"{on.year}-{on.month:02d}"]
    if on.month in (1, 4, 7, 10):
        forms.append(f"{on.year}-Q{(on.month - 1) // 3 + 1}")
    if on.month in (1, 7):
        forms.append(f"{on.year}-H{(on.month - 1) // 6 + 1}")
    if on.month == 1:
        forms.append(on.year)
    written = rnd.choice(forms)
    roll = rnd.random()
    if roll < 0.1:
        return f"~{written}"
    if roll < 0.15:
        return {"date": written, "qualifier": "on-or-before", "text": "senest"}
    if planned_ok and roll < 0.35:
        qualifier = rnd.choice(["expected", "planned"])
        return {"date": written, "qualifier": qualifier, "text": "forventeligt"}
    if roll < 0.5:  # chosen by the roll itself: the other draws stay as they were
        later = f"{on.year + 1}-{on.month:02d}"
        return [
            f"{written}?",
            f"{written}%",
            f"{written}~",
            f"{written}/{later}",
            f"{written}/..",
            f"../{written}",
        ][int(roll * 1000) % 6]
    return written


class HistoryMaker:
    """Proposes random entries and records those the rules accept, one ``record`` call each, at
    rising recorded times (``times``: the recorded time of each accepted call)."""

    def __init__(self, app: OrgHistory, clock: StepClock) -> None:
        self.app = app
        self.clock = clock
        self.units: list[str] = []
        self.resps: list[str] = []
        self.decisions: list[str] = []
        self.documents: list[str] = []
        self.claims: list[str] = []
        self.kinds: list[str] = []  # declared kinds (some declared again)
        self.recorded: list[dict[str, Any]] = []  # accepted entries (amendments left out)
        self.times: list[dt.datetime] = []
        self.counter = 0
        # op number → proposal; the first twenty are the kinds the index tests were written with
        self.ops: list[Callable[[random.Random], dict[str, Any] | None]] = [
            *[self._establish] * 3,
            *[self._rename] * 2,
            self._move,
            self._end_unit,
            self._figures,
            self._define,
            *[self._assign] * 2,
            *[self._transfer] * 2,
            self._end_holding,
            self._abolish,
            *[self._correct] * 2,
            self._retract,
            self._confirm,
            self._cancel,
            self._document,
            self._decision,
            *[self._claim] * 2,
            self._prefer,
            self._establish_planned,
            self._correct_provenance,
            self._retract_provenance,
            self._define,
            *[self._assign] * 2,
            self._transfer,
            self._end_holding,
            self._reestablish,
            self._redefine,
            self._retract_restart,
            self._end_unit,
            *[self._declare_kind] * 2,
            *[self._record_names] * 2,
        ]
        assert len(self.ops) == KINDS
        self.record(
            [
                {
                    "type": "DocumentRegistered",
                    "key": "doc",
                    "document": "doc",
                    "title": "Doc",
                    "location": "doc.txt",
                },
                self._unit_entry("br", None, DAYS[0], "council"),
                self._unit_entry("a", "br", DAYS[0], "committee"),
            ]
        )

    # --- recording ----------------------------------------------------------------------------

    def _key(self, prefix: str) -> str:
        self.counter += 1
        return f"{prefix}{self.counter}"

    def record(self, raw: list[dict[str, Any]]) -> bool:
        """Record the entries in one call at the next recorded time; False if refused."""
        self.clock.tick()
        try:
            self.app.record([entry_adapter.validate_python(e) for e in raw], "maker")
        except RejectedEntryError:
            return False
        self.times.append(self.clock.now)
        for e in raw:
            kind = e["type"]
            if kind == "UnitEstablished" and e["unit"] not in self.units:
                self.units.append(e["unit"])
            elif kind == "ResponsibilityDefined" and e["responsibility"] not in self.resps:
                self.resps.append(e["responsibility"])
            elif kind == "DecisionMade":
                self.decisions.append(e["id"])
            elif kind == "DocumentRegistered":
                self.documents.append(e["document"])
            elif kind == "ClaimRecorded":
                self.claims.append(e["key"])
            elif kind == "KindDeclared":
                self.kinds.append(e["kind"])
            if kind not in AMENDS and kind != "KindDeclared":  # declarations are not amended
                self.recorded.append(e)
        return True

    def step(self, op: int, seed: int) -> bool:
        """Propose one entry (or, for an op beyond the table, two in one call) and record it."""
        rnd = random.Random(seed)
        if op >= len(self.ops):
            first, second = (self.ops[rnd.randrange(len(self.ops))](rnd) for _ in range(2))
            raw = [e for e in (first, second) if e is not None]
        else:
            entry = self.ops[op](rnd)
            raw = [entry] if entry is not None else []
        return bool(raw) and self.record(raw)

    # --- what an entry cites ------------------------------------------------------------------

    def _sources(self, rnd: random.Random) -> list[dict[str, Any]]:
        source: dict[str, Any] = {
            "document": rnd.choice(self.documents),
            "locator": rnd.choice(["s. 1", "Tabel 1", "Del 2, afsnit C"]),
        }
        if rnd.random() < 0.3:
            source["quote"] = rnd.choice(["overgår fuldt ud", "ca. 145 årsværk"])
        return [source]

    def _base(self, rnd: random.Random) -> dict[str, Any]:
        base: dict[str, Any] = {"key": self._key("k"), "sources": self._sources(rnd)}
        if self.decisions and rnd.random() < 0.25:
            base["decision"] = rnd.choice(self.decisions)
        if rnd.random() < 0.1:
            base["note"] = "bemærkning"
        return base

    def _change(
        self, rnd: random.Random, type_: str, on: dt.date | None = None, **fields: Any
    ) -> dict[str, Any]:
        """A change entry of type ``type_``, effective on ``on`` (else a random day)."""
        when = effective(rnd, on or self._day(rnd))
        return {**self._base(rnd), "type": type_, "effective": when, **fields}

    def _figure(self, rnd: random.Random) -> dict[str, Any]:
        figure: dict[str, Any] = {
            "metric": rnd.choice(["fte", "headcount", "budget"]),
            "value": rnd.choice([2, 3.75, 145, 1_357_000]),
            "sources": self._sources(rnd),
        }
        if rnd.random() < 0.3:
            figure["year"] = rnd.choice([2025, 2026])
        if rnd.random() < 0.2:
            figure["steering_area"] = "Service"
        if rnd.random() < 0.2:
            figure["approximate"] = True
        if rnd.random() < 0.1:
            figure["per_year"] = True
        if rnd.random() < 0.1:
            figure |= {"price_level": "2026 p/l", "text": "1.357 t.kr.", "note": "anslået"}
        return figure

    def _day(self, rnd: random.Random) -> dt.date:
        return rnd.choice(DAYS)

    def _phased(self, rnd: random.Random, entry: dict[str, Any]) -> dict[str, Any]:
        """Now and then the change phased: complete by a later day (some only expected; one
        that starts expected or planned ends so too)."""
        start = entry_adapter.validate_python({**entry, "phased_until": None}).effective
        later = [d for d in DAYS if d > start.date]
        if not later or rnd.random() < 0.4:
            entry.pop("phased_until", None)
            return entry
        until: Any = effective(rnd, rnd.choice(later), planned_ok=True)
        if start.is_planned and not (
            isinstance(until, dict) and until["qualifier"] in ("expected", "planned")
        ):
            written = until["date"] if isinstance(until, dict) else str(until).lstrip("~")
            until = {"date": written, "qualifier": "expected"}
        entry["phased_until"] = until
        return entry

    # --- units --------------------------------------------------------------------------------

    def _unit_entry(
        self, unit: str, parent: str | None, on: Any, kind: str = "office"
    ) -> dict[str, Any]:
        entry = {
            "type": "UnitEstablished",
            "key": f"e-{unit}",
            "unit": unit,
            "kind": kind,
            "name": f"Unit {unit}",
            "effective": on.isoformat() if isinstance(on, dt.date) else on,
            "sources": SRC,
        }
        if parent:
            entry["parent"] = parent
        return entry

    def _establish(self, rnd: random.Random, planned: bool = False) -> dict[str, Any]:
        unit = self._key("u")
        parent = rnd.choice(self.units) if self.units and rnd.random() < 0.9 else None
        on = self._day(rnd)
        when = (
            {"date": on.isoformat(), "qualifier": rnd.choice(["expected", "planned"])}
            if planned
            else on
        )
        kinds = ["office", "centre", "team"]
        if rnd.random() < 0.3:  # a declared kind, or one not declared (yet): refused
            kinds = [*self.kinds, "borough", "post"]
        entry = self._unit_entry(unit, parent, when, rnd.choice(kinds))
        if rnd.random() < 0.3:
            entry["name"] = f"{rnd.choice(NAMES)} {unit}"
        if rnd.random() < 0.3:
            entry["abbreviation"] = rnd.choice(NAMES)[:3].upper()
        if rnd.random() < 0.2:
            entry["figures"] = [self._figure(rnd) for _ in range(rnd.randint(1, 2))]
        if rnd.random() < 0.1:
            entry["planned_end"] = DAYS[-1].isoformat()
        if self.decisions and rnd.random() < 0.2:
            entry["decision"] = rnd.choice(self.decisions)
        if rnd.random() < 0.3:
            entry["names"] = self._names(rnd)
        return entry

    def _names(self, rnd: random.Random) -> list[dict[str, Any]]:
        """Other names: forms and languages at random, one per form and language."""
        slots = rnd.sample(NAME_SLOTS, k=rnd.randint(1, 3))
        return [
            {
                "name": f"{rnd.choice(NAMES)} {form[:3]}",
                "form": form,
                **({"language": lang} if lang else {}),
            }
            for form, lang in slots
        ]

    def _record_names(self, rnd: random.Random) -> dict[str, Any]:
        return self._unit_change(rnd, "NamesRecorded", names=self._names(rnd))

    def _establish_planned(self, rnd: random.Random) -> dict[str, Any]:
        return self._establish(rnd, planned=True)

    def _unit_change(self, rnd: random.Random, kind: str, **fields: Any) -> dict[str, Any]:
        """A change of a random unit (there are always some: the history starts with two)."""
        return self._change(rnd, kind, unit=rnd.choice(self.units), **fields)

    def _rename(self, rnd: random.Random) -> dict[str, Any]:
        entry = self._unit_change(rnd, "UnitRenamed", name=rnd.choice(NAMES))
        if rnd.random() < 0.3:
            entry["abbreviation"] = rnd.choice(NAMES)[:2].upper()
        if rnd.random() < 0.3:
            entry["names"] = self._names(rnd)
        return entry

    def _move(self, rnd: random.Random) -> dict[str, Any]:
        return self._unit_change(rnd, "UnitMoved", parent=rnd.choice(self.units))

    def _end_unit(self, rnd: random.Random) -> dict[str, Any]:
        kind = rnd.choice(["UnitAbolished", "UnitMerged", "UnitAbsorbed", "UnitSplit"])
        entry = self._unit_change(rnd, kind)
        if kind in ("UnitMerged", "UnitAbsorbed"):
            entry["into"] = rnd.choice(self.units)
        elif kind == "UnitSplit":
            entry["into"] = rnd.sample(self.units, k=min(2, len(self.units)))
            entry["continues"] = rnd.random() < 0.3
            return entry
        return self._phased(rnd, entry)

    def _figures(self, rnd: random.Random) -> dict[str, Any]:
        figures = [self._figure(rnd) for _ in range(rnd.randint(1, 2))]
        return self._unit_change(rnd, "FiguresRecorded", figures=figures)

    def _ended(self, keys: list[str], rnd: random.Random) -> tuple[str, dt.date] | None:
        """A unit or responsibility whose latest life has ended, and the end (or None)."""
        for key in rnd.sample(keys, k=min(6, len(keys))):
            agg = self.app.repository.get(aggregate_id(key))
            lives = agg.lives()
            if lives and lives[-1].end is not None:
                return key, lives[-1].end
        return None

    def _after(self, rnd: random.Random, end: dt.date) -> dt.date:
        """A day on or after ``end`` — now and then one before it (which the rules refuse)."""
        later = [d for d in DAYS if d >= end]
        return rnd.choice(later) if later and rnd.random() < 0.9 else self._day(rnd)

    def _reestablish(self, rnd: random.Random) -> dict[str, Any] | None:
        """A unit that ended established again under its id (a new life), with a new name,
        kind or parent; now and then one still in force or dated before its end (refused)."""
        found = self._ended(self.units, rnd)
        if found is None:
            unit, on = rnd.choice(self.units), self._day(rnd)
        else:
            unit, on = found[0], self._after(rnd, found[1])
        parent = self._unit_in_force(rnd, on, [unit]) if rnd.random() < 0.9 else None
        entry = self._unit_entry(unit, parent, effective(rnd, on), rnd.choice(["office", "team"]))
        entry["key"] = self._key("re")
        entry["sources"] = self._sources(rnd)
        if rnd.random() < 0.6:
            entry["name"] = f"{rnd.choice(NAMES)} {unit} igen"
        if rnd.random() < 0.3:
            entry["abbreviation"] = rnd.choice(NAMES)[:3].upper()
        if rnd.random() < 0.2:
            entry["figures"] = [self._figure(rnd)]
        return entry

    def _redefine(self, rnd: random.Random) -> dict[str, Any] | None:
        """An abolished responsibility defined again under its id (or, now and then, one that
        is not, which the rules refuse)."""
        if not self.resps:
            return None
        found = self._ended(self.resps, rnd)
        if found is None:
            resp, on = rnd.choice(self.resps), self._day(rnd)
        else:
            resp, on = found[0], self._after(rnd, found[1])
        entry = self._change(
            rnd,
            "ResponsibilityDefined",
            on,
            responsibility=resp,
            name=f"Opgave {resp} igen",
            scope="igen",
        )
        entry["key"] = self._key("rd")
        return entry

    def _retract_restart(self, rnd: random.Random) -> dict[str, Any] | None:
        """Retract a re-establishment (or a definition again), or the end before one."""
        again = [e for e in self.recorded if e["key"].startswith(("re", "rd"))]
        if not again:
            return None
        target = rnd.choice(again)
        if rnd.random() < 0.3:  # the end before it: refused, as the lives would overlap
            subject = target.get("unit") or target.get("responsibility")
            ends = [
                e
                for e in self.recorded
                if e["type"]
                in (
                    "UnitAbolished",
                    "UnitMerged",
                    "UnitAbsorbed",
                    "UnitSplit",
                    "ResponsibilityAbolished",
                )
                and subject in (e.get("unit"), e.get("responsibility"))
            ]
            target = rnd.choice(ends) if ends else target
        return self._amendment("EventRetracted", target)

    # --- responsibilities ---------------------------------------------------------------------

    def _define(self, rnd: random.Random) -> dict[str, Any]:
        resp = self._key("r")
        entry = self._change(
            rnd,
            "ResponsibilityDefined",
            responsibility=resp,
            name=f"Task {resp}" if rnd.random() < 0.6 else f"Opgave {rnd.choice(NAMES)}",
            scope="all",
        )
        if rnd.random() < 0.3:
            entry["abbreviation"] = f"T{resp.upper()}"
        if rnd.random() < 0.3:
            entry["legal_basis"] = "Lov om en aktiv beskæftigelsesindsats"
        return entry

    def _in_force(self, key: str, on: dt.date) -> bool:
        """The unit or responsibility is in force on ``on`` (as the rules see it)."""
        agg = self.app.repository.get(aggregate_id(key))
        if isinstance(agg, Unit):
            return agg.in_force_on(on)
        assert isinstance(agg, Responsibility)
        return any(life.covers(on) for life in agg.lives())

    def _unit_in_force(self, rnd: random.Random, on: dt.date, but: list[str]) -> str | None:
        """A unit in force on ``on`` (a few tries), not one of ``but``."""
        for _ in range(4):
            unit = rnd.choice(self.units)
            if unit not in but and self._in_force(unit, on):
                return unit
        return None

    def _holding(self, rnd: random.Random) -> tuple[str, str, dt.date, list[str]] | None:
        """A responsibility, a role, a day and the units holding the role then (a day on which
        someone holds it, where there is one)."""
        if not self.resps:
            return None
        role = rnd.choice(ROLES)
        for resp in rnd.sample(self.resps, k=min(4, len(self.resps))):
            agg = self.app.repository.get(aggregate_id(resp))
            assert isinstance(agg, Responsibility)
            held = {
                on: [u for r, us in agg.holders_on(on).items() if r.value == role for u in us]
                for on in DAYS
            }
            days = [d for d, units in held.items() if units]
            if days:
                on = rnd.choice(days)
                return resp, role, on, held[on]
        return None

    def _assign(self, rnd: random.Random) -> dict[str, Any] | None:
        if not self.resps:
            return None
        resp, on = rnd.choice(self.resps), self._day(rnd)
        for _ in range(4):
            if self._in_force(resp, on):
                break
            on = self._day(rnd)
        unit = self._unit_in_force(rnd, on, []) or rnd.choice(self.units)
        role = rnd.choice(ROLES)
        return self._change(
            rnd, "ResponsibilityAssigned", on, responsibility=resp, unit=unit, role=role
        )

    def _transfer(self, rnd: random.Random) -> dict[str, Any] | None:
        found = self._holding(rnd)
        if found is None:
            return None
        resp, role, on, holders = found
        entry = self._change(
            rnd,
            "ResponsibilityTransferred",
            on,
            responsibility=resp,
            role=role,
            from_units=rnd.sample(holders, k=rnd.randint(1, len(holders))),
            to_unit=self._unit_in_force(rnd, on, holders) or rnd.choice(self.units),
        )
        if rnd.random() < 0.3:
            entry["figures"] = [self._figure(rnd)]
        return self._phased(rnd, entry)

    def _end_holding(self, rnd: random.Random) -> dict[str, Any] | None:
        found = self._holding(rnd)
        if found is None:
            return None
        resp, role, on, holders = found
        entry = self._change(
            rnd, "ResponsibilityEnded", on, responsibility=resp, unit=rnd.choice(holders), role=role
        )
        return self._phased(rnd, entry)

    def _abolish(self, rnd: random.Random) -> dict[str, Any] | None:
        if not self.resps:
            return None
        entry = self._change(rnd, "ResponsibilityAbolished", responsibility=rnd.choice(self.resps))
        return self._phased(rnd, entry)

    # --- documents, decisions, claims ---------------------------------------------------------

    def _document(self, rnd: random.Random) -> dict[str, Any] | None:
        missing = [d for d in DOCUMENTS if d not in self.documents]
        if not missing:
            return None
        document = missing[0]
        entry: dict[str, Any] = {
            "type": "DocumentRegistered",
            "key": document,
            "document": document,
            "title": f"{rnd.choice(TITLES)} ({document})",
            "location": f"{document}.pdf",
        }
        if rnd.random() < 0.5:
            entry["published"] = DAYS[rnd.randrange(len(DAYS))].isoformat()
        if rnd.random() < 0.6:  # the store's language is its documents' most common one
            entry["language"] = rnd.choice(["en", "fr"])
        return entry

    def _declare_kind(self, rnd: random.Random) -> dict[str, Any]:
        """A new kind, a kind declared again with other labels (the later one counts), or a
        default kind relabelled."""
        kind = rnd.choice(["borough", "ward", "committee", "post", *self.kinds[-1:]])
        labels = {"en": f"{kind} {rnd.randint(1, 3)}"}
        if rnd.random() < 0.5:
            labels["fr"] = rnd.choice(["arrondissement", "quartier", "commission"])
        if rnd.random() < 0.3:
            labels["da"] = rnd.choice(["bydel", "udvalg"])
        entry: dict[str, Any] = {
            "type": "KindDeclared",
            "key": self._key("kind"),
            "kind": kind,
            "labels": labels,
        }
        if rnd.random() < 0.5:
            entry["level"] = rnd.randint(0, 90)
        if rnd.random() < 0.5:
            entry["style"] = {
                "shape": rnd.choice(["box", "ellipse", "hexagon"]),
                "colour": rnd.choice(["green", "pink"]),
            }
        if rnd.random() < 0.3:
            entry["sources"] = self._sources(rnd)
        return entry

    def _decision(self, rnd: random.Random) -> dict[str, Any]:
        entry = self._change(
            rnd,
            "DecisionMade",
            id=self._key("d"),
            kind=rnd.choice(["agreement", "approval", "hearing", "plan"]),
            title=rnd.choice(TITLES),
        )
        entry.pop("decision", None)
        if rnd.random() < 0.3:
            entry["body"] = rnd.choice(self.units)
        elif rnd.random() < 0.3:
            entry["body_name"] = "Folketinget"
        return entry

    def _claim(self, rnd: random.Random) -> dict[str, Any]:
        entry = self._change(
            rnd,
            "ClaimRecorded",
            about=rnd.choice(
                self.units + self.resps + self.decisions + self.documents + self.claims
            ),
            property=rnd.choice(PROPERTIES),
            value=rnd.choice(CLAIM_VALUES),
        )
        entry["key"] = self._key("c")  # a claim is a subject of its own, keyed by its entry
        return entry

    def _prefer(self, rnd: random.Random) -> dict[str, Any] | None:
        if not self.claims:
            return None
        claim = rnd.choice(self.claims)
        return self._change(rnd, "ClaimPreferred", claim=claim, reason="besluttet af ØU")

    # --- amendments ---------------------------------------------------------------------------

    def _pick(
        self, rnd: random.Random, kinds: tuple[str, ...] = (), but: tuple[str, ...] = ()
    ) -> dict[str, Any] | None:
        """A recorded entry (of one of ``kinds``, not of ``but``), or None."""
        found = [
            e for e in self.recorded if (not kinds or e["type"] in kinds) and e["type"] not in but
        ]
        return rnd.choice(found) if found else None

    def _amendment(self, kind: str, target: dict[str, Any], **fields: Any) -> dict[str, Any]:
        about = entry_adapter.validate_python(target).subject
        return {
            "key": self._key("m"),
            "type": kind,
            "about": about,
            "reason": "test",
            "sources": SRC,
            AMENDS[kind]: target["key"],
            **fields,
        }

    def _replacement(self, rnd: random.Random, target: dict[str, Any]) -> dict[str, Any]:
        """The target entry with a changed date and, where it has them, a changed name, title,
        value or figures — and now and then another parent, kind, abbreviation, holder or role."""
        replacement = dict(target)
        replacement.pop("planned_end", None)
        if "effective" in replacement:
            replacement["effective"] = effective(rnd, self._day(rnd))
        if target["type"] in PHASED:  # a phase that still ends after the new date, or none
            replacement = self._phased(rnd, replacement)
        if "name" in replacement:
            replacement["name"] = rnd.choice(NAMES) + " (rettet)"
        if rnd.random() < 0.3:
            if "parent" in replacement:
                replacement["parent"] = rnd.choice(self.units)
            if "kind" in replacement and target["type"] == "UnitEstablished":
                replacement["kind"] = rnd.choice(["office", "centre", "team", *self.kinds, "ward"])
            if "role" in replacement:
                replacement["role"] = rnd.choice(ROLES)
            if target["type"] == "ResponsibilityAssigned":  # the holder (not the subject)
                replacement["unit"] = rnd.choice(self.units)
            if target["type"] in ("UnitEstablished", "UnitRenamed", "ResponsibilityDefined"):
                replacement["abbreviation"] = rnd.choice(NAMES)[:3].upper()
        if "title" in replacement:
            replacement["title"] = rnd.choice(TITLES) + " (rettet)"
        if "value" in replacement:
            replacement["value"] = rnd.choice(CLAIM_VALUES)
        if target["type"] == "FiguresRecorded" or (
            replacement.get("figures") and rnd.random() < 0.5
        ):
            replacement["figures"] = [self._figure(rnd)]
        if target["type"] == "NamesRecorded" or (
            target["type"] in ("UnitEstablished", "UnitRenamed") and rnd.random() < 0.2
        ):
            replacement["names"] = self._names(rnd)
        return replacement

    def _correct(self, rnd: random.Random, kinds: tuple[str, ...] = ()) -> dict[str, Any] | None:
        # a replacement is a change entry (documents and preferences are retracted, not corrected)
        target = self._pick(rnd, kinds, but=("DocumentRegistered", "ClaimPreferred"))
        if target is None:
            return None
        return self._amendment("EventCorrected", target, replacement=self._replacement(rnd, target))

    def _retract(self, rnd: random.Random, kinds: tuple[str, ...] = ()) -> dict[str, Any] | None:
        # Not a unit's establishment or a responsibility's definition: the domain accepts that
        # retraction but then fails on the subject (reported separately).
        target = self._pick(rnd, kinds, but=STARTS)
        return None if target is None else self._amendment("EventRetracted", target)

    def _correct_provenance(self, rnd: random.Random) -> dict[str, Any] | None:
        return self._correct(rnd, ("DecisionMade", "ClaimRecorded"))

    def _retract_provenance(self, rnd: random.Random) -> dict[str, Any] | None:
        kinds = ("DecisionMade", "ClaimRecorded", "ClaimPreferred", "DocumentRegistered")
        return self._retract(rnd, kinds)

    def _planned_target(self, rnd: random.Random) -> dict[str, Any] | None:
        """Mostly an expected or planned entry; now and then another (which the rules refuse).
        Not a planned establishment or definition for a cancellation: as with retracting one,
        the domain accepts it, and then every later entry about the subject fails."""
        planned = [
            e
            for e in self.recorded
            if isinstance(e.get("effective"), dict)
            and e["effective"].get("qualifier") in ("expected", "planned")
        ]
        if planned and rnd.random() < 0.9:
            return rnd.choice(planned)
        return self._pick(rnd, but=("DocumentRegistered",))

    def _confirm(self, rnd: random.Random) -> dict[str, Any] | None:
        target = self._planned_target(rnd)
        if target is None:
            return None
        when = effective(rnd, self._day(rnd), planned_ok=False)
        return self._amendment("ChangeConfirmed", target, effective=when)

    def _cancel(self, rnd: random.Random) -> dict[str, Any] | None:
        target = self._planned_target(rnd)
        if target is None or target["type"] in STARTS:
            return None
        return self._amendment("ChangeCancelled", target)


# Ops for ``HistoryMaker.step``: an op number (one beyond the table: two entries in one call)
# and a seed for its random choices.
OPS = st.lists(st.tuples(st.integers(0, KINDS), st.integers(0, 2**32)), min_size=5, max_size=45)


def graph_data(graph: nx.Graph) -> tuple[Any, ...]:
    """A graph as comparable data: its attributes, nodes and edges with theirs, in order."""
    if graph.is_multigraph():
        edges = list(graph.edges(keys=True, data=True))
    else:
        edges = list(graph.edges(data=True))
    return (dict(graph.graph), list(graph.nodes(data=True)), edges)
