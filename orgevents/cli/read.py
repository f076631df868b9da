"""Reading commands: what the organisation looked like on a date, who held what, what changed.

Each asks the store's reader one question (:class:`orgevents.projections.reader.View`) and
prints the answer: tables for people, ``--json`` for programs.
"""

from __future__ import annotations

import datetime as dt
import textwrap
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

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
    cited,
    date_range,
    day,
    known_id,
    print_changes,
    print_json,
    table,
    view,
    vocabulary,
)

if TYPE_CHECKING:
    from orgevents.projections.reader import View


@app.command()
def find(
    ctx: typer.Context,
    text: str,
    at: AtOpt = None,
    as_json: JsonOpt = False,
    csv: CsvOpt = False,
    tsv: TsvOpt = False,
    known_at: KnownAtOpt = None,
    include_planned: PlannedOpt = False,
    root: RootOpt = None,
    depth: DepthOpt = None,
) -> None:
    """Find units and responsibilities by any name or abbreviation they had or will have (a
    unit's official, short and alternative names in every language too: the match says which
    form), id, scope, legal basis, note or quoted source — Danish-aware (æ = ae, ø = oe,
    å = aa, hyphens and case ignored, words stemmed, each word a prefix), best matches first:
    exact id, abbreviation or name; current names; former and future names; scopes, notes and
    quotes.

    Example: orgevents find erhverv --root biu
    """
    from orgevents.projections.textsearch import describe

    on = day(at)
    found = view(ctx, known_at, include_planned).within(root, depth, on).find(text, on)
    if as_json:
        print_json([f.model_dump() for f in found])
    else:
        table(
            None,
            ["id", "type", "name", "abbreviation", "match", "matched"],
            [[f.id, f.type, f.name, f.abbreviation, describe(f), f.matched] for f in found],
        )


@app.command()
def units(
    ctx: typer.Context,
    at: AtOpt = None,
    as_json: JsonOpt = False,
    csv: CsvOpt = False,
    tsv: TsvOpt = False,
    known_at: KnownAtOpt = None,
    include_planned: PlannedOpt = False,
    root: RootOpt = None,
    depth: DepthOpt = None,
) -> None:
    """List the units in force on a date, parents first (all, or one unit's subtree); a unit
    being phased out says so (a phase column); below the table, those in force by an interval,
    open-ended or uncertain date, with that date.

    Example: orgevents units --at 2026-01-01 --root biu --depth 1
    """
    on = day(at)
    state = view(ctx, known_at, include_planned)
    views = state.within(root, depth, on).units_at(on)
    if as_json:
        print_json([v.model_dump() for v in views])
    else:
        kinds = vocabulary(ctx, state)
        phased = any(v.phase for v in views)  # a column only where something is phasing
        table(
            f"Units on {on}",
            ["id", "name", "abbr", "kind", "parent", *(["phase"] if phased else [])],
            [
                [
                    v.id,
                    v.name,
                    v.abbreviation,
                    kinds.label(v.kind),
                    v.parent,
                    *([v.phase.text if v.phase else ""] if phased else []),
                ]
                for v in views
            ],
        )
        echo_counted_lives(state, [v.id for v in views], on)


def echo_counted_lives(state: View, keys: list[str], on: dt.date) -> None:
    """Under a table of units in force: those in force only by the counting rule (their life
    began on an interval, open-ended or uncertain date), each with that date."""
    found = state.counted_starts(keys, on)
    for key in keys:
        if key in found:
            typer.echo(f"  {key}: in force from {found[key]}")


