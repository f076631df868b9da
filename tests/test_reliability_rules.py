"""The rules hold over time and under concurrency.

- Two writers each moving one of two units under the other cannot both commit (write skew): the
  loser gets a ConflictError (it read what the winner changed) or, if it read after the winner
  committed, the cycle rule.
- A backdated write is checked on every date it affects: a move dated before a later move, an
  abolition dated before a child or a holder, a retraction or correction that changes the past.
- A stateful property test appends random valid and invalid entries and checks, after every step,
  on every change date, with a fold of its own: no parent cycle, no unit in force under a parent
  that is not, no holder that is not in force, no reference to a unit that does not exist.
"""

from __future__ import annotations

import datetime as dt
import os
import threading
import uuid
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from orgevents.aggregate import amended
from orgevents.application import OrgHistory, RejectedEntryError
from orgevents.errors import ConflictError
from orgevents.events import (
    Amendment,
    Change,
    Entry,
    ResponsibilityAbolished,
    ResponsibilityAssigned,
    ResponsibilityEnded,
    ResponsibilityTransferred,
    UnitAbolished,
    UnitAbsorbed,
    UnitEstablished,
    UnitMerged,
    UnitMoved,
    UnitSplit,
    entry_adapter,
)
from orgevents.store import open_store
from tests.conftest import POSTGRES, SRC, entries

# --- an independent check of the invariants, from the log -----------------------------------------


@pytest.fixture
def app(shared_store_url: str) -> OrgHistory:
    """Each rule over time on an SQLite file and on PostgreSQL (the rules read the references
    table and the versions under each store's own write lock)."""
    return open_store(shared_store_url)


def history(app: OrgHistory) -> dict[str, list[Entry]]:
    """Each subject's entries that count now (amendments applied), in recorded order."""
    current: dict[str, dict[str, Entry]] = {}
    for _, event in app.read_events():
        payload = event.payload
        entries_now = current.setdefault(payload.subject, {})
        if isinstance(payload, Amendment):
            current[payload.subject] = amended(entries_now, payload)
        else:
            entries_now[payload.key] = payload
    return {subject: list(found.values()) for subject, found in current.items()}


def _dated(changes: list[Entry]) -> list[Change]:
    ordered = [c for c in changes if isinstance(c, Change)]
    return sorted(ordered, key=lambda c: c.effective.date)  # stable: ties in recorded order


