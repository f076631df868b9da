"""The HTTP API in process: every endpoint, every error status, read-only mode, the headers.

Reads run against the Copenhagen dataset (loaded once, in memory); writes against the small
history of ``conftest.BASE``, posted as a load file.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import socket
import threading
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from typing import Any

import pytest
import yaml
from fastapi.testclient import TestClient

from orgevents.errors import ConflictError, StoreError
from orgevents.http.app import create_app
from orgevents.http.settings import Settings, parse_tokens
from orgevents.importing import _Loader, example_files, load_paths
from orgevents.store import open_store
from tests.conftest import BASE, SRC, entries

TOKEN = "alice:s3cret"
AUTH = {"Authorization": "Bearer s3cret"}
YAML = {"Content-Type": "application/yaml"}
SVG = "{http://www.w3.org/2000/svg}"


def load_file(text: str, **extra: Any) -> dict[str, Any]:
    """A load file from YAML entries (as conftest.BASE writes them), sources filled in."""
    items = yaml.load(text, Loader=_Loader)  # dates stay text, as in a load file
    for raw in items:
        if raw["type"] != "DocumentRegistered":
            raw.setdefault("sources", SRC)
    return {"format": "orgevents/1", "entries": items, **extra}


def as_yaml(text: str) -> str:
    return yaml.safe_dump(load_file(text), allow_unicode=True, sort_keys=False)


RENAME_A = """
- {type: UnitRenamed, key: r-a, unit: a, name: Udvalget for Æbler og Østers, effective: 2021-01-01}
"""


@pytest.fixture(scope="module")
def copenhagen() -> TestClient:
    app = create_app("memory:")
    load_paths(app.state.service.store, example_files("copenhagen"), "tests")
    return TestClient(app)


@pytest.fixture
def client() -> TestClient:
    """A writable server (token ``alice:s3cret``) over an empty in-memory store."""
    return TestClient(create_app("memory:", TOKEN, max_body=20_000))


@pytest.fixture
def base(client: TestClient) -> TestClient:
    """The writable server with conftest.BASE recorded."""
    answer = client.post("/api/entries", json=load_file(BASE), headers=AUTH)
    assert answer.status_code == 201, answer.text
    return client


def events(client: TestClient) -> int:
    return int(client.get("/health").json()["events"])


# --- reading -----------------------------------------------------------------------------


def test_health_answers_ok_with_the_number_of_events(copenhagen):
    body = copenhagen.get("/health").json()
    assert body["status"] == "ok"
    assert body["events"] > 100
    assert body["read_only"] is True


def test_units_on_a_date_are_the_cli_json(copenhagen):
    units = copenhagen.get("/api/units", params={"at": "2026-01-01"}).json()
    biu = next(u for u in units if u["id"] == "biu")
    assert biu == {
        "id": "biu",
        "name": "Beskæftigelses-, Integrations- og Erhvervsudvalget",
        "abbreviation": "BIU",
        "kind": "committee",
        "parent": "br",
    }
    assert units[0]["id"] == "br"  # parents first


def test_units_before_the_dataset_starts_are_an_empty_list(copenhagen):
    assert copenhagen.get("/api/units", params={"at": "1900-01-01"}).json() == []


def test_show_a_unit_with_chain_children_responsibilities_and_figures(copenhagen):
    body = copenhagen.get("/api/show/ungecenteret", params={"at": "2026-01-01"}).json()
    assert body["type"] == "unit"
    assert body["name"] == "Ungecenteret"
    assert [c["id"] for c in body["chain"]] == ["bif", "biu", "br"]
    assert "uiu" in body["children"]
    assert {"id": "stu", "name": "Særligt Tilrettelagt Ungdomsuddannelse", "role": "performer"} in (
        body["responsibilities"]
    )
    assert any(f["metric"] == "headcount" for f in body["figures"])


def test_show_a_responsibility_with_its_holders(copenhagen):
    body = copenhagen.get("/api/show/stu", params={"at": "2026-01-01"}).json()
    assert body["type"] == "responsibility"
    assert {h["role"]: h["unit"]["id"] for h in body["holders"]}["authority"] == "biu"


def test_who_holds_stu_the_day_before_and_the_day_of_the_move(copenhagen):
    before = copenhagen.get("/api/who/stu", params={"at": "2025-12-31"}).json()
    after = copenhagen.get("/api/who/stu", params={"at": "2026-01-01"}).json()
    assert before["at"] == "2025-12-31"
    authority = [h["unit"]["id"] for h in before["holders"] if h["role"] == "authority"]
    assert authority == ["buu"]
    holder = next(h for h in after["holders"] if h["role"] == "authority")
    assert holder["unit"] == {
        "id": "biu",
        "name": "Beskæftigelses-, Integrations- og Erhvervsudvalget",
        "kind": "committee",
    }
    assert holder["chain"][-1]["id"] == "br"


def test_diff_lists_the_rename_of_1_january_2026(copenhagen):
    body = copenhagen.get("/api/diff", params={"from": "2025-12-31", "to": "2026-01-01"}).json()
    assert body["from"] == "2025-12-31" and body["to"] == "2026-01-01"
    renamed = [c for c in body["changes"] if c["type"] == "UnitRenamed"]
    assert any(c["subject"]["id"] == "biu" for c in renamed)
    assert all(c["sources"] for c in body["changes"])


def test_history_in_effective_order_with_sources_and_recorded_time(copenhagen):
    items = copenhagen.get("/api/history/stu").json()
    assert items[0]["type"] == "ResponsibilityDefined"
    dates = [i["effective_date"] for i in items]
    assert dates == sorted(dates)
    assert all({"document", "locator"} <= set(s) for i in items for s in i["sources"])
    assert all(i["recorded_by"] == "tests" and i["recorded_at"] for i in items)


def test_find_matches_a_former_name(copenhagen):
    found = copenhagen.get(
        "/api/find", params={"q": "beskæftigelses- og integrationsud", "at": "2026-06-01"}
    ).json()
    assert found[0]["id"] == "biu"  # then what only a quote or scope mentions (the mayor's post)
    assert all(f["rank"] > found[0]["rank"] for f in found[1:])
    assert found[0]["matched"] == "Beskæftigelses- og Integrationsudvalget"
    assert (found[0]["field"], found[0]["when"], found[0]["rank"]) == ("name", "former", 2)


def test_find_ranks_and_reaches_scopes_without_danish_letters(copenhagen):
    found = copenhagen.get("/api/find", params={"q": "Erhvervsraad", "at": "2026-06-01"}).json()
    assert found[0]["id"] == "erhverv" and found[0]["field"] == "scope"
    assert "Københavns Erhvervsråd" in found[0]["matched"]
    first = copenhagen.get("/api/find", params={"q": "biu"}).json()[0]
    assert (first["id"], first["rank"]) == ("biu", 0)


def test_dates_lists_the_change_dates_and_planned_ones_on_request(copenhagen):
    enacted = copenhagen.get("/api/dates").json()
    planned = copenhagen.get("/api/dates", params={"include_planned": "true"}).json()
    assert "2026-01-01" in enacted
    assert set(enacted) < set(planned)
    assert "2030-01-01" in planned


def test_known_at_answers_from_the_events_recorded_up_to_then(base):
    service = base.app.state.service
    service.store.clock = lambda: dt.datetime(2031, 5, 1, 12, 0, tzinfo=dt.UTC)
    assert base.post("/api/entries", json=load_file(RENAME_A), headers=AUTH).status_code == 201
    params = {"at": "2022-01-01"}

    def name_of_a(**extra: str) -> str:
        units = base.get("/api/units", params={**params, **extra}).json()
        return next(u["name"] for u in units if u["id"] == "a")

    assert name_of_a() == "Udvalget for Æbler og Østers"
    assert name_of_a(known_at="2031-05-01T11:59:00Z") == "Committee A"
    assert name_of_a(known_at="2031-05-01T13:00:00+01:00") == "Udvalget for Æbler og Østers"
    assert name_of_a(known_at="2031-04-30") == "Committee A"
    assert base.get("/api/units", params={"known_at": "2000-01-01"}).json() == []


@pytest.mark.parametrize(
    "path",
    ["/api/show/nowhere", "/api/who/nowhere", "/api/history/nowhere", "/api/who/biu"],
)
def test_an_unknown_id_is_404_naming_it_and_suggesting_find(copenhagen, path):
    answer = copenhagen.get(path)
    assert answer.status_code == 404
    assert repr(path.rsplit("/", 1)[1]) in answer.json()["detail"]
    assert "find" in answer.json()["detail"]


@pytest.mark.parametrize(
    "url",
    [
        "/api/units?at=2026-13-01",
        "/api/units?at=1.1.2026",
        "/api/units?known_at=yesterday",
        "/api/diff?from=2025-12-31",
        "/api/find?q=",
        "/api/charts/org.gif",
        "/api/charts/org.svg?depth=-1",
    ],
)
def test_bad_parameters_are_422(copenhagen, url):
    answer = copenhagen.get(url)
    assert answer.status_code == 422, answer.text
    assert answer.json()["detail"]


def test_a_store_that_cannot_be_read_is_503(copenhagen, monkeypatch):
    def broken(*args: Any, **kwargs: Any) -> Any:
        raise StoreError("cannot open store 'postgresql://db/x': connection refused")

    app = create_app("memory:")
    monkeypatch.setattr(app.state.service.store, "last_position", broken)
    monkeypatch.setattr(app.state.service.reader, "view", broken)
    client = TestClient(app)
    assert client.get("/health").status_code == 503
    answer = client.get("/api/units")
    assert answer.status_code == 503
    assert "connection refused" in answer.json()["detail"]


def test_a_database_error_is_503_not_500(monkeypatch):
    from eventsourcing.persistence import OperationalError

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise OperationalError("server closed the connection unexpectedly")

    app = create_app("memory:")
    monkeypatch.setattr(app.state.service.reader, "view", broken)
    answer = TestClient(app).get("/api/dates")
    assert answer.status_code == 503
    assert "closed the connection" in answer.json()["detail"]


def test_an_error_of_the_index_database_is_503_not_500(monkeypatch):
    import sqlite3

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise sqlite3.OperationalError("database disk image is malformed")

    app = create_app("memory:")
    monkeypatch.setattr(app.state.service.reader.db, "read", broken)
    answer = TestClient(app).get("/api/dates")
    assert answer.status_code == 503
    assert "malformed" in answer.json()["detail"]


def test_a_store_url_that_cannot_be_opened_fails_when_the_app_is_built(tmp_path):
    with pytest.raises(StoreError, match="does not exist"):
        create_app(f"sqlite:///{tmp_path / 'missing' / 'x.db'}")


def test_a_write_by_another_process_is_seen_by_the_next_read(shared_store_url):
    """Answers are kept per store position: a write through another store object (another
    worker, another process) makes the next read catch up and answer afresh."""
    store = open_store(shared_store_url)
    store.record(entries(BASE), "tests")
    client = TestClient(create_app(shared_store_url))
    params = {"at": "2022-01-01"}
    first = client.get("/api/units", params=params).json()
    assert client.get("/api/units", params=params).json() == first  # kept
    open_store(shared_store_url).record(entries(RENAME_A), "elsewhere")
    renamed = {u["id"]: u["name"] for u in client.get("/api/units", params=params).json()}
    assert renamed["a"] == "Udvalget for Æbler og Østers"


# --- charts ------------------------------------------------------------------------------


def svg_titles(data: bytes) -> set[str]:
    root = ET.fromstring(data)
    return {t.text or "" for t in root.iter(f"{SVG}title")}


def test_the_org_chart_as_svg_png_and_dot(copenhagen):
    params = {"at": "2026-01-01"}
    svg = copenhagen.get("/api/charts/org.svg", params=params)
    assert svg.headers["content-type"] == "image/svg+xml"
    assert {"biu", "bif", "ungecenteret"} <= svg_titles(svg.content)
    assert b"Erhvervsudvalget" in svg.content
    png = copenhagen.get("/api/charts/org.png", params=params)
    assert png.headers["content-type"] == "image/png"
    assert png.content.startswith(b"\x89PNG")
    dot = copenhagen.get("/api/charts/org.dot", params=params)
    assert dot.headers["content-type"].startswith("text/vnd.graphviz")
    assert dot.text.startswith("digraph")
    assert 'filename="org-2026-01-01.dot"' in dot.headers["content-disposition"]


def test_the_org_chart_of_one_part_and_its_unknown_root(copenhagen):
    part = copenhagen.get("/api/charts/org.dot", params={"at": "2026-01-01", "root": "bif"})
    assert "ungecenteret" in part.text and "buf" not in re.findall(r"^\s*(\w+) \[", part.text, re.M)
    missing = copenhagen.get("/api/charts/org.svg", params={"root": "nowhere"})
    assert missing.status_code == 404


def test_expand_opens_a_collapsed_box_of_the_org_chart(copenhagen):
    params: dict[str, Any] = {"at": "2026-01-01", "root": "bif", "depth": 1}
    cut = copenhagen.get("/api/charts/org.dot", params=params).text
    assert re.search(r"^\s*ungecenteret \[.*class=collapsed", cut, re.M)
    assert "csv [" not in cut and "uiu [" not in cut
    params["expand"] = ["ungecenteret", "nowhere"]
    opened = copenhagen.get("/api/charts/org.dot", params=params).text
    assert re.search(r"^\s*csv \[", opened, re.M) and re.search(r"^\s*uiu \[", opened, re.M)
    assert not re.search(r"^\s*ungecenteret \[.*class=collapsed", opened, re.M)
    too_many = copenhagen.get("/api/charts/org.dot", params={"expand": ["x"] * 201})
    assert too_many.status_code == 422


def test_the_responsibility_graph_as_svg(copenhagen):
    svg = copenhagen.get("/api/charts/responsibilities.svg", params={"at": "2026-01-01"})
    assert svg.status_code == 200
    assert {"r_stu", "biu"} <= svg_titles(svg.content)


def test_the_change_diagram_between_two_dates(copenhagen):
    params = {"from": "2025-12-31", "to": "2026-01-01"}
    svg = copenhagen.get("/api/charts/changes.svg", params=params)
    assert svg.status_code == 200
    assert b"RENAMED" in svg.content
    backwards = copenhagen.get(
        "/api/charts/changes.svg", params={"from": "2026-01-01", "to": "2025-12-31"}
    )
    assert backwards.status_code == 422


def test_a_chart_that_takes_too_long_to_draw_is_503():
    slow = TestClient(create_app("memory:", render_timeout=0.0001))
    slow.app.state.service.store.record(entries(BASE), "tests")
    answer = slow.get("/api/charts/org.png", params={"at": "2021-01-01"})
    assert answer.status_code == 503
    assert "longer than" in answer.json()["detail"]


def test_a_chart_is_refused_with_503_while_every_renderer_is_busy():
    client = TestClient(create_app("memory:", render_timeout=0.05))
    client.app.state.service.store.record(entries(BASE), "tests")
    busy = threading.BoundedSemaphore(1)
    busy.acquire()
    client.app.state.service.render_slots = busy
    answer = client.get("/api/charts/org.svg", params={"at": "2021-01-01"})
    assert answer.status_code == 503
    assert answer.headers["retry-after"]
    assert client.get("/api/charts/org.dot", params={"at": "2021-01-01"}).status_code == 200


def test_every_connection_has_nagle_s_algorithm_off():
    from orgevents.http.protocol import no_delay

    class Transport:
        def __init__(self, sock: socket.socket) -> None:
            self.sock = sock

        def get_extra_info(self, name: str) -> Any:
            return self.sock if name == "socket" else None

    # As uvicorn binds it for several workers: no protocol named, so asyncio leaves Nagle on.
    with socket.socket(socket.AF_INET) as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        with socket.create_connection(listener.getsockname()) as _, listener.accept()[0] as conn:
            assert conn.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) == 0
            no_delay(Transport(conn))  # type: ignore[arg-type]
            assert conn.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0


# --- writing -----------------------------------------------------------------------------


def test_posting_entries_appends_them_as_the_token_s_name(client):
    answer = client.post("/api/entries", content=as_yaml(BASE), headers=AUTH | YAML)
    assert answer.status_code == 201
    body = answer.json()
    assert body["appended"] == 9 and body["skipped"] == 0
    assert body["recorded_by"] == "alice"
    history = client.get("/api/history/a").json()
    assert {h["recorded_by"] for h in history} == {"alice"}


def test_posting_the_same_entries_again_appends_nothing(base):
    before = events(base)
    again = base.post("/api/entries", json=load_file(BASE), headers=AUTH)
    assert again.status_code == 200
    assert again.json()["appended"] == 0 and again.json()["skipped"] == 9
    assert events(base) == before


def test_several_tokens_record_under_their_own_names():
    client = TestClient(create_app("memory:", "alice:one, bob:two"))
    client.post("/api/entries", json=load_file(BASE), headers={"Authorization": "Bearer one"})
    answer = client.post(
        "/api/entries", json=load_file(RENAME_A), headers={"Authorization": "Bearer two"}
    )
    assert answer.json()["recorded_by"] == "bob"


def test_writing_without_a_token_is_401(base):
    answer = base.post("/api/entries", json=load_file(RENAME_A))
    assert answer.status_code == 401
    assert answer.headers["www-authenticate"].startswith("Bearer")
    basic = base.post(
        "/api/entries", json=load_file(RENAME_A), headers={"Authorization": "Basic YTpi"}
    )
    assert basic.status_code == 401


def test_writing_with_a_wrong_token_is_403(base):
    before = events(base)
    answer = base.post(
        "/api/entries", json=load_file(RENAME_A), headers={"Authorization": "Bearer s3cre"}
    )
    assert answer.status_code == 403
    assert events(base) == before


def test_a_read_only_server_refuses_every_write_with_403():
    client = TestClient(create_app("memory:"))
    answer = client.post("/api/entries", json=load_file(BASE), headers=AUTH)
    assert answer.status_code == 403
    assert "read-only" in answer.json()["detail"]
    assert events(client) == 0
    assert client.get("/health").json()["read_only"] is True


def test_a_body_above_the_limit_is_413_before_it_is_read(base):
    big = json.dumps(load_file(BASE, title="x" * 30_000))
    answer = base.post(
        "/api/entries", content=big, headers=AUTH | {"Content-Type": "application/json"}
    )
    assert answer.status_code == 413

    def chunks():  # no Content-Length: the limit holds while reading
        for _ in range(30):
            yield b"#" * 1000 + b"\n"

    streamed = base.post("/api/entries", content=chunks(), headers=AUTH | YAML)
    assert streamed.status_code == 413


def test_yaml_aliases_that_expand_past_the_limit_are_413(base):
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 7)]
    answer = base.post("/api/entries", content="\n".join(lines), headers=AUTH | YAML)
    assert answer.status_code == 413
    assert "aliases" in answer.json()["detail"]


def test_an_invalid_entry_is_422_with_its_location_and_nothing_written(base):
    before = events(base)
    text = as_yaml(
        RENAME_A
        + "- {type: UnitEstablished, key: e-x, unit: x, name: X, kind: comittee, effective: 2021-01-01}\n"
    )
    answer = base.post("/api/entries", content=text, headers=AUTH | YAML)
    assert answer.status_code == 422
    body = answer.json()
    assert "nothing was written" in body["detail"]
    [problem] = body["problems"]
    assert problem["file"] == "request.yaml"
    assert problem["index"] == 1 and problem["key"] == "e-x" and problem["field"] == "kind"
    assert problem["line"] is not None
    assert events(base) == before


def test_a_change_contradicting_the_history_is_422_with_the_rule_and_nothing_written(base):
    before = events(base)
    contradiction = """
