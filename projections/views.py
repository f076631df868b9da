"""Read models: the plain values queries return (and the CLI and HTTP API print as JSON)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any, NamedTuple

from pydantic import BaseModel, ConfigDict, Field


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
    role: str = Field(
        description="authority (the committee), administrative (the administration holding the "
        "formal administrative authority, myndighedsansvar) or performer (does the work)"
    )
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
    """A unit or responsibility ``find`` found, with its name and abbreviation on the date."""

    id: str
    type: str
    name: str
    abbreviation: str | None
    matched: str = Field(description="The text that matched (a long one cut around the match).")
    field: str = Field(
        "name",
        description="What matched: name, abbreviation, official_name, short_name, "
        "alternative_name (a unit's other names, by form), id, scope, legal_basis, note or quote.",
    )
    when: str | None = Field(
        None,
        description="For a name or abbreviation: current (it holds on the date), former or "
        "future; else null.",
    )
    rank: int = Field(
        0,
        description="0 exact id, abbreviation or name; 1 current name, abbreviation or id; "
        "2 former or future name or abbreviation; 3 scope, legal basis, note or quote.",
    )


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
    # renames, names, moves, figures, holds, releases (or "amends")
    meaning: list[str] = []


class KnownUnit(NamedTuple):
    """A unit a view knows, as on a date (before it exists: as first established)."""

    unit: UnitView
    since: dt.date  # the day it was first established
    in_force: bool
    names: tuple[tuple[str, str, str | None], ...] = ()  # other names: (name, form, language)


class ResponsibilityAt(NamedTuple):
    """A responsibility a view knows, as on a date (before it exists: as first defined)."""

    id: str
    name: str
    abbreviation: str | None
    scope: str
    legal_basis: str | None
    in_force: bool


class KindView(_View):
    """A kind of unit the store knows (``orgevents kinds --json``, ``/api/kinds``)."""

    kind: str = Field(description="The kind's id, as units give it.")
    label: str = Field(description="Its label in the language asked for (else English).")
    labels: dict[str, str] = Field(description="Its label per language (ISO 639-1 code).")
    level: int | None = Field(description="Its rank in the hierarchy: smaller is higher.")
    style: dict[str, str] = Field(description="How charts draw it: shape, colour and line.")
    declared: bool = Field(description="Declared in the store (else a default kind).")
    note: str | None = None


def figure_view_titled(
    fig: Any, effective: str, title_of: Callable[[str], str | None]
) -> FigureView:
    """A figure as people read it, its sources named by ``title_of`` (document → title)."""
    return FigureView(
        summary=fig.describe(),
        metric=fig.metric.value,
        value=fig.value,
        approximate=fig.approximate,
        year=fig.year,
        per_year=fig.per_year,
        price_level=fig.price_level,
        steering_area=fig.steering_area,
        text=fig.text,
        note=fig.note,
        effective=effective,
        sources=[
            SourceView(
                document=s.document, locator=s.locator, quote=s.quote, title=title_of(s.document)
            )
            for s in fig.sources
        ],
    )
