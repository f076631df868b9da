"""What every command shares: the Typer app, the global ``--store`` option, the options used by
many commands (``--at``, ``--known-at``, ``--include-planned``, ``--json``) and the output
helpers. Each command lives in a module of its own in this package (read, write, charts, audit,
export, scale, serve, verify, demo): parse the arguments, ask one question of the reader (or call
one command of the application), print the answer.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import shutil
import sys
import textwrap
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from orgevents.days import parse_day
from orgevents.store import DEFAULT_STORE

if TYPE_CHECKING:
    from orgevents.application import OrgHistory
    from orgevents.projections.reader import Reader, View
    from orgevents.projections.vocabulary import Vocabulary

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
RootOpt = Annotated[
    str | None,
    typer.Option(
        "--root",
        metavar="ID",
        help="Only this unit, the units under it and what they hold, as the organisation stood "
        "on the date(s) asked.",
    ),
]
DepthOpt = Annotated[
    int | None,
    typer.Option(
        "--depth",
        min=0,
        metavar="N",
        help="Only N levels below --root (without --root: below the units at the top).",
    ),
]


def _print_version(value: bool) -> None:
    if value:
        from importlib.metadata import version

        typer.echo(f"orgevents {version('orgevents')}")
        raise typer.Exit()


VersionOpt = Annotated[
    bool,
    typer.Option(
        "--version", callback=_print_version, is_eager=True, help="Print the version and stop."
    ),
]


LanguageOpt = Annotated[
    str | None,
    typer.Option(
        "--language",
        envvar="ORGEVENTS_LANGUAGE",
        metavar="xx",
        help="Name kinds of unit in this language (ISO 639-1: en, da, fr), English where a kind "
        "has no label in it; charts name units in it where they have a name in it "
        "[default: the language most of the store's documents are in].",
        show_default=False,
    ),
]


SigningKeyOpt = Annotated[
    Path | None,
    typer.Option(
        "--signing-key",
        envvar="ORGEVENTS_SIGNING_KEY",
        metavar="FILE",
        help="Ed25519 private key (from `orgevents keys new`), kept outside the store: every "
        "write signs the head it ends at, and refuses to sign on top of one the key did not sign.",
        show_default=False,
    ),
]


@dataclass(frozen=True)
class Globals:
    store: str | None  # the store URL (None: $ORGEVENTS_STORE or the default)
    language: str | None  # the language kinds are named in (None: the store's)
    signing_key: Path | None = None  # the key writes sign their heads with


@app.callback()
def _main(
    ctx: typer.Context,
    store: StoreOpt = None,
    version: VersionOpt = False,
    language: LanguageOpt = None,
    signing_key: SigningKeyOpt = None,
) -> None:
    """orgevents — organisational history as immutable, sourced events, queryable as of any date.

    Example: orgevents load --example copenhagen && orgevents who stu --at 2026-01-01
    """
    if language is not None and not re.fullmatch(r"[a-z]{2}", language):
        raise typer.BadParameter(
            f"{language!r} is not a two-letter language code such as en, da or fr",
            param_hint="--language",
        )
    ctx.obj = Globals(store, language, signing_key)  # for the commands
    _DELIMITED.set(None)  # each command line chooses its own (one process may run several)


def store_url(ctx: typer.Context) -> str | None:
    """The ``--store`` given to the whole command line."""
    found = ctx.find_root().obj
    return found.store if isinstance(found, Globals) else None


def language(ctx: typer.Context) -> str | None:
    """The ``--language`` given to the whole command line (None: the store's)."""
    found = ctx.find_root().obj
    return found.language if isinstance(found, Globals) else None


def vocabulary(ctx: typer.Context, state: View) -> Vocabulary:
    """The kinds ``state`` knows, named in ``--language`` (default: the store's language)."""
    from orgevents.projections.vocabulary import Vocabulary

    return Vocabulary.of(state, language(ctx))


def signing_key(ctx: typer.Context) -> Path | None:
    """The ``--signing-key`` file given to the whole command line (or its variable)."""
    found = ctx.find_root().obj
    return found.signing_key if isinstance(found, Globals) else None


def open_store(ctx: typer.Context) -> OrgHistory:
    """The store's application, for commands that write or check the log; its writes sign their
    heads with ``--signing-key`` when one is given."""
    from orgevents.signing import load_signing_key
    from orgevents.store import open_store as open_

    key = signing_key(ctx)
    return open_(store_url(ctx), signer=load_signing_key(key) if key else None)


def reader(ctx: typer.Context) -> Reader:
    """The store's reader, for commands that only read (opens no application if the index is
    up to date)."""
    from orgevents.projections.reader import Reader

    return Reader.open(store_url(ctx))


def view(ctx: typer.Context, known_at: str | None = None, include_planned: bool = False) -> View:
    """The store as known at ``--known-at`` (None: everything recorded), with or without
    planned changes: what every read command asks."""
    return reader(ctx).view(recorded_time(known_at), include_planned)


def known_id(state: View, key: str, *wanted: str) -> str:
    """``key`` — or, where no subject has it but one has it in lower case, that id (ids are
    lower case: ``show HSAG`` answers for ``hsag``, saying so). An unknown id is an error that
    names the ids spelt most like it; an id of another kind than ``wanted`` (``who biu``: a
    unit, not a responsibility) says what it is and how to ask about it."""
    from orgevents.errors import NotFoundError, WrongKindError

    lower = key.lower()
    if lower != key and state.kind_of(key) is None and state.kind_of(lower) is not None:
        typer.echo(f"(ids are lower case: answering for {lower!r})", err=True)
        key = lower
    kind = state.kind_of(key)
    what = " or ".join(wanted) or "unit, responsibility, decision or document"
    if kind is None:
        raise NotFoundError(key, what, like=state.ids_like(lower))
    if wanted and kind not in wanted:
        raise WrongKindError(
            f"{key!r} is a {kind}, not a {what}: `orgevents show {key}` shows it"
            + (" and what it holds" if kind == "unit" else "")
        )
    return key


def day(text: str | None, name: str = "--at") -> dt.date:
    if text is None:
        return dt.date.today()
    try:
        return parse_day(text)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint=name) from None


