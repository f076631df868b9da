"""Load-file and reading ergonomics on a history that is not Copenhagen's: entries in any order
within one load (cycles refused), --root/--depth on every read command that lists units or
changes (CLI and HTTP), reversed and empty diff ranges, text diffs naming ids and parents where
names repeat, chart titles naming their root.

The fixture, tests/data/legislature.yaml, is a small two-chamber legislature with committees and
subcommittees; two subcommittees share a name and end on the same day.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from orgevents.bulk import BulkLoadError, bulk_load
from orgevents.cli import app as cli
from orgevents.errors import InvalidEntryError
from orgevents.http.app import create_app
from orgevents.importing import load_paths, parse_text, record_located
from orgevents.projections.reader import Reader
from orgevents.projections.reference import FoldView
from orgevents.store import open_store
from tests.histories import OPS, HistoryMaker, StepClock, fresh_store

FIXTURE = Path(__file__).parent / "data" / "legislature.yaml"
DATA: dict[str, Any] = yaml.safe_load(FIXTURE.read_text(encoding="utf-8"))
ENTRIES: list[dict[str, Any]] = DATA["entries"]
DATES = [dt.date(1995, 1, 4), dt.date(1997, 1, 6), dt.date(1997, 1, 7), dt.date(2000, 1, 1)]
KEYS = ["house", "hfa", "hts", "hag", "mm-1", "mm-2", "hfa-asia", "hag-forestry", "shipping"]
runner = CliRunner()


def dump(entries: list[dict[str, Any]]) -> str:
    return yaml.safe_dump({"format": "orgevents/1", "entries": entries}, sort_keys=False)


def snapshot(store: Any) -> dict[str, Any]:
    """What the history answers, independent of the order the entries were recorded in (ties
    on one date are listed in recorded order, so lists are compared as sorted)."""
    view = Reader(store).view()
    out: dict[str, Any] = {}
    for on in DATES:
        out[f"units {on}"] = sorted(json.dumps(u.model_dump()) for u in view.units_at(on))
        holders = view.who("shipping", on).model_dump(mode="json")["holders"]
        out[f"who {on}"] = sorted(json.dumps(h, sort_keys=True) for h in holders)
    out["diff"] = sorted(
        (c.effective, c.type, c.summary, c.event_id)
        for c in view.diff(dt.date(1990, 1, 1), dt.date(2005, 1, 1))
    )
    for key in KEYS:
        out[f"history {key}"] = sorted((c.event_id, c.summary) for c in view.history(key))
    out["show"] = view.show("hfa-asia", dt.date(2000, 1, 1))
    return out


def load_text(text: str, name: str = "legislature.yaml") -> Any:
    store = open_store("memory:")
    record_located(store, parse_text(text, name), "tests")
    return store


@pytest.fixture(scope="module")
def ordered() -> dict[str, Any]:
    return snapshot(load_text(FIXTURE.read_text(encoding="utf-8")))


@pytest.fixture(scope="module")
def store_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('legislature') / 'l.db'}"
    result = runner.invoke(cli, ["--store", url, "load", str(FIXTURE)])
    assert result.exit_code == 0, result.output
    return url


def run(url: str, *args: str) -> Any:
    result = runner.invoke(cli, ["--store", url, *args])
    assert result.exit_code == 0, result.output
    return result


def fails(url: str, *args: str) -> str:
    """What a failing command says: Typer's usage errors, or the error ``main`` prints."""
    result = runner.invoke(cli, ["--store", url, *args])
    assert result.exit_code != 0
    return result.output + str(result.exception or "")


def run_json(url: str, *args: str) -> Any:
    return json.loads(run(url, *args, "--json").stdout)


# --- entries in any order ---------------------------------------------------------------------


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(order=st.permutations(range(len(ENTRIES))))
def test_any_permutation_loads_and_answers_as_the_ordered_file(order, ordered):
    shuffled = [ENTRIES[i] for i in order]
    assert snapshot(load_text(dump(shuffled))) == ordered


def test_the_reversed_file_loads_and_answers_as_the_ordered_file(ordered):
    assert snapshot(load_text(dump(list(reversed(ENTRIES))))) == ordered