def violations(app: OrgHistory) -> list[str]:
    """Every broken invariant on every change date (an empty list: none)."""
    subjects = history(app)
    units = {k: v for k, v in subjects.items() if any(isinstance(c, UnitEstablished) for c in v)}
    ended = (UnitAbolished, UnitMerged, UnitAbsorbed)
    spans: dict[str, tuple[dt.date, dt.date]] = {}
    for key, changes in units.items():
        start = next(c.effective.date for c in changes if isinstance(c, UnitEstablished))
        ends = [
            c.effective.date
            for c in changes
            if isinstance(c, ended) or (isinstance(c, UnitSplit) and not c.continues)
        ]
        spans[key] = (start, min(ends, default=dt.date.max))

    def alive(key: str | None, on: dt.date) -> bool:
        return key in spans and spans[key][0] <= on < spans[key][1]

    def parent(key: str, on: dt.date) -> str | None:
        found = None
        for c in _dated(units[key]):
            if c.effective.date <= on and isinstance(c, UnitEstablished | UnitMoved):
                found = c.parent
        return found

    def holders(key: str, on: dt.date) -> set[str]:
        held: dict[str, list[str]] = {"authority": [], "performer": []}
        for c in _dated(subjects[key]):
            if c.effective.date > on:
                break
            if isinstance(c, ResponsibilityAssigned):
                held[c.role].append(c.unit)
            elif isinstance(c, ResponsibilityTransferred):
                held[c.role] = [u for u in held[c.role] if u not in c.from_units] + [c.to_unit]
            elif isinstance(c, ResponsibilityEnded):
                held[c.role] = [u for u in held[c.role] if u != c.unit]
            elif isinstance(c, ResponsibilityAbolished):
                held = {"authority": [], "performer": []}
        return {u for units_ in held.values() for u in units_}

    days = sorted(
        {
            c.effective.date
            for changes in subjects.values()
            for c in changes
            if isinstance(c, Change)
        }
    )
    found: list[str] = []
    for day in days:
        for key in units:
            if not alive(key, day):
                continue
            up, seen = parent(key, day), [key]
            if up is not None and not alive(up, day):
                found.append(f"{day}: {key} under {up}, which is not in force")
            while up is not None and up not in seen:
                seen.append(up)
                up = parent(up, day) if up in units else None
            if up is not None:
                found.append(f"{day}: parent cycle {' → '.join([*seen, up])}")
        for key, changes in subjects.items():
            if any(isinstance(c, ResponsibilityAssigned) for c in changes):
                for unit in holders(key, day):
                    if not alive(unit, day):
                        found.append(f"{day}: {unit} holds {key} and is not in force")
    for key, changes in units.items():  # merges and splits go into units in force that day
        for c in changes:
            into = [c.into] if isinstance(c, UnitMerged | UnitAbsorbed) else []
            into = list(c.into) if isinstance(c, UnitSplit) else into
            for target in into:
                if not alive(target, c.effective.date):
                    found.append(f"{c.effective.date}: {key} goes into {target}, not in force")
    for key, changes in subjects.items():  # no reference to a unit that does not exist
        for c in changes:
            named = [getattr(c, "parent", None), getattr(c, "unit", None)]
            named += [getattr(c, "to_unit", None), *getattr(c, "from_units", [])]
            for target in named:
                if target is not None and target != key and target not in units:
                    found.append(f"{key}: {c.key} names {target}, which is no unit")
    return found


def record(app: OrgHistory, text: str) -> None:
    app.record(entries(text), "tester")


def refused(app: OrgHistory, text: str, rule: str) -> RejectedEntryError:
    before = app.last_position()
    with pytest.raises(RejectedEntryError) as info:
        app.record(entries(text), "tester")
    assert app.last_position() == before, "a refused load writes nothing"
    assert info.value.rule == rule, info.value
    assert violations(app) == []
    return info.value


# --- B1: concurrent writers -----------------------------------------------------------------------

TRIALS = 10
PAIRS = "\n".join(
    f"- {{type: UnitEstablished, key: e-x{i}, unit: x{i}, name: X{i}, kind: centre, parent: br, "
    f"effective: 2020-01-01}}\n"
    f"- {{type: UnitEstablished, key: e-y{i}, unit: y{i}, name: Y{i}, kind: centre, parent: br, "
    f"effective: 2020-01-01}}"
    for i in range(TRIALS)
)


def _move(trial: int, unit: str, parent: str) -> list[Entry]:
    return entries(
        f"- {{type: UnitMoved, key: m-{unit}{trial}, unit: {unit}{trial}, "
        f"parent: {parent}{trial}, effective: 2024-01-01}}"
    )


def _write(
    app: OrgHistory,
    n: int,
    trial: int,
    forced: bool,
    barrier: threading.Barrier,
    outcome: dict[int, BaseException | None],
) -> None:
    """Writer ``n`` moves its unit of pair ``trial`` under the other one."""
    original = app.save

    def save_together(*aggregates: Any, **kwargs: Any) -> Any:
        barrier.wait()  # both have read and checked; now both save
        return original(*aggregates, **kwargs)

    if forced:
        app.save = save_together  # type: ignore[method-assign]
    else:
        barrier.wait()
    try:
        unit, parent = ("x", "y") if n == 0 else ("y", "x")
        app.record(_move(trial, unit, parent), f"writer-{n}")
        outcome[n] = None
    except (ConflictError, RejectedEntryError) as exc:
        outcome[n] = exc
    finally:
        if forced:
            del app.save


