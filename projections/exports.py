"""Exports in standard formats: the state as of a date and the whole change history.

- **CSV** — three tables: :func:`units_table` and :func:`responsibilities_table` (as of a date) and
  :func:`changes_table` (every recorded event, in effective order). Each :class:`Table` renders
  itself as RFC 4180 CSV text (UTF-8, a header row, CRLF line ends).
- **GraphML** — :func:`export_graph` puts the org graph and the responsibility graph as of a date
  into one directed graph with scalar attributes only; :func:`graphml` writes it with networkx.
- **JSON-LD** — :func:`jsonld`: units as ``org:Organization`` with ``org:subOrganizationOf`` as of a
  date, every change as ``org:ChangeEvent`` with its organisations before and after, sources, times
  and decisions in PROV-O. Plain JSON with an inline ``@context``: nothing is fetched.

The structure as of the date follows the state's ``include_planned``; the history lists every
recorded event — originals, corrections, planned changes — each marked as such, as
``orgevents history`` does.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import networkx as nx

from orgevents.dates import EffectiveDate, Precision
from orgevents.events import (
    Amendment,
    ChangeCancelled,
    ClaimPreferred,
    ClaimRecorded,
    DecisionMade,
    DocumentRegistered,
    Entry,
    EventCorrected,
    EventRetracted,
    FiguresRecorded,
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
from orgevents.events import Change as ChangePayload
from orgevents.projections.changes import change_view, effective_order, summary
from orgevents.projections.fold import OrgState, Record
from orgevents.projections.holders import holdings
from orgevents.projections.structure import chain, figures_at, unit_view, units_at
from orgevents.sources import SourceRef

DAY = dt.timedelta(days=1)
DEFAULT_BASE = "urn:orgevents:"
VOCAB = "urn:orgevents:vocab#"

_ENDINGS = (UnitAbolished, UnitMerged, UnitAbsorbed, UnitSplit)
_UNIT_CHANGES = (UnitEstablished, UnitRenamed, UnitMoved, *_ENDINGS)


# --- CSV -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Table:
    """One export table: a name (its file is ``NAME.csv``), the header and the rows."""

    name: str
    columns: tuple[str, ...]
    rows: Sequence[tuple[str, ...]]

    def csv(self) -> str:
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(self.columns)
        writer.writerows([safe_cell(cell) for cell in row] for row in self.rows)
        return out.getvalue()


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """A CSV cell a spreadsheet shows as text: one starting like a formula gets a leading ``'``
    (the OWASP rule against CSV injection)."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


TABLES = ("units", "responsibilities", "changes")


def csv_tables(state: OrgState, on: dt.date) -> list[Table]:
    """The units and responsibilities as of ``on`` and the change history."""
    return [csv_table(state, on, name) for name in TABLES]


def csv_table(state: OrgState, on: dt.date, name: str) -> Table:
    """One of :data:`TABLES` by name."""
    if name == "units":
        return units_table(state, on)
    if name == "responsibilities":
        return responsibilities_table(state, on)
    if name == "changes":
        return changes_table(state)
    raise ValueError(f"{name!r} is not one of {', '.join(TABLES)}")


def units_table(state: OrgState, on: dt.date) -> Table:
    """Every unit in force on ``on``, parents first; when it was established and when it ends."""
    established: dict[str, Record] = {}
    ended: dict[str, Record] = {}
    for rec in _counting(state):
        p = rec.payload
        if isinstance(p, UnitEstablished):
            established.setdefault(p.unit, rec)
        elif (
            isinstance(p, _ENDINGS)
            and not (isinstance(p, UnitSplit) and p.continues)
            and p.effective.date > on
        ):
            first = ended.get(p.unit)
            if first is None or p.effective.date < _effective(first).date:
                ended[p.unit] = rec
    rows = []
    for view in units_at(state, on):
        facts = state.units[view.id]
        rows.append(
            (
                view.id,
                view.name,
                view.abbreviation or "",
                view.kind,
                view.parent or "",
                state.unit_name(view.parent, on) if view.parent else "",
                _effective_text(established.get(view.id)),
                _effective_text(ended.get(view.id)),
                str(facts.planned_end) if facts.planned_end else "",
            )
        )
    columns = (
        "id",
        "name",
        "abbreviation",
        "kind",
        "parent",
        "parent_name",
        "established",
        "ended",
        "planned_end",
    )
    return Table("units", columns, rows)


