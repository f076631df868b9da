"""The response shapes the projections' read models do not already give, for the OpenAPI schema:
one unit or responsibility in detail, a diff, a write's result, errors."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from orgevents.projections.views import (
    ChangeView,
    FigureView,
    HolderView,
    PhaseView,
    UnitRef,
)


class _Open(BaseModel):
    """Keys the projection adds later pass through (the CLI contract: other keys may be added)."""

    model_config = ConfigDict(extra="allow")


class Life(_Open):
    """One life of a unit or responsibility: it may end and be established again under its id."""

    from_: str = Field(alias="from", description="The effective date it started, as written.")
    until: str | None = Field(description="The effective date it ended (null: in force).")
    names: list[str] = Field(description="The names it had in this life, in order.")


class HeldResponsibility(_Open):
    id: str
    name: str
    role: str = Field(description="authority, administrative or performer")


class UnitDetail(_Open):
    id: str
    type: Literal["unit"]
    at: dt.date
    in_force: bool
    name: str
    abbreviation: str | None
    kind: str
    parent: str | None
    chain: list[UnitRef] = Field(description="The parent, its parent, ... up to the council.")
    children: list[str]
    responsibilities: list[HeldResponsibility]
    figures: list[FigureView]
    planned_end: str | None = None
    phase: PhaseView | None = Field(None, description="The unit is being phased out.")
    former_names: list[str] = []
    lives: list[Life] = Field(
        default=[], description="Its lives in date order (more than one: re-established)."
    )


class ResponsibilityDetail(_Open):
    id: str
    type: Literal["responsibility"]
    at: dt.date
    in_force: bool
    name: str
    abbreviation: str | None
    scope: str
    legal_basis: str | None
    holders: list[HolderView]
    phase: PhaseView | None = Field(None, description="The responsibility is being phased out.")
    lives: list[Life] = Field(
        default=[], description="Its lives in date order (more than one: defined again)."
    )


class DiffView(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    from_: dt.date = Field(alias="from")
    to: dt.date
    changes: list[ChangeView]


class RecordedView(BaseModel):
    appended: int = Field(description="Entries appended now.")
    skipped: int = Field(description="Entries recorded before (same key, same content).")
    appended_keys: list[str]
    skipped_keys: list[str]
    recorded_by: str = Field(description="Who the events are recorded as: the token's name.")


class Health(BaseModel):
    status: Literal["ok"]
    events: int = Field(description="The number of the last event in the store.")
    read_only: bool = Field(description="True when the server refuses writes (no token set).")
    worker: int = Field(description="The process id of the worker that answered.")


class ErrorView(BaseModel):
    detail: str


class ProblemView(BaseModel):
    file: str | None
    index: int | None
    line: int | None
    key: str | None
    field: str | None
    rule: str
    message: str


class InvalidView(BaseModel):
    detail: str
    problems: list[ProblemView]
