"""Writing: ``POST /api/entries`` with a body in the load-file format (YAML or JSON).

The same rules as ``orgevents load``: validated, all or nothing, idempotent (entries recorded
before are skipped). Who recorded the events is the name of the bearer token, never something in
the body. Checks, in order: the token (403 read-only / 401 / 403), the media type (415), the
size (413), then the entries (422 with located problems), then the store (409 on a conflict).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Request, Response, status
from starlette.concurrency import run_in_threadpool

from orgevents.http.routes_read import ServiceDep
from orgevents.http.schemas import ErrorView, InvalidView, RecordedView
from orgevents.http.security import recorder_for
from orgevents.importing import Located, parse_bytes
from orgevents.reading import InputTooLargeError

JSON_TYPES = ("application/json",)
YAML_TYPES = ("application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml", "text/plain")

router = APIRouter(prefix="/api", tags=["write"])


def request_body_schema() -> dict[str, Any]:
    """The OpenAPI request body of ``POST /api/entries``: the load-file JSON Schema."""
    from orgevents.load_schema import load_file_schema

    schema = load_file_schema()
    example = {
        "format": "orgevents/1",
        "entries": [
            {
                "type": "UnitRenamed",
                "key": "example.rename",
                "unit": "biu",
                "name": "Beskæftigelses-, Integrations- og Erhvervsudvalget",
                "effective": "2026-01-01",
                "sources": [{"document": "notat", "locator": "En mere samlet erhvervsindsats"}],
            }
        ],
    }
    return {
        "required": True,
        "description": "A load file: `{format: orgevents/1, entries: [...]}`, as YAML or JSON.",
        "content": {
            "application/json": {"schema": schema, "example": example},
            "application/yaml": {"schema": schema},
        },
    }


@router.post(
    "/entries",
    status_code=status.HTTP_201_CREATED,
    response_model=RecordedView,
    summary="Record entries (YAML or JSON load file)",
    responses={
        200: {"model": RecordedView, "description": "Every entry was recorded before."},
        201: {"description": "Entries appended (the rest were recorded before)."},
        401: {"model": ErrorView, "description": "No bearer token."},
        403: {"model": ErrorView, "description": "Wrong token, or the server is read-only."},
        409: {"model": ErrorView, "description": "Another writer changed the same subjects."},
        413: {"model": ErrorView, "description": "The body is larger than the server accepts."},
        415: {"model": ErrorView, "description": "Neither JSON nor YAML."},
        422: {"model": InvalidView, "description": "Invalid entries; nothing was written."},
        503: {"model": ErrorView, "description": "The store cannot be reached."},
    },
)
async def record_entries(request: Request, response: Response, svc: ServiceDep) -> RecordedView:
    """Append the entries of a load file: all or nothing, idempotent. Needs
    `Authorization: Bearer TOKEN`; the events are recorded as the token's name."""
    settings = request.app.state.settings
    recorded_by = recorder_for(request, settings.tokens)
    name = _file_name(request.headers.get("content-type"))
    body = await _read_body(request, settings.max_body)
    located = await run_in_threadpool(_parse, body, name)
    result = await run_in_threadpool(svc.record, located, recorded_by)
    if not result.appended:
        response.status_code = status.HTTP_200_OK
    return RecordedView(
        appended=len(result.appended),
        skipped=len(result.skipped),
        appended_keys=result.appended,
        skipped_keys=result.skipped,
        recorded_by=recorded_by,
    )


def _file_name(content_type: str | None) -> str:
    """The name the entries are located in (``request.json`` or ``request.yaml``)."""
    media = (content_type or "").split(";")[0].strip().lower()
    if media in JSON_TYPES or media.endswith("+json"):
        return "request.json"
    if not media or media in YAML_TYPES or media.endswith("+yaml"):
        return "request.yaml"
    raise HTTPException(
        status.HTTP_415_UNSUPPORTED_MEDIA_TYPE,
        f"send the entries as application/json or application/yaml, not {media}",
    )


async def _read_body(request: Request, limit: int) -> bytes:
    too_large = HTTPException(
        status.HTTP_413_CONTENT_TOO_LARGE,
        f"the body is larger than {limit} bytes; split the load into several requests",
    )
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise too_large
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise too_large
        chunks.append(chunk)
    return b"".join(chunks)


def _parse(body: bytes, name: str) -> list[Located]:
    """Entries from the body, or InvalidEntryError naming what is wrong and where; 413 for YAML
    whose aliases would expand it too far."""
    try:
        return parse_bytes(body, name)
    except InputTooLargeError as exc:
        raise HTTPException(
            status.HTTP_413_CONTENT_TOO_LARGE, f"{name}: {exc.problems[0].message}"
        ) from None
