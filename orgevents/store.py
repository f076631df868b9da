"""Opening the event store from a URL.

- ``sqlite:///orgevents.db`` (relative) or ``sqlite:////var/lib/orgevents.db`` (absolute): an
  embedded SQLite file, the default.
- ``postgresql://user[:password]@host[:port]/database[?schema=NAME]``: a PostgreSQL server.
- ``memory:``: a throwaway store in a temporary SQLite file, removed when the store is closed
  (or the process ends).
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, unquote, urlsplit

from orgevents.errors import StoreError

if TYPE_CHECKING:  # opening the application (eventsourcing, the event models) waits for use
    from orgevents.aggregate import Clock
    from orgevents.application import OrgHistory
    from orgevents.signing import Signer

DEFAULT_STORE = "sqlite:///orgevents.db"


def store_env(url: str) -> dict[str, str]:
    """The eventsourcing environment for a store URL (every key set, nothing inherited).

    Every store chains its events for tamper evidence (``orgevents.chain``) and makes its schema
    once, versioned (``orgevents.recorders``).
    """
    from orgevents.recorders import recorder_env

    env = backend_env(url)
    return {**env, **recorder_env(env["PERSISTENCE_MODULE"])}


def store_url(url: str | None = None) -> str:
    """The URL given, else ``$ORGEVENTS_STORE``, else the default."""
    return url or os.environ.get("ORGEVENTS_STORE") or DEFAULT_STORE


def backend_env(url: str) -> dict[str, str]:
    """Where the store's database is (the eventsourcing persistence settings), without opening
    it."""
    if url in ("memory:", "memory://"):
        # a throwaway SQLite file (removed when the store is closed), so that the read side's
        # SQL index works the same as for every other store
        throwaway = tempfile.mkdtemp(prefix="orgevents-memory-")
        atexit.register(shutil.rmtree, throwaway, True)
        return {
            "PERSISTENCE_MODULE": "eventsourcing.sqlite",
            "SQLITE_DBNAME": str(Path(throwaway) / "store.db"),
            "SQLITE_LOCK_TIMEOUT": "10",
            "ORGEVENTS_THROWAWAY": throwaway,
        }
    if url.startswith("sqlite:///"):
        path = url[len("sqlite:///") :]
        if not path:
            raise StoreError(f"store URL {url!r} names no file; write sqlite:///path/to/file.db")
        folder = Path(path).parent
        if not folder.is_dir():
            raise StoreError(f"cannot open store {url!r}: folder {str(folder)!r} does not exist")
        return {
            "PERSISTENCE_MODULE": "eventsourcing.sqlite",
            "SQLITE_DBNAME": path,
            "SQLITE_LOCK_TIMEOUT": "10",
        }
    if url.startswith(("postgresql://", "postgres://")):
        parts = urlsplit(url)
        database = parts.path.lstrip("/")
        if not parts.hostname or not database:
            raise StoreError(
                f"store URL {url!r} needs a host and a database: postgresql://user@host:5432/db"
            )
        env = {
            "PERSISTENCE_MODULE": "eventsourcing.postgres",
            "POSTGRES_DBNAME": unquote(database),
            "POSTGRES_HOST": parts.hostname,
            "POSTGRES_PORT": str(parts.port or 5432),
            "POSTGRES_USER": unquote(parts.username or os.environ.get("USER", "postgres")),
            "POSTGRES_PASSWORD": unquote(parts.password or ""),
            "POSTGRES_CONNECT_TIMEOUT": "5",
            "POSTGRES_POOL_SIZE": "2",
        }
        schema = parse_qs(parts.query).get("schema")
        if schema:
            env["POSTGRES_SCHEMA"] = schema[0]
        return env
    raise StoreError(
        f"unknown store URL {url!r}; use sqlite:///FILE, postgresql://USER@HOST:PORT/DB or memory:"
    )


def open_store(
    url: str | None = None, clock: Clock | None = None, signer: Signer | None = None
) -> OrgHistory:
    """Open (and if needed create) the store at ``url``, ``$ORGEVENTS_STORE`` or the default;
    with ``signer``, every write signs the head it ends at (:mod:`orgevents.signing`)."""
    from orgevents.application import OrgHistory

    url = store_url(url)
    env = store_env(url)
    try:
        app = OrgHistory(env=env, clock=clock)
    except Exception as exc:  # the drivers raise many kinds; the user needs one line
        reason = " ".join(str(exc).split()) or type(exc).__name__
        raise StoreError(f"cannot open store {redact(url)!r}: {reason}") from None
    app.recorder.signer = signer  # type: ignore[attr-defined]
    return app


def redact(url: str) -> str:
    parts = urlsplit(url)
    if parts.password:
        return url.replace(f":{parts.password}@", ":***@")
    return url