def responsibilities_table(state: OrgState, on: dt.date) -> Table:
    """One row per holder (role, unit) of every responsibility in force on ``on``.

    A responsibility nobody holds on that day has one row with the role and unit empty.
    """
    rows = []
    keys = [k for k, r in state.responsibilities.items() if r.exists.at(on, False)]
    for key in sorted(keys, key=lambda k: state.responsibility_name(k, on)):
        name = state.responsibility_name(key, on)
        held = holdings(state, key, on)
        for role, unit, rec in held:
            since = _effective_text(rec)
            rows.append((key, name, role.value, unit, state.unit_name(unit, on), since))
        if not held:
            rows.append((key, name, "", "", "", ""))
    columns = ("id", "name", "role", "unit_id", "unit_name", "since")
    return Table("responsibilities", columns, rows)


def changes_table(state: OrgState) -> Table:
    """Every recorded event but document registrations, in effective order.

    Originals that were later corrected stay, with ``amended_by``; the correction follows them.
    """
    records = [r for r in state.log if not isinstance(r.payload, DocumentRegistered)]
    rows = []
    for rec in effective_order(records, state):
        c = change_view(state, rec)
        rows.append(
            (
                c.event_id,
                c.type,
                c.subject["id"],
                c.subject["name"],
                c.effective,
                c.effective_date.isoformat() if c.effective else "",
                c.effective_precision if c.effective else "",
                c.effective_qualifier if c.effective else "",
                c.summary,
                c.decision or "",
                "; ".join(f"{s.document}: {s.locator}" for s in c.sources),
                c.recorded_at.isoformat(),
                c.recorded_by,
                "; ".join(c.details.get("amended_by", [])),
            )
        )
    columns = (
        "event_id",
        "type",
        "subject_id",
        "subject_name",
        "effective",
        "effective_date",
        "effective_precision",
        "effective_qualifier",
        "summary",
        "decision",
        "sources",
        "recorded_at",
        "recorded_by",
        "amended_by",
    )
    return Table("changes", columns, rows)


def _counting(state: OrgState) -> list[Record]:
    """The records that count now and that the state's indexes use (planned ones only if asked)."""
    return [r for r in state.records if state.include_planned or not state.is_planned(r)]


def _effective(rec: Record) -> EffectiveDate:
    assert isinstance(rec.payload, ChangePayload)
    return rec.payload.effective


def _effective_text(rec: Record | None) -> str:
    return str(_effective(rec)) if rec is not None else ""


# --- GraphML -------------------------------------------------------------------------------


def export_graph(
    state: OrgState, on: dt.date, known_at: dt.date | dt.datetime | None = None
) -> nx.MultiDiGraph:
    """The org graph and the responsibility graph as of ``on`` in one graph, for Gephi or yEd.

    Nodes are ids. Every node has ``type`` ("unit" or "responsibility"), ``label`` (abbreviation,
    else name) and ``name``; units add ``kind``, ``parent`` and ``figures`` (summaries joined with
    "; "), responsibilities add ``scope``. An edge's ``relation`` is "hasSubOrganization" (parent
    → unit) or the role, "authority" or "performer" (responsibility → unit, with ``since`` and
    ``expected``). Every attribute is a string or a boolean; missing values are left out. Edge
    keys, written as GraphML edge ids, are unique: ``RELATION:FROM:TO``.
    """
    graph = nx.MultiDiGraph(at=on.isoformat(), include_planned=state.include_planned)
    if known_at is not None:
        graph.graph["known_at"] = _known_at_text(known_at)
    in_force = units_at(state, on)
    for view in in_force:
        _unit_node(state, graph, view.id, on)
    for view in in_force:
        if view.parent is not None and view.parent in graph:
            edge = f"hasSubOrganization:{view.parent}:{view.id}"
            graph.add_edge(view.parent, view.id, key=edge, relation="hasSubOrganization")
    for resp, facts in state.responsibilities.items():
        if not facts.exists.at(on, False):
            continue
        attrs = _scalars(
            type="responsibility",
            label=state.label(resp, on),
            name=state.responsibility_name(resp, on),
            abbreviation=facts.abbreviation.at(max(on, facts.name.first_date() or on), None),
            scope=facts.scope,
        )
        graph.add_node(resp, **attrs)
        for role, unit, rec in holdings(state, resp, on):
            if unit not in graph:
                _unit_node(state, graph, unit, on)
            effective = _effective(rec)
            graph.add_edge(
                resp,
                unit,
                key=f"{role.value}:{resp}:{unit}",
                relation=role.value,
                since=str(effective),
                expected=effective.is_planned,
            )
    return graph