def test_two_writers_moving_two_units_under_each_other_never_store_a_cycle(
    shared_store_url, base_entries
):
    setup = open_store(shared_store_url)
    setup.record([*base_entries, *entries(PAIRS)], "tester")
    writers = [open_store(shared_store_url), open_store(shared_store_url)]
    for trial in range(TRIALS):
        # even trials: both check before either saves (the write-skew interleaving, forced);
        # odd trials: both start at once and race freely
        forced = trial % 2 == 0
        barrier = threading.Barrier(2, timeout=30)
        outcome: dict[int, BaseException | None] = {}
        threads = [
            threading.Thread(target=_write, args=(writers[n], n, trial, forced, barrier, outcome))
            for n in (0, 1)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert sorted(outcome) == [0, 1], "a writer did not finish"
        losers = [exc for exc in outcome.values() if exc is not None]
        assert len(losers) == 1, f"trial {trial}: {outcome}"
        [loser] = losers
        if isinstance(loser, RejectedEntryError):
            assert loser.rule == "no-parent-cycle"
        else:
            assert "nothing of this load was written" in str(loser)
        if forced:
            assert isinstance(loser, ConflictError)
    assert violations(setup) == []


# --- B2: backdated writes -------------------------------------------------------------------------


def test_a_move_dated_before_a_later_move_cannot_close_a_cycle_in_either_order(app, base_entries):
    app.record(base_entries, "tester")
    # b under a from 2027, then a under b from 2026-06-01: from 2027 a → b → a
    record(app, "- {type: UnitMoved, key: m-b, unit: b, parent: a, effective: 2027-01-01}")
    err = refused(
        app,
        "- {type: UnitMoved, key: m-a, unit: a, parent: b, effective: 2026-06-01}",
        "no-parent-cycle",
    )
    assert "2027-01-01" in str(err)


def test_the_other_order_is_refused_too(app, base_entries):
    app.record(base_entries, "tester")
    record(app, "- {type: UnitMoved, key: m-a, unit: a, parent: b, effective: 2026-06-01}")
    refused(
        app,
        "- {type: UnitMoved, key: m-b, unit: b, parent: a, effective: 2027-01-01}",
        "no-parent-cycle",
    )


def test_a_move_away_before_the_later_move_keeps_the_history_valid(app, base_entries):
    app.record(base_entries, "tester")
    record(app, "- {type: UnitMoved, key: m-b, unit: b, parent: a, effective: 2027-01-01}")
    record(
        app,
        """
- {type: UnitMoved, key: m-a, unit: a, parent: b, effective: 2026-06-01}
- {type: UnitMoved, key: m-a2, unit: a, parent: br, effective: 2026-12-01}
""",
    )
    assert violations(app) == []


LATER_UNDER_B = {
    "a child established later": "- {type: UnitEstablished, key: e-y, unit: y, name: Y, "
    "kind: team, parent: b, effective: 2023-01-01}",
    "a child moved in later": "- {type: UnitMoved, key: m-ac, unit: ac, parent: b, "
    "effective: 2023-01-01}",
    "a holder later": """
- {type: ResponsibilityDefined, key: d-u, responsibility: u, name: Task U, scope: U, effective: 2020-01-01}
- {type: ResponsibilityAssigned, key: a-u, responsibility: u, unit: b, role: authority, effective: 2023-01-01}
""",
}


@pytest.mark.parametrize("later", list(LATER_UNDER_B))
@pytest.mark.parametrize("abolition_first", [False, True], ids=["backdated", "abolition-first"])
def test_an_abolition_before_a_later_child_or_holder_is_refused_in_either_order(
    app, base_entries, later, abolition_first
):
    app.record(base_entries, "tester")
    abolition = "- {type: UnitAbolished, key: ab-b, unit: b, effective: 2022-01-01}"
    if abolition_first:  # then the later entry names a unit that no longer exists
        record(app, abolition)
        refused(app, LATER_UNDER_B[later], "in-force")
    else:  # a unit that has units under it later on may not end (rules.check_no_units_under)
        record(app, LATER_UNDER_B[later])
        holder = later == "a holder later"
        refused(app, abolition, "in-force" if holder else "no-orphaned-units")


def test_a_unit_that_still_holds_a_responsibility_cannot_end_until_it_hands_it_over(
    app, base_entries
):
    app.record(base_entries, "tester")
    refused(app, "- {type: UnitAbolished, key: ab-ac, unit: ac, effective: 2022-01-01}", "in-force")
    # handing over first, in the same load, in either order, is fine
    record(
        app,
        """
- {type: UnitAbolished, key: ab-ac, unit: ac, effective: 2022-01-01}
- {type: ResponsibilityTransferred, key: t-ac, responsibility: t, role: performer, from_units: [ac], to_unit: af, effective: 2022-01-01}
""",
    )
    assert violations(app) == []


def test_a_child_may_be_established_under_a_unit_that_ends_if_the_load_moves_it_away(
    app, base_entries
):
    app.record(base_entries, "tester")
    record(app, "- {type: UnitAbolished, key: ab-b, unit: b, effective: 2025-01-01}")
    under_b = (
        "- {type: UnitEstablished, key: e-y, unit: y, name: Y, kind: team, parent: b, "
        "effective: 2023-01-01}"
    )
    refused(app, under_b, "in-force")  # alone it would sit under b after b ends
    record(
        app, under_b + "\n- {type: UnitMoved, key: m-y, unit: y, parent: a, effective: 2024-06-01}"
    )
    assert violations(app) == []


def test_a_backdated_transfer_cannot_leave_a_later_one_naming_a_unit_that_no_longer_holds(
    app, base_entries
):
    app.record(base_entries, "tester")
    record(
        app,
        "- {type: ResponsibilityTransferred, key: t2, responsibility: t, role: performer, "
        "from_units: [ac], to_unit: af, effective: 2024-01-01}",
    )
    refused(
        app,
        "- {type: ResponsibilityTransferred, key: t1, responsibility: t, role: performer, "
        "from_units: [ac], to_unit: b, effective: 2023-01-01}",
        "holder-required",
    )


def test_retracting_the_move_that_took_a_child_away_from_a_unit_that_ends_is_refused(
    app, base_entries
):
    app.record(base_entries, "tester")
    record(
        app,
        """
- {type: UnitEstablished, key: e-y, unit: y, name: Y, kind: team, parent: b, effective: 2021-01-01}
- {type: UnitMoved, key: m-y, unit: y, parent: a, effective: 2022-01-01}
- {type: UnitAbolished, key: ab-b, unit: b, effective: 2023-01-01}
""",
    )
    refused(
        app,
        "- {type: EventRetracted, key: r-m-y, about: y, retracts: m-y, reason: wrong}",
        "amendment-fits",
    )


def test_correcting_a_move_date_so_that_it_closes_a_cycle_is_refused(app, base_entries):
    app.record(base_entries, "tester")
    record(
        app,
        """
- {type: UnitMoved, key: m-a, unit: a, parent: b, effective: 2025-01-01}
- {type: UnitMoved, key: m-a2, unit: a, parent: br, effective: 2026-01-01}
- {type: UnitMoved, key: m-b, unit: b, parent: a, effective: 2027-01-01}
""",
    )
    refused(
        app,
        """
- type: EventCorrected
  key: c-m-a2
  about: a
  corrects: m-a2
  reason: the date was misread
  replacement: {type: UnitMoved, key: m-a2, unit: a, parent: br, effective: 2028-01-01, sources: [{document: doc, locator: s. 1}]}
""",
        "amendment-fits",
    )


def test_correcting_an_establishment_to_after_its_child_is_refused(app, base_entries):
    app.record(base_entries, "tester")
    refused(
        app,
        """
- type: EventCorrected
  key: c-e-af
  about: af
  corrects: e-af
  reason: the date was misread
  replacement: {type: UnitEstablished, key: e-af, unit: af, name: Administration A, kind: administration, parent: a, effective: 2021-01-01, sources: [{document: doc, locator: s. 1}]}
""",
        "amendment-fits",
    )


def test_cancelling_a_planned_establishment_that_others_refer_to_is_refused(app, base_entries):
    app.record(base_entries, "tester")
    record(
        app,
        """
- {type: UnitEstablished, key: e-n, unit: n, name: New, kind: centre, parent: a, effective: "~2030"}
- {type: UnitEstablished, key: e-m, unit: m, name: Team, kind: team, parent: n, effective: 2031-01-01}
""",
    )
    refused(
        app,
        "- {type: ChangeCancelled, key: c-n, about: n, cancels: e-n, reason: not happening}",
        "amendment-fits",
    )


# --- B3: a stateful property test -----------------------------------------------------------------

YEARS = [dt.date(y, m, 1) for y in range(2020, 2031) for m in (1, 7)]


class Reorganisations(RuleBasedStateMachine):
    """Random establishments, moves (often backdated), abolitions, assignments, transfers and
    retractions against one store; after every step the stored history obeys every invariant."""

    backend = "memory"

    def __init__(self) -> None:
        super().__init__()
        self.url, self.cleanup = _fresh_store(self.backend)
        self.app = open_store(self.url)
        self.app.record(entries(_ROOT), "machine")
        self.units = ["root"]
        self.resps: list[str] = []
        self.recorded: dict[str, list[str]] = {"root": ["e-root"]}  # subject → entry keys
        self.moves: dict[str, dict[str, Any]] = {}  # entry key → the move recorded
        self.n = 0

    def teardown(self) -> None:
        self.app.close()
        self.cleanup()

    def _record(self, raw: dict[str, Any]) -> bool:
        self.n += 1
        raw = {"key": f"k{self.n}", **raw}
        if raw["type"] not in ("EventRetracted", "EventCorrected"):
            raw["effective"] = raw["effective"].isoformat()
        raw.setdefault("sources", SRC)
        entry = entry_adapter.validate_python(raw)
        before = self.app.last_position()
        try:
            self.app.record([entry], "machine")
        except RejectedEntryError:
            assert self.app.last_position() == before, "a refused entry wrote something"
            return False
        self.recorded.setdefault(entry.subject, []).append(entry.key)
        if raw["type"] == "UnitMoved":
            self.moves[entry.key] = raw
        return True

    @rule(data=st.data(), on=st.sampled_from(YEARS))
    def establish(self, data: st.DataObject, on: dt.date) -> None:
        key = f"u{len(self.units)}"
        parent = data.draw(st.sampled_from(self.units))
        raw = {"type": "UnitEstablished", "unit": key, "name": key, "kind": "centre"}
        if self._record({**raw, "parent": parent, "effective": on}):
            self.units.append(key)

    @precondition(lambda self: len(self.units) > 1)
    @rule(data=st.data(), on=st.sampled_from(YEARS))
    def move(self, data: st.DataObject, on: dt.date) -> None:
        unit = data.draw(st.sampled_from(self.units[1:]))
        parent = data.draw(st.sampled_from(self.units))
        self._record({"type": "UnitMoved", "unit": unit, "parent": parent, "effective": on})

    @precondition(lambda self: len(self.units) > 1)
    @rule(data=st.data(), on=st.sampled_from(YEARS))
    def abolish(self, data: st.DataObject, on: dt.date) -> None:
        unit = data.draw(st.sampled_from(self.units[1:]))
        self._record({"type": "UnitAbolished", "unit": unit, "effective": on})

    @rule(data=st.data(), on=st.sampled_from(YEARS))
    def define_and_assign(self, data: st.DataObject, on: dt.date) -> None:
        key = f"r{len(self.resps)}"
        holder = data.draw(st.sampled_from(self.units))
        defined = {"type": "ResponsibilityDefined", "responsibility": key, "name": key}
        if self._record({**defined, "scope": key, "effective": YEARS[0]}):
            self.resps.append(key)
            self._record(
                {
                    "type": "ResponsibilityAssigned",
                    "responsibility": key,
                    "unit": holder,
                    "role": "performer",
                    "effective": on,
                }
            )

    @precondition(lambda self: self.resps)
    @rule(data=st.data(), on=st.sampled_from(YEARS))
    def transfer(self, data: st.DataObject, on: dt.date) -> None:
        resp = data.draw(st.sampled_from(self.resps))
        source, target = (
            data.draw(st.sampled_from(self.units)),
            data.draw(st.sampled_from(self.units)),
        )
        self._record(
            {
                "type": "ResponsibilityTransferred",
                "responsibility": resp,
                "role": "performer",
                "from_units": [source],
                "to_unit": target,
                "effective": on,
            }
        )

    @precondition(lambda self: len(self.units) > 2)
    @rule(data=st.data(), on=st.sampled_from(YEARS))
    def absorb(self, data: st.DataObject, on: dt.date) -> None:
        unit = data.draw(st.sampled_from(self.units[1:]))
        into = data.draw(st.sampled_from(self.units))
        self._record({"type": "UnitAbsorbed", "unit": unit, "into": into, "effective": on})

    @precondition(lambda self: self.moves)
    @rule(data=st.data(), on=st.sampled_from(YEARS))
    def correct_a_move(self, data: st.DataObject, on: dt.date) -> None:
        key = data.draw(st.sampled_from(sorted(self.moves)))
        move = self.moves[key]
        parent = data.draw(st.sampled_from([move["parent"], *self.units]))
        replacement = {**move, "parent": parent, "effective": on.isoformat()}
        self._record(
            {
                "type": "EventCorrected",
                "about": move["unit"],
                "corrects": key,
                "replacement": replacement,
                "reason": "misread",
            }
        )

    @rule(data=st.data())
    def retract(self, data: st.DataObject) -> None:
        subject = data.draw(st.sampled_from(sorted(self.recorded)))
        target = data.draw(st.sampled_from(self.recorded[subject]))
        self._record(
            {"type": "EventRetracted", "about": subject, "retracts": target, "reason": "wrong"}
        )

    @invariant()
    def every_invariant_holds_on_every_change_date(self) -> None:
        assert violations(self.app) == []


_ROOT = """
- {type: DocumentRegistered, key: doc, document: doc, title: A document, location: doc.txt}
- {type: UnitEstablished, key: e-root, unit: root, name: Root, kind: council, effective: 2020-01-01}
"""


def _fresh_store(backend: str) -> tuple[str, Any]:
    if backend == "memory":
        return "memory:", lambda: None
    if backend == "sqlite":
        folder = Path(os.environ.get("TMPDIR", "/tmp")) / f"orgevents-machine-{uuid.uuid4().hex}"
        folder.mkdir()
        path = folder / "store.db"

        def remove() -> None:
            for file in folder.iterdir():
                file.unlink()
            folder.rmdir()

        return f"sqlite:///{path}", remove
    import psycopg

    schema = f"m_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(POSTGRES, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")

    def drop() -> None:
        with psycopg.connect(POSTGRES, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {schema} CASCADE")

    return f"{POSTGRES}?schema={schema}", drop


def _machine_test(backend: str, examples: int) -> Any:
    machine = type(f"Reorganisations_{backend}", (Reorganisations,), {"backend": backend})
    case = machine.TestCase
    case.settings = settings(
        max_examples=examples,
        stateful_step_count=25,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )
    return case


TestReorganisationsInMemory = _machine_test("memory", 60)
TestReorganisationsOnSQLite = _machine_test("sqlite", 12)
TestReorganisationsOnPostgres = pytest.mark.postgres(_machine_test("postgres", 12))
