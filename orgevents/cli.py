"""The command line: each command opens the store, calls one query or command, prints the answer.

Human-readable tables by default; ``--json`` prints one JSON document.
"""

from __future__ import annotations

import datetime as dt
import getpass
import json
import shutil
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from orgevents.errors import OrgEventsError
from orgevents.store import DEFAULT_STORE

app = typer.Typer(
    help="orgevents — organisational history as immutable, sourced events, "
    "queryable as of any date.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    rich_markup_mode=None,
)

StoreOpt = Annotated[
    str | None,
    typer.Option(
        "--store",
        envvar="ORGEVENTS_STORE",
        help=f"Event store URL: sqlite:///FILE, postgresql://USER@HOST:PORT/DB or memory: "
        f"[default: {DEFAULT_STORE}]",
        show_default=False,
    ),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON document.")]
KnownAtOpt = Annotated[
    str | None,
    typer.Option(
        "--known-at",
        metavar="T",
        help="Answer from only the events recorded up to T (a date, or date and time, UTC).",
    ),
]
PlannedOpt = Annotated[
    bool,
    typer.Option(
        "--include-planned",
        help="Include expected and planned changes (marked as such) [default: enacted only].",
    ),
]
AtOpt = Annotated[
    str | None,
    typer.Option("--at", metavar="YYYY-MM-DD", help="The date to answer for [default: today]."),
]


class _Context:
    store_url: str | None = None


_ctx = _Context()


@app.callback()
def _main(store: StoreOpt = None) -> None:
    """orgevents — organisational history as immutable, sourced events, queryable as of any date.

    Example: orgevents load --example copenhagen && orgevents who stu --at 2026-01-01
    """
    _ctx.store_url = store


def _date(text: str | None, name: str = "--at") -> dt.date:
    from orgevents.dates import parse_date

    if text is None:
        return dt.date.today()
    try:
        return parse_date(text)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint=name) from None


def _view(known_at: str | None = None, include_planned: bool = False) -> Any:
    """The read side for one command: the store as known at ``known_at`` (None: everything
    recorded), from its SQL index."""
    from orgevents.projections.reader import Reader
    from orgevents.store import open_store

    reader = Reader(open_store(_ctx.store_url))
    return reader.view(_recorded_time(known_at), include_planned)


def _recorded_time(text: str | None) -> dt.datetime | dt.date | None:
    """``--known-at`` takes a date (the end of that day, UTC) or an ISO date and time."""
    if text is None:
        return None
    try:
        if len(text) == 10:
            from orgevents.dates import parse_date

            return parse_date(text)
        moment = dt.datetime.fromisoformat(text)
        return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
    except ValueError:
        raise typer.BadParameter(
            f"{text!r} is not a date (YYYY-MM-DD) or a date and time "
            "(YYYY-MM-DDTHH:MM[:SS][+00:00])",
            param_hint="--known-at",
        ) from None


def _print_json(data: Any) -> None:
    typer.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))


def _table(title: str | None, columns: list[str], rows: list[list[Any]]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=title, title_justify="left", show_lines=False, box=None, pad_edge=False)
    for col in columns:
        table.add_column(col, overflow="fold")
    for row in rows:
        table.add_row(*["" if v is None else str(v) for v in row])
    width = shutil.get_terminal_size((120, 40)).columns
    Console(width=max(width, 120), soft_wrap=False).print(table)


# --- writing -------------------------------------------------------------------------------