def graphml(state: OrgState, on: dt.date, known_at: dt.date | dt.datetime | None = None) -> bytes:
    """:func:`export_graph` as a GraphML document (UTF-8)."""
    out = io.BytesIO()
    nx.write_graphml(export_graph(state, on, known_at), out, encoding="utf-8")
    return out.getvalue()


def _unit_node(state: OrgState, graph: nx.MultiDiGraph, key: str, on: dt.date) -> None:
    if key not in state.units:
        graph.add_node(key, type="unit", label=key, name=key)
        return
    view = unit_view(state, key, on)
    figures = "; ".join(f.summary for f in figures_at(state, key, on))
    attrs = _scalars(
        type="unit",
        label=view.abbreviation or view.name,
        name=view.name,
        abbreviation=view.abbreviation,
        kind=view.kind,
        parent=view.parent,
        figures=figures,
    )
    graph.add_node(key, **attrs)


def _scalars(**attrs: str | bool | None) -> dict[str, str | bool]:
    return {k: v for k, v in attrs.items() if v is not None and v != ""}


def _known_at_text(known_at: dt.date | dt.datetime | None) -> str | None:
    if known_at is None:
        return None
    if not isinstance(known_at, dt.datetime):
        known_at = dt.datetime.combine(known_at, dt.time.max, tzinfo=dt.UTC)
    elif known_at.tzinfo is None:
        known_at = known_at.replace(tzinfo=dt.UTC)
    return known_at.isoformat()


# --- JSON-LD -------------------------------------------------------------------------------

_IRI_PROPERTIES = (
    "org:subOrganizationOf",
    "org:hasSubOrganization",
    "org:originalOrganization",
    "org:resultingOrganization",
    "org:resultedFrom",
    "org:changedBy",
    "org:classification",
    "prov:wasInformedBy",
    "prov:wasAssociatedWith",
    "prov:wasAttributedTo",
    "prov:wasDerivedFrom",
    "prov:wasRevisionOf",
    "oe:record",
    "oe:recordOf",
    "oe:unit",
    "oe:parent",
    "oe:oldParent",
    "oe:newParent",
    "oe:into",
    "oe:responsibility",
    "oe:fromUnit",
    "oe:toUnit",
    "oe:authority",
    "oe:performer",
    "oe:about",
    "oe:claim",
)

CONTEXT: dict[str, Any] = {
    "org": "http://www.w3.org/ns/org#",
    "prov": "http://www.w3.org/ns/prov#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "dcterms": "http://purl.org/dc/terms/",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "oe": VOCAB,
    **{p: {"@type": "@id"} for p in _IRI_PROPERTIES},
    "prov:atTime": {"@type": "xsd:date"},
    "oe:effectiveEnd": {"@type": "xsd:date"},
    "oe:asOf": {"@type": "xsd:date"},
    "prov:generatedAtTime": {"@type": "xsd:dateTime"},
    "oe:knownAt": {"@type": "xsd:dateTime"},
}
"""The inline JSON-LD context: prefixes, and which properties hold IRIs, dates and times."""


