"""Changes over time: the difference between two dates, the history of one subject, the dates on
which anything changes — each change with its sources, decision and recorded time."""

from __future__ import annotations

import datetime as dt
from typing import Any

from orgevents.errors import NotFoundError
from orgevents.events import (
    Amendment,
    Change,
    ChangeCancelled,
    ChangeConfirmed,
    ClaimPreferred,
    ClaimRecorded,
    DecisionMade,
    DocumentRegistered,
    EventCorrected,
    EventRetracted,
    FiguresRecorded,
    KindDeclared,
    NameForm,
    NamesRecorded,
    ResponsibilityAbolished,
    ResponsibilityAssigned,
    ResponsibilityDefined,
    ResponsibilityEnded,
    ResponsibilityTransferred,
    UnitAbolished,
    UnitAbsorbed,
    UnitEstablished,
    UnitMerged,
    UnitMoved,
    UnitRenamed,
    UnitSplit,
)
from orgevents.figures import Figure
from orgevents.projections.effects import meaning
from orgevents.projections.fold import OrgState, Record
from orgevents.projections.lookup import Lookup
from orgevents.projections.structure import figure_view, source_view
from orgevents.projections.views import ChangeView

_COMMON = {"key", "type", "effective", "sources", "decision", "note"}
DAY = dt.timedelta(days=1)


def diff(state: OrgState, start: dt.date, end: dt.date) -> list[ChangeView]:
    """Every change effective after ``start`` up to and including ``end``, in effective order.

    Decisions and claims are not changes of the organisation; they appear in histories.
    """
    return [change_view(state, r) for r in state.changes(start, end)]


def history(state: OrgState, key: str) -> list[ChangeView]:
    """Every event about ``key`` or involving it, in effective order (registrations first)."""
    if state.kind_of(key) is None:
        raise NotFoundError(key, "unit, responsibility, decision or document")
    records = state.by_subject.get(key, [])
    return [change_view(state, r) for r in effective_order(records, state)]


def names_text(names: list[NameForm]) -> str:
    """ "Ministère des Finances (official, fr); SPF Finances (short, fr)": other names in words."""
    return "; ".join(
        f"{n.name} ({n.form.value}{', ' + n.language if n.language else ''})" for n in names
    )


def change_dates(state: OrgState) -> list[dt.date]:
    return sorted(state.change_dates)


def effective_order(records: list[Record], state: Lookup) -> list[Record]:
    """By effective date, then recorded order; an amendment right after the entry it amends."""

    def key(r: Record) -> tuple[dt.date, int, int]:
        p = r.payload
        if isinstance(p, Amendment):
            target = state.original(p.target)
            if target is not None:
                return (target.effective_date or dt.date.min, target.position, r.position)
        return (r.effective_date or dt.date.min, r.position, 0)

    return sorted(records, key=key)


def change_view(state: Lookup, rec: Record) -> ChangeView:
    p = rec.payload
    on = rec.effective_date or dt.date.max
    details: dict[str, Any] = {
        k: v for k, v in p.model_dump(mode="json").items() if k not in _COMMON
    }
    if isinstance(p, UnitEstablished | UnitRenamed) and not p.names:
        details.pop("names", None)  # (entries without other names read as they always did)
    if isinstance(p, UnitRenamed):
        details["old_name"] = state.unit_name(p.unit, on - DAY)
    if isinstance(p, UnitMoved):
        details["old_parent"] = state.parent_of(p.unit, on - DAY)
    if p.note:
        details["note"] = p.note
    amendments = state.amendments_of(p.key)
    if amendments and rec.amended_by is None:
        details["amended_by"] = [a.payload.key for a in amendments]
    if rec.amended_by is not None:
        details["amended_by"] = [rec.amended_by.payload.key]
        details["amended_at"] = rec.amended_by.recorded_at.isoformat()
    if state.is_planned(rec):
        details["planned"] = True
    sources = [source_view(state, s) for s in getattr(p, "sources", [])]
    decision = p.decision if isinstance(p, Change) else None
    effective = getattr(p, "effective", None)
    if effective is not None:
        eff = {
            "effective": str(effective),
            "effective_date": effective.date,
            "effective_precision": effective.precision.value,
            "effective_qualifier": effective.qualifier.value,
        }
        if effective.text:
            details["effective_text"] = effective.text
    else:
        eff = {
            "effective": "",
            "effective_date": dt.date.min,
            "effective_precision": "day",
            "effective_qualifier": "exact",
        }
    d = state.decision(decision) if decision else None
    if d is not None:
        details["decision_title"] = d.title
        details["decision_date"] = str(d.effective)
    again = starts_again(state, rec)
    if again:
        details["reestablished"] = True
    return ChangeView(
        meaning=meaning(p, again),
        event_id=p.key,
        type=p.type,
        subject={"id": p.subject, "name": state.subject_name(p.subject, on)},
        summary=summary(state, rec),
        recorded_at=rec.recorded_at,
        recorded_by=rec.recorded_by,
        decision=decision,
        sources=sources,
        details=details,
        **eff,
    )


