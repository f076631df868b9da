"""Writing commands: append events from load files; print the load format's schema."""

from __future__ import annotations

import getpass
from pathlib import Path
from typing import Annotated

import typer

from orgevents.cli.common import JsonOpt, app, open_store, print_json, rate_bar

BAR_FROM_ENTRIES = 5_000  # smaller loads finish before a bar would be worth drawing


@app.command()
def load(
    ctx: typer.Context,
    paths: Annotated[list[Path] | None, typer.Argument(help="YAML or JSON load files.")] = None,
    example: Annotated[
        str | None,
        typer.Option(
            "--example",
            help="Load a bundled dataset: copenhagen, or france-communes (France's communes "
            "1943–2026 from INSEE's register, about 52,000 events, loaded in atomic batches).",
        ),
    ] = None,
    recorded_by: Annotated[
        str | None,
        typer.Option("--recorded-by", help="Who records the events [default: $USER]."),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Append events from load files: validated, all or nothing, idempotent. The files are one
    load: entries may come in any order across them — each is recorded after the entries that
    make the ids it names, one subject's changes in date order; entries that need each other in
    a circle are refused. A large load shows a progress bar with its rate on a terminal.

    Example: orgevents load changes-2026.yaml
    """
    from orgevents.importing import GENERATED, example_files, read_paths, record_located
    from orgevents.projections.reader import Reader

    files = list(paths or [])
    if example:
        files = example_files(example) + files
    if not files and example not in GENERATED:
        raise typer.BadParameter("give at least one file or --example copenhagen")
    who = recorded_by or getpass.getuser()
    store = open_store(ctx)
    reader = Reader(store)  # keeps the store's SQL index with what the load appends
    appended = skipped = 0
    if example in GENERATED:
        from orgevents.bulk import bulk_load
        from orgevents.importing import example_stream

        with rate_bar(None, True) as update:
            stream = example_stream(example)
            counts = bulk_load(
                store, [], who, 2000, on_batch=lambda p: update(0, p.appended), stream=stream
            )
        reader.writer.analyze()  # new statistics, so the planner uses the interval indexes
        appended, skipped = counts["appended"], counts["skipped"]
    if files:
        located = read_paths(files)
        with rate_bar(len(located), len(located) >= BAR_FROM_ENTRIES) as update:
            result = record_located(store, located, who, update)
        appended += len(result.appended)
        skipped += len(result.skipped)
    if as_json:
        print_json({"appended": appended, "skipped": skipped})
    else:
        typer.echo(f"appended {appended} events, skipped {skipped} already recorded")


@app.command()
def schema() -> None:
    """Print the JSON Schema of the load file format.

    Example: orgevents schema > load-format.schema.json
    """
    from orgevents.load_schema import load_file_schema

    print_json(load_file_schema())
