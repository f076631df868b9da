"""Exports in standard formats: the state as of a date and the whole change history.

- **CSV** — three tables: :func:`units_table` and :func:`responsibilities_table` (as of a date) and
  :func:`changes_table` (every recorded event, in effective order). Each :class:`Table` renders
  itself as RFC 4180 CSV text (UTF-8, a header row, CRLF line ends).
- **GraphML** — :func:`export_graph` puts the org graph and the responsibility graph as of a date
  into one directed graph with scalar attributes only; :func:`graphml` writes it with networkx.
- **JSON-LD** — :func:`jsonld`: units as ``org:Organization`` with ``org:subOrganizationOf`` as of a
  date, every change as ``org:ChangeEvent`` with its organisations before and after, sources, times
  and decisions in PROV-O. Plain JSON with an inline ``@context``: nothing is fetched.

The structure as of the date follows the view's ``include_planned``; the history lists every
recorded event — originals, corrections, planned changes — each marked as such, as
``orgevents history`` does.

Every export asks a read view (:class:`.lookup.Questions`: the reader's
:class:`.reader.View`, or the fold's :class:`.reference.FoldView` that the tests compare it
with), never the fold's internals. The state as of the date is a few questions about that date;
the history is streamed from the store in recorded order (``view.log()``, a chunk at a time):
one pass puts a small sort key per event in effective order, then the events are read again a
chunk at a time in that order, with names, parents and holders asked of the view. Nothing holds
the whole log.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TextIO
from urllib.parse import quote

import networkx as nx

from orgevents.dates import EffectiveDate
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
    KindDeclared,
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
from orgevents.projections.changes import change_view, summary
from orgevents.projections.effects import describe_lives, phased_until
from orgevents.projections.fold import Record
from orgevents.projections.views import UnitView
from orgevents.projections.vocabulary import store_language
from orgevents.sources import SourceRef

if TYPE_CHECKING:
    from orgevents.projections.lookup import Questions
    from orgevents.projections.views import KnownUnit

DAY = dt.timedelta(days=1)
DEFAULT_BASE = "urn:orgevents:"
AUTO = "auto"  # JSON-LD texts tagged with the language of their own documents
VOCAB = "urn:orgevents:vocab#"

_ENDINGS = (UnitAbolished, UnitMerged, UnitAbsorbed, UnitSplit)
_UNIT_CHANGES = (UnitEstablished, UnitRenamed, UnitMoved, *_ENDINGS)
_SPAN_TYPES = tuple(t.__name__ for t in (UnitEstablished, *_ENDINGS))
CHUNK = 1000  # events read from the store at a time, in effective order


# --- CSV -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Table:
    """One export table: a name (its file is ``NAME.csv``), the header and the rows (the
    changes table makes its rows as they are read, from the store)."""

    name: str
    columns: tuple[str, ...]
    rows: Iterable[tuple[str, ...]]

    def csv(self) -> str:
        out = io.StringIO()
        self.write(out)
        return out.getvalue()

    def write(self, out: TextIO) -> int:
        """Write the table to ``out`` as CSV, a row at a time; return the number of rows."""
        writer = csv.writer(out)
        writer.writerow(self.columns)
        count = 0
        for row in self.rows:
            writer.writerow([safe_cell(cell) for cell in row])
            count += 1
        return count


class _Rows:
    """Rows made anew each time they are read (so a table can be written more than once)."""

    def __init__(self, make: Callable[[], Iterator[tuple[str, ...]]]) -> None:
        self.make = make

    def __iter__(self) -> Iterator[tuple[str, ...]]:
        return self.make()


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """A CSV cell a spreadsheet shows as text: one starting like a formula gets a leading ``'``
    (the OWASP rule against CSV injection)."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


TABLES = ("units", "responsibilities", "changes")


def csv_tables(view: Questions, on: dt.date) -> list[Table]:
    """The units and responsibilities as of ``on`` and the change history."""
    return [csv_table(view, on, name) for name in TABLES]