def starts_again(state: Lookup, rec: Record) -> bool:
    """The record is an establishment or definition that starts a later life of its subject."""
    p = rec.payload
    if not isinstance(p, UnitEstablished | ResponsibilityDefined):
        return False
    return any(life.start_position == rec.position for life in state.lives(p.subject)[1:])


def summary(state: Lookup, rec: Record) -> str:
    """One line a person can read: what happened, with names as they were on the day."""
    p = rec.payload
    on = rec.effective_date or dt.date.max
    name = state.subject_name(p.subject, on)

    def lbl(key: str) -> str:
        return state.label(key, on)

    if isinstance(p, DocumentRegistered):
        return f"document registered: {p.title}"
    if isinstance(p, KindDeclared):
        labels = ", ".join(f"{lang}: {text}" for lang, text in p.labels.items())
        return f"kind declared: {p.kind} ({labels})"
    if isinstance(p, EventCorrected):
        return f"correction of {p.corrects}: {p.reason}"
    if isinstance(p, EventRetracted):
        return f"retraction of {p.retracts}: {p.reason}"
    if isinstance(p, ChangeConfirmed):
        return f"{p.confirms} confirmed as enacted {p.effective}: {p.reason}"
    if isinstance(p, ChangeCancelled):
        return f"{p.cancels} cancelled: {p.reason}"
    if isinstance(p, ClaimPreferred):
        return f"claim {p.claim} preferred: {p.reason}"
    if isinstance(p, UnitEstablished):
        where = f" under {lbl(p.parent)}" if p.parent else ""
        end = f", planned to end {p.planned_end}" if p.planned_end else ""
        done = "re-established" if starts_again(state, rec) else "established"
        return f"{name} ({p.kind}) {done}{where}{end}"
    if isinstance(p, UnitRenamed):
        return f"{state.unit_name(p.unit, on - DAY)} renamed to {p.name}"
    if isinstance(p, UnitMoved):
        old = state.parent_of(p.unit, on - DAY)
        return f"{name} moved from {lbl(old) if old else '(top)'} to {lbl(p.parent)}"
    if isinstance(p, UnitAbolished):
        return f"{state.unit_name(p.unit, on - DAY)} abolished"
    if isinstance(p, UnitMerged):
        return f"{state.unit_name(p.unit, on - DAY)} merged into {lbl(p.into)}"
    if isinstance(p, UnitAbsorbed):
        return f"{state.unit_name(p.unit, on - DAY)} absorbed into {lbl(p.into)}"
    if isinstance(p, UnitSplit):
        return f"{state.unit_name(p.unit, on - DAY)} split into {', '.join(map(lbl, p.into))}"
    if isinstance(p, FiguresRecorded):
        return f"figures for {name}: " + figures_text(p.figures)
    if isinstance(p, NamesRecorded):
        return f"names of {name}: " + names_text(p.names)
    if isinstance(p, ResponsibilityDefined):
        if starts_again(state, rec):
            return f"responsibility re-established: {p.name}"
        return f"responsibility defined: {p.name}"
    if isinstance(p, ResponsibilityAssigned):
        return f"{name}: {p.role.value} held by {lbl(p.unit)}"
    if isinstance(p, ResponsibilityTransferred):
        moved = figures_text(p.figures)
        return f"{name}: {p.role.value} {' + '.join(map(lbl, p.from_units))} → {lbl(p.to_unit)}" + (
            f" ({moved})" if moved else ""
        )
    if isinstance(p, ResponsibilityEnded):
        return f"{name}: {p.role.value} of {lbl(p.unit)} ended"
    if isinstance(p, ResponsibilityAbolished):
        return f"{name} abolished"
    if isinstance(p, DecisionMade):
        return f"{p.kind.value}: {p.title}"
    if isinstance(p, ClaimRecorded):
        value = p.value if not hasattr(p.value, "date") else str(p.value)
        docs = ", ".join(s.document for s in p.sources)
        return f"claim ({docs}): {p.property} of {lbl(p.about)} = {value}"
    return p.key  # pragma: no cover