def test_entries_may_need_entries_of_a_later_file_of_the_same_load(tmp_path, ordered):
    units = [e for e in ENTRIES if e["type"] == "UnitEstablished"]
    rest = [e for e in ENTRIES if e["type"] != "UnitEstablished"]
    first, second = tmp_path / "1-changes.yaml", tmp_path / "2-units.yaml"
    first.write_text(dump(rest), encoding="utf-8")
    second.write_text(dump(list(reversed(units))), encoding="utf-8")
    store = open_store("memory:")
    result = load_paths(store, [first, second], "tests")
    assert len(result.appended) == len(ENTRIES)
    assert snapshot(store) == ordered


def test_a_dependency_cycle_names_its_entries_and_writes_nothing(tmp_path):
    cycle = [
        {"type": "DocumentRegistered", "key": "doc.d", "document": "d", "title": "D",
         "location": "d.txt", "language": "en"},
        {"type": "UnitEstablished", "key": "a.est", "unit": "a", "name": "A",
         "kind": "committee", "parent": "b", "effective": "2000-01-01",
         "sources": [{"document": "d", "locator": "1"}]},
        {"type": "UnitEstablished", "key": "b.est", "unit": "b", "name": "B",
         "kind": "committee", "parent": "a", "effective": "2000-01-01",
         "sources": [{"document": "d", "locator": "2"}]},
    ]  # fmt: skip
    path = tmp_path / "cycle.yaml"
    path.write_text(dump(cycle), encoding="utf-8")
    url = f"sqlite:///{tmp_path / 'c.db'}"
    text = fails(url, "load", str(path))
    assert "nothing was written" in text
    for key in ("a.est", "b.est"):
        assert f"({key}), field 'parent'" in text
    assert text.count("[rule: no-dependency-cycle]") == 2
    assert "doc.d" not in text.split("nothing was written")[1]  # not part of the circle
    assert run_json(url, "units", "--at", "2001-01-01") == []
    assert run_json(url, "dates") == []


def test_a_reference_missing_from_store_and_load_says_so_without_load_it_first(tmp_path):
    entries = [e for e in ENTRIES if e["unit" if "unit" in e else "key"] != "hts"]
    with pytest.raises(InvalidEntryError) as caught:
        load_text(dump(entries))
    message = str(caught.value)
    assert "'hts'" in message and "load it first" not in message
    assert "neither recorded before nor made by an entry of this load" in message


def test_rules_across_units_hold_in_any_order_of_one_load():
    """Y moves up from under X (listed later) before X moves under Y, and X ends after Y has
    left it: the rules across units see the whole load, not the entries before."""
    src = [{"document": "rules-1995", "locator": "x"}]
    extra = [
        {"type": "UnitEstablished", "key": "x.est", "unit": "x", "name": "X", "kind": "team",
         "parent": "house", "effective": "1996-01-01", "sources": src},
        {"type": "UnitEstablished", "key": "y.est", "unit": "y", "name": "Y", "kind": "team",
         "parent": "x", "effective": "1996-01-01", "sources": src},
        {"type": "UnitMoved", "key": "x.under-y", "unit": "x", "parent": "y",
         "effective": "1996-03-01", "sources": src},
        {"type": "UnitMoved", "key": "y.up", "unit": "y", "parent": "house",
         "effective": "1996-02-01", "sources": src},
        {"type": "UnitAbolished", "key": "x.gone", "unit": "x",
         "effective": "1996-06-01", "sources": src},
    ]  # fmt: skip
    view = Reader(load_text(dump(ENTRIES[:3] + extra))).view()
    assert view.parent_of("x", dt.date(1996, 3, 1)) == "y"
    assert view.parent_of("y", dt.date(1996, 6, 1)) == "house"
    assert not view.unit_exists("x", dt.date(1996, 6, 1))


