"""``orgevents demo``: the Copenhagen reorganisation of 1 January 2026 in one command."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer

from orgevents.cli.common import app, print_changes, table


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
    from orgevents.events import Role
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
    print_changes(
        "What changed on 1 January 2026 (orgevents diff 2025-12-31 2026-01-01)", structural
    )
    figures = len(changes) - len(structural)
    typer.echo(f"... and {figures} sets of figures (budgets, savings) took effect that day.\n")
    rows = []
    for resp in ("erhverv", "stu", "uu-vejledning", "udsatteteam-beskaeftigelse"):
        name = state.responsibility_name(resp, after)
        first = True
        for role in Role:
            cells = []
            for on in (before, after):
                units = [h.unit.id for h in state.who(resp, on).holders if h.role == role]
                cells.append(", ".join(state.label(u, on) for u in units) or "-")
            if role is Role.ADMINISTRATIVE and cells == ["-", "-"]:
                continue  # only where the sources name one
            rows.append([name if first else "", role.value, *cells])
            first = False
    table(
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
