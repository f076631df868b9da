"""Chart commands (chart, graph, timeline; ``diff --format``): thin wrappers over the diagrams.

Each builds DOT source with one diagrams function and writes it, or the image Graphviz draws from
it, to ``-o FILE`` — or to standard output (DOT always; images only when piped).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from orgevents.cli.common import (
    AtOpt,
    KnownAtOpt,
    PlannedOpt,
    app,
    date_range,
    day,
    language,
    view,
)

FORMATS = ("svg", "png", "pdf", "dot")
FormatOpt = Annotated[
    str | None,
    typer.Option(
        "--format",
        "-f",
        metavar="svg|png|pdf|dot",
        help="Output format [default: from the -o file's extension, else dot].",
        show_default=False,
    ),
]
OutOpt = Annotated[
    Path | None,
    typer.Option("--output", "-o", help="File to write [default: standard output]."),
]
RootOpt = Annotated[
    str | None,
    typer.Option("--root", metavar="ID", help="Draw only this unit and what is below it."),
]
DepthOpt = Annotated[
    int | None,
    typer.Option(
        "--depth", min=0, metavar="N", help="Draw N levels below the top; deeper units as counts."
    ),
]
MaxUnitsOpt = Annotated[
    int,
    typer.Option(
        "--max-units",
        min=0,
        metavar="N",
        help="Cut whole levels until at most N boxes are drawn (0: no limit).",
    ),
]
ExpandOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--expand",
        metavar="ID",
        help="Draw the units below this unit too, whatever the cut (repeat it for several).",
    ),
]


def output_format(fmt: str | None, out: Path | None) -> str:
    """The format asked for, else the one the output file's extension names, else DOT. An
    extension that names no chart format, or another format than ``--format``, is refused: the
    file would hold something else than its name says."""
    named = None
    if out is not None and out.suffix:
        suffix = out.suffix.lower().lstrip(".")
        named = "dot" if suffix == "gv" else suffix
        if named not in FORMATS:
            raise typer.BadParameter(
                f"{out.name}: {out.suffix!r} is not a chart format; name the file "
                f"{', '.join('.' + f for f in FORMATS)} or .gv",
                param_hint="-o",
            )
    chosen = (fmt or named or "dot").lower()
    if chosen not in FORMATS:
        raise typer.BadParameter(
            f"{chosen!r} is not one of {', '.join(FORMATS)}", param_hint="--format"
        )
    if out is not None and named is not None and chosen != named:
        raise typer.BadParameter(
            f"--format {chosen} but {out.name} names {named}; give one or make them agree",
            param_hint="--format",
        )
    return chosen


def write_output(data: bytes, out: Path | None, fmt: str) -> None:
    """Write to the file the user named, or to standard output (images only when piped)."""
    if out is not None:
        out.write_bytes(data)
        typer.echo(f"wrote {out}", err=True)
    elif fmt == "dot":
        sys.stdout.write(data.decode())
    elif sys.stdout.isatty():
        raise typer.BadParameter(f"give -o FILE to write {fmt.upper()}", param_hint="--output")
    else:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()


def emit(source: str, fmt: str | None, out: Path | None) -> None:
    from orgevents.diagrams.render import render

    chosen = output_format(fmt, out)
    write_output(render(source, chosen), out, chosen)


@app.command()
def chart(
    ctx: typer.Context,
    at: AtOpt = None,
    fmt: FormatOpt = None,
    out: OutOpt = None,
    root: RootOpt = None,
    depth: DepthOpt = None,
    max_units: MaxUnitsOpt = 500,
    expand: ExpandOpt = None,
    known_at: KnownAtOpt = None,
    include_planned: PlannedOpt = False,
) -> None:
    """Draw the org chart as of a date: committees with their administrations, centres and
    units, with the figures known on that date.

    Example: orgevents chart --at 2026-01-01 -o after.svg
    """
    from orgevents.diagrams.orgchart import org_chart

    state = view(ctx, known_at, include_planned)
    source = org_chart(
        state,
        day(at),
        root=root,
        depth=depth,
        max_units=max_units or None,
        expand=expand or (),
        language=language(ctx),
    )
    emit(source, fmt, out)


@app.command()
def graph(
    ctx: typer.Context,
    at: AtOpt = None,
    fmt: FormatOpt = None,
    out: OutOpt = None,
    root: RootOpt = None,
    depth: DepthOpt = None,
    known_at: KnownAtOpt = None,
    include_planned: PlannedOpt = False,
) -> None:
    """Draw the responsibility graph as of a date: each responsibility linked to the unit holding
    the authority and the units doing the work. --root/--depth: the responsibilities that units
    of that subtree hold, with every holder of each.

    Example: orgevents graph --at 2026-01-01 --root biu -o responsibilities.png
    """
    from orgevents.diagrams.responsibilities import responsibility_chart

    state = view(ctx, known_at, include_planned)
    source = responsibility_chart(state, day(at), language=language(ctx), root=root, depth=depth)
    emit(source, fmt, out)


def diff_chart(
    ctx: typer.Context,
    from_date: str,
    to_date: str,
    fmt: str | None,
    out: Path | None,
    known_at: str | None = None,
    include_planned: bool = False,
    root: str | None = None,
    depth: int | None = None,
) -> None:
    """The change diagram for ``orgevents diff D1 D2 --format ...``."""
    from orgevents.diagrams.changes import change_chart

    start, end = date_range(from_date, to_date)
    if end == start:
        raise typer.BadParameter(
            f"no changes between {start} and {end}: the range after D1 up to D2 is empty; "
            "give an earlier D1",
            param_hint="D1",
        )
    state = view(ctx, known_at, include_planned)
    emit(change_chart(state, start, end, root=root, depth=depth, language=language(ctx)), fmt, out)


@app.command()
def timeline(
    ctx: typer.Context,
    from_date: Annotated[str, typer.Argument(metavar="D1")],
    to_date: Annotated[str, typer.Argument(metavar="D2")],
    fmt: FormatOpt = None,
    out: OutOpt = None,
    root: RootOpt = None,
    depth: DepthOpt = None,
    known_at: KnownAtOpt = None,
    include_planned: PlannedOpt = False,
) -> None:
    """Draw what changed on every change date after D1 up to D2: a PDF with one page per date,
    or one SVG/PNG per date (FILE-YYYY-MM-DD.svg), or all DOT graphs in one stream.

    Example: orgevents timeline 2025-01-01 2027-12-31 -o timeline.pdf
    """
    from orgevents.diagrams.render import render, render_pages
    from orgevents.diagrams.timeline import timeline_charts

    start, end = day(from_date, "D1"), day(to_date, "D2")
    chosen = output_format(fmt, out)
    state = view(ctx, known_at, include_planned)
    pages = timeline_charts(state, start, end, root=root, depth=depth, language=language(ctx))
    if not pages:
        typer.echo(f"nothing changes after {start} up to {end}", err=True)
        return
    if chosen == "dot":
        write_output("".join(source for _, source in pages).encode(), out, chosen)
    elif chosen == "pdf":
        write_output(render_pages([source for _, source in pages]), out, chosen)
    else:
        if out is None:
            raise typer.BadParameter(
                f"give -o FILE: one {chosen.upper()} is written per date", param_hint="--output"
            )
        for on, source in pages:
            path = out.with_name(f"{out.stem}-{on.isoformat()}.{chosen}")
            path.write_bytes(render(source, chosen))
            typer.echo(f"wrote {path}", err=True)
