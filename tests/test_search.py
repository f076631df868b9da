"""``find``: full-text search through the stores' own engines (SQLite FTS5, PostgreSQL's Danish
text search), Danish-aware, ranked — and the same answers as the fold's reference ``find``, as
known at any recorded time, with and without planned changes, on both backends."""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path
from typing import Any

import pytest

from orgevents.events import entry_adapter
from orgevents.importing import example_files, load_paths
from orgevents.projections import search
from orgevents.projections.reader import Reader
from orgevents.projections.readmodel import ReadModel
from orgevents.projections.sqlindex import SqlIndex
from orgevents.projections.textsearch import (
    Query,
    describe,
    index_terms,
    infixes,
    norm,
    stem,
    terms,
    words,
)
from orgevents.store import open_store
from tests.conftest import _postgres_connect
from tests.test_index_equivalence import DAYS, HistoryMaker, StepClock, fresh_store

BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
AFTER_RENAME = dt.date(2026, 6, 1)
BEFORE_RENAME = dt.date(2025, 6, 1)


# --- words, folding and stemming ----------------------------------------------------------------


def test_danish_letters_hyphens_and_case_fold_away():
    assert words("Beskæftigelses-, Integrations- og Erhvervsudvalget") == [
        "beskaeftigelses",
        "integrations",
        "og",
        "erhvervsudvalget",
    ]
    assert norm("Åbenrå") == norm("AABENRAA") == "aabenraa"
    assert norm("Økonomiudvalget") == norm("oekonomiudvalget")
    assert norm("Café Æbleø") == "cafe aebleoe"
    assert words("h1n1 2026") == ["h", "1", "n", "1", "2026"]


def test_names_are_indexed_with_their_word_ends_too():
    assert infixes("name", ["socialudvalget"]) == " ".join(
        "socialudvalget"[i:] for i in range(1, len("socialudvalget") - 2)
    )
    assert infixes("name", words("BIU 2026")) == ""  # short words and numbers: none
    assert infixes("scope", ["socialudvalget"]) == ""
    assert "udvalg" in index_terms("socialudvalget", infixes("name", ["socialudvalget"]))


def test_words_are_stemmed_and_stop_words_left_out():
    assert terms("Socialudvalgets udvalgene") == [stem("socialudvalget"), "udvalg"]
    assert stem("erhvervsrådet".replace("å", "aa")) == stem("erhvervsraad") == "erhvervsraad"
    assert terms("og i for") == []
    assert terms("2026") == ["2026"]
    query = Query.of("Beskæftigelses- og integrations")
    assert query.words == ("beskaeftigelses", "integrations")
    assert query.terms == ("beskaeftig", "integration")
    assert query.fts5() == '"beskaeftig"* "integration"*'
    assert query.tsquery() == "beskaeftigelses:* & integrations:*"


@pytest.mark.postgres
def test_postgres_danish_text_search_has_the_stems_python_computes():
    """The two engines must agree word for word: SQLite indexes Python's stems, PostgreSQL its
    own. Every word of the Copenhagen dataset and README, plus words where Snowball versions
    differ (doubled final consonants)."""
    texts: set[str] = {"jazz jazzen whisky blaff quizz", "h1n1 2e9x 1e5", "Москва αθήνα"}
    for path in example_files("copenhagen"):
        texts.update(path.read_text(encoding="utf-8").split())
    texts.update(Path("README.md").read_text(encoding="utf-8").split())
    rnd = random.Random(5)
    letters = "abcdefghijklmnopqrstuvwxyzæøå"
    texts.update(
        "".join(rnd.choice(letters) for _ in range(rnd.randint(2, 12)))
        + rnd.choice(["", "ene", "erne", "hed", "lig", "els", "ww", "xx", "cc", "løst"])
        for _ in range(5000)
    )
    ordered = sorted(texts)
    conn = _postgres_connect()
    try:
        rows = conn.execute(
            "SELECT t, tsvector_to_array(to_tsvector('danish', t)) FROM unnest(%s::text[]) t",
            ([norm(t) for t in ordered],),
        ).fetchall()
        queries = [Query.of(t) for t in ordered if Query.of(t).words]
        asked = conn.execute(
            "SELECT q, querytree(to_tsquery('danish', q)) FROM unnest(%s::text[]) q",
            ([q.tsquery() for q in queries],),
        ).fetchall()
    finally:
        conn.close()
    assert len(rows) == len(ordered)
    for (folded, lexemes), text in zip(rows, ordered, strict=True):
        assert sorted(lexemes) == sorted(set(terms(text))), (text, folded)
    for (_, tree), query in zip(asked, queries, strict=True):
        operands = tree.split(" & ")
        assert {o.removeprefix("'").removesuffix("':*") for o in operands} == set(query.terms)
        assert all(o.endswith("':*") for o in operands), tree