def jsonl(path: Path, entries: list[dict[str, Any]]) -> Path:
    lines = [json.dumps({"format": "orgevents/1"})]
    lines += [json.dumps(e, default=str) for e in entries]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_bulk_load_orders_each_batch(tmp_path, ordered):
    path = jsonl(tmp_path / "l.jsonl", list(reversed(ENTRIES)))
    store = open_store(f"sqlite:///{tmp_path / 'b.db'}")
    counts = bulk_load(store, [path], "tests", batch_size=len(ENTRIES))
    assert counts["appended"] == len(ENTRIES)
    assert snapshot(store) == ordered


def test_bulk_load_says_it_orders_only_within_a_batch(tmp_path):
    path = jsonl(tmp_path / "l.jsonl", list(reversed(ENTRIES)))
    store = open_store(f"sqlite:///{tmp_path / 'b.db'}")
    with pytest.raises(BulkLoadError) as caught:
        bulk_load(store, [path], "tests", batch_size=5)
    message = str(caught.value)
    assert "only within each batch of 5 entries" in message
    assert "load it first" not in message


# --- --root / --depth -------------------------------------------------------------------------


def test_units_root_and_depth(store_url):
    ids = {u["id"] for u in run_json(store_url, "units", "--at", "1996-01-01", "--root", "hfa")}
    assert ids == {"hfa", "mm-2", "hfa-asia"}
    top = run_json(store_url, "units", "--at", "1996-01-01", "--root", "house", "--depth", "1")
    assert {u["id"] for u in top} == {"house", "hfa", "hts", "hag"}
    tops = run_json(store_url, "units", "--at", "1996-01-01", "--depth", "0")
    assert {u["id"] for u in tops} == {"house", "senate"}
    # the subtree as of the date asked: forestry sits under hts from 1997
    assert "hag-forestry" in {
        u["id"] for u in run_json(store_url, "units", "--at", "1998-01-01", "--root", "hts")
    }
    assert "hag-forestry" not in {
        u["id"] for u in run_json(store_url, "units", "--at", "1996-01-01", "--root", "hts")
    }


def test_an_unknown_root_is_an_error(store_url):
    assert "'mm-1x'" in fails(store_url, "units", "--at", "1996-01-01", "--root", "mm-1x")
    gone = fails(store_url, "units", "--at", "1998-01-01", "--root", "mm-1")
    assert "unit in force on 1998-01-01" in gone


def test_find_root(store_url):
    everywhere = {f["id"] for f in run_json(store_url, "find", "committee", "--at", "1996-01-01")}
    senate = {
        f["id"]
        for f in run_json(store_url, "find", "committee", "--at", "1996-01-01", "--root", "senate")
    }
    assert senate == {"sfr", "sfr-europe"} and senate < everywhere


def test_diff_root_counts_units_in_the_subtree_on_either_date(store_url):
    def changed(*extra: str) -> set[str]:
        answer = run_json(store_url, "diff", "1996-01-01", "1998-01-01", *extra)
        return {c["event_id"] for c in answer["changes"]}

    everything = changed()
    hts = changed("--root", "hts")
    # on 1996 forestry is under hag, on 1998 under hts: its move counts for both
    assert "hag-forestry.moved.1997" in hts and "hag-forestry.moved.1997" in changed(
        "--root", "hag"
    )
    assert {"hts.renamed.1997", "mm-1.abolished", "shipping.authority.1997"} <= hts
    assert "mm-2.abolished" not in hts and hts < everything
    assert changed("--root", "hts", "--depth", "0") == {
        "hts.renamed.1997",
        "hag-forestry.moved.1997",  # names hts as its new parent
        "shipping.authority.1997",  # gives hts the authority
    }


def test_diff_chart_root_and_depth(store_url, tmp_path):
    out = tmp_path / "c.dot"
    run(store_url, "diff", "1996-01-01", "1998-01-01", "--root", "hfa", "-o", str(out))
    dot = out.read_text(encoding="utf-8")
    assert "Committee on Foreign Affairs (hfa)" in dot  # the title names the root
    assert "Subcommittee on Asia" in dot and "Committee on Agriculture" not in dot
    shallow = tmp_path / "s.dot"
    run(store_url, "diff", "1996-01-01", "1998-01-01", "--root", "house", "--depth", "1",
        "-o", str(shallow))  # fmt: skip
    assert "Subcommittee on Asia" not in shallow.read_text(encoding="utf-8")