- {type: UnitRenamed, key: r-b, unit: b, name: B renamed, effective: 2021-01-01}
- {type: ResponsibilityTransferred, key: t-t, responsibility: t, role: authority, from_units: [b], to_unit: a, effective: 2021-06-01}
"""
    answer = base.post("/api/entries", json=load_file(contradiction), headers=AUTH)
    assert answer.status_code == 422
    [problem] = answer.json()["problems"]
    assert problem["rule"] == "holder-required" and problem["index"] == 1
    assert events(base) == before


@pytest.mark.parametrize(
    "body",
    ["", "[unclosed", "format: orgevents/1\nentries: 3", "\xff"],
    ids=["empty", "syntax", "wrong-shape", "latin"],
)
def test_unreadable_bodies_are_422(base, body):
    answer = base.post("/api/entries", content=body.encode("latin-1"), headers=AUTH | YAML)
    assert answer.status_code == 422
    assert answer.json()["problems"]


def test_a_body_that_is_neither_json_nor_yaml_is_415(base):
    answer = base.post(
        "/api/entries", content=b"<entries/>", headers=AUTH | {"Content-Type": "application/xml"}
    )
    assert answer.status_code == 415


def test_a_concurrent_write_to_the_same_unit_is_409_and_writes_nothing(shared_store_url):
    """Writer A has read unit ``a``; before A saves, writer B renames it. A's save conflicts."""
    store = open_store(shared_store_url)
    store.record(entries(BASE), "tests")
    client = TestClient(create_app(shared_store_url, TOKEN))
    service = client.app.state.service
    other = open_store(shared_store_url)
    save = service.store.save

    def save_after_another_writer(*args: Any, **kwargs: Any) -> Any:
        other.record(
            entries(
                "- {type: UnitRenamed, key: r-other, unit: a, name: Other, effective: 2021-02-01}"
            ),
            "bob",
        )
        return save(*args, **kwargs)

    service.store.save = save_after_another_writer
    before = store.last_position()
    answer = client.post("/api/entries", json=load_file(RENAME_A), headers=AUTH)
    assert answer.status_code == 409
    assert "run it again" in answer.json()["detail"]
    assert store.last_position() == before + 1  # only the other writer's rename
    service.store.save = save
    retry = client.post("/api/entries", json=load_file(RENAME_A), headers=AUTH)
    assert retry.status_code == 201


