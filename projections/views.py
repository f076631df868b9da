"""Read models: the plain values queries return (and the CLI and HTTP API print as JSON)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, ConfigDict


class _View(BaseModel):
    model_config = ConfigDict(frozen=True)


class UnitRef(_View):
    id: str
    name: str
    kind: str


class UnitView(_View):
    id: str
    name: str
    abbreviation: str | None
    kind: str
    parent: str | None


class SourceView(_View):
    document: str
    locator: str
    quote: str | None = None
    title: str | None = None


class FigureView(_View):
    summary: str
    metric: str
    value: float
    approximate: bool
    year: int | None
    per_year: bool
    price_level: str | None
    steering_area: str | None
    text: str | None
    note: str | None
    effective: str
    sources: list[SourceView]


class HolderView(_View):
    role: str
    unit: UnitRef
    chain: list[UnitRef]
    since: str | None = None
    expected: bool = False


class ResponsibilityRef(_View):
    id: str
    name: str


class WhoView(_View):
    responsibility: ResponsibilityRef
    at: dt.date
    holders: list[HolderView]


class FoundView(_View):
    id: str
    type: str
    name: str
    abbreviation: str | None
    matched: str


class ChangeView(_View):
    event_id: str
    type: str
    subject: dict[str, str]
    effective: str
    effective_date: dt.date
    effective_precision: str
    effective_qualifier: str
    summary: str
    recorded_at: dt.datetime
    recorded_by: str
    decision: str | None
    sources: list[SourceView]
    details: dict[str, Any]
    # what the change does, from projections.effects: the subject's kind, then starts, ends,
    # renames, moves, figures, holds, releases (or "amends")
    meaning: list[str] = []
