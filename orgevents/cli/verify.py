"""``orgevents verify``: re-compute the tamper-evidence chain over the whole log, and check the
heads signed with a key kept outside the store; ``orgevents keys``: make that key, sign a head."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from orgevents.cli.common import JsonOpt, app, open_store, print_json, signing_key

AnchorOpt = Annotated[
    str | None,
    typer.Option(
        "--anchor",
        metavar="SEQ:HASH",
        help="A head printed by an earlier verify and kept outside the store: also check that "
        "the log still reaches it unchanged (detects events removed from the end).",
    ),
]
PublicKeyOpt = Annotated[
    Path | None,
    typer.Option(
        "--public-key",
        envvar="ORGEVENTS_PUBLIC_KEY",
        metavar="FILE",
        help="The public key of the signing key (NAME.pub.pem from `keys new`): also require the "
        "log's last event to be a head signed by it [default: that of --signing-key, if given].",
        show_default=False,
    ),
]
CheckpointOpt = Annotated[
    Path | None,
    typer.Option(
        "--checkpoint",
        metavar="FILE",
        help="A signed checkpoint kept outside the store (from --save-checkpoint or "
        "GET /api/checkpoint): check its signature with --public-key, then that the log still "
        "reaches it unchanged.",
    ),
]
SaveOpt = Annotated[
    Path | None,
    typer.Option(
        "--save-checkpoint",
        metavar="FILE",
        help="After a successful check with --public-key, write the signed head to FILE, to keep "
        "away from the store.",
    ),
]


@app.command()
def verify(
    ctx: typer.Context,
    as_json: JsonOpt = False,
    anchor: AnchorOpt = None,
    public_key: PublicKeyOpt = None,
    checkpoint: CheckpointOpt = None,
    save_checkpoint: SaveOpt = None,
) -> None:
    """Check that no stored event was changed, removed or reordered; exit 1 at the first break.

    Prints the head (SEQ:HASH) of an intact log: keep it elsewhere and pass it back with
    --anchor later to notice events removed from the end. With --public-key, the log's last
    event must also be a head signed by the key (so an event appended by anyone without the key
    is caught); --save-checkpoint keeps that signed head in a file and --checkpoint checks it.

    Example: orgevents verify --public-key key.pub.pem --checkpoint kept.json
    """
    from orgevents.chain import parse_anchor
    from orgevents.chain import verify as verify_chain
    from orgevents.signing import (
        SignedHead,
        checkpoint_json,
        load_public_key,
        load_signing_key,
        read_checkpoint,
    )

    if anchor is not None and checkpoint is not None:
        raise typer.BadParameter("give --anchor or --checkpoint, not both", param_hint="--anchor")
    if anchor is not None:
        try:
            parse_anchor(anchor)
        except ValueError as exc:
            raise typer.BadParameter(str(exc), param_hint="--anchor") from None
    key_file = signing_key(ctx)
    public = (
        load_public_key(public_key)
        if public_key
        else load_signing_key(key_file).public
        if key_file
        else None
    )
    if public is None and (checkpoint is not None or save_checkpoint is not None):
        raise typer.BadParameter(
            "a checkpoint is checked and saved with the signing key's public key: give "
            "--public-key FILE",
            param_hint="--public-key",
        )
    if checkpoint is not None:
        assert public is not None
        kept = read_checkpoint(checkpoint, public)
        anchor = f"{kept.seq}:{kept.hash}"
    store = open_store(ctx)
    report = verify_chain(store, anchor=anchor, public_key=public)
    if as_json:
        print_json(report.to_dict())
    else:
        typer.echo(report.summary())
    if not report.ok:
        raise typer.Exit(1)
    if save_checkpoint is not None and public is not None and report.head is not None:
        heads: list[SignedHead] = store.recorder.select_signed_heads(  # type: ignore[attr-defined]
            public.key_id
        )
        save_checkpoint.write_text(checkpoint_json(heads[-1]))
        typer.echo(f"checkpoint of head {heads[-1].seq} written to {save_checkpoint}", err=True)


keys = typer.Typer(
    help="The Ed25519 key that signs the chain's heads (kept outside the store).",
    no_args_is_help=True,
)
app.add_typer(keys, name="keys")


@keys.command("new")
def keys_new(
    out: Annotated[
        Path, typer.Option("--out", metavar="FILE", help="Where to write the private key.")
    ],
) -> None:
    """Make a signing key: the private key in FILE (readable by you only) and the public key in
    FILE's name with .pub.pem — give that one to whoever checks the store.

    Example: orgevents keys new --out /etc/orgevents/signing.pem
    """
    from orgevents.signing import new_key

    signer, public_path = new_key(out)
    typer.echo(f"key {signer.key_id}: private key {out}, public key {public_path}")


@keys.command("sign-head")
def keys_sign_head(ctx: typer.Context) -> None:
    """Sign the head of a store written without a key (once, before its first signed write):
    the whole chain is checked first, and nothing is signed if it is broken.

    Example: orgevents --signing-key signing.pem keys sign-head
    """
    from orgevents.chain import verify as verify_chain
    from orgevents.signing import load_signing_key

    key_file = signing_key(ctx)
    if key_file is None:
        raise typer.BadParameter(
            "give the key to sign with: orgevents --signing-key FILE keys sign-head",
            param_hint="--signing-key",
        )
    signer = load_signing_key(key_file)
    store = open_store(ctx)
    report = verify_chain(store)
    if not report.ok or report.head is None:
        typer.echo(report.summary())
        typer.echo("nothing signed", err=True)
        raise typer.Exit(1)
    head = report.head
    store.recorder.sign_head(signer, (head.seq, head.hash))  # type: ignore[attr-defined]
    typer.echo(f"signed head {head.anchor} with key {signer.key_id}")