def test_chart_title_names_its_root(store_url):
    dot = run(store_url, "chart", "--at", "1996-01-01", "--root", "sfr").stdout
    assert "Organisation on 1 January 1996 — Committee on Foreign Relations (sfr)" in dot
    whole = run(store_url, "chart", "--at", "1996-01-01").stdout
    assert "Organisation on 1 January 1996<" in whole.replace("</B>", "<")


def test_export_root(store_url, tmp_path):
    table = run(store_url, "export", "--format", "csv", "--table", "units", "--at", "1996-01-01",
                "--root", "hts").stdout  # fmt: skip
    assert {r["id"] for r in csv.DictReader(io.StringIO(table))} == {"hts", "mm-1"}
    changes = run(store_url, "export", "--format", "csv", "--table", "changes",
                  "--at", "1996-01-01", "--root", "senate").stdout  # fmt: skip
    subjects = {r["subject_id"] for r in csv.DictReader(io.StringIO(changes))}
    assert subjects and subjects <= {"senate", "sfr", "sfr-europe", "treaties"}
    graph = tmp_path / "g.graphml"
    run(store_url, "export", "--at", "1996-01-01", "--root", "senate", "-o", str(graph))
    assert "sfr-europe" in graph.read_text() and "hfa" not in graph.read_text()


def test_audit_and_dates_root(store_url):
    audit = json.loads(
        run(
            store_url, "audit", "1997-01-01", "1999-12-31", "--root", "hfa", "--format", "json"
        ).stdout
    )
    assert {c["event_id"] for c in audit["changes"]} == {"mm-2.abolished", "hfa-asia.renamed.1999"}
    assert run_json(store_url, "dates", "--root", "senate", "--at", "1996-01-01") == ["1995-01-04"]


def test_http_routes_take_root_and_depth(store_url):
    client = TestClient(create_app(store_url))
    units = client.get("/api/units", params={"at": "1996-01-01", "root": "hfa", "depth": 0})
    assert units.status_code == 200 and [u["id"] for u in units.json()] == ["hfa"]
    diff = client.get("/api/diff", params={"from": "1996-01-01", "to": "1998-01-01",
                                           "root": "hfa"})  # fmt: skip
    assert {c["event_id"] for c in diff.json()["changes"]} == {"mm-2.abolished"}
    found = client.get("/api/find", params={"q": "subcommittee", "at": "1996-01-01",
                                            "root": "senate"})  # fmt: skip
    assert [f["id"] for f in found.json()] == ["sfr-europe"]
    missing = client.get("/api/units", params={"at": "1996-01-01", "root": "nobody"})
    assert missing.status_code == 404


def test_root_works_on_postgres(postgres_url):
    store = open_store(postgres_url)
    record_located(store, parse_text(FIXTURE.read_text(encoding="utf-8"), "l.yaml"), "tests")
    view = Reader(store).view()
    scoped = view.within("house", 1, dt.date(1996, 1, 1), dt.date(2000, 1, 1))
    assert {u.id for u in scoped.units_at(dt.date(2000, 1, 1))} == {"house", "hfa", "hts"}
    assert "hag-forestry.moved.1997" in {
        c.event_id for c in view.within("hag", None, dt.date(1996, 1, 1)).diff(
            dt.date(1996, 1, 1), dt.date(1998, 1, 1))
    }  # fmt: skip


# --- diff ranges and text -------------------------------------------------------------------


def test_reversed_diff_is_said_and_shown_forwards(store_url):
    forwards = run(store_url, "diff", "1997-01-06", "1997-01-07")
    backwards = run(store_url, "diff", "1997-01-07", "1997-01-06")
    assert backwards.stdout == forwards.stdout
    assert (
        "1997-01-07 is after 1997-01-06: showing the changes from 1997-01-06 to 1997-01-07"
        in backwards.stderr
    )
    assert "(nothing)" not in backwards.stdout
    answer = json.loads(run(store_url, "diff", "1998-01-01", "1996-01-01", "--json").stdout)
    assert answer["from"] == "1996-01-01" and answer["changes"]


