"""Clickable provenance and the change list as data (issue 12, items 4 and 5), below the page:
sources carry their document's location and a web address only where it is safe to follow;
``show`` answers for decisions and documents (CLI, API, both read models); ``history`` and
``show`` print the addresses and the audit report links them (never a ``javascript:`` one);
``diff --type/--decision/--grep`` and ``/api/diff``'s filters, pages and choices; an index of
the older version is rebuilt so that a document's history is everything citing it.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from markdown_it import MarkdownIt
from typer.testing import CliRunner

from orgevents.cli import app as cli
from orgevents.http.app import create_app
from orgevents.importing import example_files, load_paths
from orgevents.projections.audit import audit, to_markdown
from orgevents.projections.provenance import safe_url
from orgevents.projections.reader import Reader
from orgevents.projections.reference import FoldView
from orgevents.store import open_store
from tests.conftest import BASE, entries

SITE = "https://example.org/minutes/2021(1)?item=4#p"
CITED = f"""
- {{type: DocumentRegistered, key: web, document: web, title: Minutes, location: "{SITE}", language: en}}
- {{type: DocumentRegistered, key: evil, document: evil, title: Evil, location: "javascript:alert(1)"}}
- {{type: DecisionMade, key: dm, id: dec, kind: approval, title: The council decides, body: br, effective: 2020-12-01, sources: [{{document: web, locator: item 4}}]}}
- {{type: UnitRenamed, key: r-a, unit: a, name: Committee Alpha, effective: 2021-01-01, decision: dec, sources: [{{document: web, locator: item 4, quote: renamed}}]}}
- {{type: UnitRenamed, key: r-b, unit: b, name: Committee Beta, effective: 2021-01-01, sources: [{{document: evil, locator: p. 1}}]}}
- {{type: UnitMoved, key: m-ac, unit: ac, parent: b, effective: 2021-01-01, decision: dec}}
"""  # fmt: skip
RUNNER = CliRunner()


def loaded(url: str) -> str:
    open_store(url).record([*entries(BASE), *entries(CITED)], "tests")
    return url


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return loaded(f"sqlite:///{tmp_path / 'p.db'}")


def orgevents(url: str, *args: str) -> Any:
    return RUNNER.invoke(cli, ["--store", url, *args])


# --- safe addresses ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "location",
    [
        "https://www.kk.dk/dagsordener-og-referater/%C3%98konomiudvalget/punkt-6",
        "http://example.org",
        SITE,
    ],
)
def test_web_addresses_are_links(location):
    assert safe_url(location) == location


@pytest.mark.parametrize(
    "location",
    [
        "javascript:alert(1)",
        "JAVASCRIPT://example.org/%0aalert(1)",
        "data:text/html,<script>alert(1)</script>",
        "004_26cae6b8a7887ec7.txt",
        "Lovtidende: lov nr. 1750",
        "https://example.org/a b",
        'https://example.org/"onmouseover="alert(1)',
        "https://example.org/<script>",
        "https://example.org/)](javascript:alert(1)",  # fine inside <...>: no ">" to end it
        "https:///no-host",
        "ftp://example.org/file",
        "",
        None,
    ],
)
def test_everything_else_is_no_link(location):
    found = safe_url(location)
    assert found is None or (found.startswith("https://example.org/") and ">" not in found)


# --- both read models, on SQLite and PostgreSQL -----------------------------------------------


def test_decisions_and_documents_are_shown_alike_by_reader_and_fold(shared_store_url):
    store = open_store(loaded(shared_store_url))
    view, fold = Reader(store).view(), FoldView.of(store)
    on = dt.date(2021, 6, 1)
    decision = view.show("dec", on)
    assert decision == fold.show("dec", on)
    assert decision["type"] == "decision" and decision["title"] == "The council decides"
    assert decision["body"] == {"id": "br", "name": "Council", "kind": "council"}
    assert [c["event_id"] for c in decision["implemented_by"]] == ["r-a", "m-ac"]
    assert decision["sources"][0]["url"] == SITE
    document = view.show("web", on)
    assert document == fold.show("web", on)
    assert document["url"] == SITE and document["location"] == SITE
    assert [c["event_id"] for c in document["cited_by"]] == ["dm", "r-a"]
    evil = view.show("evil", on)
    assert evil["url"] is None and evil["location"] == "javascript:alert(1)"
    assert [c["event_id"] for c in evil["cited_by"]] == ["r-b"]
    # every source of a change carries its document's location, and a link only where safe
    changes = {c.event_id: c for c in view.diff(dt.date(2020, 12, 31), dt.date(2021, 1, 1))}
    assert changes["r-a"].sources[0].url == SITE
    assert changes["r-b"].sources[0].url is None
    assert changes["r-b"].sources[0].location == "javascript:alert(1)"


def test_an_index_of_the_older_version_is_rebuilt_so_documents_have_their_citations(
    shared_store_url,
):
    store = open_store(loaded(shared_store_url))
    reader = Reader(store)
    assert [c.event_id for c in reader.view().history("web")] == ["web", "dm", "r-a"]
    # an index written by the code before: version 4, no documents among the related keys
    with reader.db.write() as cur:
        cur.execute("DELETE FROM orgindex_related WHERE key IN ('web', 'evil', 'doc')")
        cur.execute("UPDATE orgevents_schema SET version = 4 WHERE component = 'index'")
        cur.execute("INSERT INTO orgindex_related (key, position) VALUES ('web', 1)")
    reader.close()
    again = Reader.open(shared_store_url)
    assert not again.up_to_date()
    assert [c.event_id for c in again.view().history("web")] == ["web", "dm", "r-a"]
    assert again.up_to_date()
    again.close()


# --- the command line -------------------------------------------------------------------------


def test_show_a_decision_and_a_document(sqlite_url):
    done = orgevents(sqlite_url, "show", "dec")
    assert done.exit_code == 0, done.output
    lines = done.output.splitlines()
    assert lines[0] == "The council decides (dec) — approval of 2020-12-01"
    assert "  by: Council" in lines
    assert f"  source: web (item 4) <{SITE}>" in lines
    assert "Implemented by 2 changes" in lines
    assert any("Committee A (a) renamed to Committee Alpha" in line or
               "Committee A renamed to Committee Alpha" in line for line in lines)  # fmt: skip
    done = orgevents(sqlite_url, "show", "web")
    assert done.exit_code == 0, done.output
    assert f"  location: <{SITE}>" in done.output.splitlines()
    assert "Cited by 2 entries" in done.output
    done = orgevents(sqlite_url, "show", "evil")
    assert "  location: javascript:alert(1) (not a web address)" in done.output.splitlines()
    shown = json.loads(orgevents(sqlite_url, "show", "dec", "--json").output)
    assert shown["type"] == "decision" and len(shown["implemented_by"]) == 2


def test_history_prints_each_sources_web_address(sqlite_url):
    done = orgevents(sqlite_url, "history", "a")
    assert done.exit_code == 0, done.output
    assert f"source: web (item 4) <{SITE}>" in done.output
    done = orgevents(sqlite_url, "history", "b")
    assert "source: evil (p. 1)" in done.output and "javascript" not in done.output


def test_diff_filters_by_type_decision_and_words(sqlite_url):
    def listed(*args: str) -> list[str]:
        done = orgevents(sqlite_url, "diff", "2020-12-31", "2021-01-01", "--json", *args)
        assert done.exit_code == 0, done.output
        return [c["event_id"] for c in json.loads(done.output)["changes"]]

    assert listed() == ["r-a", "r-b", "m-ac"]
    assert listed("--type", "UnitRenamed") == ["r-a", "r-b"]
    assert listed("--type", "UnitMoved,UnitRenamed") == ["r-a", "r-b", "m-ac"]
    assert listed("--type", "UnitMoved", "--type", "UnitRenamed") == ["r-a", "r-b", "m-ac"]
    assert listed("--decision", "dec") == ["r-a", "m-ac"]
    assert listed("--grep", "BETA") == ["r-b"]
    assert listed("--grep", "renamed item") == ["r-a"]  # a quote and a locator: every word
    assert listed("--decision", "dec", "--type", "UnitRenamed", "--grep", "alpha") == ["r-a"]
    text = orgevents(sqlite_url, "diff", "2020-12-31", "2021-01-01", "--type", "UnitMoved")
    assert text.output.splitlines()[0] == (
        "Changes effective after 2020-12-31 up to 2021-01-01, of type UnitMoved"
    )
    none = orgevents(sqlite_url, "diff", "2020-12-31", "2021-01-01", "--grep", "nothing-like")
    assert "no changes between 2020-12-31 and 2021-01-01 match" in none.output


def test_diff_filters_refuse_what_they_cannot_do(sqlite_url):
    wrong = orgevents(sqlite_url, "diff", "2020-12-31", "2021-01-01", "--type", "UnitRenamd")
    assert wrong.exit_code == 2
    assert "'UnitRenamd' is not a type of change; did you mean 'UnitRenamed'?" in wrong.output
    unknown = orgevents(sqlite_url, "diff", "2020-12-31", "2021-01-01", "--decision", "nope")
    assert "no decision with id 'nope'" in str(unknown.exception)
    a_unit = orgevents(sqlite_url, "diff", "2020-12-31", "2021-01-01", "--decision", "a")
    assert "'a' is a unit, not a decision" in str(a_unit.exception)
    chart = orgevents(
        sqlite_url, "diff", "2020-12-31", "2021-01-01", "--type", "UnitMoved", "-f", "dot"
    )
    assert chart.exit_code == 2 and "narrow the list, not the diagram" in chart.output


def test_the_audit_report_links_web_addresses_and_nothing_else(sqlite_url):
    view = Reader.open(sqlite_url).view()
    day = dt.date(2021, 1, 1)
    md = to_markdown(audit(view, day, day), day, day)
    assert f"- source: `web` — [Minutes](<{SITE}>), item 4" in md.splitlines()
    html = MarkdownIt("commonmark").render(md)
    hrefs = [part.split('"')[0] for part in html.split('href="')[1:]]
    assert hrefs and all(h == SITE.replace("&", "&amp;") for h in hrefs)
    assert "javascript" not in "".join(hrefs)
    done = orgevents(sqlite_url, "audit", "2021-01-01", "2021-01-01", "--format", "md")
    assert done.exit_code == 0 and f"(<{SITE}>)" in done.output


# --- the API ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def copenhagen() -> TestClient:
    app = create_app("memory:")
    load_paths(app.state.service.store, example_files("copenhagen"), "tests")
    return TestClient(app)


def test_the_api_shows_a_decision_and_a_document(copenhagen):
    decision = copenhagen.get("/api/show/lov-1750-vedtagelse").json()
    assert decision["type"] == "decision" and decision["body_name"] == "Folketinget"
    # 23 entries name the law; a phased one is listed on its start and on its completion
    assert len({c["event_id"] for c in decision["implemented_by"]}) == 23
    assert all(c["decision"] == "lov-1750-vedtagelse" for c in decision["implemented_by"])
    document = copenhagen.get("/api/show/ou-2025-06-03").json()
    assert document["type"] == "document"
    assert document["url"].startswith("https://www.kk.dk/dagsordener-og-referater/")
    assert document["cited_by"]
    assert all(
        any(s["document"] == "ou-2025-06-03" for s in c["sources"]) for c in document["cited_by"]
    )
    file_name = copenhagen.get("/api/show/bif-praesentation").json()
    assert file_name["url"] is None and file_name["location"].endswith(".txt")
    assert copenhagen.get("/api/show/nope").status_code == 404


def test_the_api_diff_filters_pages_and_offers_choices(copenhagen):
    span = {"from": "2024-12-31", "to": "2026-12-31"}
    everything = copenhagen.get("/api/diff", params=span).json()
    assert "total" not in everything or everything["total"] is None  # the plain answer as before
    n = len(everything["changes"])
    first = copenhagen.get("/api/diff", params={**span, "limit": 50}).json()
    assert first["total"] == n and len(first["changes"]) == 50 and first["offset"] == 0
    assert sum(first["types"].values()) == n
    second = copenhagen.get("/api/diff", params={**span, "limit": 50, "offset": 50}).json()
    assert second["changes"] == everything["changes"][50:100]
    renamed = copenhagen.get("/api/diff", params={**span, "type": "UnitRenamed"}).json()
    assert renamed["total"] == first["types"]["UnitRenamed"] == 3
    both = copenhagen.get(
        "/api/diff", params=[*span.items(), ("type", "UnitRenamed"), ("type", "UnitMoved")]
    ).json()
    assert both["total"] == first["types"]["UnitRenamed"] + first["types"]["UnitMoved"]
    law = copenhagen.get("/api/diff", params={**span, "decision": "lov-1750-vedtagelse"}).json()
    offered = {d["id"]: d["count"] for d in first["decisions"]}
    assert law["total"] == offered["lov-1750-vedtagelse"] == 23
    found = copenhagen.get("/api/diff", params={**span, "q": "JOBROTATION"}).json()
    assert {c["subject"]["id"] for c in found["changes"]} == {"jobrotation"}  # defined … abolished
    assert found["total"] == 4
    wrong = copenhagen.get("/api/diff", params={**span, "type": "Renamed"})
    assert wrong.status_code == 422 and "not a type of change" in wrong.json()["detail"]
    assert copenhagen.get("/api/diff", params={**span, "decision": "nope"}).status_code == 404
    assert copenhagen.get("/api/diff", params={**span, "limit": 0}).status_code == 422