def csv_table(view: Questions, on: dt.date, name: str) -> Table:
    """One of :data:`TABLES` by name."""
    if name == "units":
        return units_table(view, on)
    if name == "responsibilities":
        return responsibilities_table(view, on)
    if name == "changes":
        return changes_table(view)
    raise ValueError(f"{name!r} is not one of {', '.join(TABLES)}")


def units_table(view: Questions, on: dt.date) -> Table:
    """Every unit in force on ``on``, parents first; when it was established and when it ends."""
    in_force = view.units_at(on)
    established: dict[str, Record] = {}
    ended: dict[str, Record] = {}
    planned_end: dict[str, Any] = {}
    for rec in view.counting(_SPAN_TYPES, [u.id for u in in_force]):
        p = rec.payload
        if isinstance(p, UnitEstablished):
            if p.effective.date <= on or p.unit not in established:
                established[p.unit] = rec  # of the life in force on the date
                planned_end[p.unit] = p.planned_end
        elif (
            isinstance(p, _ENDINGS)
            and not (isinstance(p, UnitSplit) and p.continues)
            and p.effective.date > on
        ):
            first = ended.get(p.unit)
            if first is None or p.effective.date < _effective(first).date:
                ended[p.unit] = rec
    others = {k.unit.id: k.names for k in view.units_known(on)} if in_force else {}
    rows = []
    for unit in in_force:
        rows.append(
            (
                unit.id,
                unit.name,
                unit.abbreviation or "",
                unit.kind,
                unit.parent or "",
                view.unit_name(unit.parent, on) if unit.parent else "",
                _effective_text(established.get(unit.id)),
                _effective_text(ended.get(unit.id)),
                str(planned_end[unit.id]) if planned_end.get(unit.id) else "",
                describe_lives(view.lives(unit.id)),
                "; ".join(
                    f"{name} ({form}{', ' + lang if lang else ''})"
                    for name, form, lang in others.get(unit.id, ())
                ),
                unit.phase.text if unit.phase else "",
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
        "lives",
        "other_names",
        "phase",
    )
    return Table("units", columns, rows)


def responsibilities_table(view: Questions, on: dt.date) -> Table:
    """One row per holder (role, unit) of every responsibility in force on ``on``.

    A responsibility nobody holds on that day has one row with the role and unit empty.
    """
    from orgevents.projections.phasing import phase_of

    rows = []
    holders = view.holders_at(on)
    phases = view.phases_on(on)
    names = {key: view.responsibility_name(key, on) for key in holders}
    for key in sorted(holders, key=names.__getitem__):
        name = names[key]
        held = holders[key]
        for role, unit, rec in held:
            since = _effective_text(rec)
            phase = phase_of(phases.get(key, []), role, unit)
            phased = phase.text if phase else ""
            rows.append((key, name, role, unit, view.unit_name(unit, on), since, phased))
        if not held:
            rows.append((key, name, "", "", "", "", ""))
    columns = ("id", "name", "role", "unit_id", "unit_name", "since", "phase")
    return Table("responsibilities", columns, rows)


def changes_table(view: Questions) -> Table:
    """Every recorded event but document registrations, in effective order.

    Originals that were later corrected stay, with ``amended_by``; the correction follows them.
    The rows are made as they are written, from the events read in order (:func:`history`).
    """
    columns = (
        "event_id",
        "type",
        "subject_id",
        "subject_name",
        "effective",
        "effective_date",
        "effective_precision",
        "effective_qualifier",
        "phased_until",
        "summary",
        "decision",
        "sources",
        "recorded_at",
        "recorded_by",
        "amended_by",
    )
    return Table("changes", columns, _Rows(lambda: _change_rows(view)))


def _change_rows(view: Questions) -> Iterator[tuple[str, ...]]:
    for rec in history(view):
        c = change_view(view, rec)
        yield (
            c.event_id,
            c.type,
            c.subject["id"],
            c.subject["name"],
            c.effective,
            c.effective_date.isoformat() if c.effective else "",
            c.effective_precision if c.effective else "",
            c.effective_qualifier if c.effective else "",
            str(phased_until(rec.payload) or ""),
            c.summary,
            c.decision or "",
            "; ".join(f"{s.document}: {s.locator}" for s in c.sources),
            c.recorded_at.isoformat(),
            c.recorded_by,
            "; ".join(c.details.get("amended_by", [])),
        )


def _effective(rec: Record) -> EffectiveDate:
    assert isinstance(rec.payload, ChangePayload)
    return rec.payload.effective


def _effective_text(rec: Record | None) -> str:
    return str(_effective(rec)) if rec is not None else ""


# --- the history in effective order, streamed ------------------------------------------------


def history(view: Questions) -> Iterator[Record]:
    """Every stored event but document registrations, as recorded, in effective order (as
    :func:`.changes.effective_order`: by effective date, then recorded order; an amendment
    right after the entry it amends).

    One pass over the log keeps a sort key per event (one integer); the events are then read
    again from the store a chunk at a time in that order.
    """
    keys = []
    for rec in view.log():
        p = rec.payload
        if isinstance(p, DocumentRegistered | KindDeclared):
            continue
        target = view.original(p.target) if isinstance(p, Amendment) else None
        if target is not None:
            keys.append(_order_key(target.effective_date, target.position, rec.position))
        else:
            keys.append(_order_key(rec.effective_date, rec.position))
    keys.sort()
    yield from _read_in_order(view, keys)


def _order_key(on: dt.date | None, position: int, after: int = 0) -> int:
    """(effective date, position, the amendment's position or 0) in one sortable integer."""
    return ((on or dt.date.min).toordinal() << 80) | (position << 40) | after


def _position(key: int) -> int:
    """The event an order key stands for: the amendment, else the entry."""
    after = key & (2**40 - 1)
    return after or (key >> 40) & (2**40 - 1)


def _read_in_order(view: Questions, keys: Sequence[int]) -> Iterator[Record]:
    for start in range(0, len(keys), CHUNK):
        positions = [_position(k) for k in keys[start : start + CHUNK]]
        found = view.records_at(positions)
        for position in positions:
            yield found[position]


# --- GraphML -------------------------------------------------------------------------------


def export_graph(
    view: Questions, on: dt.date, known_at: dt.date | dt.datetime | None = None
) -> nx.MultiDiGraph:
    """The org graph and the responsibility graph as of ``on`` in one graph, for Gephi or yEd.

    Nodes are ids. Every node has ``type`` ("unit" or "responsibility"), ``label`` (abbreviation,
    else name) and ``name``; units add ``kind``, ``parent`` and ``figures`` (summaries joined with
    "; "), responsibilities add ``scope``. An edge's ``relation`` is "hasSubOrganization" (parent
    → unit) or the role, "authority", "administrative" or "performer" (responsibility → unit,
    with ``since`` and ``expected``). Every attribute is a string or a boolean; missing values are
    left out. Edge keys, written as GraphML edge ids, are unique: ``RELATION:FROM:TO``.
    """
    graph = nx.MultiDiGraph(at=on.isoformat(), include_planned=view.include_planned)
    if known_at is not None:
        graph.graph["known_at"] = _known_at_text(known_at)
    in_force = view.units_at(on)
    figures = view.org_graph(on).nodes(data="figures")
    for unit in in_force:
        _unit_node(graph, unit, [f.summary for f in figures[unit.id]])
    for unit in in_force:
        if unit.parent is not None and unit.parent in graph:
            edge = f"hasSubOrganization:{unit.parent}:{unit.id}"
            graph.add_edge(unit.parent, unit.id, key=edge, relation="hasSubOrganization")
    known = {r.id: r for r in view.responsibilities_known(on)}
    for resp, held in view.holders_at(on).items():
        facts = known[resp]
        attrs = _scalars(
            type="responsibility",
            label=view.label(resp, on),
            name=facts.name,
            abbreviation=facts.abbreviation,
            scope=facts.scope,
        )
        graph.add_node(resp, **attrs)
        for role, holder, rec in held:
            if holder not in graph:
                _other_unit_node(view, graph, holder, on)
            effective = _effective(rec)
            graph.add_edge(
                resp,
                holder,
                key=f"{role}:{resp}:{holder}",
                relation=role,
                since=str(effective),
                expected=effective.is_planned,
            )
    return graph


def graphml(view: Questions, on: dt.date, known_at: dt.date | dt.datetime | None = None) -> bytes:
    """:func:`export_graph` as a GraphML document (UTF-8)."""
    out = io.BytesIO()
    nx.write_graphml(export_graph(view, on, known_at), out, encoding="utf-8")
    return out.getvalue()


def _unit_node(graph: nx.MultiDiGraph, unit: UnitView, figures: list[str]) -> None:
    attrs = _scalars(
        type="unit",
        label=unit.abbreviation or unit.name,
        name=unit.name,
        abbreviation=unit.abbreviation,
        kind=unit.kind,
        parent=unit.parent,
        figures="; ".join(figures),
    )
    graph.add_node(unit.id, **attrs)


def _other_unit_node(view: Questions, graph: nx.MultiDiGraph, key: str, on: dt.date) -> None:
    """A unit that holds a role on ``on`` without being in force then (or an unknown key)."""
    if view.kind_of(key) != "unit":
        graph.add_node(key, type="unit", label=key, name=key)
        return
    shown = view.show(key, on)
    unit = UnitView(
        id=key,
        name=shown["name"],
        abbreviation=shown["abbreviation"],
        kind=shown["kind"],
        parent=shown["parent"],
    )
    _unit_node(graph, unit, [f["summary"] for f in shown["figures"]])


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
    "oe:administrative",
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
    "oe:effectiveStart": {"@type": "xsd:date"},
    "oe:asOf": {"@type": "xsd:date"},
    "prov:generatedAtTime": {"@type": "xsd:dateTime"},
    "oe:knownAt": {"@type": "xsd:dateTime"},
}
"""The inline JSON-LD context: prefixes, and which properties hold IRIs, dates and times."""


