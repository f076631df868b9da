"""The composition root of the HTTP service: one FastAPI app over one store.

``create_app(store_url, token)`` for code and tests; ``app_from_env()`` is the factory uvicorn
calls in each worker (``orgevents serve``), configured by the environment (:mod:`.settings`).

Errors map to statuses here, once: unknown id → 404, invalid entries → 422 with the located
problems, a concurrent write → 409, a store that cannot be used → 503, a chart that cannot be
drawn in time → 503.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from eventsourcing.persistence import PersistenceError
from fastapi import FastAPI, Request
from fastapi.openapi.utils import get_openapi
from fastapi.responses import FileResponse, JSONResponse
from fastapi.staticfiles import StaticFiles

from orgevents import __version__
from orgevents.errors import (
    ConflictError,
    InvalidEntryError,
    NotFoundError,
    OrgEventsError,
    StoreError,
)
from orgevents.http.security import SecurityHeaders
from orgevents.http.service import Service
from orgevents.http.settings import (
    AUDIT_MAX_DAYS,
    DEFAULT_RECORDER,
    MAX_BODY,
    RENDER_TIMEOUT,
    Settings,
    parse_tokens,
)
from orgevents.signing import load_signing_key
from orgevents.store import open_store

STATIC = Path(__file__).parent / "static"
DESCRIPTION = """\
Organisational history as immutable, sourced events, queryable as of any date.

Every read endpoint takes `at` (the effective date to answer for, default today) and `known_at`
(answer from only the events recorded up to then). `POST /api/entries` records entries in the
load-file format with `Authorization: Bearer TOKEN`; without `ORGEVENTS_TOKEN` the server is
read-only and refuses writes with 403.
"""


def create_app(
    store_url: str | None = None,
    token: str | None = None,
    *,
    recorder: str = DEFAULT_RECORDER,
    max_body: int = MAX_BODY,
    render_timeout: float = RENDER_TIMEOUT,
    cors_origins: Iterable[str] = (),
    audit_max_days: int = AUDIT_MAX_DAYS,
    signing_key: str | None = None,
) -> FastAPI:
    """The app over the store at ``store_url``; ``token`` as ``ORGEVENTS_TOKEN`` takes it
    (``NAME:SECRET,...``; None: read-only)."""
    return build_app(
        Settings(
            store_url=store_url,
            tokens=parse_tokens(token, recorder),
            max_body=max_body,
            render_timeout=render_timeout,
            cors_origins=tuple(cors_origins),
            audit_max_days=audit_max_days,
            signing_key=signing_key,
        )
    )


def app_from_env() -> FastAPI:
    """The uvicorn factory: each worker builds its own app from the environment.

    The worker hands the interpreter lock between threads every 0.5 ms rather than every 5: the
    event loop, which answers kept questions, then waits less behind a thread building an
    expensive answer."""
    import sys

    sys.setswitchinterval(0.0005)
    return build_app(Settings.from_env())


def build_app(settings: Settings) -> FastAPI:
    from orgevents.http import routes_audit, routes_charts, routes_read, routes_write

    app = FastAPI(
        title="orgevents",
        version=__version__,
        description=DESCRIPTION,
        docs_url=None,
        redoc_url=None,
        openapi_url="/openapi.json",
    )
    app.state.settings = settings
    signer = load_signing_key(settings.signing_key) if settings.signing_key else None
    app.state.service = Service(
        open_store(settings.store_url, signer=signer),
        public_key=signer.public if signer else None,
    )
    app.include_router(routes_read.health_router)
    app.include_router(routes_read.router)
    app.include_router(routes_charts.router)
    app.include_router(routes_write.router)
    app.include_router(routes_audit.router)
    _pages(app)
    _errors(app)
    _openapi(app, routes_write.request_body_schema)
    if settings.cors_origins:
        from fastapi.middleware.cors import CORSMiddleware

        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(settings.cors_origins),
            allow_methods=["GET", "POST"],
            allow_headers=["Authorization", "Content-Type"],
        )
    app.add_middleware(SecurityHeaders)
    return app


def _pages(app: FastAPI) -> None:
    """The web page and the API docs: static files, their script in files of their own."""
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    @app.get("/", include_in_schema=False)
    def page() -> FileResponse:
        return FileResponse(STATIC / "index.html", headers={"Cache-Control": "no-cache"})

    @app.get("/docs", include_in_schema=False)
    def docs() -> FileResponse:
        return FileResponse(STATIC / "docs.html", headers={"Cache-Control": "no-cache"})


def _errors(app: FastAPI) -> None:
    def answer(code: int, exc: Exception, **extra: Any) -> JSONResponse:
        return JSONResponse({"detail": str(exc), **extra}, status_code=code)

    @app.exception_handler(NotFoundError)
    def not_found(_: Request, exc: NotFoundError) -> JSONResponse:
        return answer(404, exc)

    @app.exception_handler(InvalidEntryError)
    def invalid(_: Request, exc: InvalidEntryError) -> JSONResponse:
        return answer(422, exc, problems=[p.as_dict() for p in exc.problems])

    @app.exception_handler(ConflictError)
    def conflict(_: Request, exc: ConflictError) -> JSONResponse:
        return answer(409, exc)

    @app.exception_handler(StoreError)
    def store_error(_: Request, exc: StoreError) -> JSONResponse:
        return answer(503, exc)

    @app.exception_handler(PersistenceError)
    def persistence(_: Request, exc: PersistenceError) -> JSONResponse:
        reason = " ".join(str(exc).split())[:200] or type(exc).__name__
        return answer(503, Exception(f"the store could not be used: {reason}"))

    def database(_: Request, exc: Exception) -> JSONResponse:
        reason = " ".join(str(exc).split())[:200] or type(exc).__name__
        return answer(503, Exception(f"the store could not be used: {reason}"))

    import sqlite3

    app.add_exception_handler(sqlite3.Error, database)  # the read side's own connection
    try:
        import psycopg
    except ImportError:  # pragma: no cover - installed with eventsourcing[postgres]
        pass
    else:
        app.add_exception_handler(psycopg.Error, database)

    @app.exception_handler(OrgEventsError)
    def other(_: Request, exc: OrgEventsError) -> JSONResponse:
        from orgevents.diagrams.render import RenderError

        return answer(503 if isinstance(exc, RenderError) else 400, exc)


def _openapi(app: FastAPI, request_body: Any) -> None:
    """FastAPI's schema, with the load-file format as the write endpoint's body."""

    def schema() -> dict[str, Any]:
        if app.openapi_schema is None:
            found = get_openapi(
                title=app.title,
                version=app.version,
                description=app.description,
                routes=app.routes,
            )
            found["paths"]["/api/entries"]["post"]["requestBody"] = request_body()
            app.openapi_schema = found
        return app.openapi_schema

    app.openapi = schema  # type: ignore[method-assign]
