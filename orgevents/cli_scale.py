"""Commands for large histories: bulk loading in batches and rebuilding the SQL temporal index.

``bulk-load`` streams load files (JSON Lines for very large ones: a header line, then one entry
per line) into the store ``--batch-size`` entries per transaction, with a progress bar, and keeps
the SQL index (:mod:`orgevents.projections.sqlindex`) up to date batch by batch. ``reindex``
rebuilds that index from the log.
"""

from __future__ import annotations

import datetime as dt
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
    from orgevents.projections.sqlindex import IndexedState, SqlIndex
    from orgevents.projections.views import WhoView

FORMAT = "orgevents/1"
BAR_FROM_BYTES = 1_000_000  # smaller files load before a bar would be worth drawing
INDEX_FROM_EVENTS = 20_000  # below this, reading commands are quicker with the fold


class BulkLoadError(OrgEventsError):
    """A bulk load stopped at a bad entry: whole batches before it were written."""


@dataclass
class _Reading:
    """How far the reader has got (for the progress bar)."""

    bytes_read: int = 0


def _jsonl(path: Path, reading: _Reading) -> Iterator[Located]:
    """Entries of a JSON Lines load file, validated one by one as they are read. The first line
    that is not blank is the header."""
    from pydantic import ValidationError

    from orgevents.errors import InvalidEntryError, Problem
    from orgevents.events import entry_adapter
    from orgevents.importing import Located
    from orgevents.reading import parse_json_line

    name = str(path)
    with path.open("rb") as lines:
        index = 0
        header_read = False
        for number, raw in enumerate(lines, start=1):
            reading.bytes_read += len(raw)
            if not raw.strip():
                continue
            if not header_read:
                try:
                    header = json.loads(raw)
                except ValueError:
                    header = None
                if not isinstance(header, dict) or header.get("format") != FORMAT:
                    problem = Problem(
                        f'the first line (blank lines aside) must be {{"format": "{FORMAT}"}}',
                        file=name,
                        line=number,
                        rule="format",
                    )
                    raise InvalidEntryError([problem])
                header_read = True
                continue
            try:
                entry = entry_adapter.validate_python(parse_json_line(raw, name, number))
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


def catch_up_if_indexed(store: OrgHistory) -> int:
    """After a plain ``load``: bring the store's SQL index (if it has one) up to date; return
    how many events it took in. A store without an index is left without one."""
    index = open_index(store)
    if index is None:
        return 0
    try:
        return index.catch_up() if index.exists() else 0
    finally:
        index.close()


def indexed(store_url: str | None, min_events: int = INDEX_FROM_EVENTS) -> SqlIndex | None:
    """For the reading commands: the store's SQL index, caught up — or None where the fold is
    the better choice (an in-memory store, or fewer than ``min_events`` events). Close it with
    ``close(close_store=True)``."""
    from orgevents.store import open_store

    store = open_store(store_url)
    index = None
    if (store.recorder.max_notification_id() or 0) >= min_events:
        index = open_index(store)
    if index is None:
        store.close()
        return None
    index.catch_up()
    return index


def indexed_as_of(
    store_url: str | None,
    on: dt.date,
    known_at: dt.datetime | dt.date | None = None,
    include_planned: bool = False,
    min_events: int = INDEX_FROM_EVENTS,
) -> IndexedState | None:
    """For one-shot commands (``units``, charts): the state on ``on`` from the SQL index of a
    large store — ``.units()``, ``.org_graph()``, ``.responsibility_graph()``, ``.who(id)`` —
    or None where the fold should answer. The index stays open for the rest of the process."""
    from orgevents.projections.sqlindex import IndexUnavailableError

    index = indexed(store_url, min_events)
    if index is None:
        return None
    try:
        return index.as_of(on, known_at, include_planned)
    except IndexUnavailableError:
        index.close(close_store=True)
        return None


def indexed_who(
    store_url: str | None,
    resp: str,
    on: dt.date,
    known_at: dt.datetime | dt.date | None = None,
    include_planned: bool = False,
    min_events: int = INDEX_FROM_EVENTS,
) -> WhoView | None:
    """``orgevents who`` from the SQL index on a large store; None where the fold should answer
    (a small or in-memory store, or a question the index refuses)."""
    from orgevents.projections.sqlindex import IndexUnavailableError

    index = indexed(store_url, min_events)
    if index is None:
        return None
    try:
        return index.as_of(on, known_at, include_planned).who(resp)
    except IndexUnavailableError:
        return None
    finally:
        index.close(close_store=True)


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
    show = sys.stderr.isatty() and last >= INDEX_FROM_EVENTS
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
