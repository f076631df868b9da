"""Commands for large histories: bulk loading in batches and rebuilding the SQL temporal index.

``bulk-load`` streams load files into the store ``--batch-size`` entries per transaction
(:mod:`orgevents.bulk`), with a progress bar and its rate, while the reader indexes each batch as
it is saved. ``reindex`` rebuilds the index from the log (for recovery: every write keeps it).
"""

from __future__ import annotations

import getpass
import sys
import time
from pathlib import Path
from typing import Annotated

import typer

from orgevents.cli.common import JsonOpt, app, open_store, print_json, rate_bar

BAR_FROM_BYTES = 1_000_000  # smaller files load before a bar would be worth drawing


@app.command("bulk-load")
def bulk_load_command(
    ctx: typer.Context,
    paths: Annotated[
        list[Path], typer.Argument(help="Load files: .jsonl (streamed), .yaml or .json.")
    ],
    batch_size: Annotated[
        int, typer.Option("--batch-size", min=1, help="Entries per transaction.")
    ] = 1000,
    recorded_by: Annotated[
        str | None,
        typer.Option("--recorded-by", help="Who records the events [default: $USER]."),
    ] = None,
    no_index: Annotated[
        bool, typer.Option("--no-index", help="Do not keep the SQL index up to date.")
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """Append a large history in batches: each batch is checked and written atomically, a crash
    leaves whole batches, and running the same load again completes it (recorded entries are
    skipped). Shows a progress bar for large files and keeps the SQL index up to date.
    Entries are put in dependency order within each batch only (memory stays bounded by the
    batch): what an entry needs must not come in a later batch.

    Example: orgevents bulk-load history.jsonl --batch-size 2000
    """
    for path in paths:
        if not path.is_file():
            raise typer.BadParameter(f"no file {str(path)!r}", param_hint="PATHS")
    from orgevents.bulk import bulk_load

    who = recorded_by or getpass.getuser()
    store = open_store(ctx)
    reader = None
    if not no_index:
        from orgevents.projections.reader import Reader

        reader = Reader(store)  # indexes every batch as it is saved
    total = sum(p.stat().st_size for p in paths)
    try:
        with rate_bar(total, total >= BAR_FROM_BYTES) as update:
            counts = bulk_load(
                store, paths, who, batch_size, on_batch=lambda p: update(p.bytes_read, p.appended)
            )
        if reader is not None and counts["batches"] > 10:
            reader.writer.analyze()  # new statistics, so the planner uses the interval indexes
    finally:
        if reader is not None:
            reader.close()
        store.close()
    if as_json:
        print_json(counts)
    else:
        rate = counts["appended"] / counts["seconds"] if counts["seconds"] else 0
        typer.echo(
            f"appended {counts['appended']} events, skipped {counts['skipped']} already recorded "
            f"({counts['batches']} batches, {counts['seconds']:.1f} s, {rate:,.0f} events/s)"
        )


@app.command()
def reindex(ctx: typer.Context, as_json: JsonOpt = False) -> None:
    """Rebuild the SQL temporal index that every read command asks, from the whole log (for
    recovery: every write keeps it up to date).

    Example: orgevents reindex
    """
    from orgevents.projections.sqlindex import SqlIndex

    store = open_store(ctx)
    index = SqlIndex(store)
    started = time.perf_counter()
    last = store.recorder.max_notification_id() or 0
    show = sys.stderr.isatty() and last >= 20_000
    if show:
        from rich.progress import Progress

        with Progress(transient=True) as bar:
            task = bar.add_task("indexing", total=last)
            applied = index.rebuild(
                progress=lambda _n, position: bar.update(task, completed=position)
            )
    else:
        applied = index.rebuild()
    position = index.position()
    index.close(close_store=True)
    seconds = time.perf_counter() - started
    if as_json:
        print_json({"events": applied, "position": position, "seconds": round(seconds, 3)})
    else:
        typer.echo(f"index rebuilt: {applied} events up to position {position} in {seconds:.1f} s")
