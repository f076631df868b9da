"""The command line, ``orgevents``: one module per group of commands, all on one Typer app.

- :mod:`.common` — the app, ``--store`` and the shared options, output helpers
- :mod:`.read` — units, show, who, diff, history, dates, find
- :mod:`.write` — load, schema; :mod:`.scale` — bulk-load, reindex
- :mod:`.charts` — chart, graph, timeline (and ``diff -o``)
- :mod:`.audit` — conflicts, audit; :mod:`.export` — export; :mod:`.verify` — verify
- :mod:`.serve` — the HTTP service; :mod:`.demo` — the demo
"""

from __future__ import annotations

import sys

import typer

from orgevents.cli import audit, charts, copy, demo, export, read, scale, serve, verify, write
from orgevents.cli.common import app
from orgevents.errors import OrgEventsError

COMMAND_MODULES = (read, write, charts, audit, export, scale, serve, verify, copy, demo)


def main() -> None:
    try:
        app()
    except OrgEventsError as exc:
        typer.echo(f"error: {exc}", err=True)
        sys.exit(1)


__all__ = ["COMMAND_MODULES", "app", "main"]
