"""Commands for large histories: bulk loading in batches and rebuilding the SQL temporal index.

``bulk-load`` streams load files (JSON Lines for very large ones: a header line, then one entry
per line) into the store ``--batch-size`` entries per transaction, with a progress bar, and keeps
the SQL index (:mod:`orgevents.projections.sqlindex`) up to date batch by batch. ``reindex``
rebuilds that index from the log.
"""

from __future__ import annotations

import getpass
import json
import sys
import time
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from orgevents.cli import JsonOpt, _ctx, _print_json, app
from orgevents.errors import OrgEventsError

if TYPE_CHECKING:
    from orgevents.application import OrgHistory
    from orgevents.importing import Located
    from orgevents.projections.sqlindex import SqlIndex

FORMAT = "orgevents/1"
BAR_FROM_BYTES = 1_000_000  # smaller files load before a bar would be worth drawing


class BulkLoadError(OrgEventsError):
    """A bulk load stopped at a bad entry: whole batches before it were written."""


@dataclass
class _Reading:
    """How far the reader has got (for the progress bar)."""

    bytes_read: int = 0


def _jsonl(path: Path, reading: _Reading) -> Iterator[Located]:
    """Entries of a JSON Lines load file, validated one by one as they are read."""
    from pydantic import ValidationError

    from orgevents.errors import InvalidEntryError, Problem
    from orgevents.events import entry_adapter
    from orgevents.importing import Located

    name = str(path)
    with path.open("rb") as lines:
        index = 0
        for number, raw in enumerate(lines, start=1):
            reading.bytes_read += len(raw)
            if not raw.strip():
                continue
            if number == 1:
                try:
                    header = json.loads(raw)
                except ValueError:
                    header = None
                if not isinstance(header, dict) or header.get("format") != FORMAT:
                    problem = Problem(
                        f'the first line must be {{"format": "{FORMAT}"}}',
                        file=name,
                        line=1,
                        rule="format",
                    )
                    raise InvalidEntryError([problem])
                continue
            try:
                entry = entry_adapter.validate_json(raw)
            except ValidationError as exc:
                err = exc.errors()[0]
                loc = [str(p) for p in err["loc"]]
                if loc and loc[0][:1].isupper():
                    loc = loc[1:]  # the discriminator pydantic puts in the path
                problem = Problem(
                    err["msg"],
                    file=name,
                    index=index,
                    line=number,
                    field=".".join(loc) or None,
                    rule=err["type"],
                )
                raise InvalidEntryError([problem]) from None
            yield Located(entry, name, index, number)
            index += 1


def read_stream(paths: list[Path], reading: _Reading) -> Iterator[Located]:
    """Entries of every file in order: ``.jsonl`` streamed, YAML/JSON read whole."""
    from orgevents.importing import read_file

    for path in paths:
        if path.suffix == ".jsonl":
            yield from _jsonl(path, reading)
        else:
            yield from read_file(path)
            reading.bytes_read += path.stat().st_size


def open_index(app_: OrgHistory) -> SqlIndex | None:
    """The store's SQL index, or None for a store that cannot hold one (in memory)."""
    from orgevents.projections.sqlindex import IndexUnavailableError, SqlIndex

    try:
        return SqlIndex(app_)
    except IndexUnavailableError:
        return None


def bulk_load(
    store: OrgHistory,
    paths: list[Path],
    recorded_by: str,
    batch_size: int = 1000,
    keep_index: bool = True,
    show_progress: bool | None = None,
) -> dict[str, Any]:
    """Load files in batches (each atomic); return counts. The library side of ``bulk-load``."""
    from orgevents.application import BatchRejectedError, BatchSaved
    from orgevents.errors import Problem

    index = open_index(store) if keep_index else None
    if index is not None:
        index.catch_up()  # what plain loads appended before, so the batches follow on
    reading = _Reading()
    recent: deque[Located] = deque(maxlen=2 * batch_size)
    total_bytes = sum(p.stat().st_size for p in paths)
    if show_progress is None:
        from rich.console import Console

        show_progress = total_bytes >= BAR_FROM_BYTES and Console(stderr=True).is_terminal
    started = time.perf_counter()
    batches = 0

    def entries() -> Iterator[Any]:
        for item in read_stream(paths, reading):
            recent.append(item)
            yield item.entry

    def saved(progress: BatchSaved) -> None:
        nonlocal batches
        batches += 1
        if index is not None and progress.recordings:
            index.apply_recorded(progress.recordings)
        if bar is not None:
            bar.update(task, completed=reading.bytes_read, appended=progress.appended)

    bar = None
    if show_progress:
        from rich.progress import (
            BarColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        bar = Progress(
            TextColumn("loading"),
            BarColumn(),
            TextColumn("{task.percentage:>3.0f}%  {task.fields[appended]} events"),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            transient=True,
        )
        task = bar.add_task("load", total=total_bytes, appended=0)
        bar.start()
    try:
        result = store.record_batches(entries(), recorded_by, batch_size, on_batch=saved)
    except BatchRejectedError as exc:
        item = next((i for i in recent if i.entry is exc.entry), None)
        problem = Problem(
            str(exc.cause),
            file=item.file if item else None,
            index=item.index if item else exc.index,
            line=item.line if item else None,
            key=exc.entry.key,
            rule=exc.rule,
        )
        raise BulkLoadError(
            f"{problem.describe()}\nthe {exc.written} entries before its batch were written "
            "(whole batches), nothing after them; fix the entry and run the same load again — "
            "recorded entries are skipped"
        ) from None
    finally:
        if bar is not None:
            bar.stop()
        if index is not None:
            if batches > 10:
                index.analyze()  # new statistics, so the planner uses the interval indexes
            index.close()
    seconds = time.perf_counter() - started
    return {
        "appended": len(result.appended),
        "skipped": len(result.skipped),
        "batches": batches,
        "seconds": round(seconds, 3),
    }


@app.command("bulk-load")
def bulk_load_command(
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

    Example: orgevents bulk-load history.jsonl --batch-size 2000
    """
    from orgevents.store import open_store

    for path in paths:
        if not path.is_file():
            raise typer.BadParameter(f"no file {str(path)!r}", param_hint="PATHS")
    who = recorded_by or getpass.getuser()
    store = open_store(_ctx.store_url)
    try:
        counts = bulk_load(store, paths, who, batch_size, keep_index=not no_index)
    finally:
        store.close()
    if as_json:
        _print_json(counts)
    else:
        rate = counts["appended"] / counts["seconds"] if counts["seconds"] else 0
        typer.echo(
            f"appended {counts['appended']} events, skipped {counts['skipped']} already recorded "
            f"({counts['batches']} batches, {counts['seconds']:.1f} s, {rate:,.0f} events/s)"
        )


@app.command()
def reindex(as_json: JsonOpt = False) -> None:
    """Rebuild the SQL temporal index (as-of queries on large stores) from the whole log.

    Example: orgevents reindex
    """
    from orgevents.store import open_store

    store = open_store(_ctx.store_url)
    index = open_index(store)
    if index is None:
        raise OrgEventsError("an in-memory store has no SQL index (the fold answers everything)")
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
        _print_json({"events": applied, "position": position, "seconds": round(seconds, 3)})
    else:
        typer.echo(f"index rebuilt: {applied} events up to position {position} in {seconds:.1f} s")
