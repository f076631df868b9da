"""``orgevents serve``: the HTTP API and the web page, run by uvicorn.

uvicorn imports ``orgevents.http.app:app_from_env`` in each worker, which builds the app from the
environment: the store URL goes there from ``--store``; the write tokens come from
``ORGEVENTS_TOKEN`` (see :mod:`orgevents.http.settings`).
"""

from __future__ import annotations

import os
from typing import Annotated

import typer

from orgevents.cli.common import app, signing_key, store_url
from orgevents.store import DEFAULT_STORE


@app.command()
def serve(
    ctx: typer.Context,
    host: Annotated[
        str,
        typer.Option(help="Address to listen on; another than 127.0.0.1 exposes the service."),
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=0, max=65535, help="Port to listen on.")] = 8000,
    workers: Annotated[
        int, typer.Option(min=1, max=64, help="Worker processes (use PostgreSQL for several).")
    ] = 1,
) -> None:
    """Serve the HTTP API (/docs), and the web page at / for exploring the history by date.

    Writes (POST /api/entries) need a bearer token from ORGEVENTS_TOKEN=NAME:SECRET[,...]; NAME is
    recorded as who wrote them. Without ORGEVENTS_TOKEN the server is read-only. With
    --signing-key, writes sign their heads and /api/verify checks them.

    Example: orgevents serve --port 8000
    """
    import uvicorn

    from orgevents.http.protocol import NoDelayH11Protocol
    from orgevents.http.settings import Settings
    from orgevents.store import open_store

    url = store_url(ctx) or os.environ.get("ORGEVENTS_STORE") or DEFAULT_STORE
    key = signing_key(ctx)
    if key is not None:
        from orgevents.signing import load_signing_key

        load_signing_key(key)  # fails here, in one line, if it cannot be read
        os.environ["ORGEVENTS_SIGNING_KEY"] = str(key.resolve())
    try:
        settings = Settings.from_env({**os.environ, "ORGEVENTS_STORE": url})
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="ORGEVENTS_TOKEN") from None
    open_store(url)  # fails here, in one line, if it cannot be opened; creates the tables once
    os.environ["ORGEVENTS_STORE"] = url
    writes = (
        "read-only (set ORGEVENTS_TOKEN to accept writes)"
        if settings.read_only
        else "writes with a bearer token as " + ", ".join(sorted(set(settings.tokens.values())))
    )
    typer.echo(f"orgevents on http://{host}:{port}/ — {writes}", err=True)
    uvicorn.run(
        "orgevents.http.app:app_from_env",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        http=NoDelayH11Protocol,
        proxy_headers=False,
        server_header=False,
        log_level="warning",
    )
