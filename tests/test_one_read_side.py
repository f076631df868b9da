"""Every read command and every read route answers from the reader's SQL index: none replays the
log. A tripwire makes replaying raise — the fold's ``apply``, the application's ``read_events``
and the old read model — so a read path that folded would fail here, whatever the size of the
store (size-independent: no timing)."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from orgevents.application import OrgHistory
from orgevents.cli import app as cli
from orgevents.http.app import create_app
from orgevents.importing import example_files, load_paths
from orgevents.projections.fold import OrgState
from orgevents.store import open_store

READ_COMMANDS = [
    ["units", "--at", "2026-01-01"],
    ["units", "--at", "2026-01-01", "--json", "--include-planned"],
    ["show", "biu", "--at", "2026-01-01"],
    ["show", "stu", "--at", "2025-12-31", "--json"],
    ["who", "stu", "--at", "2025-12-31"],
    ["who", "stu", "--at", "2026-01-01", "--known-at", "2999-01-01"],
    ["diff", "2025-12-31", "2026-01-01"],
    ["diff", "2025-12-31", "2026-01-01", "-f", "dot"],
    ["history", "stu"],
    ["dates"],
    ["find", "erhverv"],
    ["conflicts"],
    ["audit", "2026-01-01", "2026-01-01", "--format", "json"],
    ["chart", "--at", "2026-01-01", "-f", "dot"],
    ["graph", "--at", "2026-01-01", "-f", "dot"],
    ["timeline", "2025-12-01", "2026-02-01", "-f", "dot"],
    ["export", "--format", "graphml", "--at", "2026-01-01"],
    ["export", "--format", "jsonld", "--at", "2026-01-01"],
    ["export", "--format", "csv", "--table", "changes"],
]

READ_ROUTES = [
    "/api/units?at=2026-01-01",
    "/api/show/biu?at=2026-01-01",
    "/api/who/stu?at=2025-12-31",
    "/api/who/stu?at=2026-01-01&known_at=2999-01-01",
    "/api/diff?from=2025-12-31&to=2026-01-01",
    "/api/history/stu",
    "/api/find?q=erhverv",
    "/api/dates",
    "/api/conflicts",
    "/api/audit?from=2026-01-01&to=2026-01-01",
    "/api/charts/org.dot?at=2026-01-01",
    "/api/charts/responsibilities.dot?at=2026-01-01",
    "/api/charts/changes.dot?from=2025-12-31&to=2026-01-01",
    "/api/export/graphml?at=2026-01-01",
    "/api/export/jsonld?at=2026-01-01",
    "/api/export/csv?table=changes",
]


class FoldedError(AssertionError):
    pass


@pytest.fixture
def tripwire(monkeypatch: pytest.MonkeyPatch) -> None:
    def replay(*args: Any, **kwargs: Any) -> Any:
        raise FoldedError("a read path replayed the log")

    monkeypatch.setattr(OrgState, "apply", replay)
    monkeypatch.setattr(OrgHistory, "read_events", replay)


@pytest.fixture(params=["sqlite", "postgres"])
def loaded(request: pytest.FixtureRequest, tmp_path: Any) -> str:
    url = (
        f"sqlite:///{tmp_path / 'kk.db'}"
        if request.param == "sqlite"
        else str(request.getfixturevalue("postgres_url"))
    )
    result = CliRunner().invoke(cli, ["--store", url, "load", "--example", "copenhagen"])
    assert result.exit_code == 0, result.output
    return url


@pytest.mark.parametrize("command", READ_COMMANDS, ids=lambda c: " ".join(c[:2]))
def test_no_read_command_replays_the_log(loaded: str, tripwire: None, command: list[str]) -> None:
    result = CliRunner().invoke(cli, ["--store", loaded, *command])
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(
        result.exception
    )
    assert result.exit_code == 0, result.output
    assert result.output.strip()


@pytest.fixture
def served() -> TestClient:
    app = create_app("memory:")
    load_paths(app.state.service.store, example_files("copenhagen"), "tests")
    return TestClient(app)


def test_no_read_route_replays_the_log(served: TestClient, tripwire: None) -> None:
    client = served
    for route in READ_ROUTES:
        answer = client.get(route)
        assert answer.status_code == 200, (route, answer.text)
        assert answer.content


@pytest.fixture
def store() -> OrgHistory:
    store = open_store("memory:")
    load_paths(store, example_files("copenhagen"), "tests")
    return store


def test_the_tripwire_would_catch_a_fold(store: OrgHistory, tripwire: None) -> None:
    from orgevents.projections.reference import FoldView

    with pytest.raises(FoldedError):
        FoldView.of(store)


LIGHT_COMMANDS = [
    ["who", "stu", "--at", "2025-12-31"],
    ["units", "--at", "2026-01-01"],
    ["dates"],
]
IMPORTED = """
import sys
from orgevents.cli import main
sys.argv = ["orgevents", *sys.argv[1:]]
try:
    main()
except SystemExit as exit:
    assert not exit.code, exit.code
print("eventsourcing" in sys.modules, "orgevents.events" in sys.modules)
"""


@pytest.fixture(scope="module")
def indexed(tmp_path_factory: pytest.TempPathFactory) -> str:
    """Copenhagen in an SQLite file whose index is up to date (loaded once for the module)."""
    url = f"sqlite:///{tmp_path_factory.mktemp('light') / 'kk.db'}"
    result = CliRunner().invoke(cli, ["--store", url, "load", "--example", "copenhagen"])
    assert result.exit_code == 0, result.output
    return url


@pytest.mark.parametrize("command", LIGHT_COMMANDS, ids=lambda c: c[0])
def test_who_units_and_dates_read_only_the_index(indexed: str, command: list[str]) -> None:
    """On an up-to-date index these answer without opening the event store: neither
    eventsourcing nor the event models are imported (the store's language, which names the kinds,
    comes from the index too)."""
    import subprocess
    import sys

    ran = subprocess.run(
        [sys.executable, "-c", IMPORTED, "--store", indexed, *command],
        capture_output=True,
        text=True,
        check=True,
    )
    assert ran.stdout.strip().splitlines()[-1] == "False False", ran.stdout[-500:]
