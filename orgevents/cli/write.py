"""Writing commands: append events from load files; print the load format's schema."""

from __future__ import annotations

import getpass
from pathlib import Path
from typing import Annotated

import typer

from orgevents.cli.common import JsonOpt, app, open_store, print_json


@app.command()
def load(
    ctx: typer.Context,
    paths: Annotated[list[Path] | None, typer.Argument(help="YAML or JSON load files.")] = None,
    example: Annotated[
        str | None, typer.Option("--example", help="Load a bundled dataset: copenhagen.")
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
    a circle are refused.

    Example: orgevents load changes-2026.yaml
    """
    from orgevents.importing import example_files, load_paths
    from orgevents.projections.reader import Reader

    files = list(paths or [])
    if example:
        files = example_files(example) + files
    if not files:
        raise typer.BadParameter("give at least one file or --example copenhagen")
    who = recorded_by or getpass.getuser()
    store = open_store(ctx)
    Reader(store)  # keeps the store's SQL index with what the load appends
    result = load_paths(store, files, who)
    if as_json:
        print_json({"appended": len(result.appended), "skipped": len(result.skipped)})
    else:
        typer.echo(
            f"appended {len(result.appended)} events, skipped {len(result.skipped)} "
            "already recorded"
        )


@app.command()
def schema() -> None:
    """Print the JSON Schema of the load file format.

    Example: orgevents schema > load-format.schema.json
    """
    from orgevents.load_schema import load_file_schema

    print_json(load_file_schema())
