"""France's communes 1943–2026 (INSEE COG 2026): the converter's history against the register.

The oracle walks the register backwards from ``communes.csv`` (2026); the converter replays it
forwards. Their states must agree on 1 January of every year and around the busiest dates (the
waves of 1971–73 and 2015–2019), and the store loaded with ``load --example france-communes``
must answer ``units --at`` with the same units.
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections import Counter

import pytest

from orgevents.datasets.france import KIND, TYPE_OF_KIND, Converter, entries
from orgevents.datasets.france_register import communes_2026, movements
from tests.france_helpers import check_dates, states_from_entries
from tests.france_oracle import Oracle


@pytest.fixture(scope="module")
def oracle():
    return Oracle()


@pytest.fixture(scope="module")
def converted():
    conv = Converter()
    return conv, list(entries(conv))


@pytest.fixture(scope="module")
def days(oracle):
    found = check_dates(oracle.rows)
    assert len([d for d in found if d < "2026-01-01"]) >= 50
    assert any("1971" <= d < "1974" for d in found)
    assert any("2015" <= d < "2020" for d in found)
    return found


def test_the_oracle_walks_back_through_every_row(oracle):
    """Undoing the changes day by day, every unit a row names after a change is in force with
    that name just after it — the walk reads the register as it is meant."""
    state = oracle.final
    checked = 0
    for day in oracle.dates:
        rows = oracle.by_date[day]
        for mod in sorted({r.mod for r in rows}, key=_order, reverse=True):
            group = [r for r in rows if r.mod == mod]
            for row in group:
                if row.after is not None:
                    assert state.get(row.after) == row.after_name, (day, row.line)
                    checked += 1
            state = oracle.undo_one(state, group)
    assert checked > 13_000
    assert state == oracle.first()


def _order(mod):
    from orgevents.datasets.france_register import MOD_ORDER

    return MOD_ORDER.index(mod)


def test_the_oracle_on_2026_is_communes_csv(oracle):
    listed = {(rec["TYPECOM"], rec["COM"]): rec["LIBELLE"] for _, _, rec in communes_2026()}
    assert oracle.at("2026-01-01") == listed
    assert len(listed) == 37_496
    assert oracle.at("2015-12-31") != oracle.at("2016-01-01")


def test_the_converters_history_equals_the_register_on_every_checked_date(oracle, converted, days):
    _, produced = converted
    mine = states_from_entries(produced, days)
    theirs = oracle.states(days)
    for day in days:
        assert mine[day] == theirs[day], day
    listed = {(rec["TYPECOM"], rec["COM"]): rec["LIBELLE"] for _, _, rec in communes_2026()}
    assert mine["2026-01-01"] == listed
    sizes = Counter(len(mine[d]) for d in days)
    assert len(sizes) > 20  # the states really differ from date to date


def test_the_2026_sub_units_sit_under_their_communes_and_communes_under_departements(converted):
    _, produced = converted
    parent: dict[str, str] = {}
    code: dict[str, str] = {}
    alive: dict[tuple[str, str], str] = {}
    for e in produced:
        unit = e.get("unit")
        if e["type"] == "UnitEstablished":
            parent[unit], code[unit] = e.get("parent"), e["abbreviation"]
            alive[(e["kind"], e["abbreviation"])] = unit
        elif e["type"] == "UnitMoved":
            parent[unit] = e["parent"]
        elif e["type"] == "UnitRenamed" and "abbreviation" in e:
            alive.pop(next(k for k, v in alive.items() if v == unit), None)
            code[unit] = e["abbreviation"]
            alive[(_kind(produced, unit), e["abbreviation"])] = unit
    wrong = []
    for _, _, rec in communes_2026():
        unit = alive[(KIND[rec["TYPECOM"]], rec["COM"])]
        expected = rec["DEP"] if rec["TYPECOM"] == "COM" else rec["COMPARENT"]
        if code[parent[unit]] != expected:
            wrong.append((unit, parent[unit], expected))
    assert wrong == []


_KINDS: dict[str, str] = {}


def _kind(produced, unit):
    if not _KINDS:
        _KINDS.update({e["unit"]: e["kind"] for e in produced if e["type"] == "UnitEstablished"})
    return _KINDS[unit]


def test_every_change_cites_the_register_rows_it_comes_from(converted):
    _, produced = converted
    lines = {row.line: row.text for row in movements()}
    cited = 0
    for e in produced:
        for source in e.get("sources", []):
            if source["document"] != "insee-cog-2026-mouvements":
                continue
            numbers = source["locator"].split(" line", 1)[1].lstrip("s ").split(" (")[0]
            quoted = source["quote"].split("\n")
            assert quoted == [lines[int(n)] for n in numbers.split(", ")], e["key"]
            cited += 1
    assert cited > 9_000
    keys = Counter(e["key"] for e in produced)
    assert keys.most_common(1)[0][1] == 1


def test_the_register_maps_to_events_by_change_type(converted):
    """Every kind of change in the register becomes the events it should."""
    conv, _ = converted
    by_mod = {mod: dict(types) for mod, types in conv.mod_events.items()}
    assert by_mod["10"] == {"UnitRenamed": 1407}
    assert set(by_mod["41"]) >= {"UnitMoved", "UnitRenamed"} and by_mod["41"]["UnitMoved"] == 904
    assert by_mod["21"]["UnitSplit"] == 187  # one split per re-establishment event
    assert by_mod["33"]["UnitEstablished"] == 1042  # members become associated communes
    assert by_mod["35"] == {"UnitAbsorbed": 419}
    assert by_mod["34"] == {"UnitAbsorbed": 226}
    assert by_mod["70"] == {"UnitEstablished": 18, "UnitMerged": 18}
    assert conv.replay.reestablished >= 263 - 10


# --- the store: `orgevents load --example france-communes`, as a user runs it --------------


@pytest.fixture(scope="module")
def store_url(tmp_path_factory):
    url = f"sqlite:///{tmp_path_factory.mktemp('france') / 'france.db'}"
    started = time.perf_counter()
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "orgevents",
            "--store",
            url,
            "load",
            "--example",
            "france-communes",
            "--json",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    seconds = time.perf_counter() - started
    assert proc.returncode == 0, proc.stderr
    import json

    counts = json.loads(proc.stdout)
    print(f"\nfrance-communes: {counts['appended']} events loaded in {seconds:.0f} s")
    assert counts["appended"] > 50_000 and counts["skipped"] == 0
    return url


@pytest.fixture(scope="module")
def view(store_url):
    from orgevents.projections.reader import Reader

    reader = Reader.open(store_url)
    yield reader.view(None, False)
    reader.close()


def store_dates(rows):
    """2026, the day before and the day of the 20 busiest dates, 1 January every third year."""
    busy = [d for d in check_dates(rows, busiest=20) if not d.endswith("-01-01")]
    return sorted({"2026-01-01", *busy, *(f"{y}-01-01" for y in range(1943, 2026, 3))})


def test_the_store_answers_units_at_as_the_register_does(view, oracle):
    import datetime as dt

    days = store_dates(oracle.rows)
    assert len(days) > 50
    expected = oracle.states(days)
    for day in days:
        units = view.units_at(dt.date.fromisoformat(day))
        got = {
            (TYPE_OF_KIND[u.kind], u.abbreviation): u.name for u in units if u.kind in TYPE_OF_KIND
        }
        assert got == expected[day], day
        departements = {u.abbreviation for u in units if u.kind == "departement"}
        assert departements == {
            code[:3] if code.startswith("97") else code[:2] for (t, code) in got if t == "COM"
        }, day


def test_a_merges_history_names_what_it_merged(view, oracle):
    """Every commune the register merges into Condé-sur-Vire (50139) on 2016-01-01 is named in
    the commune's history as absorbed into it, citing the register's row."""
    rows = [
        r
        for r in oracle.by_date["2016-01-01"]
        if r.mod == "32" and r.after == ("COM", "50139") and r.before != r.after
    ]
    assert rows
    history = view.history("com-50139")
    absorbed = [c for c in history if c.type == "UnitAbsorbed" and c.effective == "2016-01-01"]
    for row in rows:
        assert any(
            c.subject["name"] == row.before_name and row.text in (c.sources[0].quote or "")
            for c in absorbed
        ), row.before_name
    again = view.history("com-15031")  # Celles: merged in 2016, re-established in 2025
    assert [c.type for c in again].count("UnitEstablished") == 2
