"""The export command: the state as of a date and the change history as CSV, GraphML or JSON-LD.

A thin wrapper over :mod:`orgevents.projections.exports`: build the document from the reader's
view, write it to ``-o`` or to standard output (UTF-8).
"""

from __future__ import annotations

import io
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, TextIO

import typer

from orgevents.cli.common import (
    AtOpt,
    DepthOpt,
    KnownAtOpt,
    PlannedOpt,
    RootOpt,
    app,
    day,
    recorded_time,
    view,
)

if TYPE_CHECKING:
    from orgevents.projections.exports import Table

FORMATS = ("csv", "graphml", "jsonld")
_SUFFIXES = {".csv": "csv", ".graphml": "graphml", ".jsonld": "jsonld", ".json": "jsonld"}


@app.command()
def export(
    ctx: typer.Context,
    fmt: Annotated[
        str | None,
        typer.Option(
            "--format",
            "-f",
            metavar="csv|graphml|jsonld",
            help="csv: units, responsibilities and changes, three files in the -o folder; "
            "graphml: the org and responsibility graphs in one graph; jsonld: W3C Organization "
            "Ontology and PROV-O [default: from the -o file's extension].",
            show_default=False,
        ),
    ] = None,
    at: AtOpt = None,
    out: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            help="File to write (the folder for csv) [default: standard output].",
        ),
    ] = None,
    table: Annotated[
        str | None,
        typer.Option(
            "--table",
            metavar="units|responsibilities|changes",
            help="csv only: just this table, to standard output or to the -o file.",
        ),
    ] = None,
    base: Annotated[
        str | None,
        typer.Option(
            "--base", metavar="IRI", help="jsonld only: the prefix of every IRI [urn:orgevents:]."
        ),
    ] = None,
    known_at: KnownAtOpt = None,
    include_planned: PlannedOpt = False,
    root: RootOpt = None,
    depth: DepthOpt = None,
) -> None:
    """Export the units and responsibilities as of a date and the whole change history, as CSV,
    GraphML (for Gephi, yEd) or JSON-LD (W3C Organization Ontology, PROV-O). --root/--depth:
    the units of that subtree on --at, the responsibilities they hold and the changes that
    involve them.

    Example: orgevents export --format jsonld --at 2026-01-01 -o kk-2026.jsonld
    """
    from orgevents.projections import exports

    chosen = _format(fmt, out)
    if table is not None and chosen != "csv":
        raise typer.BadParameter("--table goes with --format csv", param_hint="--table")
    if table is not None and table not in exports.TABLES:
        raise typer.BadParameter(
            f"{table!r} is not one of {', '.join(exports.TABLES)}", param_hint="--table"
        )
    if base is not None and chosen != "jsonld":
        raise typer.BadParameter("--base goes with --format jsonld", param_hint="--base")
    if chosen == "csv" and table is None and (out is None or out.suffix.lower() == ".csv"):
        raise typer.BadParameter(
            "CSV is three tables: give -o FOLDER for all three, or --table NAME for one",
            param_hint="--output",
        )
    on = day(at)
    recorded_until = recorded_time(known_at)
    state = view(ctx, known_at, include_planned).within(root, depth, on)
    if chosen == "graphml":
        data = exports.graphml(state, on, recorded_until).decode()
        _write_text(lambda stream: stream.write(data), out)
    elif chosen == "jsonld":
        base = base or exports.DEFAULT_BASE

        def document(stream: TextIO) -> None:
            exports.write_jsonld(state, on, stream, base=base, known_at=recorded_until)
            stream.write("\n")

        _write_text(document, out)
    elif table is not None:
        _write_text(exports.csv_table(state, on, table).write, out)
    else:
        assert out is not None
        _write_folder(exports.csv_tables(state, on), out)


def _format(fmt: str | None, out: Path | None) -> str:
    """The format asked for, else the one the output file's extension names."""
    if fmt is None and out is not None:
        fmt = _SUFFIXES.get(out.suffix.lower())
    if fmt is None:
        raise typer.BadParameter(
            f"give --format {'|'.join(FORMATS)} (or an -o file ending in .graphml or .jsonld)",
            param_hint="--format",
        )
    fmt = fmt.lower()
    if fmt not in FORMATS:
        raise typer.BadParameter(
            f"{fmt!r} is not one of {', '.join(FORMATS)}", param_hint="--format"
        )
    return fmt


def _write_text(write: Callable[[TextIO], object], out: Path | None) -> None:
    """Write text (UTF-8, as it is made) to the file the user named, or to standard output."""
    if out is None:
        stream = io.TextIOWrapper(sys.stdout.buffer, encoding="utf-8", newline="")
        write(stream)
        stream.flush()
        stream.detach()
        return
    if out.is_dir():
        raise typer.BadParameter(f"{out} is a folder; give a file", param_hint="--output")
    with out.open("w", encoding="utf-8", newline="") as stream:
        write(stream)
    typer.echo(f"wrote {out}", err=True)


def _write_folder(tables: list[Table], folder: Path) -> None:
    """Each table as ``NAME.csv`` in ``folder`` (made if missing)."""
    if folder.exists() and not folder.is_dir():
        raise typer.BadParameter(f"{folder} is a file; give a folder", param_hint="--output")
    folder.mkdir(parents=True, exist_ok=True)
    for t in tables:
        path = folder / f"{t.name}.csv"
        with path.open("w", encoding="utf-8", newline="") as stream:
            count = t.write(stream)
        typer.echo(f"wrote {path} ({count} rows)", err=True)