def jsonld(
    state: OrgState,
    on: dt.date,
    base: str = DEFAULT_BASE,
    known_at: dt.date | dt.datetime | None = None,
    language: str | None = "da",
) -> dict[str, Any]:
    """The organisation as of ``on`` and its whole history as one JSON-LD document.

    The ``@graph`` holds, each node with a stable IRI ``base`` + what it is + ``/`` + its id
    (``urn:orgevents:unit/biu``):

    - ``unit/ID`` — ``org:Organization`` (also ``org:OrganizationalUnit`` below an
      administration): ``skos:prefLabel`` name and ``skos:altLabel`` abbreviation as of ``on``,
      ``org:identifier``, ``org:classification`` (``kind/KIND``), ``oe:inForce``;
      ``org:subOrganizationOf`` / ``org:hasSubOrganization`` as of ``on``; ``org:resultedFrom`` /
      ``org:changedBy`` the unit's own changes.
    - ``responsibility/ID`` — ``oe:Responsibility`` with ``oe:authority`` / ``oe:performer`` as of
      ``on``.
    - ``event/KEY`` — each change: ``org:ChangeEvent`` (a ``prov:Activity``) with
      ``org:originalOrganization`` (the units it found) and ``org:resultingOrganization`` (the units
      it left), ``prov:atTime`` the effective date (``xsd:date``, the first day of its period) with
      ``oe:effective``/``oe:effectivePrecision``/``oe:effectiveQualifier``, ``oe:status``, what it
      says (``oe:oldName``/``oe:newName``, ``oe:oldParent``/``oe:newParent``,
      ``oe:fromUnit``/``oe:toUnit``, ...), ``prov:wasInformedBy`` its decision and
      ``dcterms:source`` citations: ``prov:Entity`` nodes ``prov:wasDerivedFrom`` the document,
      with ``oe:locator`` and ``oe:quote``. Retracted or cancelled changes are only
      ``prov:Activity``. Decisions are ``decision/ID`` (``prov:Activity``), claims ``claim/KEY``.
    - ``record/KEY`` — each stored event: ``prov:Entity`` with ``prov:generatedAtTime`` (the
      recorded time), ``prov:wasAttributedTo`` (``agent/NAME``), ``prov:wasDerivedFrom`` its
      documents, ``oe:recordOf`` its event; a correction is ``prov:wasRevisionOf`` the record
      before it.
    - ``document/ID`` — ``prov:Entity`` with ``dcterms:title``.

    ``language`` tags names and titles (None leaves them untagged); quotes take their
    document's language.
    """
    return _JsonLd(state, on, base, language).document(known_at)