@app.command()
def show(
    ctx: typer.Context,
    id: str,
    at: AtOpt = None,
    as_json: JsonOpt = False,
    known_at: KnownAtOpt = None,
    include_planned: PlannedOpt = False,
) -> None:
    """Show one unit or responsibility as of a date — a unit with its other names (official,
    short, abbreviation, alternative; per language), each with its validity; what is being phased
    out, from when until when — or a decision (what it decided, the changes that implement it,
    its sources) or a document (where it is, everything that cites it); sources with a web
    address show it.

    Example: orgevents show biu --at 2026-01-01
    """
    on = day(at)
    state = view(ctx, known_at, include_planned)
    id = known_id(state, id)
    data = state.show(id, on)
    if as_json:
        print_json(data)
        return
    if data["type"] in ("decision", "document"):
        show_provenance(data)
    elif data["type"] == "unit":
        status = "" if data["in_force"] else "  (not in force on this date)"
        abbr = data["abbreviation"] or "-"
        kind = vocabulary(ctx, state).label(data["kind"])
        typer.echo(f"{data['name']} [{abbr}] — {kind} ({id}) on {on}{status}")
        if data.get("phase"):
            typer.echo(f"  {data['phase']['text']}")
        typer.echo("  under: " + (" → ".join(c["name"] for c in data["chain"]) or "(top)"))
        if data["former_names"]:
            typer.echo("  also known as: " + "; ".join(data["former_names"]))
        if data["planned_end"]:
            typer.echo(f"  planned to end: {data['planned_end']}")
        echo_lives(data["lives"])
        if data["names"]:
            from orgevents.projections.vocabulary import store_language

            home = store_language(state)
            iso = on.isoformat()
            names = [
                [
                    n["form"],
                    n["language"] or home,
                    n["name"],
                    n["from"],
                    n["until"] or "",
                    "yes" if n["from_date"] <= iso < (n["until_date"] or "9") else "",
                ]
                for n in data["names"]
            ]
            columns = ["form", "language", "name", "from", "until", f"on {iso}"]
            table("Other names", columns, names)
        if data["children"]:
            typer.echo("  units: " + ", ".join(data["children"]))
        rows = [[r["role"], r["id"], r["name"]] for r in data["responsibilities"]]
        if rows:
            table("Responsibilities", ["role", "id", "name"], rows)
        figs = [
            [
                f["summary"],
                f["text"],
                f["sources"][0]["document"]
                + ": "
                + f["sources"][0]["locator"]
                + (f" <{f['sources'][0]['url']}>" if f["sources"][0].get("url") else ""),
            ]
            for f in data["figures"]
        ]
        if figs:
            table("Figures", ["figure", "as the source writes it", "source"], figs)
    else:
        status = "" if data["in_force"] else "  (not in force on this date)"
        typer.echo(f"{data['name']} ({id}) on {on}{status}")
        if data.get("phase"):
            typer.echo(f"  {data['phase']['text']}")
        typer.echo(f"  scope: {data['scope']}")
        echo_lives(data["lives"])
        for h in data["holders"]:
            chain = " → ".join(c["name"] for c in h["chain"])
            own = h.get("phase") and h["phase"] != data.get("phase")
            phase = f", {h['phase']['text']}" if own else ""
            typer.echo(f"  {h['role']}: {h['unit']['name']} (since {h['since']}{phase}) — {chain}")


def show_provenance(data: dict[str, Any]) -> None:
    """A decision or a document for people: what it is, its sources or where it is, then the
    changes that implement or cite it."""
    from orgevents.projections.views import ChangeView, SourceView

    def changes(key: str) -> list[ChangeView]:
        return [ChangeView.model_validate(c) for c in data[key]]

    if data["type"] == "decision":
        by = (data["body"] or {}).get("name") or data["body_name"]
        typer.echo(f"{data['title']} ({data['id']}) — {data['kind']} of {data['effective']}")
        if by:
            typer.echo(f"  by: {by}")
        if data["note"]:
            typer.echo(textwrap.fill(f"note: {data['note']}", 100, initial_indent="  ",
                                     subsequent_indent="    "))  # fmt: skip
        for s in data["sources"]:
            typer.echo(f"  source: {cited(SourceView.model_validate(s), links=True)}")
        implementing = changes("implemented_by")
        print_changes(
            f"Implemented by {len(implementing)} change{'s' if len(implementing) != 1 else ''}",
            implementing,
            links=True,
        )
        if data["named_by"]:
            print_changes("Also named by", changes("named_by"), links=True)
        return
    typer.echo(f"{data['title']} ({data['id']}) — document in {data['language']}")
    if data["url"]:
        typer.echo(f"  location: <{data['url']}>")
    else:
        typer.echo(f"  location: {data['location']} (not a web address)")
    if data["published"]:
        typer.echo(f"  published: {data['published']}")
    citing = changes("cited_by")
    title = f"Cited by {len(citing)} entr{'ies' if len(citing) != 1 else 'y'}"
    print_changes(title, citing, links=True)


