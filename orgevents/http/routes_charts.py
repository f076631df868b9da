"""Chart images: the org chart, the responsibility graph and the change diagram as SVG, PNG or
DOT, drawn by :mod:`orgevents.diagrams`.

The DOT source is built from the read model (fast); drawing it runs Graphviz in a child process
with a time limit, at most :data:`RENDER_SLOTS` at a time per worker, so one huge chart cannot
hold a worker. Drawn charts are cached by their DOT source. File names are fixed words and dates,
never stored text.
"""

from __future__ import annotations

import hashlib
from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Query, Request, Response, status

from orgevents.http.params import (
    At,
    From,
    KnownAt,
    Planned,
    To,
    day_or_today,
)
from orgevents.http.routes_read import ServiceDep
from orgevents.http.schemas import ErrorView
from orgevents.http.service import Service

Format = Literal["svg", "png", "dot"]
MEDIA_TYPES = {
    "svg": "image/svg+xml",
    "png": "image/png",
    "dot": "text/vnd.graphviz; charset=utf-8",
}
IMAGE_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The chart in the format the path names.",
        "content": {
            "image/svg+xml": {"schema": {"type": "string"}},
            "image/png": {"schema": {"type": "string", "format": "binary"}},
            "text/vnd.graphviz": {"schema": {"type": "string"}},
        },
    },
    404: {"model": ErrorView, "description": "The root unit is not in force on that date."},
    503: {
        "model": ErrorView,
        "description": "Graphviz could not draw the chart in time, or all renderers are busy.",
    },
}
Root = Annotated[
    str | None,
    Query(max_length=200, description="Draw only this unit and what lies below it."),
]
Depth = Annotated[
    int | None, Query(ge=0, le=50, description="Stop this many levels below the top.")
]
MaxUnits = Annotated[
    int,
    Query(
        ge=1,
        le=5000,
        description="Draw at most this many boxes, collapsing whole levels into counts.",
    ),
]
Expand = Annotated[
    list[str] | None,
    Query(
        max_length=200,
        description="Draw the units below these units too, whatever the cut (repeat it, "
        '`expand=a&expand=b`, at most 200); the page\'s "+N below" boxes open this way.',
    ),
]

Language = Annotated[
    str | None,
    Query(
        pattern=r"^[a-z]{2}$",
        description="Name kinds, and units where they have a name in it (their short name "
        "first), in this language [default: the language most of the store's documents are in].",
        examples=["en", "fr"],
    ),
]

router = APIRouter(prefix="/api/charts", tags=["charts"])


@router.get(
    "/org.{fmt}",
    responses=IMAGE_RESPONSES,
    response_class=Response,
    summary="The org chart on a date",
)
def org_chart(
    request: Request,
    fmt: Format,
    svc: ServiceDep,
    at: At = None,
    known_at: KnownAt = None,
    include_planned: Planned = False,
    root: Root = None,
    depth: Depth = None,
    max_units: MaxUnits = 500,
    expand: Expand = None,
    language: Language = None,
) -> Response:
    """Council → committees → administrations → centres → units, with the figures known on
    the date."""
    from orgevents.diagrams.orgchart import org_chart as draw

    on = day_or_today(at)
    source = svc.read(
        known_at,
        include_planned,
        lambda state: draw(
            state,
            on,
            root=root,
            depth=depth,
            max_units=max_units,
            expand=expand or (),
            language=language,
        ),
    )
    return _image(request, svc, source, fmt, f"org-{on.isoformat()}")


@router.get(
    "/responsibilities.{fmt}",
    responses=IMAGE_RESPONSES,
    response_class=Response,
    summary="The responsibility graph on a date",
)
def responsibility_graph(
    request: Request,
    fmt: Format,
    svc: ServiceDep,
    at: At = None,
    known_at: KnownAt = None,
    include_planned: Planned = False,
    root: Root = None,
    depth: Depth = None,
) -> Response:
    """Each responsibility linked to the unit holding the authority and the units performing
    the work; ``root``/``depth``: the responsibilities the units of that subtree hold, with
    every holder of each (as `orgevents graph --root`)."""
    from orgevents.diagrams.responsibilities import responsibility_chart as draw

    on = day_or_today(at)
    source = svc.read(
        known_at, include_planned, lambda state: draw(state, on, root=root, depth=depth)
    )
    return _image(request, svc, source, fmt, f"responsibilities-{on.isoformat()}")


@router.get(
    "/changes.{fmt}",
    responses={
        **IMAGE_RESPONSES,
        422: {"model": ErrorView, "description": "The dates are not in order."},
    },
    response_class=Response,
    summary="The change diagram between two dates",
)
def change_diagram(
    request: Request,
    fmt: Format,
    svc: ServiceDep,
    start: From,
    end: To,
    known_at: KnownAt = None,
    include_planned: Planned = False,
    root: Root = None,
    depth: Depth = None,
    max_units: MaxUnits = 500,
    expand: Expand = None,
    language: Language = None,
) -> Response:
    """The org chart of ``to`` with everything that changed after ``from`` marked."""
    from orgevents.diagrams.changes import change_chart as draw

    if end <= start:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            f"'to' ({end}) must come after 'from' ({start})",
        )
    source = svc.read(
        known_at,
        include_planned,
        lambda state: draw(
            state,
            start,
            end,
            root=root,
            depth=depth,
            max_units=max_units,
            expand=expand or (),
            language=language,
        ),
    )
    return _image(request, svc, source, fmt, f"changes-{start.isoformat()}-{end.isoformat()}")


def _image(request: Request, svc: Service, source: str, fmt: str, name: str) -> Response:
    if fmt == "dot":
        body = source.encode()
    else:
        timeout = request.app.state.settings.render_timeout
        key = (fmt, hashlib.sha256(source.encode()).hexdigest())
        body = svc.cached_chart(key, lambda: _render(svc, source, fmt, timeout))
    return Response(
        body,
        media_type=MEDIA_TYPES[fmt],
        headers={"Content-Disposition": f'inline; filename="{name}.{fmt}"'},
    )


def _render(svc: Service, source: str, fmt: str, timeout: float) -> bytes:
    from orgevents.diagrams.render import render

    if not svc.render_slots.acquire(timeout=timeout):
        raise HTTPException(
            status.HTTP_503_SERVICE_UNAVAILABLE,
            "every renderer of this worker is busy; try again in a moment",
            headers={"Retry-After": "5"},
        )
    try:
        return render(source, fmt, timeout=timeout)
    finally:
        svc.render_slots.release()
