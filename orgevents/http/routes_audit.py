"""The audit endpoints: competing claims, the provenance report, the chain check and exports —
the same as `orgevents conflicts`, `audit`, `verify` and `export`."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Annotated, Any, Literal

import anyio.to_thread
from fastapi import APIRouter, HTTPException, Query, Response
from pydantic import TypeAdapter

from orgevents.http.params import At, Day, KnownAt, Planned, ScopeDepth, ScopeRoot, day_or_today
from orgevents.http.routes_read import ServiceDep, answer
from orgevents.projections.claims import ConflictView, conflicts

if TYPE_CHECKING:
    from orgevents.projections.reader import View

router = APIRouter(prefix="/api", tags=["audit"])
First = Annotated[
    Day, Query(alias="from", description="First effective date (YYYY-MM-DD), included.")
]
Last = Annotated[Day, Query(alias="to", description="Last effective date (YYYY-MM-DD), included.")]
CONFLICTS = TypeAdapter(list[ConflictView])
ANY = TypeAdapter(Any)


@router.get("/conflicts", response_model=list[ConflictView], summary="Where sources disagree")
async def list_conflicts(
    svc: ServiceDep,
    known_at: KnownAt = None,
    include_planned: Planned = False,
    root: ScopeRoot = None,
    depth: ScopeDepth = None,
    at: At = None,
) -> Response:
    """Every subject and property with competing claims, each value with its sources —
    computed from the stored claims and figures (as `orgevents conflicts --json`); ``root``/
    ``depth``: only those about that subtree as it stood ``at`` (default today) or a
    responsibility its units hold then."""
    if root is None and depth is None:
        return await answer(svc, known_at, include_planned, ("conflicts",), conflicts, CONFLICTS)
    on = day_or_today(at)
    return await answer(
        svc,
        known_at,
        include_planned,
        ("conflicts", root, depth, on),
        lambda s: conflicts(s.within(root, depth, on)),
        CONFLICTS,
    )


@router.get(
    "/audit",
    summary="Provenance report for a date range",
    responses={
        200: {
            "description": "JSON (default), Markdown or CSV",
            "content": {"text/markdown": {}, "text/csv": {}},
        },
        422: {"description": "Dates out of order or not dates."},
    },
)
async def audit_report(
    svc: ServiceDep,
    start: First,
    end: Last,
    format: Annotated[Literal["json", "md", "csv"], Query(description="Report format.")] = "json",
    known_at: KnownAt = None,
    include_planned: Planned = False,
    root: ScopeRoot = None,
    depth: ScopeDepth = None,
) -> Response:
    """Every change effective from ``from`` to ``to`` (both included) with its decision, sources
    and quotes, who recorded it when, and its corrections — with ``root``/``depth``, those that
    involve a unit of that subtree on either date (as `orgevents audit`)."""
    from orgevents.projections.audit import audit, to_csv, to_markdown

    if start > end:
        raise HTTPException(422, f"'from' ({start}) is after 'to' ({end})")

    def report(state: View) -> list[dict[str, Any]]:
        return audit(state.within(root, depth, start, end), start, end)

    items = await anyio.to_thread.run_sync(svc.read, known_at, include_planned, report)
    if format == "md":
        return Response(to_markdown(items, start, end), media_type="text/markdown; charset=utf-8")
    if format == "csv":
        return Response(to_csv(items), media_type="text/csv; charset=utf-8")
    body = {"from": start.isoformat(), "to": end.isoformat(), "changes": items}
    return Response(
        json.dumps(body, ensure_ascii=False, default=str), media_type="application/json"
    )


@router.get(
    "/verify",
    summary="Check the tamper-evident chain of the whole log",
    responses={
        409: {"description": "The chain is broken: the first broken link."},
        422: {"description": "The anchor is not SEQ:HASH."},
    },
)
async def verify_chain(
    svc: ServiceDep,
    anchor: Annotated[
        str | None, Query(description="A head printed earlier, SEQ:HASH, to check against.")
    ] = None,
) -> Response:
    """Recompute the hash chain over every stored event (as `orgevents verify --json`); 200 with
    `ok: true` when intact, 409 with the first broken link when not."""
    from orgevents.chain import verify

    try:
        report = await anyio.to_thread.run_sync(lambda: verify(svc.store, anchor=anchor))
    except ValueError as exc:
        raise HTTPException(422, str(exc)) from None
    status = 200 if report.ok else 409
    return Response(
        json.dumps(report.to_dict(), ensure_ascii=False, default=str),
        status_code=status,
        media_type="application/json",
    )


@router.get(
    "/export/{fmt}",
    summary="Export the state on a date and the change history",
    responses={
        200: {
            "description": "GraphML, JSON-LD or one CSV table",
            "content": {"application/graphml+xml": {}, "application/ld+json": {}, "text/csv": {}},
        }
    },
)
async def export(
    svc: ServiceDep,
    fmt: Literal["graphml", "jsonld", "csv"],
    at: At = None,
    table: Annotated[
        Literal["units", "responsibilities", "changes"],
        Query(description="The CSV table to send."),
    ] = "units",
    known_at: KnownAt = None,
    include_planned: Planned = False,
    root: ScopeRoot = None,
    depth: ScopeDepth = None,
) -> Response:
    """As `orgevents export`: the units and responsibilities as of ``at`` (with ``root``/
    ``depth``: of that subtree, and the changes that involve it) and the whole change
    history — GraphML (org and responsibility graphs in one), JSON-LD (W3C Organization
    Ontology and PROV-O), or one CSV table (``table``)."""
    from orgevents.projections.exports import csv_table, graphml, jsonld

    on = day_or_today(at)

    def build(whole: View) -> tuple[bytes, str]:
        view = whole.within(root, depth, on)
        if fmt == "graphml":
            return graphml(view, on, known_at=known_at), "application/graphml+xml"
        if fmt == "jsonld":
            doc = jsonld(view, on, known_at=known_at)
            return json.dumps(doc, ensure_ascii=False).encode(), "application/ld+json"
        return csv_table(view, on, table).csv().encode(), "text/csv; charset=utf-8"

    body, media = await anyio.to_thread.run_sync(svc.read, known_at, include_planned, build)
    return Response(body, media_type=media)
