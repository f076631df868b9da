"""The read endpoints: the CLI's queries as JSON. Each parses its parameters, calls one query and
returns its read model; errors become 4xx in :mod:`orgevents.http.app`.

Answers are serialised through the declared response model (so the OpenAPI schema is what is
sent) and kept by the service per state (:meth:`Service.answer`): a repeated question to an
unchanged store costs one look at the store's last position and a lookup.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Hashable
from typing import Annotated, Any

import anyio
import anyio.to_thread
from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import TypeAdapter

from orgevents.http.params import (
    At,
    From,
    Key,
    KnownAt,
    Planned,
    ScopeDepth,
    ScopeRoot,
    To,
    day_or_today,
)
from orgevents.http.schemas import (
    DiffView,
    ErrorView,
    Health,
    ResponsibilityDetail,
    UnitDetail,
)
from orgevents.http.service import Service
from orgevents.projections.reader import View
from orgevents.projections.views import ChangeView, FoundView, KindView, UnitView, WhoView


async def service(request: Request) -> Service:
    svc: Service = request.app.state.service
    return svc


ServiceDep = Annotated[Service, Depends(service)]
NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorView, "description": "No unit or responsibility has that id."}
}
UNITS = TypeAdapter(list[UnitView])
DETAIL = TypeAdapter(UnitDetail | ResponsibilityDetail)
WHO = TypeAdapter(WhoView)
DIFF = TypeAdapter(DiffView)
CHANGES = TypeAdapter(list[ChangeView])
FOUND = TypeAdapter(list[FoundView])
DATES = TypeAdapter(list[dt.date])
KINDS = TypeAdapter(list[KindView])

router = APIRouter(prefix="/api", tags=["read"])
health_router = APIRouter(tags=["service"])


async def answer(
    svc: Service,
    known_at: dt.date | dt.datetime | None,
    planned: bool,
    question: Hashable,
    query: Callable[[View], Any],
    model: TypeAdapter[Any],
) -> Response:
    """The query's answer as JSON, through ``model`` — built once per state.

    A kept answer to an unchanged store is sent from the event loop (one cheap look at the
    store's last position); building one — or catching up with new events — runs in a thread.
    """

    def build(state: View) -> bytes:
        return model.dump_json(model.validate_python(query(state)), by_alias=True)

    body = svc.kept_answer(planned, question) if known_at is None else None
    if body is None:
        body = await anyio.to_thread.run_sync(
            svc.answer, known_at, planned, question, build, limiter=svc.builders
        )
    return Response(body, media_type="application/json")


@health_router.get("/health", response_model=Health, summary="Is the service up")
async def health(request: Request, svc: ServiceDep) -> Health:
    """The service answers and its store can be read (503 when it cannot)."""
    return Health(
        status="ok",
        events=svc.last_position(),
        read_only=request.app.state.settings.read_only,
        worker=os.getpid(),
    )


@router.get("/units", response_model=list[UnitView], summary="Units in force on a date")
async def list_units(
    svc: ServiceDep,
    at: At = None,
    known_at: KnownAt = None,
    include_planned: Planned = False,
    root: ScopeRoot = None,
    depth: ScopeDepth = None,
) -> Response:
    """Every unit in force on ``at``, parents first — all, or the subtree of ``root`` down to
    ``depth`` levels (as `orgevents units --json`)."""
    on = day_or_today(at)
    return await answer(
        svc,
        known_at,
        include_planned,
        ("units", on, root, depth),
        lambda s: s.within(root, depth, on).units_at(on),
        UNITS,
    )


@router.get(
    "/show/{key}",
    response_model=UnitDetail | ResponsibilityDetail,
    responses=NOT_FOUND,
    summary="One unit or responsibility on a date",
)
async def show_one(
    key: Key,
    svc: ServiceDep,
    at: At = None,
    known_at: KnownAt = None,
    include_planned: Planned = False,
) -> Response:
    """A unit with its chain, children, responsibilities and figures; or a responsibility with
    its holders (as `orgevents show ID --json`)."""
    on = day_or_today(at)
    return await answer(
        svc, known_at, include_planned, ("show", key, on), lambda s: s.show(key, on), DETAIL
    )


@router.get(
    "/who/{key}",
    response_model=WhoView,
    responses=NOT_FOUND,
    summary="Who holds a responsibility on a date",
)
async def who_holds(
    key: Key,
    svc: ServiceDep,
    at: At = None,
    known_at: KnownAt = None,
    include_planned: Planned = False,
) -> Response:
    """The authority, the administrative authority and the performers, each with its chain up to
    the council (as `orgevents who ID --json`)."""
    on = day_or_today(at)
    return await answer(
        svc, known_at, include_planned, ("who", key, on), lambda s: s.who(key, on), WHO
    )


@router.get("/diff", response_model=DiffView, summary="What changed between two dates")
async def changes_between(
    svc: ServiceDep,
    start: From,
    end: To,
    known_at: KnownAt = None,
    include_planned: Planned = False,
    root: ScopeRoot = None,
    depth: ScopeDepth = None,
) -> Response:
    """Everything effective after ``from`` up to and including ``to`` — with ``root``/``depth``,
    what involves a unit of that subtree on either date (as `orgevents diff D1 D2 --json`)."""

    def query(state: View) -> DiffView:
        scoped = state.within(root, depth, start, end)
        return DiffView(from_=start, to=end, changes=scoped.diff(start, end))

    question = ("diff", start, end, root, depth)
    return await answer(svc, known_at, include_planned, question, query, DIFF)


@router.get(
    "/history/{key}",
    response_model=list[ChangeView],
    responses=NOT_FOUND,
    summary="The audit trail of a unit, responsibility or decision",
)
async def history_of(
    key: Key, svc: ServiceDep, known_at: KnownAt = None, include_planned: Planned = False
) -> Response:
    """Every event about it, in effective order, with its sources and recorded time (as
    `orgevents history ID --json`)."""
    return await answer(
        svc, known_at, include_planned, ("history", key), lambda s: s.history(key), CHANGES
    )


@router.get(
    "/find", response_model=list[FoundView], summary="Find by any name, scope, note or quote"
)
async def find_by_name(
    svc: ServiceDep,
    q: Annotated[
        str,
        Query(
            min_length=1,
            max_length=200,
            description="Words of a name (current, former or future; official, short or "
            "alternative, in any language), abbreviation, id, scope, "
            "legal basis, note or quoted source; Danish-aware (æ = ae, ø = oe, å = aa, hyphens "
            "and case ignored, words stemmed), each word a prefix.",
            examples=["erhverv"],
        ),
    ],
    at: At = None,
    known_at: KnownAt = None,
    include_planned: Planned = False,
    root: ScopeRoot = None,
    depth: ScopeDepth = None,
) -> Response:
    """Units and responsibilities whose texts hold every word of ``q``, best first: exact id,
    abbreviation or name (rank 0); current names (1); former and future names (2); scopes,
    legal bases, notes and quotes (3). ``matched`` is the text, ``field`` what it is, ``when``
    whether a matched name holds on the date (as `orgevents find TEXT --json`)."""
    on = day_or_today(at)
    return await answer(
        svc,
        known_at,
        include_planned,
        ("find", q, on, root, depth),
        lambda s: s.within(root, depth, on).find(q, on),
        FOUND,
    )


@router.get("/dates", response_model=list[dt.date], summary="The dates on which anything changes")
async def dates(
    svc: ServiceDep,
    known_at: KnownAt = None,
    include_planned: Planned = False,
    root: ScopeRoot = None,
    depth: ScopeDepth = None,
    at: At = None,
) -> Response:
    """Every effective date with a change, in order — with ``root``/``depth``, of the changes
    that involve that subtree as it stood on ``at`` (as `orgevents dates --json`)."""
    on = day_or_today(at)
    return await answer(
        svc,
        known_at,
        include_planned,
        ("dates", root, depth, on if root or depth is not None else None),
        lambda s: s.within(root, depth, on).dates(),
        DATES,
    )


@router.get("/kinds", response_model=list[KindView], summary="The kinds of unit")
async def kinds(
    svc: ServiceDep,
    language: Annotated[
        str | None,
        Query(
            pattern=r"^[a-z]{2}$",
            description="Give each kind's label in this language (English where it has none) "
            "[default: the language most of the store's documents are in].",
            examples=["en", "da"],
        ),
    ] = None,
    known_at: KnownAt = None,
) -> Response:
    """The default vocabulary of kinds and the kinds declared in the store, by level, each with
    its labels, level and chart style (as `orgevents kinds --json`)."""
    from orgevents.projections.vocabulary import Vocabulary

    return await answer(
        svc,
        known_at,
        False,
        ("kinds", language),
        lambda s: Vocabulary.of(s, language).table(),
        KINDS,
    )