def recorded_time(text: str | None) -> dt.datetime | dt.date | None:
    """``--known-at`` takes a date (the end of that day, UTC) or an ISO date and time."""
    if text is None:
        return None
    try:
        if len(text) == 10:
            return parse_day(text)
        moment = dt.datetime.fromisoformat(text)
        return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
    except ValueError:
        raise typer.BadParameter(
            f"{text!r} is not a date (YYYY-MM-DD) or a date and time "
            "(YYYY-MM-DDTHH:MM[:SS][+00:00])",
            param_hint="--known-at",
        ) from None


_DELIMITED: ContextVar[str | None] = ContextVar("delimited", default=None)
"""``"csv"`` or ``"tsv"`` once --csv or --tsv is read (reset for each command line)."""


def _delimited(name: str) -> Any:
    def chosen(value: bool) -> bool:
        if value:
            other = _DELIMITED.get()
            if other and other != name:
                raise typer.BadParameter(
                    f"--{other} and --{name}: give one", param_hint=f"--{name}"
                )
            _DELIMITED.set(name)
        return value

    return chosen


CsvOpt = Annotated[
    bool,
    typer.Option(
        "--csv", callback=_delimited("csv"), help="Print CSV with a header row instead of a table."
    ),
]
TsvOpt = Annotated[
    bool,
    typer.Option(
        "--tsv",
        callback=_delimited("tsv"),
        help="Print tab-separated values with a header row instead of a table.",
    ),
]


def delimited() -> str | None:
    """``"csv"`` or ``"tsv"`` when the command line asked for it, else None."""
    return _DELIMITED.get()


def print_json(data: Any) -> None:
    if delimited():
        raise typer.BadParameter(f"--json and --{delimited()}: give one", param_hint="--json")
    typer.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))


def print_rows(columns: list[str], rows: list[list[Any]], fmt: str) -> None:
    """Rows as CSV or TSV with a header row; a cell a spreadsheet would run as a formula gets a
    leading ``'`` (as the CSV exports do)."""
    import csv

    from orgevents.projections.exports import safe_cell

    dialect = csv.excel_tab if fmt == "tsv" else csv.excel
    out = csv.writer(sys.stdout, dialect=dialect, lineterminator="\n")
    out.writerow(columns)
    out.writerows([["" if v is None else safe_cell(str(v)) for v in row] for row in rows])


def table(title: str | None, columns: list[str], rows: list[list[Any]]) -> None:
    """Rows as a table: wrapped to the terminal's width on a terminal; piped or redirected,
    one line per row, nothing wrapped and no padding to a width (an id stays on its line).
    With --csv or --tsv: those, with a header row and no title."""
    fmt = delimited()
    if fmt:
        print_rows(columns, rows, fmt)
        return
    from rich.console import Console
    from rich.table import Table

    terminal = sys.stdout.isatty()
    shown = Table(title=title, title_justify="left", show_lines=False, box=None, pad_edge=False)
    for col in columns:
        shown.add_column(col, overflow="fold", no_wrap=not terminal)
    for row in rows:
        shown.add_row(*["" if v is None else str(v) for v in row])
    if terminal:
        width = max(shutil.get_terminal_size((120, 40)).columns, 120)
        Console(width=width, soft_wrap=False).print(shown)
        return
    console = Console(width=1_000_000, soft_wrap=False, color_system=None, file=io.StringIO())
    console.print(shown)
    out = console.file.getvalue()  # type: ignore[attr-defined]
    typer.echo("\n".join(line.rstrip() for line in out.splitlines()))