def figures_text(figures: list[Figure]) -> str:
    """Figures in one line; figures that would read alike ("800 citizens (2025); 3000 citizens
    (2025)") say what each counts, in the source's own words."""

    def kind(f: Figure) -> tuple[Any, ...]:
        return (f.metric, f.year, f.per_year, f.steering_area)

    kinds = [kind(f) for f in figures]
    return "; ".join(
        f"{f.describe()} “{f.text}”" if f.text and kinds.count(kind(f)) > 1 else f.describe()
        for f in figures
    )


def labelled_summaries(state: Lookup, records: list[Record]) -> list[str]:
    """The summaries of ``records`` for a text listing: the subject of each change with its id
    ("Committee on Transportation (hts) renamed to …"), and every unit or responsibility whose
    name (or abbreviation) more than one of them bears in the listing with its id and parent
    ("Subcommittee on Merchant Marine (mm-2, under hfa) abolished")."""
    from orgevents.references import references

    bearers: dict[str, set[str]] = {}
    for rec in records:
        p = rec.payload
        on = rec.effective_date or dt.date.max
        for key in (p.subject, *references(p)):
            if state.kind_of(key) in ("unit", "responsibility"):
                for d in (on, on - DAY):
                    bearers.setdefault(state.subject_name(key, d), set()).add(key)
                    bearers.setdefault(state.label(key, d), set()).add(key)
    repeated = {name for name, keys in bearers.items() if len(keys) > 1}
    return [summary(_Labelled(state, rec.payload.subject, repeated), rec) for rec in records]


class _Labelled:
    """A lookup whose names carry ids where a listing needs them (see labelled_summaries)."""

    def __init__(self, state: Lookup, subject: str, repeated: set[str]) -> None:
        self._state = state
        self._subject = subject
        self._repeated = repeated

    def __getattr__(self, name: str) -> Any:
        return getattr(self._state, name)

    def _tag(self, key: str, on: dt.date, text: str) -> str:
        if text in self._repeated:
            parent = self._state.parent_of(key, on) if self._state.kind_of(key) == "unit" else None
            return f"{text} ({key}" + (f", under {parent})" if parent else ")")
        return f"{text} ({key})" if key == self._subject else text

    def subject_name(self, key: str, on: dt.date) -> str:
        return self._tag(key, on, self._state.subject_name(key, on))

    def unit_name(self, key: str, on: dt.date) -> str:
        return self._tag(key, on, self._state.unit_name(key, on))

    def label(self, key: str, on: dt.date) -> str:
        return self._tag(key, on, self._state.label(key, on))


__all__ = [
    "change_dates",
    "change_view",
    "diff",
    "figure_view",
    "history",
    "labelled_summaries",
    "summary",
]
