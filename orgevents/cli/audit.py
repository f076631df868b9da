"""Audit commands: competing claims and the provenance report."""

from __future__ import annotations

from typing import Annotated

import typer

from orgevents.cli.common import (
    AtOpt,
    CsvOpt,
    DepthOpt,
    JsonOpt,
    KnownAtOpt,
    PlannedOpt,
    RootOpt,
    TsvOpt,
    app,
    date_range,
    day,
    delimited,
    print_json,
    print_rows,
    view,
)


@app.command()
def conflicts(
    ctx: typer.Context,
    as_json: JsonOpt = False,
    csv: CsvOpt = False,
    tsv: TsvOpt = False,
    known_at: KnownAtOpt = None,
    include_planned: PlannedOpt = False,
    root: RootOpt = None,
    depth: DepthOpt = None,
    at: AtOpt = None,
) -> None:
    """Where the sources disagree: every subject and property with competing claims, each value
    with its sources — computed from the stored claims and figures. --root/--depth: only the
    disagreements about a unit in that subtree (as it stood --at) or a responsibility one of
    them holds then (--at: the date of that subtree). --csv/--tsv: one row per claimed value.

    Example: orgevents conflicts --root biu
    """
    from orgevents.projections.claims import conflicts as conflicts_

    found = conflicts_(view(ctx, known_at, include_planned).within(root, depth, day(at)))
    if as_json:
        print_json([c.model_dump(mode="json") for c in found])
        return
    fmt = delimited()
    if fmt:
        rows = [
            [
                c.subject["id"],
                c.subject["name"],
                c.property,
                shown_value(claim.value, claim.approximate),
                "yes" if claim.preferred else "",
                "; ".join(f"{s.document} ({s.locator})" for s in claim.sources),
            ]
            for c in found
            for claim in c.claims
        ]
        print_rows(["id", "name", "property", "value", "preferred", "sources"], rows, fmt)
        return
    typer.echo(f"{len(found)} disagreements between sources")
    for c in found:
        typer.echo(f"\n{c.subject['name']} ({c.subject['id']}) — {c.property}")
        for claim in c.claims:
            cited = "; ".join(f"{s.document} ({s.locator})" for s in claim.sources)
            mark = "  [preferred]" if claim.preferred else ""
            typer.echo(f"  {shown_value(claim.value, claim.approximate)}{mark}\n      {cited}")
        if c.figures_of:
            typer.echo(
                f"  (the same as the figures of {c.figures_of['name']}, {c.figures_of['property']})"
            )


def shown_value(value: object, approximate: bool = False) -> str:
    """A claimed value for people: numbers without a trailing ".0", "ca." kept."""
    text = f"{value:g}" if isinstance(value, float) else str(value)
    return f"ca. {text}" if approximate else text


@app.command()
def audit(
    ctx: typer.Context,
    from_date: Annotated[str, typer.Argument(metavar="D1")],
    to_date: Annotated[str, typer.Argument(metavar="D2")],
    fmt: Annotated[
        str, typer.Option("--format", "-f", metavar="md|json|csv", help="Report format.")
    ] = "md",
    known_at: KnownAtOpt = None,
    include_planned: PlannedOpt = False,
    root: RootOpt = None,
    depth: DepthOpt = None,
) -> None:
    """The provenance report: every change effective from D1 to D2 (both included) with its
    decision, sources and quotes, who recorded it when, and its corrections. --root/--depth:
    only the changes that involve a unit in that subtree on D1 or on D2 (or a responsibility
    one of them holds then).

    Example: orgevents audit 2026-01-01 2026-12-31 --root biu --format md > audit.md
    """
    from orgevents.projections.audit import audit as audit_
    from orgevents.projections.audit import to_csv, to_markdown

    if fmt not in ("md", "json", "csv"):
        raise typer.BadParameter("choose md, json or csv", param_hint="--format")
    start, end = date_range(from_date, to_date)
    items = audit_(view(ctx, known_at, include_planned).within(root, depth, start, end), start, end)
    if fmt == "json":
        print_json({"from": start.isoformat(), "to": end.isoformat(), "changes": items})
    elif fmt == "csv":
        typer.echo(to_csv(items), nl=False)
    else:
        typer.echo(to_markdown(items, start, end), nl=False)