def jsonld(
    view: Questions,
    on: dt.date,
    base: str = DEFAULT_BASE,
    known_at: dt.date | dt.datetime | None = None,
    language: str | None = AUTO,
) -> dict[str, Any]:
    """The organisation as of ``on`` and its whole history as one JSON-LD document.

    The ``@graph`` holds, each node with a stable IRI ``base`` + what it is + ``/`` + its id
    (``urn:orgevents:unit/biu``):

    - ``unit/ID`` — ``org:Organization`` (also ``org:OrganizationalUnit`` below an
      administration): ``skos:prefLabel`` name and ``skos:altLabel`` abbreviation and other
      names (each with its own language) as of ``on``, ``oe:names`` those with their forms,
      ``org:identifier``, ``org:classification`` (``kind/KIND``), ``oe:inForce``;
      ``org:subOrganizationOf`` / ``org:hasSubOrganization`` as of ``on``; ``org:resultedFrom`` /
      ``org:changedBy`` the unit's own changes.
    - ``responsibility/ID`` — ``oe:Responsibility`` with ``oe:authority`` /
      ``oe:administrative`` / ``oe:performer`` as of ``on``.
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

    Texts are tagged with their language: a document's title and the quotes from it with the
    document's language; what an event says (names, titles, dates in words) with the language
    of the document it cites first; units' and responsibilities' names and scopes with the
    store's language (the language most of its documents are in). ``language`` tags every name
    and title with one language instead (None leaves them untagged).
    """
    return _JsonLd(view, on, base, language).document(known_at)