class _JsonLd:
    def __init__(self, state: OrgState, on: dt.date, base: str, language: str | None) -> None:
        self.state, self.on, self.base, self.language = state, on, base, language
        self.node_of = {r.payload.key: self._node_iri(r.payload) for r in state.log}
        self.records_of: dict[str, list[str]] = {}  # entry key → its records and amendments
        for rec in state.log:
            p = rec.payload
            target = p.target if isinstance(p, Amendment) else p.key
            self.records_of.setdefault(target, []).append(self.iri("record", p.key))
        self.changed_by: dict[str, list[str]] = {}
        self.resulted_from: dict[str, list[str]] = {}

    def document(self, known_at: dt.date | dt.datetime | None) -> dict[str, Any]:
        export: dict[str, Any] = {
            "@id": self.iri("export", self.on.isoformat()),
            "@type": ["prov:Entity", "oe:Export"],
            "dcterms:description": f"The organisation as of {self.on} and its recorded history",
            "oe:asOf": self.on.isoformat(),
            "oe:includesPlanned": self.state.include_planned,
        }
        if known_at is not None:
            export["oe:knownAt"] = _known_at_text(known_at)
        # events first: they collect the organisations' org:changedBy and org:resultedFrom
        events = self._events()
        graph = [
            export,
            *self._units(),
            *self._responsibilities(),
            *self._documents(),
            *events,
            *self._records(),
            *self._agents(),
            *self._kinds(),
        ]
        return {"@context": CONTEXT, "@graph": graph}

    # --- the structure as of the date ------------------------------------------------------

    def _units(self) -> list[dict[str, Any]]:
        state, on = self.state, self.on
        in_force = [v.id for v in units_at(state, on)]
        in_force_set = set(in_force)
        others = sorted(k for k in state.units if k not in in_force_set)
        children: dict[str, list[str]] = {}
        for key in in_force:
            parent = state.units[key].parent.at(on, None)
            if parent is not None and state.unit_exists(parent, on):
                children.setdefault(parent, []).append(self.iri("unit", key))
        nodes = []
        for key in [*in_force, *others]:
            view = unit_view(state, key, on)
            exists = key in in_force_set
            node: dict[str, Any] = {
                "@id": self.iri("unit", key),
                "@type": self._unit_types(key),
                "org:identifier": key,
                "skos:prefLabel": self._text(view.name),
                "org:classification": self.iri("kind", view.kind),
                "oe:inForce": exists,
            }
            if view.abbreviation:
                node["skos:altLabel"] = self._text(view.abbreviation)
            if exists and view.parent and state.unit_exists(view.parent, on):
                node["org:subOrganizationOf"] = self.iri("unit", view.parent)
            if key in children:
                node["org:hasSubOrganization"] = children[key]
            _put(node, "org:resultedFrom", self.resulted_from.get(key))
            _put(node, "org:changedBy", self.changed_by.get(key))
            nodes.append(node)
        return nodes

    def _unit_types(self, key: str) -> list[str]:
        """org:Organization; and org:OrganizationalUnit for a unit below an administration."""
        first = self.state.units[key].name.first_date() or self.on
        above = chain(self.state, key, max(self.on, first))
        if any(ref.kind == "administration" for ref in above):
            return ["org:Organization", "org:OrganizationalUnit"]
        return ["org:Organization"]

    def _responsibilities(self) -> list[dict[str, Any]]:
        state, on = self.state, self.on
        nodes = []
        for key in sorted(state.responsibilities):
            facts = state.responsibilities[key]
            exists = facts.exists.at(on, False)
            node: dict[str, Any] = {
                "@id": self.iri("responsibility", key),
                "@type": "oe:Responsibility",
                "org:identifier": key,
                "skos:prefLabel": self._text(state.responsibility_name(key, on)),
                "dcterms:description": self._text(facts.scope),
                "oe:inForce": exists,
            }
            abbreviation = facts.abbreviation.at(max(on, facts.name.first_date() or on), None)
            if abbreviation:
                node["skos:altLabel"] = self._text(abbreviation)
            if facts.legal_basis:
                node["oe:legalBasis"] = self._text(facts.legal_basis)
            for role, unit, _ in holdings(state, key, on):
                node.setdefault(f"oe:{role.value}", []).append(self.iri("unit", unit))
            nodes.append(node)
        return nodes

    def _documents(self) -> list[dict[str, Any]]:
        nodes = []
        for key, doc in self.state.documents.items():
            node: dict[str, Any] = {
                "@id": self.iri("document", key),
                "@type": ["prov:Entity", "oe:Document"],
                "dcterms:identifier": key,
                "dcterms:title": {"@value": doc.title, "@language": doc.language},
                "dcterms:language": doc.language,
                "oe:location": doc.location,
            }
            if doc.published:
                node["dcterms:issued"] = str(doc.published)
            if doc.note:
                node["skos:note"] = doc.note
            nodes.append(node)
        return nodes

    # --- the history ---------------------------------------------------------------------------

    def _events(self) -> list[dict[str, Any]]:
        """One node per recorded entry (not documents, not amendments), with what counts now."""
        state = self.state
        originals: dict[str, Record] = {}
        for rec in state.log:
            p = rec.payload
            if not isinstance(p, Amendment | DocumentRegistered):
                originals.setdefault(p.key, rec)
        chosen = [state.current.get(key, rec) for key, rec in originals.items()]
        return [self._event(rec) for rec in effective_order(chosen, state)]

    def _event(self, rec: Record) -> dict[str, Any]:
        state = self.state
        p = rec.payload
        assert isinstance(p, ChangePayload)
        on = p.effective.date
        withdrawn = _withdrawn_by(state, p.key)
        node: dict[str, Any] = {
            "@id": self.node_of[p.key],
            "@type": [],
            "dcterms:identifier": p.key,
            "oe:eventType": p.type,
            "dcterms:description": summary(state, rec),
            **self._effective(p.effective),
            "oe:record": self.records_of.get(p.key, []),
            "dcterms:source": self._citations(self.node_of[p.key], p.sources),
        }
        if p.decision:
            node["prov:wasInformedBy"] = self.iri("decision", p.decision)
        if p.note:
            node["skos:note"] = p.note
        if isinstance(p, DecisionMade):
            node["@type"] = ["prov:Activity", "oe:Decision"]
            node["dcterms:title"] = self._text(p.title)
            node["oe:decisionKind"] = p.kind.value
            if p.body:
                node["prov:wasAssociatedWith"] = self.iri("unit", p.body)
            if p.body_name:
                node["oe:bodyName"] = self._text(p.body_name)
            return node
        if isinstance(p, ClaimRecorded):
            node["@type"] = ["prov:Entity", "oe:Claim"]
            node["oe:about"] = self._subject_iri(p.about)
            node["oe:property"] = p.property
            node["prov:value"] = str(p.value)
            return node
        if isinstance(p, ClaimPreferred):
            node["@type"] = ["prov:Activity", "oe:ClaimPreferred"]
            node["oe:claim"] = self.iri("claim", p.claim)
            node["oe:reason"] = p.reason
            return node
        if isinstance(p, FiguresRecorded):
            node["@type"] = ["prov:Activity", "oe:FiguresRecorded"]
            node["oe:unit"] = self.iri("unit", p.unit)
            node["oe:figure"] = [f.describe() for f in p.figures]
            return node
        node["oe:status"] = withdrawn or ("planned" if p.effective.is_planned else "enacted")
        if withdrawn:  # it did not happen: no org:ChangeEvent, no links to the organisations
            node["@type"] = ["prov:Activity", f"oe:{p.type}"]
            return node
        node["@type"] = ["org:ChangeEvent", f"oe:{p.type}"]
        original, resulting = self._organisations(p, on)
        self._details(node, p, on)
        _put(node, "org:originalOrganization", [self.iri("unit", u) for u in original])
        _put(node, "org:resultingOrganization", [self.iri("unit", u) for u in resulting])
        if isinstance(p, _UNIT_CHANGES):  # the unit's own story; its remit is on the events
            for unit in original:
                self.changed_by.setdefault(unit, []).append(node["@id"])
            for unit in resulting:
                self.resulted_from.setdefault(unit, []).append(node["@id"])
        return node

    def _organisations(self, p: Entry, on: dt.date) -> tuple[list[str], list[str]]:
        """The units a change found (org:originalOrganization) and left (resultingOrganization)."""
        state = self.state
        if isinstance(p, UnitEstablished):
            return [], [p.unit]
        if isinstance(p, UnitRenamed | UnitMoved):
            return [p.unit], [p.unit]
        if isinstance(p, UnitAbolished):
            return [p.unit], []
        if isinstance(p, UnitMerged):
            return [p.unit], [p.into]
        if isinstance(p, UnitAbsorbed):
            return [p.unit, p.into], [p.into]
        if isinstance(p, UnitSplit):
            return [p.unit], [*([p.unit] if p.continues else []), *p.into]
        if isinstance(p, ResponsibilityAssigned):
            return [], [p.unit]
        if isinstance(p, ResponsibilityTransferred):
            return list(p.from_units), [p.to_unit]
        if isinstance(p, ResponsibilityEnded):
            return [p.unit], []
        if isinstance(p, ResponsibilityAbolished) and p.responsibility in state.responsibilities:
            before = holdings(state, p.responsibility, on - DAY)
            return list(dict.fromkeys(unit for _, unit, _ in before)), []
        return [], []

    def _details(self, node: dict[str, Any], p: Entry, on: dt.date) -> None:
        """What the change says, beyond which organisations it touched."""
        state = self.state
        if isinstance(p, UnitEstablished):
            node["oe:unit"] = self.iri("unit", p.unit)
            node["oe:newName"] = self._text(p.name)
            if p.parent:
                node["oe:parent"] = self.iri("unit", p.parent)
        elif isinstance(p, UnitRenamed):
            node["oe:unit"] = self.iri("unit", p.unit)
            node["oe:oldName"] = self._text(state.unit_name(p.unit, on - DAY))
            node["oe:newName"] = self._text(p.name)
            if p.abbreviation:
                node["oe:newAbbreviation"] = self._text(p.abbreviation)
        elif isinstance(p, UnitMoved):
            node["oe:unit"] = self.iri("unit", p.unit)
            old = state.units[p.unit].parent.at(on - DAY, None) if p.unit in state.units else None
            if old:
                node["oe:oldParent"] = self.iri("unit", old)
            node["oe:newParent"] = self.iri("unit", p.parent)
        elif isinstance(p, UnitAbolished):
            node["oe:unit"] = self.iri("unit", p.unit)
        elif isinstance(p, UnitMerged | UnitAbsorbed):
            node["oe:unit"] = self.iri("unit", p.unit)
            node["oe:into"] = [self.iri("unit", p.into)]
        elif isinstance(p, UnitSplit):
            node["oe:unit"] = self.iri("unit", p.unit)
            node["oe:into"] = [self.iri("unit", u) for u in p.into]
        elif isinstance(p, ResponsibilityDefined):
            node["oe:responsibility"] = self.iri("responsibility", p.responsibility)
            node["oe:newName"] = self._text(p.name)
        elif isinstance(p, ResponsibilityAssigned | ResponsibilityEnded):
            node["oe:responsibility"] = self.iri("responsibility", p.responsibility)
            node["oe:role"] = p.role.value
            node["oe:unit"] = self.iri("unit", p.unit)
        elif isinstance(p, ResponsibilityTransferred):
            node["oe:responsibility"] = self.iri("responsibility", p.responsibility)
            node["oe:role"] = p.role.value
            node["oe:fromUnit"] = [self.iri("unit", u) for u in p.from_units]
            node["oe:toUnit"] = self.iri("unit", p.to_unit)
            if p.figures:
                node["oe:figure"] = [f.describe() for f in p.figures]
        elif isinstance(p, ResponsibilityAbolished):
            node["oe:responsibility"] = self.iri("responsibility", p.responsibility)

    def _records(self) -> list[dict[str, Any]]:
        """Every stored event as a prov:Entity: who recorded it, when, and what it derives from."""
        nodes = []
        previous: dict[str, str] = {}  # entry key → its latest record so far
        for rec in self.state.log:
            p = rec.payload
            iri = self.iri("record", p.key)
            target = p.target if isinstance(p, Amendment) else p.key
            node: dict[str, Any] = {
                "@id": iri,
                "@type": ["prov:Entity", "oe:Record"],
                "dcterms:identifier": p.key,
                "oe:eventType": p.type,
                "oe:position": rec.position,
                "prov:generatedAtTime": rec.recorded_at.isoformat(),
                "prov:wasAttributedTo": self.iri("agent", rec.recorded_by),
                "oe:recordOf": self.node_of.get(target, self.iri("event", target)),
                "dcterms:description": summary(self.state, rec),
            }
            sources = _sources(p)
            _put(
                node,
                "prov:wasDerivedFrom",
                _unique(self.iri("document", s.document) for s in sources),
            )
            if isinstance(p, Amendment):
                node["oe:reason"] = p.reason
                node["dcterms:source"] = self._citations(iri, sources)
                if target in previous:
                    node["prov:wasRevisionOf"] = previous[target]
            previous[target] = iri
            nodes.append(node)
        return nodes

    def _agents(self) -> list[dict[str, Any]]:
        names = _unique(r.recorded_by for r in self.state.log)
        return [_node(self.iri("agent", n), "prov:Agent", **{"rdfs:label": n}) for n in names]

    def _kinds(self) -> list[dict[str, Any]]:
        kinds = sorted({u.kind for u in self.state.units.values()})
        return [_node(self.iri("kind", k), "skos:Concept", **{"skos:prefLabel": k}) for k in kinds]

    # --- small pieces --------------------------------------------------------------------------

    def iri(self, kind: str, key: str) -> str:
        return f"{self.base}{kind}/{quote(key, safe='')}"

    def _node_iri(self, p: Entry) -> str:
        if isinstance(p, DocumentRegistered):
            return self.iri("document", p.document)
        if isinstance(p, DecisionMade):
            return self.iri("decision", p.id)
        if isinstance(p, ClaimRecorded):
            return self.iri("claim", p.key)
        return self.iri("event", p.key)

    def _subject_iri(self, key: str) -> str:
        state = self.state
        if key in state.units:
            return self.iri("unit", key)
        if key in state.responsibilities:
            return self.iri("responsibility", key)
        if key in state.decisions:
            return self.iri("decision", key)
        if key in state.documents:
            return self.iri("document", key)
        return self.node_of.get(key, self.iri("event", key))

    def _effective(self, effective: EffectiveDate) -> dict[str, Any]:
        out: dict[str, Any] = {
            "prov:atTime": effective.date.isoformat(),
            "oe:effective": str(effective),
            "oe:effectivePrecision": effective.precision.value,
            "oe:effectiveQualifier": effective.qualifier.value,
        }
        if effective.precision is not Precision.DAY:
            out["oe:effectiveEnd"] = effective.end.isoformat()
        if effective.text:
            out["oe:effectiveText"] = self._text(effective.text)
        return out

    def _citations(self, owner: str, sources: list[SourceRef]) -> list[dict[str, Any]]:
        """Each source as a prov:Entity derived from its document, with locator and quote."""
        out = []
        for i, s in enumerate(sources, 1):
            doc = self.state.documents.get(s.document)
            citation: dict[str, Any] = {
                "@id": f"{owner}/source/{i}",
                "@type": ["prov:Entity", "oe:Citation"],
                "prov:wasDerivedFrom": self.iri("document", s.document),
                "oe:locator": s.locator,
            }
            if s.quote:
                language = doc.language if doc else self.language
                citation["oe:quote"] = (
                    {"@value": s.quote, "@language": language} if language else s.quote
                )
            out.append(citation)
        return out

    def _text(self, text: str) -> Any:
        return {"@value": text, "@language": self.language} if self.language else text


def _withdrawn_by(state: OrgState, key: str) -> str | None:
    """The way a later event withdrew the entry ("retracted", "cancelled"), else None."""
    if key in state.current:
        return None
    for rec in state.amendments.get(key, []):
        if isinstance(rec.payload, EventRetracted):
            return "retracted"
        if isinstance(rec.payload, ChangeCancelled):
            return "cancelled"
    return None


def _sources(p: Entry) -> list[SourceRef]:
    sources = getattr(p, "sources", [])
    if isinstance(p, EventCorrected):
        sources = [*sources, *p.replacement.sources]
    return list(sources)


def _node(iri: str, type_: str, **properties: Any) -> dict[str, Any]:
    return {"@id": iri, "@type": type_, **properties}


def _put(node: dict[str, Any], prop: str, values: list[str] | None) -> None:
    if values:
        node[prop] = values


def _unique(values: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(values))


__all__ = [
    "CONTEXT",
    "DEFAULT_BASE",
    "TABLES",
    "Table",
    "changes_table",
    "csv_table",
    "csv_tables",
    "export_graph",
    "graphml",
    "jsonld",
    "responsibilities_table",
    "safe_cell",
    "units_table",
]