def test_empty_diff_says_no_changes_between(store_url):
    out = run(store_url, "diff", "1997-02-01", "1998-12-31").stdout
    assert "no changes between 1997-02-01 and 1998-12-31" in out and "(nothing)" not in out
    same = run(store_url, "diff", "1997-01-07", "1997-01-07").stdout
    assert "no changes between 1997-01-07 and 1997-01-07" in same
    chart = fails(store_url, "diff", "1997-01-07", "1997-01-07", "-f", "dot")
    assert "no changes between 1997-01-07 and 1997-01-07" in chart


def test_text_diff_shows_ids_and_parents_where_names_repeat(store_url):
    out = " ".join(run(store_url, "diff", "1997-01-06", "1997-01-07").stdout.split())
    assert "Subcommittee on Merchant Marine (mm-1, under hts) abolished" in out
    assert "Subcommittee on Merchant Marine (mm-2, under hfa) abolished" in out
    assert "Committee on Transportation (hts) renamed to" in out
    assert "Subcommittee on Forestry (hag-forestry) moved from HAG to HTS" in out
    # JSON keeps the plain summary
    answer = run_json(store_url, "diff", "1997-01-06", "1997-01-07")
    assert "Subcommittee on Merchant Marine abolished" in {c["summary"] for c in answer["changes"]}


def test_names_that_do_not_repeat_get_no_parent(store_url):
    out = " ".join(run(store_url, "diff", "1998-01-01", "1999-12-31").stdout.split())
    assert "Committee on Agriculture (hag) abolished" in out
    assert "under" not in out


def test_fixture_is_not_copenhagen():
    text = json.dumps(ENTRIES, default=str).lower()
    assert "københavn" not in text and all(e.get("language", "en") == "en" for e in ENTRIES)
    names = [e["name"] for e in ENTRIES if e["type"] == "UnitEstablished"]
    assert len(names) != len(set(names))  # two subcommittees share a name


# --- the subtree the index selects is the one the fold's chains give --------------------------


def expected_subtree(fold: Any, root: str | None, depth: int | None, on: dt.date) -> set[str]:
    """Units in force on ``on`` whose chain up (the fold's) reaches ``root`` within ``depth``
    levels (root None: the top)."""
    found = set()
    in_force = {u.id for u in fold.units_at(on)}
    for unit in fold.units_at(on):
        chain = [unit.id] + [c.id for c in fold.chain(unit.id, on)]
        # the chain is walked through units in force only: under a planned parent that does
        # not count (enacted only), a unit reaches neither the top nor anything above it
        cut = next((i for i, key in enumerate(chain) if key not in in_force), None)
        if cut is not None:
            if root is None:
                continue
            chain = chain[:cut]
        level = len(chain) - 1 if root is None else chain.index(root) if root in chain else None
        if level is not None and (depth is None or level <= depth):
            found.add(unit.id)
    return found


@settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(ops=OPS)
def test_within_selects_the_subtree_the_fold_gives(ops):
    clock = StepClock()
    with fresh_store("sqlite", clock) as (_, app):
        maker = HistoryMaker(app, clock)
        for op, seed in ops:
            maker.step(op, seed)
        fold = FoldView.of(app, None, False)
        reader = Reader(app)
        try:
            view = reader.view()
            for on in fold.dates()[:6]:
                roots: list[str | None] = [None, *[u.id for u in fold.units_at(on)][:4]]
                for root, depth in itertools.product(roots, (None, 0, 1, 2)):
                    if root is None and depth is None:
                        continue
                    scoped = view.within(root, depth, on)
                    got = {u.id for u in scoped.units_at(on)}
                    assert got == expected_subtree(fold, root, depth, on), (root, depth, on)
                    changed = {c.event_id for c in scoped.diff(on - dt.timedelta(days=1), on)}
                    assert changed <= {c.event_id for c in view.diff(on - dt.timedelta(days=1), on)}
        finally:
            reader.close()


# --- conflicts and the responsibility graph, limited to one subtree ----------------------------

