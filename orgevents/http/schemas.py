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
    SourceView,
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


class DecisionDetail(_Open):
    """A decision: what it decided, the changes that implement it, its sources."""

    id: str
    type: Literal["decision"]
    at: dt.date
    title: str
    kind: str = Field(description="agreement, decision, approval, hearing, legislation, ...")
    effective: str = Field(description="The date of the decision, as precisely as known.")
    effective_date: dt.date
    body: UnitRef | None = Field(description="The unit that decided, where it is recorded.")
    body_name: str | None = Field(description="A deciding body outside the dataset.")
    note: str | None
    sources: list[SourceView]
    implemented_by: list[ChangeView] = Field(
        description="The changes that name it as their decision, in effective order."
    )
    named_by: list[ChangeView] = Field(
        description="Other entries that name it (claims about it, corrections)."
    )


class DocumentDetail(_Open):
    """A source document: where it is and everything that cites it."""

    id: str
    type: Literal["document"]
    at: dt.date
    title: str
    location: str = Field(description="Where it is, as registered: a file name or an address.")
    url: str | None = Field(description="The location when it is a web address safe to link.")
    language: str
    published: str | None
    note: str | None
    cited_by: list[ChangeView] = Field(
        description="Every entry that cites it (changes, decisions, claims), in effective order."
    )


class DecisionCount(BaseModel):
    id: str
    title: str | None
    count: int


class DiffView(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    from_: dt.date = Field(alias="from")
    to: dt.date
    changes: list[ChangeView]
    total: int | None = Field(
        None,
        description="How many changes match the filters (the list holds those from ``offset``, "
        "at most ``limit``); null when no filter or page was asked.",
    )
    offset: int = 0
    types: dict[str, int] | None = Field(
        None,
        description="With a filter or page: how many changes in the range (and part of the "
        "organisation) are of each type — the choices of the type filter.",
    )
    decisions: list[DecisionCount] | None = Field(
        None,
        description="With a filter or page: the decisions the changes in the range implement, "
        "each with how many — the choices of the decision filter.",
    )


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
