"""``orgevents verify``: re-compute the tamper-evidence chain over the whole log."""

from __future__ import annotations

from typing import Annotated

import typer

from orgevents.cli.common import JsonOpt, app, open_store, print_json

AnchorOpt = Annotated[
    str | None,
    typer.Option(
        "--anchor",
        metavar="SEQ:HASH",
        help="A head printed by an earlier verify and kept outside the store: also check that "
        "the log still reaches it unchanged (detects events removed from the end).",
    ),
]


@app.command()
def verify(ctx: typer.Context, as_json: JsonOpt = False, anchor: AnchorOpt = None) -> None:
    """Check that no stored event was changed, removed or reordered; exit 1 at the first break.

    Prints the head (SEQ:HASH) of an intact log: keep it elsewhere and pass it back with
    --anchor later to notice events removed from the end.

    Example: orgevents verify
    """
    from orgevents.chain import parse_anchor
    from orgevents.chain import verify as verify_chain

    if anchor is not None:
        try:
            parse_anchor(anchor)
        except ValueError as exc:
            raise typer.BadParameter(str(exc), param_hint="--anchor") from None
    report = verify_chain(open_store(ctx), anchor=anchor)
    if as_json:
        print_json(report.to_dict())
    else:
        typer.echo(report.summary())
    if not report.ok:
        raise typer.Exit(1)