CLAIMS = """
format: orgevents/1
language: en
entries:
  - type: ClaimRecorded
    key: claim.asia-members.1995
    about: hfa-asia
    property: members
    value: 9
    effective: 1995-01-04
    sources: [{document: rules-1995, locator: "Rule X, clause 2"}]
  - type: ClaimRecorded
    key: claim.asia-members.1997
    about: hfa-asia
    property: members
    value: 11
    effective: 1995-01-04
    sources: [{document: rules-1997, locator: "Rule X, clause 2"}]
  - type: ClaimRecorded
    key: claim.treaties-quorum.a
    about: treaties
    property: quorum
    value: 7
    effective: 1995-01-04
    sources: [{document: rules-1995, locator: "Senate Rule XXV"}]
  - type: ClaimRecorded
    key: claim.treaties-quorum.b
    about: treaties
    property: quorum
    value: 8
    effective: 1995-01-04
    sources: [{document: rules-1997, locator: "Senate Rule XXV"}]
"""


@pytest.fixture(scope="module")
def claims_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    folder = tmp_path_factory.mktemp("claims")
    (folder / "claims.yaml").write_text(CLAIMS, encoding="utf-8")
    url = f"sqlite:///{folder / 'c.db'}"
    run(url, "load", str(FIXTURE), str(folder / "claims.yaml"))
    return url


def test_conflicts_root_keeps_the_subtree_and_what_its_units_hold(claims_url):
    def about(*extra: str) -> set[str]:
        return {c["subject"]["id"] for c in run_json(claims_url, "conflicts", *extra)}

    assert about() == {"hfa-asia", "treaties"}
    assert about("--root", "hfa", "--at", "1996-01-01") == {"hfa-asia"}
    # the senate's committee holds the treaties: a disagreement about them is the senate's
    assert about("--root", "senate", "--at", "1996-01-01") == {"treaties"}
    assert about("--root", "hfa", "--depth", "0", "--at", "1996-01-01") == set()
    rows = list(csv.DictReader(io.StringIO(run(claims_url, "conflicts", "--csv").stdout)))
    assert {(r["id"], r["value"]) for r in rows} == {
        ("hfa-asia", "9"), ("hfa-asia", "11"), ("treaties", "7"), ("treaties", "8")
    }  # fmt: skip
    assert "'nobody'" in fails(claims_url, "conflicts", "--root", "nobody")


def test_graph_root_draws_what_the_subtree_holds_with_every_holder(store_url):
    def drawn(*extra: str) -> str:
        return run(store_url, "graph", "--at", "1998-01-01", "-f", "dot", *extra).stdout

    whole = drawn()
    assert "Merchant shipping" in whole and "Treaties" in whole
    hts = drawn("--root", "hts")
    assert "Merchant shipping" in hts and "Treaties" not in hts
    assert "Responsibilities on 1 January 1998 — " in hts and "(hts)" in hts
    assert "Treaties" in drawn("--root", "senate") and "Merchant shipping" not in drawn(
        "--root", "senate"
    )


def test_http_conflicts_and_responsibility_graph_take_root(claims_url):
    client = TestClient(create_app(claims_url))
    found = client.get("/api/conflicts", params={"root": "senate", "at": "1996-01-01"})
    assert found.status_code == 200 and [c["subject"]["id"] for c in found.json()] == ["treaties"]
    assert len(client.get("/api/conflicts").json()) == 2
    chart = client.get("/api/charts/responsibilities.dot",
                       params={"at": "1996-01-01", "root": "senate"})  # fmt: skip
    assert chart.status_code == 200 and "Treaties" in chart.text and "shipping" not in chart.text
    assert client.get("/api/conflicts", params={"root": "nobody"}).status_code == 404


def test_conflicts_root_on_postgres(postgres_url, tmp_path):
    (tmp_path / "claims.yaml").write_text(CLAIMS, encoding="utf-8")
    run(postgres_url, "load", str(FIXTURE), str(tmp_path / "claims.yaml"))
    found = run_json(postgres_url, "conflicts", "--root", "house", "--at", "1996-01-01")
    assert [c["subject"]["id"] for c in found] == ["hfa-asia"]