@app.command()
def load(
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
    """Append events from load files: validated, all or nothing, idempotent.

    Example: orgevents load changes-2026.yaml
    """
    from orgevents.importing import example_files, load_paths
    from orgevents.store import open_store

    files = list(paths or [])
    if example:
        files = example_files(example) + files
    if not files:
        raise typer.BadParameter("give at least one file or --example copenhagen")
    from orgevents.projections.reader import Reader

    who = recorded_by or getpass.getuser()
    store = open_store(_ctx.store_url)
    Reader(store)  # keeps the store's SQL index with what the load appends
    result = load_paths(store, files, who)
    if as_json:
        _print_json({"appended": len(result.appended), "skipped": len(result.skipped)})
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

    _print_json(load_file_schema())


# --- reading -------------------------------------------------------------------------------


@app.command()
def find(
    text: str,
    at: AtOpt = None,
    as_json: JsonOpt = False,
    known_at: KnownAtOpt = None,
    include_planned: PlannedOpt = False,
) -> None:
    """Find units and responsibilities by any name or abbreviation they had or will have, id,
    scope, legal basis, note or quoted source — Danish-aware (æ = ae, ø = oe, å = aa, hyphens
    and case ignored, words stemmed, each word a prefix), best matches first: exact id,
    abbreviation or name; current names; former and future names; scopes, notes and quotes.

    Example: orgevents find erhverv
    """
    from orgevents.projections.textsearch import describe

    found = _view(known_at, include_planned).find(text, _date(at))
    if as_json:
        _print_json([f.model_dump() for f in found])
    else:
        _table(
            None,
            ["id", "type", "name", "abbreviation", "match", "matched"],
            [[f.id, f.type, f.name, f.abbreviation, describe(f), f.matched] for f in found],
        )


@app.command()
def units(
    at: AtOpt = None,
    as_json: JsonOpt = False,
    known_at: KnownAtOpt = None,
    include_planned: PlannedOpt = False,
) -> None:
    """List the units in force on a date, parents first.

    Example: orgevents units --at 2026-01-01
    """
    on = _date(at)
    views = _view(known_at, include_planned).units_at(on)
    if as_json:
        _print_json([v.model_dump() for v in views])
    else:
        _table(
            f"Units on {on}",
            ["id", "name", "abbr", "kind", "parent"],
            [[v.id, v.name, v.abbreviation, v.kind, v.parent] for v in views],
        )


@app.command()
def show(
    id: str,
    at: AtOpt = None,
    as_json: JsonOpt = False,
    known_at: KnownAtOpt = None,
    include_planned: PlannedOpt = False,
) -> None:
    """Show one unit or responsibility as of a date.

    Example: orgevents show biu --at 2026-01-01
    """
    on = _date(at)
    data = _view(known_at, include_planned).show(id, on)
    if as_json:
        _print_json(data)
        return
    if data["type"] == "unit":
        status = "" if data["in_force"] else "  (not in force on this date)"
        abbr = data["abbreviation"] or "-"
        typer.echo(f"{data['name']} [{abbr}] — {data['kind']} ({id}) on {on}{status}")
        typer.echo("  under: " + (" → ".join(c["name"] for c in data["chain"]) or "(top)"))
        if data["former_names"]:
            typer.echo("  also known as: " + "; ".join(data["former_names"]))
        if data["children"]:
            typer.echo("  units: " + ", ".join(data["children"]))
        rows = [[r["role"], r["id"], r["name"]] for r in data["responsibilities"]]
        if rows:
            _table("Responsibilities", ["role", "id", "name"], rows)
        figs = [
            [
                f["summary"],
                f["text"],
                f["sources"][0]["document"] + ": " + f["sources"][0]["locator"],
            ]
            for f in data["figures"]
        ]
        if figs:
            _table("Figures", ["figure", "as the source writes it", "source"], figs)
    else:
        typer.echo(f"{data['name']} ({id}) on {on}")
        typer.echo(f"  scope: {data['scope']}")
        for h in data["holders"]:
            chain = " → ".join(c["name"] for c in h["chain"])
            typer.echo(f"  {h['role']}: {h['unit']['name']} (since {h['since']}) — {chain}")


@app.command()
def who(
    id: str,
    at: AtOpt = None,
    as_json: JsonOpt = False,
    known_at: KnownAtOpt = None,
    include_planned: PlannedOpt = False,
) -> None:
    """Who holds a responsibility on a date: the authority and the performers, with the chain
    up to the council.

    Example: orgevents who stu --at 2025-12-31
    """
    on = _date(at)
    answer = _view(known_at, include_planned).who(id, on)
    if as_json:
        _print_json(answer.model_dump(mode="json"))
        return
    _table(
        f"{answer.responsibility.name} ({id}) on {on}",
        ["role", "unit", "kind", "since", "chain up to the council"],
        [
            [
                h.role,
                h.unit.name,
                h.unit.kind,
                h.since or "",
                " → ".join(c.name for c in h.chain),
            ]
            for h in answer.holders
        ]
        or [["-", "nobody holds it on this date", "", "", ""]],
    )


@app.command()
def diff(
    from_date: Annotated[str, typer.Argument(metavar="D1")],
    to_date: Annotated[str, typer.Argument(metavar="D2")],
    as_json: JsonOpt = False,
    fmt: Annotated[
        str | None,
        typer.Option(
            "--format",
            "-f",
            metavar="svg|png|pdf|dot",
            help="Draw the change diagram instead of listing the changes.",
        ),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="File for the change diagram (format from its name)."),
    ] = None,
    known_at: KnownAtOpt = None,
    include_planned: PlannedOpt = False,
) -> None:
    """Everything effective after D1 up to and including D2; with --format or -o, the change
    diagram: the org chart on D2 with what changed marked.

    Example: orgevents diff 2025-12-31 2026-01-01 --format svg -o changes.svg
    """
    if fmt is not None or out is not None:
        from orgevents.cli_charts import diff_chart

        diff_chart(from_date, to_date, fmt, out, known_at, include_planned)
        return
    start, end = _date(from_date, "D1"), _date(to_date, "D2")
    changes = _view(known_at, include_planned).diff(start, end)
    if as_json:
        _print_json(
            {
                "from": start.isoformat(),
                "to": end.isoformat(),
                "changes": [c.model_dump(mode="json") for c in changes],
            }
        )
        return
    _changes_list(f"Changes effective after {start} up to {end}", changes)