def test_a_conflict_reported_by_the_store_is_409(base, monkeypatch):
    def conflict(*args: Any, **kwargs: Any) -> Any:
        raise ConflictError("another writer changed the same units; run it again")

    monkeypatch.setattr(base.app.state.service.store, "record", conflict)
    assert base.post("/api/entries", json=load_file(RENAME_A), headers=AUTH).status_code == 409


# --- configuration -----------------------------------------------------------------------


def test_tokens_name_who_records():
    assert parse_tokens("alice:s1, bob:s2") == {"s1": "alice", "s2": "bob"}
    assert parse_tokens("bare-secret", "importer") == {"bare-secret": "importer"}
    assert parse_tokens("") == {} and parse_tokens(None) == {}
    assert parse_tokens("alice:s:with:colons") == {"s:with:colons": "alice"}
    with pytest.raises(ValueError, match="empty secret"):
        parse_tokens("alice:")


def test_settings_from_the_environment():
    settings = Settings.from_env(
        {
            "ORGEVENTS_STORE": "memory:",
            "ORGEVENTS_TOKEN": "s3cret",
            "ORGEVENTS_RECORDER": "importer",
            "ORGEVENTS_MAX_BODY": "1000",
            "ORGEVENTS_CORS_ORIGINS": "https://a.example, https://b.example",
        }
    )
    assert settings.store_url == "memory:"
    assert settings.tokens == {"s3cret": "importer"}
    assert settings.max_body == 1000
    assert settings.cors_origins == ("https://a.example", "https://b.example")
    assert Settings.from_env({}).read_only


