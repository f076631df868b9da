"""``orgevents copy FROM TO``: a whole log to another store, to a dump file, or back from one."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from orgevents.cli.common import JsonOpt, app, print_json


@app.command()
def copy(
    source: Annotated[str, typer.Argument(metavar="FROM", help="A store URL or a dump file.")],
    target: Annotated[
        str, typer.Argument(metavar="TO", help="An empty store's URL or a new dump file.")
    ],
    as_json: JsonOpt = False,
) -> None:
    """Copy every event, unchanged, from one store to another (SQLite → PostgreSQL and back),
    into a dump file (JSON Lines; .gz compresses) or from a dump into an empty store.

    The source's chain is verified first and the copy must end at the same head (SEQ:HASH), so
    a verified copy is the same log; the target store's index is built at the end. A dump's
    every link is checked before a store gets any of it.

    Example: orgevents copy sqlite:///orgevents.db postgresql://me@localhost:5432/org
    """
    from orgevents.copying import check_dump, copy_log, is_dump
    from orgevents.store import open_store

    if source == target:
        raise typer.BadParameter("FROM and TO are the same", param_hint="TO")
    if is_dump(source):
        check_dump(Path(source))  # before TO is made: a bad dump leaves nothing behind
    src = Path(source) if is_dump(source) else open_store(source)
    dst = Path(target) if is_dump(target) else open_store(target)
    show = sys.stderr.isatty()
    if show:
        from rich.progress import Progress

        with Progress(transient=True) as bar:
            task = bar.add_task("copying", total=None)
            copied = copy_log(src, dst, lambda n, total: bar.update(task, completed=n, total=total))
    else:
        copied = copy_log(src, dst)
    if not isinstance(dst, Path):
        from orgevents.projections.reader import Reader

        Reader(dst).close()  # builds the target's index
    if as_json:
        print_json({"events": copied.events, "head": copied.head, "to": target})
    else:
        typer.echo(f"copied {copied.events} events; head {copied.head} in both")