@app.command()
def history(
    id: str,
    as_json: JsonOpt = False,
    known_at: KnownAtOpt = None,
    include_planned: PlannedOpt = False,
) -> None:
    """The audit trail of a unit, responsibility or decision: every event, its sources and
    when it was recorded.

    Example: orgevents history stu
    """
    items = _view(known_at, include_planned).history(id)
    if as_json:
        _print_json([c.model_dump(mode="json") for c in items])
        return
    _changes_list(f"History of {id}", items, recorded=True)


@app.command()
def dates(
    as_json: JsonOpt = False, known_at: KnownAtOpt = None, include_planned: PlannedOpt = False
) -> None:
    """The dates on which anything changes.

    Example: orgevents dates
    """
    found = _view(known_at, include_planned).dates()
    if as_json:
        _print_json([d.isoformat() for d in found])
    else:
        for d in found:
            typer.echo(d.isoformat())


def _changes_list(title: str, changes: list[Any], recorded: bool = False) -> None:
    """Changes as short blocks: the date and what happened, then type, decision and sources."""
    import textwrap

    typer.echo(title)
    if not changes:
        typer.echo("  (nothing)")
    pad = " " * 15
    for c in changes:
        lines = textwrap.wrap(
            c.summary, 100, initial_indent=f"{c.effective:<15}", subsequent_indent=pad
        )
        typer.echo("\n".join(lines))
        typer.echo(pad + c.type + (f", implements decision {c.decision}" if c.decision else ""))
        cited = "; ".join(f"{s.document} ({s.locator})" for s in c.sources)
        label = "sources" if len(c.sources) > 1 else "source"
        typer.echo(
            textwrap.fill(
                f"{label}: {cited}", 100, initial_indent=pad, subsequent_indent=pad + "  "
            )
        )
        if recorded:
            typer.echo(f"{pad}recorded {c.recorded_at:%Y-%m-%d %H:%M} UTC by {c.recorded_by}")


# --- the demo ------------------------------------------------------------------------------


@app.command()
def demo(
    out: Annotated[
        Path, typer.Option("--out", help="Folder for the demo's store (made afresh).")
    ] = Path("orgevents-demo"),
) -> None:
    """Load the Copenhagen dataset into a fresh store, show what changed on 1 January 2026 and
    draw the before, after, changes and responsibility charts (SVG and PNG) into the folder.

    Example: orgevents demo
    """
    from orgevents.importing import example_files, load_paths
    from orgevents.projections.reader import Reader
    from orgevents.store import open_store

    out.mkdir(parents=True, exist_ok=True)
    db = out / "demo.db"
    db.unlink(missing_ok=True)
    store = open_store(f"sqlite:///{db}")
    reader = Reader(store)
    result = load_paths(store, example_files("copenhagen"), "orgevents demo")
    state = reader.view()
    typer.echo(f"Loaded the Copenhagen dataset: {len(result.appended)} events into {db}\n")
    before, after = dt.date(2025, 12, 31), dt.date(2026, 1, 1)
    changes = state.diff(before, after)
    structural = [c for c in changes if c.type != "FiguresRecorded"]
    _changes_list(
        "What changed on 1 January 2026 (orgevents diff 2025-12-31 2026-01-01)", structural
    )
    figures = len(changes) - len(structural)
    typer.echo(f"... and {figures} sets of figures (budgets, savings) took effect that day.\n")
    rows = []
    for resp in ("erhverv", "stu", "uu-vejledning", "udsatteteam-beskaeftigelse"):
        name = state.responsibility_name(resp, after)
        for role in ("authority", "performer"):
            cells = []
            for on in (before, after):
                units = [h.unit.id for h in state.who(resp, on).holders if h.role == role]
                cells.append(", ".join(state.label(u, on) for u in units) or "-")
            rows.append([name if role == "authority" else "", role, *cells])
    _table(
        "Who holds what (orgevents who ID --at DATE)",
        ["responsibility", "role", str(before), str(after)],
        rows,
    )
    from orgevents.diagrams import demo_charts

    charts = demo_charts(state, out / "charts")
    typer.echo(f"\nCharts ({len(charts)} files) in {out / 'charts'}:")
    for path in charts:
        typer.echo(f"  {path}")
    typer.echo(f"\nExplore it: orgevents --store sqlite:///{db} history biu")


def main() -> None:
    try:
        app()
    except OrgEventsError as exc:
        typer.echo(f"error: {exc}", err=True)
        sys.exit(1)


# The other commands live in modules of their own and register themselves on ``app``.
from orgevents import (  # noqa: E402, F401
    cli_audit,
    cli_charts,
    cli_export,
    cli_scale,
    cli_serve,
    cli_verify,
)