def write_jsonld(
    view: Questions,
    on: dt.date,
    out: TextIO,
    base: str = DEFAULT_BASE,
    known_at: dt.date | dt.datetime | None = None,
    language: str | None = AUTO,
) -> None:
    """:func:`jsonld` written to ``out`` a node at a time — the text of ``json.dumps(document,
    ensure_ascii=False, indent=2)`` without holding the document."""
    out.write('{\n  "@context": ' + _indented(CONTEXT, "  ") + ',\n  "@graph": [')
    for i, node in enumerate(_JsonLd(view, on, base, language).nodes(known_at)):
        out.write(("\n    " if i == 0 else ",\n    ") + _indented(node, "    "))
    out.write("\n  ]\n}")


def _indented(value: Any, prefix: str) -> str:
    """``value`` as indented JSON, its later lines shifted right by ``prefix``."""
    return json.dumps(value, ensure_ascii=False, indent=2).replace("\n", "\n" + prefix)


class _JsonLd:
    def __init__(self, view: Questions, on: dt.date, base: str, language: str | None) -> None:
        self.view, self.on, self.base = view, on, base
        self.from_data = language == AUTO  # each text in its own document's language
        self.language = store_language(view) if language == AUTO else language
        self.entry_language = self.language  # of the event being written
        self.changed_by: dict[str, list[str]] = {}
        self.resulted_from: dict[str, list[str]] = {}
        self.amendments: dict[str, list[Record]] = {}  # entry key → events amending it
        self.agents: dict[str, None] = {}  # who recorded events, in order of first appearance
        self.originals: dict[str, Record | None] = {}  # amended entries as first recorded
        self.latest: dict[str, Record | None] = {}  # amended entries as they count now
        self.order = self._read_log()

    def _read_log(self) -> list[int]:
        """One pass over the log: the entries' order keys (effective order of the versions
        that count, or of the original where withdrawn), amendments per entry, the agents, and
        the units' own changes (org:changedBy, org:resultedFrom, listed before the events)."""
        keys = []
        # order key → (event IRI, units it found, units it left) of each unit's own change
        unit_changes: dict[int, tuple[str, list[str], list[str]]] = {}
        for rec in self.view.log():
            self.agents.setdefault(rec.recorded_by, None)
            p = rec.payload
            if isinstance(p, Amendment):
                self.amendments.setdefault(p.target, []).append(rec)
            elif not isinstance(p, DocumentRegistered | KindDeclared):
                keys.append(_order_key(rec.effective_date, rec.position))
                if isinstance(p, _UNIT_CHANGES):
                    unit_changes[keys[-1]] = self._unit_change(p)
        moved: dict[int, int] = {}
        for target in self.amendments:
            original = self.originals[target] = self.view.original(target)
            latest = self.latest[target] = self.view.latest(target)
            if original is None:
                continue
            old = _order_key(original.effective_date, original.position)
            change = unit_changes.pop(old, None)
            if latest is not None:
                moved[old] = _order_key(latest.effective_date, latest.position)
                if change is not None:  # withdrawn: not part of the unit's story
                    unit_changes[moved[old]] = self._unit_change(latest.payload)
        for key in sorted(unit_changes):
            iri, found, left = unit_changes[key]
            for unit in found:
                self.changed_by.setdefault(unit, []).append(iri)
            for unit in left:
                self.resulted_from.setdefault(unit, []).append(iri)
        return sorted(moved.get(k, k) for k in keys)

    def _unit_change(self, p: Entry) -> tuple[str, list[str], list[str]]:
        assert isinstance(p, ChangePayload)
        found, left = self._organisations(p, p.effective.date)
        return self._node_iri(p), found, left

    def document(self, known_at: dt.date | dt.datetime | None) -> dict[str, Any]:
        return {"@context": CONTEXT, "@graph": list(self.nodes(known_at))}

    def nodes(self, known_at: dt.date | dt.datetime | None) -> Iterator[dict[str, Any]]:
        """The nodes of the ``@graph``, one at a time."""
        export: dict[str, Any] = {
            "@id": self.iri("export", self.on.isoformat()),
            "@type": ["prov:Entity", "oe:Export"],
            "dcterms:description": f"The organisation as of {self.on} and its recorded history",
            "oe:asOf": self.on.isoformat(),
            "oe:includesPlanned": self.view.include_planned,
        }
        if known_at is not None:
            export["oe:knownAt"] = _known_at_text(known_at)
        yield export
        known = self.view.units_known(self.on)
        yield from self._units(known)
        yield from self._responsibilities()
        yield from self._documents()
        yield from self._events()
        yield from self._records()
        yield from self._agents()
        yield from self._kinds(known)

    # --- the structure as of the date ------------------------------------------------------

    def _units(self, known: list[KnownUnit]) -> list[dict[str, Any]]:
        view, on = self.view, self.on
        at = view.units_at(on)
        in_force = [u.id for u in at]
        phases = {u.id: u.phase for u in at if u.phase}
        in_force_set = set(in_force)
        units = {k.unit.id: k for k in known}
        others = [k.unit.id for k in known if k.unit.id not in in_force_set]
        children: dict[str, list[str]] = {}
        for key in in_force:
            parent = units[key].unit.parent
            if parent is not None and parent in in_force_set:
                children.setdefault(parent, []).append(self.iri("unit", key))
        nodes = []
        for key in [*in_force, *others]:
            unit = units[key].unit
            exists = key in in_force_set
            node: dict[str, Any] = {
                "@id": self.iri("unit", key),
                "@type": self._unit_types(units[key]),
                "org:identifier": key,
                "skos:prefLabel": self._text(unit.name),
                "org:classification": self.iri("kind", unit.kind),
                "oe:inForce": exists,
            }
            alt = [self._text(unit.abbreviation)] if unit.abbreviation else []
            alt += [self._named(name, lang) for name, _, lang in units[key].names]
            if alt:
                node["skos:altLabel"] = alt[0] if len(alt) == 1 else alt
            if units[key].names:  # the other names with their forms
                node["oe:names"] = [
                    {
                        "@type": "oe:Name",
                        "skos:literalForm": self._named(name, lang),
                        "oe:form": form,
                    }
                    for name, form, lang in units[key].names
                ]
            if exists and unit.parent and unit.parent in in_force_set:
                node["org:subOrganizationOf"] = self.iri("unit", unit.parent)
            if key in children:
                node["org:hasSubOrganization"] = children[key]
            _put(node, "org:resultedFrom", self.resulted_from.get(key))
            _put(node, "org:changedBy", self.changed_by.get(key))
            self._lives(node, key)
            if key in phases:  # being phased out on the export's date
                phase = phases[key]
                node["oe:phase"] = {
                    "@type": "oe:Phase",
                    "oe:direction": phase.direction,
                    "oe:start": phase.start,
                    "oe:until": phase.until,
                    "oe:changedBy": {"@id": self.iri("event", phase.event_id)},
                    "rdfs:comment": phase.text,
                }
            nodes.append(node)
        return nodes

    def _lives(self, node: dict[str, Any], key: str) -> None:
        """A unit or responsibility that ended and was established again: each of its lives."""
        found = self.view.lives(key)
        if len(found) < 2:
            return
        node["oe:lives"] = [
            {
                "@type": "oe:Life",
                "oe:effectiveStart": life.start.isoformat(),
                **({"oe:effectiveEnd": life.end.isoformat()} if life.end else {}),
                "oe:start": life.start_effective,
                **({"oe:end": life.end_effective} if life.end_effective else {}),
            }
            for life in found
        ]

    def _unit_types(self, known: KnownUnit) -> list[str]:
        """org:Organization; and org:OrganizationalUnit for a unit below an administration."""
        above = self.view.chain(known.unit.id, max(self.on, known.since))
        if any(ref.kind == "administration" for ref in above):
            return ["org:Organization", "org:OrganizationalUnit"]
        return ["org:Organization"]

    def _responsibilities(self) -> list[dict[str, Any]]:
        held = self.view.holders_at(self.on)
        nodes = []
        for facts in sorted(self.view.responsibilities_known(self.on), key=lambda r: r.id):
            key = facts.id
            node: dict[str, Any] = {
                "@id": self.iri("responsibility", key),
                "@type": "oe:Responsibility",
                "org:identifier": key,
                "skos:prefLabel": self._text(facts.name),
                "dcterms:description": self._text(facts.scope),
                "oe:inForce": facts.in_force,
            }
            if facts.abbreviation:
                node["skos:altLabel"] = self._text(facts.abbreviation)
            if facts.legal_basis:
                node["oe:legalBasis"] = self._text(facts.legal_basis)
            for role, unit, _ in held.get(key, []):
                node.setdefault(f"oe:{role}", []).append(self.iri("unit", unit))
            self._lives(node, key)
            nodes.append(node)
        return nodes

    def _documents(self) -> list[dict[str, Any]]:
        nodes = []
        for doc in self.view.registered_documents():
            node: dict[str, Any] = {
                "@id": self.iri("document", doc.document),
                "@type": ["prov:Entity", "oe:Document"],
                "dcterms:identifier": doc.document,
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

    def _events(self) -> Iterator[dict[str, Any]]:
        """One node per recorded entry (not documents, not amendments), with what counts now,
        in effective order."""
        for rec in _read_in_order(self.view, self.order):
            yield self._event(self.latest.get(rec.payload.key) or rec)

    def _event(self, rec: Record) -> dict[str, Any]:
        """The event's node, its texts in the language of the document it cites first."""
        self.entry_language = self._language_of(rec.payload)
        try:
            return self._event_node(rec)
        finally:
            self.entry_language = self.language

    def _language_of(self, p: Entry) -> str | None:
        if not self.from_data:
            return self.language
        for source in getattr(p, "sources", ()):
            doc = self.view.document(source.document)
            if doc is not None:
                return doc.language
        return self.language

    def _event_node(self, rec: Record) -> dict[str, Any]:
        view = self.view
        p = rec.payload
        assert isinstance(p, ChangePayload)
        on = p.effective.date
        withdrawn = self._withdrawn_by(p.key)
        iri = self._node_iri(p)
        records = [p.key] + [a.payload.key for a in self.amendments.get(p.key, [])]
        node: dict[str, Any] = {
            "@id": iri,
            "@type": [],
            "dcterms:identifier": p.key,
            "oe:eventType": p.type,
            "dcterms:description": summary(view, rec),
            **self._effective(p.effective),
            "oe:record": [self.iri("record", k) for k in records],
            "dcterms:source": self._citations(iri, p.sources),
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
        return node

    def _organisations(self, p: Entry, on: dt.date) -> tuple[list[str], list[str]]:
        """The units a change found (org:originalOrganization) and left (resultingOrganization)."""
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
        if (
            isinstance(p, ResponsibilityAbolished)
            and self.view.kind_of(p.responsibility) == "responsibility"
        ):
            before = self.view.holdings(p.responsibility, on - DAY)
            return list(dict.fromkeys(unit for _, unit in before)), []
        return [], []

    def _details(self, node: dict[str, Any], p: Entry, on: dt.date) -> None:
        """What the change says, beyond which organisations it touched."""
        view = self.view
        if isinstance(p, UnitEstablished):
            node["oe:unit"] = self.iri("unit", p.unit)
            node["oe:newName"] = self._text(p.name)
            if p.parent:
                node["oe:parent"] = self.iri("unit", p.parent)
        elif isinstance(p, UnitRenamed):
            node["oe:unit"] = self.iri("unit", p.unit)
            node["oe:oldName"] = self._text(view.unit_name(p.unit, on - DAY))
            node["oe:newName"] = self._text(p.name)
            if p.abbreviation:
                node["oe:newAbbreviation"] = self._text(p.abbreviation)
        elif isinstance(p, UnitMoved):
            node["oe:unit"] = self.iri("unit", p.unit)
            old = view.parent_of(p.unit, on - DAY)
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

    def _withdrawn_by(self, key: str) -> str | None:
        """The way a later event withdrew the entry ("retracted", "cancelled"), else None."""
        if key not in self.amendments or self.latest.get(key) is not None:
            return None
        for rec in self.amendments[key]:
            if isinstance(rec.payload, EventRetracted):
                return "retracted"
            if isinstance(rec.payload, ChangeCancelled):
                return "cancelled"
        return None

    def _records(self) -> Iterator[dict[str, Any]]:
        """Every stored event as a prov:Entity: who recorded it, when, and what it derives from."""
        for rec in self.view.log():
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
                "oe:recordOf": self._record_of(rec),
                "dcterms:description": summary(self.view, rec),
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
                revised = self._revised(target, rec)
                if revised is not None:
                    node["prov:wasRevisionOf"] = revised
            yield node

    def _record_of(self, rec: Record) -> str:
        """The node of the entry a stored event records (or amends)."""
        p = rec.payload
        if not isinstance(p, Amendment):
            return self._node_iri(p)
        original = self.originals.get(p.target)
        return self._node_iri(original.payload) if original else self.iri("event", p.target)

    def _revised(self, target: str, rec: Record) -> str | None:
        """The record an amendment revises: the amendment of the same entry before it, else
        the entry's own record."""
        before = [a for a in self.amendments[target] if a.position < rec.position]
        if before:
            return self.iri("record", before[-1].payload.key)
        original = self.originals.get(target)
        if original is not None and original.position < rec.position:
            return self.iri("record", target)
        return None

    def _agents(self) -> list[dict[str, Any]]:
        return [_node(self.iri("agent", n), "prov:Agent", **{"rdfs:label": n}) for n in self.agents]

    def _kinds(self, known: list[KnownUnit]) -> list[dict[str, Any]]:
        """The kinds the units have, with their labels in every language they are given in."""
        used = {k.unit.kind for k in known}
        nodes = []
        for spec in self.view.kinds():
            if spec.kind not in used:
                continue
            labels = [{"@value": v, "@language": k} for k, v in sorted(spec.labels.items())]
            node = _node(
                self.iri("kind", spec.kind),
                "skos:Concept",
                **{"skos:notation": spec.kind, "skos:prefLabel": labels},
            )
            if spec.level is not None:
                node["oe:level"] = spec.level
            nodes.append(node)
        return nodes

    # --- small pieces --------------------------------------------------------------------------

    def iri(self, kind: str, key: str) -> str:
        return f"{self.base}{kind}/{quote(key, safe='')}"

    def _node_iri(self, p: Entry) -> str:
        if isinstance(p, DocumentRegistered):
            return self.iri("document", p.document)
        if isinstance(p, KindDeclared):
            return self.iri("kind", p.kind)
        if isinstance(p, DecisionMade):
            return self.iri("decision", p.id)
        if isinstance(p, ClaimRecorded):
            return self.iri("claim", p.key)
        return self.iri("event", p.key)

    def _subject_iri(self, key: str) -> str:
        kind = self.view.kind_of(key)
        if kind is not None:
            return self.iri(kind, key)
        original = self.view.original(key)
        return self._node_iri(original.payload) if original else self.iri("event", key)

    def _effective(self, effective: EffectiveDate) -> dict[str, Any]:
        out: dict[str, Any] = {
            "prov:atTime": effective.date.isoformat(),
            "oe:effective": str(effective),
            "oe:effectivePrecision": effective.precision.value,
            "oe:effectiveQualifier": effective.qualifier.value,
        }
        if effective.end != effective.date and effective.open is None:  # the last day it may be
            out["oe:effectiveEnd"] = effective.end.isoformat()
        if effective.text:
            out["oe:effectiveText"] = self._text(effective.text)
        return out

    def _citations(self, owner: str, sources: list[SourceRef]) -> list[dict[str, Any]]:
        """Each source as a prov:Entity derived from its document, with locator and quote."""
        out = []
        for i, s in enumerate(sources, 1):
            doc = self.view.document(s.document)
            citation: dict[str, Any] = {
                "@id": f"{owner}/source/{i}",
                "@type": ["prov:Entity", "oe:Citation"],
                "prov:wasDerivedFrom": self.iri("document", s.document),
                "oe:locator": s.locator,
            }
            if s.quote:
                language = doc.language if doc else self.entry_language
                citation["oe:quote"] = (
                    {"@value": s.quote, "@language": language} if language else s.quote
                )
            out.append(citation)
        return out

    def _named(self, text: str, language: str | None) -> Any:
        """A unit's other name, tagged with its own language (none given: the store's)."""
        language = language or self.language
        return {"@value": text, "@language": language} if language else text

    def _text(self, text: str) -> Any:
        language = self.entry_language
        return {"@value": text, "@language": language} if language else text


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
    "history",
    "jsonld",
    "responsibilities_table",
    "safe_cell",
    "units_table",
    "write_jsonld",
]