def echo_lives(lives: list[dict[str, Any]]) -> None:
    """A subject that ended and was established again: its lives, with the names of each; a
    single life whose start or end is dated by the counting rule: that life."""
    from orgevents.dates import counted

    if len(lives) == 1 and any(counted(lives[0][end] or "") for end in ("from", "until")):
        life = lives[0]
        typer.echo(f"  in force: {life['from']} – {life['until'] or ''}".rstrip())
    if len(lives) < 2:
        return
    spans = [f"{life['from']} – {life['until'] or ''}".rstrip() for life in lives]
    typer.echo("  lives: " + ", ".join(spans))
    for span, life in zip(spans, lives, strict=True):
        typer.echo(f"    {span}: " + "; ".join(life["names"]))


@app.command()
def who(
    ctx: typer.Context,
    id: str,
    at: AtOpt = None,
    as_json: JsonOpt = False,
    csv: CsvOpt = False,
    tsv: TsvOpt = False,
    known_at: KnownAtOpt = None,
    include_planned: PlannedOpt = False,
) -> None:
    """Who holds a responsibility on a date: the authority (a committee), the administrative
    authority where one is recorded and the performers, with the chain up to the council; a
    responsibility or role being phased out (or in) says so, from when and complete by when.

    Example: orgevents who stu --at 2025-12-31
    """
    on = day(at)
    state = view(ctx, known_at, include_planned)
    id = known_id(state, id, "responsibility")
    answer = state.who(id, on)
    if as_json:
        print_json(answer.model_dump(mode="json"))
        return
    kinds = vocabulary(ctx, state)
    # a column only where a role is phasing on its own (not with the whole responsibility)
    phased = any(h.phase and h.phase != answer.phase for h in answer.holders)
    whole = f": {answer.phase.text}" if answer.phase else ""
    table(
        f"{answer.responsibility.name} ({id}) on {on}{whole}",
        [
            "role",
            "unit",
            "kind",
            "since",
            *(["phase"] if phased else []),
            "chain up to the council",
        ],
        [
            [
                h.role,
                h.unit.name,
                kinds.label(h.unit.kind),
                h.since or "",
                *([h.phase.text if h.phase and h.phase != answer.phase else ""] if phased else []),
                " → ".join(c.name for c in h.chain),
            ]
            for h in answer.holders
        ]
        or [["-", "nobody holds it on this date", "", "", ""]],
    )


@app.command()
def diff(
    ctx: typer.Context,
    from_date: Annotated[str, typer.Argument(metavar="D1")],
    to_date: Annotated[str, typer.Argument(metavar="D2")],
    as_json: JsonOpt = False,
    csv: CsvOpt = False,
    tsv: TsvOpt = False,
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
    root: RootOpt = None,
    depth: DepthOpt = None,
    types: Annotated[
        list[str] | None,
        typer.Option(
            "--type",
            metavar="TYPE",
            help="Only changes of this type (UnitRenamed, ResponsibilityTransferred, ...); "
            "repeat it or separate types with commas for several.",
        ),
    ] = None,
    decision: Annotated[
        str | None,
        typer.Option("--decision", metavar="ID", help="Only changes that implement this decision."),
    ] = None,
    grep: Annotated[
        str | None,
        typer.Option(
            "--grep",
            metavar="TEXT",
            help="Only changes whose summary, subject, type, decision or sources (document, "
            "locator, quote) hold every word of TEXT, case ignored.",
        ),
    ] = None,
) -> None:
    """Everything effective after D1 up to and including D2; with --format or -o, the change
    diagram: the org chart on D2 with what changed marked. Dates the wrong way round are
    swapped (with a note). --root/--depth: only the changes that involve a unit in that
    subtree on D1 or on D2 (or a responsibility one of them holds then). --type, --decision
    and --grep narrow the list further.

    The text names each changed unit or responsibility with its id, and units whose names
    repeat in the list with their ids and parents: "Subcommittee on Merchant Marine (mm-2,
    under hfa) abolished".

    Example: orgevents diff 2025-12-31 2026-01-01 --root biu --format svg -o changes.svg
    """
    from orgevents.projections.changes import ChangeFilter

    try:
        only = ChangeFilter(
            tuple(t.strip() for given in types or () for t in given.split(",") if t.strip()),
            decision,
            grep,
        )
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--type") from None
    if fmt is not None or out is not None:
        if only:
            raise typer.BadParameter(
                "--type, --decision and --grep narrow the list, not the diagram: "
                "leave out --format and -o, or the filters",
                param_hint="--format",
            )
        from orgevents.cli.charts import diff_chart

        diff_chart(ctx, from_date, to_date, fmt, out, known_at, include_planned, root, depth)
        return
    start, end = date_range(from_date, to_date)
    state = view(ctx, known_at, include_planned)
    if decision is not None:
        known_id(state, decision, "decision")
    changes = only.apply(state.within(root, depth, start, end).diff(start, end, not as_json))
    if as_json:
        print_json(
            {
                "from": start.isoformat(),
                "to": end.isoformat(),
                "changes": [c.model_dump(mode="json") for c in changes],
            }
        )
        return
    part = f" in {root}'s part of the organisation" if root else ""
    part += f" ({depth} level{'s' if depth != 1 else ''} down)" if depth is not None else ""
    part += f", of type {' or '.join(only.types)}" if only.types else ""
    part += f", implementing {decision}" if decision else ""
    part += f", matching {grep!r}" if grep and grep.strip() else ""
    print_changes(
        f"Changes effective after {start} up to {end}{part}",
        changes,
        empty=f"no changes between {start} and {end}"
        + (" (the same day: give an earlier D1)" if start == end else "")
        + (" match" if only else ""),
    )


