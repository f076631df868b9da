"""Competing claims: where sources disagree, computed from what is stored — never a hand-kept list.

Two kinds of stored statement can disagree:

- claims (``ClaimRecorded``) about the same subject and property with different values;
- figures of the same metric, year, steering area and period about the same unit or transfer,
  with different values from different documents (figures from one document that differ are
  parts of a whole, not a disagreement).

A claim and a figure about the same thing are one disagreement, not two: when the figures of a unit
(or of a transfer of a responsibility) disagree with the same values from the same documents as the
claims about that unit or responsibility, the figures are shown with the claims (``figures``,
``figures_of``) and counted once.

A claim marked preferred by a recorded decision (``ClaimPreferred``) is flagged as such.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from pydantic import BaseModel, ConfigDict

from orgevents.events import (
    ClaimRecorded,
    FiguresRecorded,
    ResponsibilityTransferred,
    UnitEstablished,
)
from orgevents.figures import Figure
from orgevents.projections.fold import Record
from orgevents.projections.lookup import Lookup
from orgevents.projections.structure import source_view
from orgevents.projections.views import SourceView


class ClaimView(BaseModel):
    model_config = ConfigDict(frozen=True)

    value: Any
    claim_id: str  # the claim's key, or the entry key that carries the figure
    sources: list[SourceView]
    preferred: bool = False
    preferred_because: str | None = None
    approximate: bool = False  # a "ca." figure (or the claim of a "ca." figure)


class ConflictView(BaseModel):
    model_config = ConfigDict(frozen=True)

    subject: dict[str, str]
    property: str
    kind: str  # "claim" or "figure"
    claims: list[ClaimView]
    preferred: str | None
    # the figures that disagree the same way, counted with these claims (see the module doc)
    figures: list[ClaimView] = []
    figures_of: dict[str, str] | None = None


def conflicts(
    state: Lookup, on: dt.date | None = None, about: str | None = None
) -> list[ConflictView]:
    """Every disagreement among the stored claims and figures (``about``: only those about one
    subject — its claims and its figures)."""
    on = on or dt.date.max
    owners: dict[str, str] = {}
    found = _merged(
        _claim_conflicts(state, on, about), _figure_conflicts(state, on, about, owners), owners
    )
    return sorted(found, key=lambda c: (c.subject["id"], c.property))


def _merged(
    claims: list[ConflictView], figures: list[ConflictView], owners: dict[str, str]
) -> list[ConflictView]:
    """The claim conflicts with the figure conflicts that say the same thing folded into them."""
    result = []
    for claim in claims:
        same = [f for f in figures if _same_disagreement(claim, f, owners)]
        if not same:
            result.append(claim)
            continue
        figs = [v for f in same for v in f.claims]
        approx = {(float(v.value), s.document) for v in figs if v.approximate for s in v.sources}
        views = [
            c.model_copy(
                update={
                    "approximate": any((float(c.value), s.document) in approx for s in c.sources)
                }
            )
            for c in claim.claims
        ]
        result.append(
            claim.model_copy(
                update={
                    "claims": views,
                    "figures": figs,
                    "figures_of": {**same[0].subject, "property": same[0].property},
                }
            )
        )
        figures = [f for f in figures if f not in same]
    return result + figures


def _same_disagreement(claim: ConflictView, figure: ConflictView, owners: dict[str, str]) -> bool:
    """A figure conflict about the claim's subject (or a transfer of it) with the same values
    from the same documents."""
    if owners.get(figure.subject["id"]) != claim.subject["id"]:
        return False
    try:
        claimed = {float(c.value) for c in claim.claims}
    except (TypeError, ValueError):
        return False
    figured = {float(c.value) for c in figure.claims}

    def docs(views: list[ClaimView]) -> set[str]:
        return {s.document for v in views for s in v.sources}

    return claimed == figured and docs(claim.claims) == docs(figure.claims)


def claims_about(state: Lookup, key: str) -> list[dict[str, Any]]:
    """The claims about one subject, each flagged disputed and/or preferred (for views)."""
    disputed = {
        (c.property, claim.claim_id)
        for c in conflicts(state, about=key)
        if c.subject["id"] == key
        for claim in c.claims
    }
    out = []
    preferred_claims = state.claims_preferred()
    for rec in state.claims_recorded(key):
        claim = rec.payload
        assert isinstance(claim, ClaimRecorded)
        if claim.about != key:
            continue
        preferred = preferred_claims.get(claim.key)
        out.append(
            {
                "id": claim.key,
                "property": claim.property,
                "value": _value(claim.value),
                "sources": [source_view(state, s).model_dump() for s in claim.sources],
                "disputed": (claim.property, claim.key) in disputed,
                "preferred": preferred is not None,
            }
        )
    return out


def _claim_conflicts(state: Lookup, on: dt.date, about: str | None) -> list[ConflictView]:
    groups: dict[tuple[str, str], list[Record]] = defaultdict(list)
    for rec in state.claims_recorded(about):
        claim = rec.payload
        assert isinstance(claim, ClaimRecorded)
        groups[(claim.about, claim.property)].append(rec)
    preferred_claims = state.claims_preferred()
    result = []
    for (about, prop), recs in groups.items():
        values = {_value(r.payload.value) for r in recs}  # type: ignore[attr-defined]
        if len(values) < 2:
            continue
        views = []
        preferred_id = None
        for rec in recs:
            claim = rec.payload
            assert isinstance(claim, ClaimRecorded)
            pref = preferred_claims.get(claim.key)
            if pref is not None:
                preferred_id = claim.key
            views.append(
                ClaimView(
                    value=_value(claim.value),
                    claim_id=claim.key,
                    sources=[source_view(state, s) for s in claim.sources],
                    preferred=pref is not None,
                    preferred_because=getattr(pref.payload, "reason", None) if pref else None,
                )
            )
        result.append(
            ConflictView(
                subject={"id": about, "name": state.subject_name(about, on)},
                property=prop,
                kind="claim",
                claims=views,
                preferred=preferred_id,
            )
        )
    return result


def _figure_conflicts(
    state: Lookup, on: dt.date, about: str | None, owners: dict[str, str]
) -> list[ConflictView]:
    groups: dict[tuple[str, str, str], list[tuple[Figure, str]]] = defaultdict(list)
    names: dict[str, str] = {}
    for rec in state.figure_records(about):
        p = rec.payload
        if isinstance(p, ResponsibilityTransferred) and p.figures:
            subject = p.key
            owners[subject] = p.responsibility
            names[subject] = (
                f"{state.responsibility_name(p.responsibility, on)}: {p.role.value} "
                f"{' + '.join(state.label(u, on) for u in p.from_units)} → "
                f"{state.label(p.to_unit, on)} ({p.effective})"
            )
            figures = p.figures
        elif isinstance(p, FiguresRecorded | UnitEstablished) and p.figures:
            subject = p.unit
            owners[subject] = p.unit
            names[subject] = state.unit_name(p.unit, on)
            figures = p.figures
        else:
            continue
        for fig in figures:
            groups[(subject, _figure_property(fig), p.key)].append((fig, p.key))
    by_property: dict[tuple[str, str], list[tuple[Figure, str]]] = defaultdict(list)
    for (subject, prop, _), figs in groups.items():
        by_property[(subject, prop)].extend(figs)
    result = []
    for (subject, prop), figs in by_property.items():
        values = {f.value for f, _ in figs}
        documents = {s.document for f, _ in figs for s in f.sources}
        if len(values) < 2 or len(documents) < 2:
            continue
        per_document: dict[str, set[float]] = defaultdict(set)
        for f, _ in figs:
            for s in f.sources:
                per_document[s.document].add(f.value)
        if any(vals == values for vals in per_document.values()):
            continue  # one document gives every value: parts of a whole, not a disagreement
        result.append(
            ConflictView(
                subject={"id": subject, "name": names[subject]},
                property=prop,
                kind="figure",
                claims=[
                    ClaimView(
                        value=f.value,
                        claim_id=key,
                        sources=[source_view(state, s) for s in f.sources],
                        approximate=f.approximate,
                    )
                    for f, key in figs
                ],
                preferred=None,
            )
        )
    return result


def _figure_property(fig: Figure) -> str:
    parts = [fig.metric.value]
    if fig.year:
        parts.append(str(fig.year))
    if fig.per_year:
        parts.append("per year")
    if fig.steering_area:
        parts.append(fig.steering_area)
    return " ".join(parts)


def _value(value: Any) -> Any:
    return str(value) if hasattr(value, "precision") else value