def date_range(from_date: str, to_date: str) -> tuple[dt.date, dt.date]:
    """D1 and D2 of a range; given the wrong way round, swapped — saying so on standard error."""
    start, end = day(from_date, "D1"), day(to_date, "D2")
    if end < start:
        typer.echo(
            f"note: {start} is after {end}: showing the changes from {end} to {start}", err=True
        )
        start, end = end, start
    return start, end


def cited(source: Any, links: bool = False) -> str:
    """A source in one line: document (locator) — with ``links``, its document's web address
    after it, where the document has one that is safe to follow."""
    text = f"{source.document} ({source.locator})"
    return f"{text} <{source.url}>" if links and source.url else text


def print_changes(
    title: str,
    changes: list[Any],
    recorded: bool = False,
    empty: str = "(nothing)",
    links: bool = False,
) -> None:
    """Changes as short blocks: the date and what happened, then type, decision and sources
    — with ``links``, each source with its document's web address (with --csv or --tsv: one
    row per change)."""
    fmt = delimited()
    if fmt:
        columns = ["effective", "date", "event", "type", "subject", "summary", "decision"]
        columns.append("sources")
        rows = [
            [
                c.effective,
                c.effective_date.isoformat(),
                c.event_id,
                c.type,
                "; ".join(f"{k}={v}" for k, v in c.subject.items()),
                c.summary,
                c.decision,
                "; ".join(f"{s.document} ({s.locator})" for s in c.sources),
            ]
            + ([f"{c.recorded_at:%Y-%m-%dT%H:%M:%S%z}", c.recorded_by] if recorded else [])
            for c in changes
        ]
        print_rows(columns + (["recorded_at", "recorded_by"] if recorded else []), rows, fmt)
        return
    typer.echo(title)
    if not changes:
        typer.echo(f"  {empty}")
    pad = " " * 15
    for c in changes:
        when = f"{c.effective:<15}"
        # "expected 2027-01-01" would run into the summary: it gets a line of its own
        if len(str(c.effective)) > 14:
            typer.echo(str(c.effective))
            when = pad
        lines = textwrap.wrap(c.summary, 100, initial_indent=when, subsequent_indent=pad)
        typer.echo("\n".join(lines))
        typer.echo(pad + c.type + (f", implements decision {c.decision}" if c.decision else ""))
        label = "sources" if len(c.sources) > 1 else "source"
        typer.echo(
            textwrap.fill(
                f"{label}: " + "; ".join(cited(s, links) for s in c.sources),
                100,
                initial_indent=pad,
                subsequent_indent=pad + "  ",
                break_long_words=not links,  # an address stays whole, to be clicked
                break_on_hyphens=not links,
            )
        )
        if recorded:
            typer.echo(f"{pad}recorded {c.recorded_at:%Y-%m-%d %H:%M} UTC by {c.recorded_by}")


@contextmanager
def rate_bar(total: int | None, wanted: bool) -> Iterator[Callable[[int, int], None]]:
    """A progress bar on standard error for a long load (``wanted``), on a terminal only:
    ``update(done, appended)`` with ``done`` counting towards ``total`` (bytes read, entries
    checked; ``total`` None: not known, the bar only shows that it goes on); it shows the events
    appended so far and their rate. Where no bar is drawn, ``update`` does nothing."""
    from rich.console import Console

    console = Console(stderr=True)
    if not wanted or not console.is_terminal:
        yield lambda _done, _appended: None
        return
    from rich.progress import (
        BarColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    started = time.perf_counter()
    bar = Progress(
        TextColumn("loading"),
        BarColumn(),
        TextColumn(
            "{task.fields[appended]} events"
            if total is None  # no share of a whole to show
            else "{task.percentage:>3.0f}%  {task.fields[appended]} events"
        ),
        TextColumn("{task.fields[rate]} events/s"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        transient=True,
        console=console,
    )
    task = bar.add_task("load", total=total, appended=0, rate=0)

    def update(done: int, appended: int) -> None:
        rate = appended / max(time.perf_counter() - started, 1e-9)
        bar.update(task, completed=done, appended=appended, rate=f"{rate:,.0f}")

    with bar:
        yield update