@app.command()
def history(
    ctx: typer.Context,
    id: str,
    as_json: JsonOpt = False,
    csv: CsvOpt = False,
    tsv: TsvOpt = False,
    known_at: KnownAtOpt = None,
    include_planned: PlannedOpt = False,
) -> None:
    """The audit trail of a unit, responsibility or decision: every event, its sources and
    when it was recorded.

    Example: orgevents history stu
    """
    answers = view(ctx, known_at, include_planned)
    id = known_id(answers, id)
    items = answers.history(id)
    if as_json:
        print_json([c.model_dump(mode="json") for c in items])
        return
    from orgevents.projections.effects import describe_lives

    lives = answers.lives(id)
    title = f"History of {id}"
    if len(lives) > 1:
        title += f" ({len(lives)} lives: {describe_lives(lives)})"
    print_changes(title, items, recorded=True, links=True)


@app.command()
def dates(
    ctx: typer.Context,
    as_json: JsonOpt = False,
    csv: CsvOpt = False,
    tsv: TsvOpt = False,
    known_at: KnownAtOpt = None,
    include_planned: PlannedOpt = False,
    root: RootOpt = None,
    depth: DepthOpt = None,
    at: Annotated[
        str | None,
        typer.Option(
            "--at",
            metavar="YYYY-MM-DD",
            help="With --root/--depth: the date the subtree is taken on [default: today].",
        ),
    ] = None,
) -> None:
    """The dates on which anything changes (in one unit's subtree, with --root/--depth); a
    phased change: its start and its completion.

    Example: orgevents dates --root biu --at 2026-01-01
    """
    found = view(ctx, known_at, include_planned).within(root, depth, day(at)).dates()
    if as_json:
        print_json([d.isoformat() for d in found])
    elif csv or tsv:
        table(None, ["date"], [[d.isoformat()] for d in found])
    else:
        for d in found:
            typer.echo(d.isoformat())


@app.command()
def kinds(
    ctx: typer.Context,
    as_json: JsonOpt = False,
    csv: CsvOpt = False,
    tsv: TsvOpt = False,
    known_at: KnownAtOpt = None,
) -> None:
    """List the kinds of unit the store knows: the default vocabulary and the kinds declared
    with KindDeclared entries (which may also relabel a default kind), by level — each with its
    label in the store's language (or --language), English where it has none.

    Example: orgevents kinds --json
    """
    known = vocabulary(ctx, view(ctx, known_at))
    if as_json:
        print_json(known.table())
        return
    table(
        f"Kinds of unit (labels in {known.language})",
        ["kind", "label", "level", "style", "declared"],
        [
            [
                k["kind"],
                k["label"],
                k["level"],
                " ".join(v for v in k["style"].values()),
                "declared" if k["declared"] else "default",
            ]
            for k in known.table()
        ],
    )
