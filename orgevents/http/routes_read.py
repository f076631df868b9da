"""The read endpoints: the CLI's queries as JSON. Each parses its parameters, calls one query and
returns its read model; errors become 4xx in :mod:`orgevents.http.app`."""

from __future__ import annotations

import datetime as dt
import os
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request

from orgevents.http.params import At, From, Key, KnownAt, Planned, To, day_or_today
from orgevents.http.schemas import (
    DiffView,
    ErrorView,
    Health,
    ResponsibilityDetail,
    UnitDetail,
)
from orgevents.http.service import Service
from orgevents.projections.changes import change_dates, diff, history
from orgevents.projections.details import show
from orgevents.projections.holders import who
from orgevents.projections.search import find
from orgevents.projections.structure import units_at
from orgevents.projections.views import ChangeView, FoundView, UnitView, WhoView


def service(request: Request) -> Service:
    svc: Service = request.app.state.service
    return svc


ServiceDep = Annotated[Service, Depends(service)]
NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorView, "description": "No unit or responsibility has that id."}
}

router = APIRouter(prefix="/api", tags=["read"])
health_router = APIRouter(tags=["service"])


@health_router.get("/health", response_model=Health, summary="Is the service up")
def health(request: Request, svc: ServiceDep) -> Health:
    """The service answers and its store can be read (503 when it cannot)."""
    return Health(
        status="ok",
        events=svc.last_position(),
        read_only=request.app.state.settings.read_only,
        worker=os.getpid(),
    )


@router.get("/units", response_model=list[UnitView], summary="Units in force on a date")
def list_units(
    svc: ServiceDep, at: At = None, known_at: KnownAt = None, include_planned: Planned = False
) -> Any:
    """Every unit in force on ``at``, parents first (as `orgevents units --json`)."""
    on = day_or_today(at)
    return svc.read(known_at, include_planned, lambda state: units_at(state, on))


@router.get(
    "/show/{key}",
    response_model=UnitDetail | ResponsibilityDetail,
    responses=NOT_FOUND,
    summary="One unit or responsibility on a date",
)
def show_one(
    key: Key,
    svc: ServiceDep,
    at: At = None,
    known_at: KnownAt = None,
    include_planned: Planned = False,
) -> Any:
    """A unit with its chain, children, responsibilities and figures; or a responsibility with
    its holders (as `orgevents show ID --json`)."""
    on = day_or_today(at)
    return svc.read(known_at, include_planned, lambda state: show(state, key, on))


@router.get(
    "/who/{key}",
    response_model=WhoView,
    responses=NOT_FOUND,
    summary="Who holds a responsibility on a date",
)
def who_holds(
    key: Key,
    svc: ServiceDep,
    at: At = None,
    known_at: KnownAt = None,
    include_planned: Planned = False,
) -> Any:
    """The authority and the performers, each with its chain up to the council (as
    `orgevents who ID --json`)."""
    on = day_or_today(at)
    return svc.read(known_at, include_planned, lambda state: who(state, key, on))


@router.get("/diff", response_model=DiffView, summary="What changed between two dates")
def changes_between(
    svc: ServiceDep,
    start: From,
    end: To,
    known_at: KnownAt = None,
    include_planned: Planned = False,
) -> Any:
    """Everything effective after ``from`` up to and including ``to`` (as
    `orgevents diff D1 D2 --json`)."""
    changes = svc.read(known_at, include_planned, lambda state: diff(state, start, end))
    return DiffView(from_=start, to=end, changes=changes)


@router.get(
    "/history/{key}",
    response_model=list[ChangeView],
    responses=NOT_FOUND,
    summary="The audit trail of a unit, responsibility or decision",
)
def history_of(
    key: Key, svc: ServiceDep, known_at: KnownAt = None, include_planned: Planned = False
) -> Any:
    """Every event about it, in effective order, with its sources and recorded time (as
    `orgevents history ID --json`)."""
    return svc.read(known_at, include_planned, lambda state: history(state, key))


@router.get("/find", response_model=list[FoundView], summary="Find by any name it ever had")
def find_by_name(
    svc: ServiceDep,
    q: Annotated[
        str,
        Query(
            min_length=1,
            max_length=200,
            description="Part of a current or former name or abbreviation (case-insensitive).",
            examples=["erhverv"],
        ),
    ],
    at: At = None,
    known_at: KnownAt = None,
    include_planned: Planned = False,
) -> Any:
    """Units and responsibilities whose current or former name or abbreviation contains ``q``
    (as `orgevents find TEXT --json`, plus the name that matched)."""
    on = day_or_today(at)
    return svc.read(known_at, include_planned, lambda state: find(state, q, on))


@router.get("/dates", response_model=list[dt.date], summary="The dates on which anything changes")
def dates(svc: ServiceDep, known_at: KnownAt = None, include_planned: Planned = False) -> Any:
    """Every effective date with a change, in order (as `orgevents dates --json`)."""
    return svc.read(known_at, include_planned, change_dates)