@pytest.mark.postgres
def test_postgres_indexes_the_lexemes_python_computes_for_every_search_row(postgres_url):
    app = open_store(postgres_url)
    load_paths(app, example_files("copenhagen"), "tests")
    reader = Reader(app)
    with reader.db.read() as cur:
        cur.execute(
            "SELECT field, text, norm, infix, tsvector_to_array(tsv) FROM orgindex_search"
        )
        rows = cur.fetchall()
    reader.close()
    assert len(rows) > 400
    for field, text, folded, infix, lexemes in rows:
        assert (folded, infix) == (norm(text), infixes(field, words(text)))
        assert sorted(lexemes) == sorted(set(index_terms(folded, infix))), text


# --- the Copenhagen examples ---------------------------------------------------------------------


@pytest.fixture(scope="module", params=BACKENDS)
def copenhagen(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Any:
    """A reader of the Copenhagen dataset, on each backend (loaded once per module)."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('search') / 'kk.db'}"
        app = open_store(url)
        cleanup = None
    else:
        conn = _postgres_connect()
        schema = f"s_{random.Random().getrandbits(40):x}"
        conn.execute(f"CREATE SCHEMA {schema}")
        from tests.conftest import POSTGRES

        app = open_store(f"{POSTGRES}?schema={schema}")

        def cleanup() -> None:
            conn.execute(f"DROP SCHEMA {schema} CASCADE")
            conn.close()

    load_paths(app, example_files("copenhagen"), "tests")
    reader = Reader(app)
    yield reader
    reader.close()
    app.close()
    if cleanup:
        cleanup()


def ids(found: list[Any]) -> list[str]:
    return [f.id for f in found]


def test_a_word_of_a_scope_finds_the_business_responsibilities(copenhagen):
    found = copenhagen.view().find("Erhvervsråd", AFTER_RENAME)
    state = ReadModel(copenhagen.store).catch_up()
    naming = {k for k, r in state.responsibilities.items() if "Erhvervsråd" in r.scope}
    assert naming and naming <= set(ids(found))
    for f in found:
        if f.id in naming:
            assert (f.field, f.rank, f.when) == ("scope", 3, None)
            assert "Københavns Erhvervsråd" in f.matched
    # the same, typed without Danish letters, in another form of the word
    assert ids(copenhagen.view().find("erhvervsraadet", AFTER_RENAME)) == ids(found)


def test_a_word_typed_without_danish_letters_finds_the_committee_and_its_administration(
    copenhagen,
):
    found = copenhagen.view().find("Beskaeftigelses", AFTER_RENAME)
    # the committee, its administration and its mayor (a post) by their current names
    assert set(ids(found)[:3]) == {"bif", "biu", "biu-borgmester"}
    assert [(f.field, f.when, f.rank) for f in found[:3]] == [("name", "current", 1)] * 3
    committee = next(f for f in found if f.id == "biu")
    assert committee.matched == "Beskæftigelses-, Integrations- og Erhvervsudvalget"
    assert [f.rank for f in found] == sorted(f.rank for f in found)
    assert {f.field for f in found if f.rank == 3} >= {"scope", "quote", "note"}


def test_an_exact_abbreviation_comes_first(copenhagen):
    found = copenhagen.view().find("biu", AFTER_RENAME)
    assert found[0].id == "biu" and found[0].type == "unit"
    assert (found[0].rank, found[0].field, found[0].matched) == (0, "abbreviation", "BIU")
    assert describe(found[0]) == "exact abbreviation"
    # then ids that start with the word (biu-borgmester, betjening-biu), then notes and quotes
    assert all(f.field == "id" or f.rank == 3 for f in found[1:])
    assert [f.rank for f in found] == sorted(f.rank for f in found)
    assert {f.id for f in found if f.field == "id"} >= {"biu-borgmester", "betjening-biu"}
    exact_id = copenhagen.view().find("udsatteteam-beskaeftigelse", AFTER_RENAME)[0]
    assert (exact_id.id, exact_id.field, exact_id.rank) == ("udsatteteam-beskaeftigelse", "id", 0)


def test_a_former_name_is_marked_former_after_the_rename_and_current_before(copenhagen):
    view = copenhagen.view()
    after = view.find("Integrationsudvalget", AFTER_RENAME)
    # the committee first; then the secretariat's task and the mayor's post, whose quotes name
    # the committee
    assert ids(after)[0] == "biu"
    assert set(ids(after)) == {"biu", "betjening-biu", "biu-borgmester"}
    assert (after[0].matched, after[0].field, after[0].when, after[0].rank) == (
        "Beskæftigelses- og Integrationsudvalget",
        "name",
        "former",
        2,
    )
    assert after[0].name == "Beskæftigelses-, Integrations- og Erhvervsudvalget"
    assert describe(after[0]) == "former name"
    before = view.find("Integrationsudvalget", BEFORE_RENAME)
    assert (before[0].when, before[0].rank) == ("current", 1)
    assert before[0].name == "Beskæftigelses- og Integrationsudvalget"
    # the new name, asked before it holds, is a future one
    future = view.find("Integrations- og Erhvervsudvalget", BEFORE_RENAME)[0]
    assert (future.id, future.when, future.rank, describe(future)) == (
        "biu",
        "future",
        2,
        "future name",
    )
    exact_former = view.find("beskæftigelses- og integrationsudvalget", AFTER_RENAME)[0]
    assert (exact_former.rank, describe(exact_former)) == (0, "exact former name")


def test_stems_and_prefixes_match_other_forms_of_a_word(copenhagen):
    view = copenhagen.view()
    assert "biu" in ids(view.find("erhvervsudvalgets", AFTER_RENAME))
    # a word inside a compound name: every committee, every administration
    state = ReadModel(copenhagen.store).catch_up()
    for ending, kind in (("udvalget", "committee"), ("forvaltningen", "administration")):
        found = view.find(ending, AFTER_RENAME)
        units = {k for k, u in state.units.items() if u.kind == kind}
        assert units <= {f.id for f in found if f.field == "name"}, ending
    assert {"ungecenteret", "uu"} <= set(ids(view.find("ung", AFTER_RENAME)))
    assert ids(view.find("og i for", AFTER_RENAME)) == []  # stop words only: nothing
    assert view.find("   ", AFTER_RENAME) == []


QUERIES = [
    "erhverv",
    "Erhvervsråd",
    "Beskaeftigelses",
    "beskæftigelses- og integrations",
    "biu",
    "BIF",
    "stu",
    "ung",
    "Ungecenteret",
    "udvalget",
    "Integrationsudvalget",
    "Socialforvaltningen",
    "tværsektorielle udsatteteam",
    "2026",
    "reform",
    "lov",
    "kontanthjælp",
    "A does not say",
    "øu",
    "oekonomiudvalget",
]


def test_the_index_finds_what_the_fold_finds_on_every_date_and_variant(copenhagen):
    store = copenhagen.store
    for include_planned in (False, True):
        state = ReadModel(store, include_planned=include_planned).catch_up()
        view = copenhagen.view(include_planned=include_planned)
        for on in (dt.date(2024, 1, 1), dt.date(2025, 12, 31), AFTER_RENAME, dt.date(2031, 1, 1)):
            for text in QUERIES:
                assert view.find(text, on) == search.find(state, text, on), (text, on)


# --- an English history: known at, planned, corrected --------------------------------------------

SRC = [{"document": "doc", "locator": "p. 1"}]


def _entry(**fields: Any) -> Any:
    fields.setdefault("sources", SRC)
    if fields["sources"] is None:  # a document cites nothing
        del fields["sources"]
    return entry_adapter.validate_python(fields)


def _english(app: Any, clock: StepClock) -> list[dt.datetime]:
    """Record a small English history in four steps; return when each was recorded."""
    steps = [
        [
            _entry(
                type="DocumentRegistered",
                key="doc",
                document="doc",
                title="Doc",
                location="doc.txt",
                sources=None,
            ),
            _entry(
                type="UnitEstablished",
                key="e-council",
                unit="council",
                name="City Council",
                abbreviation="CC",
                kind="council",
                effective="2020-01-01",
            ),
            _entry(
                type="UnitEstablished",
                key="e-fin",
                unit="fin",
                name="Finance Committee",
                abbreviation="FC",
                kind="committee",
                parent="council",
                effective="2020-01-01",
                note="Set up after the budget crisis",
            ),
            _entry(
                type="ResponsibilityDefined",
                key="d-rent",
                responsibility="rent",
                name="Rent support",
                scope="Housing benefit for tenants of social housing",
                legal_basis="Housing Act section 4",
                effective="2020-01-01",
            ),
        ],
        [
            _entry(
                type="UnitRenamed",
                key="r-fin",
                unit="fin",
                name="Finance and Housing Committee",
                abbreviation="FHC",
                effective="2022-01-01",
                sources=[
                    {"document": "doc", "locator": "p. 2", "quote": "Housing joins finance"}
                ],
            )
        ],
        [
            _entry(
                type="UnitRenamed",
                key="r-fin-2",
                unit="fin",
                name="Housing Committee",
                effective={"date": "2030-01-01", "qualifier": "expected"},
            )
        ],
        [
            _entry(
                type="EventCorrected",
                key="c-fin",
                about="fin",
                corrects="r-fin",
                reason="misread",
                replacement={
                    "type": "UnitRenamed",
                    "key": "r-fin",
                    "unit": "fin",
                    "name": "Finance and Homes Committee",
                    "abbreviation": "FHC",
                    "effective": "2022-01-01",
                    "sources": SRC,
                },
            )
        ],
    ]
    times = []
    for entries in steps:
        clock.tick()
        app.record(entries, "tests")
        times.append(clock.now)
    return times


def _found(found: list[Any]) -> list[tuple[str, str, str, str | None, int]]:
    return [(f.id, f.field, f.matched, f.when, f.rank) for f in found]


@pytest.mark.parametrize("backend", BACKENDS)
def test_an_english_history_as_known_then_with_and_without_planned_changes(backend):
    clock = StepClock()
    with fresh_store(backend, clock) as (_, app):
        times = _english(app, clock)
        reader = Reader(app)
        now, then = reader.view(), reader.view(known_at=times[1])
        on = dt.date(2023, 1, 1)
        # as recorded at first: the misread name; now: the corrected one
        assert _found(then.find("housing committee", on)) == [
            ("fin", "name", "Finance and Housing Committee", "current", 1)
        ]
        assert _found(now.find("housing committee", on)) == []
        assert _found(now.find("homes", on)) == [
            ("fin", "name", "Finance and Homes Committee", "current", 1)
        ]
        assert _found(reader.view(known_at=times[0]).find("homes", on)) == []
        # the expected rename counts only with planned changes: a future name before 2030
        planned = reader.view(include_planned=True)
        assert _found(planned.find("housing comm", on)) == [
            ("fin", "name", "Housing Committee", "future", 2)
        ]
        assert _found(planned.find("housing comm", dt.date(2031, 1, 1))) == [
            ("fin", "name", "Housing Committee", "current", 1)
        ]
        assert _found(planned.find("housing committee", on)) == [
            ("fin", "name", "Housing Committee", "future", 0)
        ]
        assert _found(planned.find("homes", dt.date(2031, 1, 1))) == [
            ("fin", "name", "Finance and Homes Committee", "former", 2)
        ]
        # plurals stem to their singular; scope, legal basis, notes and quotes are found too
        assert [f.id for f in now.find("committees", on)] == ["fin"]
        assert _found(now.find("tenants", on)) == [
            ("rent", "scope", "Housing benefit for tenants of social housing", None, 3)
        ]
        assert _found(now.find("housing act", on)) == [
            ("rent", "legal_basis", "Housing Act section 4", None, 3)
        ]
        assert _found(now.find("budget crisis", on)) == [
            ("fin", "note", "Set up after the budget crisis", None, 3)
        ]
        assert _found(then.find("joins", on)) == [
            ("fin", "quote", "Housing joins finance", None, 3)
        ]
        assert _found(now.find("fc", on)) == [("fin", "abbreviation", "FC", "former", 0)]
        assert _found(now.find("fhc", on)) == [("fin", "abbreviation", "FHC", "current", 0)]
        # the fold's reference answers the same, in every view
        for moment in (None, *times):
            for planned_too in (False, True):
                state = ReadModel(app, include_planned=planned_too).known_at(moment)
                view = reader.view(known_at=moment, include_planned=planned_too)
                for text in ("committee", "housing", "homes", "fc", "fin", "rent", "social"):
                    for day in (dt.date(2019, 1, 1), on, dt.date(2031, 1, 1)):
                        assert view.find(text, day) == search.find(state, text, day), (
                            text,
                            day,
                            moment,
                            planned_too,
                        )
        reader.close()


# --- random histories ----------------------------------------------------------------------------


@pytest.mark.parametrize("backend", BACKENDS)
def test_random_histories_find_as_the_fold_does(backend):
    """Renames, corrections, retractions, confirmations and cancellations, many backdated or
    planned: the index's search rows follow every version of every entry."""
    clock = StepClock()
    with fresh_store(backend, clock) as (_, app):
        maker = HistoryMaker(app, clock)
        rnd = random.Random(7)
        for _ in range(250):
            maker.step(rnd.randrange(20), rnd.randrange(2**32))
        reader = Reader(app)
        moments = [None, maker.times[len(maker.times) // 3], maker.times[-5]]
        texts = ["alpha", "Beta", "gam", "unit", "corrected", "task", "u1", "all", "al", "e"]
        for moment in moments:
            for planned in (False, True):
                state = ReadModel(app, include_planned=planned).known_at(moment)
                view = reader.view(known_at=moment, include_planned=planned)
                for on in (DAYS[0], DAYS[7], DAYS[-1]):
                    for text in texts:
                        assert view.find(text, on) == search.find(state, text, on), (
                            text,
                            on,
                            moment,
                            planned,
                        )
        reader.close()


# --- keeping the search rows -------------------------------------------------------------------


@pytest.mark.parametrize("backend", BACKENDS)
def test_an_index_without_the_search_table_is_built_again(backend):
    clock = StepClock()
    with fresh_store(backend, clock) as (_, app):
        _english(app, clock)
        index = SqlIndex(app)
        index.catch_up()
        with index.db.write() as cur:
            if backend == "sqlite":
                cur.execute("DROP TABLE orgindex_fts")
            cur.execute("DROP TABLE orgindex_search")
        index.close()
        reader = Reader(app)  # ensure() sees the missing table and rebuilds
        assert [f.id for f in reader.view().find("homes", dt.date(2023, 1, 1))] == ["fin"]
        reader.close()


def test_the_sqlite_full_text_index_agrees_with_its_table(tmp_path):
    clock = StepClock()
    app = open_store(f"sqlite:///{tmp_path / 'fts.db'}", clock=clock)
    maker = HistoryMaker(app, clock)
    rnd = random.Random(3)
    for _ in range(120):
        maker.step(rnd.randrange(20), rnd.randrange(2**32))
    reader = Reader(app)
    with reader.db.write() as cur:
        cur.execute("INSERT INTO orgindex_fts (orgindex_fts) VALUES ('integrity-check')")
        cur.execute("SELECT count(*) FROM orgindex_search WHERE p_to < 2147483647")
        assert cur.fetchone()[0] > 0  # some texts were closed by corrections and retractions
    reader.close()
    app.close()