# --- the page, the docs, the headers -----------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/docs",
        "/static/app.js",
        "/api/units",
        "/api/show/nowhere",
        "/api/charts/org.svg",
        "/openapi.json",
    ],
)
def test_every_response_carries_a_strict_content_security_policy(copenhagen, path):
    answer = copenhagen.get(path)
    csp = answer.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "default-src 'none'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert answer.headers["x-frame-options"] == "DENY"


class _Markup(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.scripts: list[dict[str, str | None]] = []
        self.inline: list[str] = []
        self.external: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "script":
            self.scripts.append(found)
        self.inline += [n for n in found if n.startswith("on") or n == "style"]
        self.external += [v for n, v in found.items() if n in ("src", "href") and v and "//" in v]

    def handle_data(self, data: str) -> None:
        if self.lasttag == "script" and data.strip():
            self.inline.append("script text")


@pytest.mark.parametrize("path", ["/", "/docs"])
def test_the_pages_load_scripts_from_files_only_and_nothing_from_outside(copenhagen, path):
    page = copenhagen.get(path)
    assert page.headers["content-type"].startswith("text/html")
    markup = _Markup()
    markup.feed(page.text)
    assert markup.scripts and all(s.get("src", "").startswith("/static/") for s in markup.scripts)
    assert markup.inline == []
    assert markup.external == []
    for script in markup.scripts:
        code = copenhagen.get(script["src"] or "").text
        assert ".innerHTML" not in code and "insertAdjacentHTML" not in code
        assert "document.write" not in code and "eval(" not in code


def test_cors_is_off_unless_origins_are_configured(copenhagen):
    asked = {"Origin": "https://elsewhere.example"}
    assert "access-control-allow-origin" not in copenhagen.get("/api/units", headers=asked).headers
    allowed = TestClient(create_app("memory:", cors_origins=["https://elsewhere.example"]))
    headers = allowed.get("/api/units", headers=asked).headers
    assert headers["access-control-allow-origin"] == "https://elsewhere.example"


def test_openapi_documents_every_endpoint_and_its_error_statuses(copenhagen):
    schema = copenhagen.get("/openapi.json").json()
    paths = schema["paths"]
    expected = {
        "/health",
        "/api/units",
        "/api/show/{key}",
        "/api/who/{key}",
        "/api/diff",
        "/api/history/{key}",
        "/api/find",
        "/api/dates",
        "/api/kinds",
        "/api/charts/org.{fmt}",
        "/api/charts/responsibilities.{fmt}",
        "/api/charts/changes.{fmt}",
        "/api/entries",
        "/api/conflicts",
        "/api/audit",
        "/api/verify",
        "/api/export/{fmt}",
    }
    assert set(paths) == expected
    post = paths["/api/entries"]["post"]
    assert {"200", "201", "401", "403", "409", "413", "415", "422", "503"} <= set(post["responses"])
    assert "application/yaml" in post["requestBody"]["content"]
    assert post["requestBody"]["content"]["application/json"]["schema"]["properties"]["entries"]
    for path in ("/api/show/{key}", "/api/who/{key}", "/api/history/{key}"):
        assert "404" in paths[path]["get"]["responses"]
    for path, item in paths.items():
        for op in item.values():
            assert op.get("summary") and op.get("description"), path
    for path in expected - {"/health", "/api/entries", "/api/verify"}:
        names = {p["name"] for p in paths[path]["get"]["parameters"]}
        assert "known_at" in names, path
