"""Fixtures: stores on every backend, and small histories written as load entries.

The PostgreSQL tests need the server named by ORGEVENTS_TEST_POSTGRES (default
postgresql://postgres@127.0.0.1:5432/test). If it does not answer they fail — they never skip.
Each test gets its own schema, dropped afterwards.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from orgevents.application import OrgHistory
from orgevents.events import entry_adapter
from orgevents.importing import example_files, load_paths
from orgevents.projections.fold import OrgState
from orgevents.projections.readmodel import ReadModel
from orgevents.store import open_store

POSTGRES = os.environ.get("ORGEVENTS_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")


def _postgres_connect() -> Any:
    import psycopg

    try:
        return psycopg.connect(POSTGRES, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as exc:
        pytest.fail(
            f"PostgreSQL at {POSTGRES} does not answer ({exc}). The PostgreSQL tests need it; "
            "start it or point ORGEVENTS_TEST_POSTGRES at one.",
            pytrace=False,
        )


@pytest.fixture(autouse=True)
def _close_stores(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Close every store a test opens, so PostgreSQL connections do not pile up."""
    opened: list[OrgHistory] = []
    original = OrgHistory.__init__

    def init(self: OrgHistory, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        opened.append(self)

    monkeypatch.setattr(OrgHistory, "__init__", init)
    yield
    for app in opened:
        app.close()


@pytest.fixture
def postgres_url() -> Iterator[str]:
    conn = _postgres_connect()
    schema = f"t_{uuid.uuid4().hex[:12]}"
    conn.execute(f"CREATE SCHEMA {schema}")
    try:
        yield f"{POSTGRES}?schema={schema}"
    finally:
        conn.execute(f"DROP SCHEMA {schema} CASCADE")
        conn.close()


@pytest.fixture(params=["memory", "sqlite", "postgres"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "memory":
        return "memory:"
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'orgevents.db'}"
    return str(request.getfixturevalue("postgres_url"))


@pytest.fixture(params=["sqlite", "postgres"])
def shared_store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A store two application objects can open at once (not the in-memory one)."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'orgevents.db'}"
    return str(request.getfixturevalue("postgres_url"))


@pytest.fixture
def app() -> OrgHistory:
    return open_store("memory:")


@pytest.fixture(scope="session")
def copenhagen_state() -> OrgState:
    """The Copenhagen dataset loaded once into memory, folded (for read-only tests)."""
    store = open_store("memory:")
    load_paths(store, example_files("copenhagen"), "tests")
    return ReadModel(store).catch_up()


SRC = [{"document": "doc", "locator": "s. 1"}]


def entries(text: str) -> list[Any]:
    """Parse YAML entries (a list) into entry models, filling in sources where missing."""
    out = []
    for raw in yaml.safe_load(text):
        raw.setdefault("sources", SRC) if raw["type"] != "DocumentRegistered" else None
        out.append(entry_adapter.validate_python(raw))
    return out


BASE = """
- {type: DocumentRegistered, key: doc, document: doc, title: A document, location: doc.txt}
- {type: UnitEstablished, key: e-br, unit: br, name: Council, abbreviation: BR, kind: council, effective: 2020-01-01}
- {type: UnitEstablished, key: e-a, unit: a, name: Committee A, abbreviation: A, kind: committee, parent: br, effective: 2020-01-01}
- {type: UnitEstablished, key: e-b, unit: b, name: Committee B, abbreviation: B, kind: committee, parent: br, effective: 2020-01-01}
- {type: UnitEstablished, key: e-af, unit: af, name: Administration A, kind: administration, parent: a, effective: 2020-01-01}
- {type: UnitEstablished, key: e-ac, unit: ac, name: Centre A1, kind: centre, parent: af, effective: 2020-01-01}
- {type: ResponsibilityDefined, key: d-t, responsibility: t, name: Task T, scope: everything T, effective: 2020-01-01}
- {type: ResponsibilityAssigned, key: a-t, responsibility: t, unit: a, role: authority, effective: 2020-01-01}
- {type: ResponsibilityAssigned, key: p-t, responsibility: t, unit: ac, role: performer, effective: 2020-01-01}
"""


@pytest.fixture
def base_entries() -> list[Any]:
    return entries(BASE)
