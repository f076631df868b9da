"""The service stays responsive (issue 14, finding 11): expensive requests — the provenance report,
exports, the chain check — are bounded and run in a lane of their own, outside the lock that the
cheap questions' reader takes, so a cheap question never waits behind them. The load figures are
measured by bench/bench_service.py; these tests check the bounds and the lanes, not times."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from orgevents.http.app import create_app
from orgevents.http.service import HEAVY_QUEUE
from orgevents.importing import example_files, load_paths


@pytest.fixture(scope="module")
def api() -> TestClient:
    app = create_app("memory:", audit_max_days=400)
    load_paths(app.state.service.store, example_files("copenhagen"), "tests")
    return TestClient(app)


def test_an_audit_over_all_dates_is_refused_with_the_limit_and_what_to_do(api):
    answer = api.get("/api/audit", params={"from": "0001-01-01", "to": "9999-12-31"})
    assert answer.status_code == 422
    detail = answer.json()["detail"]
    assert "spans 3652059 days" in detail
    assert "at most 400 days at a time (ORGEVENTS_AUDIT_MAX_DAYS)" in detail
    assert "ask in parts" in detail
    inside = api.get("/api/audit", params={"from": "2026-01-01", "to": "2027-02-04"})
    assert inside.status_code == 200 and inside.json()["changes"]


def test_expensive_requests_beyond_the_queue_are_answered_busy(api):
    svc = api.app.state.service
    svc._heavy_waiting = HEAVY_QUEUE  # as if that many were already waiting
    try:
        paths = ("/api/verify", "/api/export/jsonld", "/api/audit?from=2026-01-01&to=2026-02-01")
        for path in paths:
            busy = api.get(path)
            assert busy.status_code == 503, path
            assert busy.headers["retry-after"] == "5"
            assert busy.json()["detail"].startswith(f"busy: {HEAVY_QUEUE} expensive requests")
    finally:
        svc._heavy_waiting = 0
    assert api.get("/api/verify").status_code == 200


def _while_the_readers_lock_is_held(api: TestClient, ask: Callable[[], Any]) -> Any:
    """``ask()`` run while another thread holds the cheap questions' reader lock (as a long
    question being built does); what it returned, or None if it did not return within a
    minute (it waited for the lock)."""
    svc = api.app.state.service
    held, done = threading.Event(), threading.Event()

    def hold() -> None:
        with svc._lock:
            held.set()
            done.wait(120)

    holder = threading.Thread(target=hold)
    holder.start()
    held.wait()
    result: list[Any] = []
    asker = threading.Thread(target=lambda: result.append(ask()))
    asker.start()
    asker.join(60)
    done.set()
    holder.join()
    asker.join()
    return result[0] if result and not asker.is_alive() else None


def test_expensive_requests_do_not_wait_for_the_cheap_questions_lock(api):
    def expensive() -> list[int]:
        return [
            api.get("/api/verify").status_code,
            api.get("/api/audit", params={"from": "2026-01-01", "to": "2026-12-31"}).status_code,
            api.get("/api/export/jsonld", params={"at": "2026-01-01"}).status_code,
        ]

    assert _while_the_readers_lock_is_held(api, expensive) == [200, 200, 200]


def test_a_kept_answer_does_not_wait_for_a_question_being_built(api):
    first = api.get("/api/who/stu", params={"at": "2026-01-01"})
    assert first.status_code == 200
    again = _while_the_readers_lock_is_held(
        api, lambda: api.get("/api/who/stu", params={"at": "2026-01-01"})
    )
    assert again is not None and again.content == first.content


def test_the_chain_check_is_kept_for_its_head_and_made_again_when_the_head_moves(monkeypatch):
    import orgevents.chain as chain

    app = create_app("memory:")
    api = TestClient(app)
    calls: list[int] = []
    real = chain.verify

    def counting(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(chain, "verify", counting)
    assert api.get("/api/verify").json()["ok"] is True
    assert api.get("/api/verify").json()["ok"] is True
    assert len(calls) == 1
    load_paths(app.state.service.store, example_files("copenhagen"), "tests")
    stored = app.state.service.last_position()
    assert stored > 400 and api.get("/api/verify").json()["verified"] == stored
    assert len(calls) == 2
