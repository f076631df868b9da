"""Exports: CSV tables, GraphML for Gephi/yEd and JSON-LD (W3C Organization Ontology, PROV-O),
each read back with the library a user would use — csv, networkx, rdflib. They ask the reader's
view, as the command and the HTTP route do; the fold's view gives the very same documents."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Iterator

import networkx as nx
import pytest
from rdflib import Graph, Literal, URIRef

from orgevents.importing import example_files, load_paths
from orgevents.projections.exports import (
    csv_tables,
    export_graph,
    graphml,
    jsonld,
    write_jsonld,
)
from orgevents.projections.reader import Reader, View
from orgevents.projections.reference import FoldView
from orgevents.store import open_store
from tests.conftest import BASE, entries

BEFORE, AFTER = dt.date(2025, 12, 31), dt.date(2026, 1, 1)
OLD_BIU = "Beskæftigelses- og Integrationsudvalget"
NEW_BIU = "Beskæftigelses-, Integrations- og Erhvervsudvalget"
PREFIXES = """
PREFIX org: <http://www.w3.org/ns/org#>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
PREFIX oe: <urn:orgevents:vocab#>
"""
UNIT = "urn:orgevents:unit/"
XSD_DATE = URIRef("http://www.w3.org/2001/XMLSchema#date")
XSD_DATETIME = URIRef("http://www.w3.org/2001/XMLSchema#dateTime")


@pytest.fixture(scope="module")
def copenhagen_view(tmp_path_factory: pytest.TempPathFactory) -> Iterator[View]:
    """The Copenhagen dataset in an SQLite store, as the reader's view sees it."""
    store = open_store(f"sqlite:///{tmp_path_factory.mktemp('kk') / 'kk.db'}")
    load_paths(store, example_files("copenhagen"), "tests")
    reader = Reader(store)
    yield reader.view()
    reader.close()
    store.close()


def table(state, name, on=AFTER):
    [found] = [t for t in csv_tables(state, on) if t.name == name]
    return list(csv.DictReader(io.StringIO(found.csv())))


def rdf(state, on=AFTER, **options) -> Graph:
    text = json.dumps(jsonld(state, on, **options), ensure_ascii=False)
    return Graph().parse(data=text, format="json-ld")


def parent_of(graph: Graph, unit: str) -> list[str]:
    rows = graph.query(
        PREFIXES + "SELECT ?p WHERE { ?u org:subOrganizationOf ?p }",
        initBindings={"u": URIRef(UNIT + unit)},
    )
    return [str(p).removeprefix(UNIT) for (p,) in rows]


# --- CSV ------------------------------------------------------------------------------------


def test_the_three_csv_tables_have_their_headers(copenhagen_view):
    headers = {t.name: t.csv().splitlines()[0] for t in csv_tables(copenhagen_view, AFTER)}
    assert headers == {
        "units": "id,name,abbreviation,kind,parent,parent_name,established,ended,planned_end,lives,"
        "other_names,phase",
        "responsibilities": "id,name,role,unit_id,unit_name,since,phase",
        "changes": "event_id,type,subject_id,subject_name,effective,effective_date,"
        "effective_precision,effective_qualifier,phased_until,summary,decision,sources,"
        "recorded_at,recorded_by,amended_by",
    }


def test_the_units_table_shows_the_committee_under_its_name_on_each_day(copenhagen_view):
    # BIU is renamed and UiU moves to Ungecenteret on 1 January 2026; Danish letters intact
    before = {r["id"]: r for r in table(copenhagen_view, "units", BEFORE)}
    after = {r["id"]: r for r in table(copenhagen_view, "units", AFTER)}
    assert before["biu"]["name"] == OLD_BIU and after["biu"]["name"] == NEW_BIU
    assert after["biu"]["abbreviation"] == "BIU" and after["biu"]["parent_name"] == (
        "Borgerrepræsentationen"
    )
    assert (before["uiu"]["parent"], after["uiu"]["parent"]) == ("buf", "ungecenteret")
    assert after["uiu"]["established"] == "by 2025-01-01" and after["uiu"]["ended"] == ""
    # the taskforce is temporary: its planned end is in the table
    assert after["taskforce"]["planned_end"] == "2026-H1"


def test_the_responsibilities_table_shows_who_holds_stu_on_each_day(copenhagen_view):
    # STU belongs to BUU/BUF on 2025-12-31 and to BIU/Ungecenteret on 2026-01-01
    def stu(on):
        rows = table(copenhagen_view, "responsibilities", on)
        return [(r["role"], r["unit_id"], r["since"]) for r in rows if r["id"] == "stu"]

    assert stu(BEFORE) == [
        ("authority", "buu", "by 2025-01-01"),
        ("performer", "buf", "by 2025-01-01"),
    ]
    assert stu(AFTER) == [
        ("authority", "biu", "2026-01-01"),
        ("performer", "ungecenteret", "2026-01-01"),
    ]
    row = next(r for r in table(copenhagen_view, "responsibilities") if r["id"] == "stu")
    assert row["name"] == "Særligt Tilrettelagt Ungdomsuddannelse"


def test_the_changes_table_has_the_rename_and_the_stu_transfer_with_their_sources(copenhagen_view):
    rows = {r["event_id"]: r for r in table(copenhagen_view, "changes")}
    rename = rows["biu.renamed-2026"]
    assert rename["type"] == "UnitRenamed" and rename["subject_id"] == "biu"
    assert (rename["effective"], rename["effective_precision"], rename["effective_qualifier"]) == (
        "2026-01-01",
        "day",
        "exact",
    )
    assert rename["summary"] == f"{OLD_BIU} renamed to {NEW_BIU}"
    assert rename["decision"] == "br-godkendelse"
    assert rename["sources"] == "notat: En mere samlet erhvervsindsats; biu-2025-09-29: punkt 4"
    assert rename["recorded_by"] == "tests" and dt.datetime.fromisoformat(rename["recorded_at"])
    transfer = rows["stu.authority.2026"]
    assert transfer["type"] == "ResponsibilityTransferred" and transfer["subject_id"] == "stu"
    assert transfer["summary"].startswith(
        "Særligt Tilrettelagt Ungdomsuddannelse: authority BUU → BIU"
    )
    # the expected 2030 move is in the history, marked as expected
    expected = [r for r in rows.values() if r["effective_qualifier"] == "expected"]
    assert expected and all(r["effective"].startswith("expected ") for r in expected)


def test_the_changes_table_is_in_effective_order_without_document_registrations(copenhagen_view):
    rows = table(copenhagen_view, "changes")
    dates = [r["effective_date"] for r in rows]
    assert dates == sorted(dates)
    assert "DocumentRegistered" not in {r["type"] for r in rows}


# --- GraphML --------------------------------------------------------------------------------


def read_back(state, on) -> nx.MultiDiGraph:
    return nx.read_graphml(io.BytesIO(graphml(state, on)), force_multigraph=True)


def edges(graph, relation):
    return {(u, v) for u, v, data in graph.edges(data=True) if data["relation"] == relation}


def test_graphml_reads_back_with_the_structure_of_each_day(copenhagen_view):
    # UiU sits under BUF on 2025-12-31 and under Ungecenteret on 2026-01-01
    before, after = read_back(copenhagen_view, BEFORE), read_back(copenhagen_view, AFTER)
    assert ("buf", "uiu") in edges(before, "hasSubOrganization")
    assert ("ungecenteret", "uiu") in edges(after, "hasSubOrganization")
    assert ("buf", "uiu") not in edges(after, "hasSubOrganization")
    assert before.nodes["biu"]["name"] == OLD_BIU and after.nodes["biu"]["name"] == NEW_BIU
    assert (
        after.nodes["biu"].items() >= {"type": "unit", "kind": "committee", "label": "BIU"}.items()
    )
    assert before.graph["at"] == "2025-12-31" and after.graph["include_planned"] is False


def test_graphml_has_the_holders_of_stu_on_each_day(copenhagen_view):
    before, after = read_back(copenhagen_view, BEFORE), read_back(copenhagen_view, AFTER)
    assert {("stu", "buu")} <= edges(before, "authority")
    assert {("stu", "buf")} <= edges(before, "performer")
    assert {("stu", "biu")} <= edges(after, "authority")
    assert {("stu", "ungecenteret")} <= edges(after, "performer")
    assert after.nodes["stu"]["type"] == "responsibility"
    assert after.nodes["stu"]["name"] == "Særligt Tilrettelagt Ungdomsuddannelse"


def test_graphml_is_valid_for_gephi_and_yed(copenhagen_view):
    # every data key declared, every edge id unique, attributes are scalars
    data = graphml(copenhagen_view, AFTER)
    root = ET.fromstring(data)
    ns = {"g": "http://graphml.graphdrawing.org/xmlns"}
    assert root.tag == "{http://graphml.graphdrawing.org/xmlns}graphml"
    declared = {k.get("id") for k in root.findall("g:key", ns)}
    used = {d.get("key") for d in root.iter("{http://graphml.graphdrawing.org/xmlns}data")}
    assert used <= declared
    ids = [e.get("id") for e in root.iter("{http://graphml.graphdrawing.org/xmlns}edge")]
    assert len(ids) == len(set(ids)) and None not in ids
    graph = export_graph(copenhagen_view, AFTER)
    values = [v for _, d in graph.nodes(data=True) for v in d.values()]
    values += [v for *_, d in graph.edges(data=True) for v in d.values()]
    assert all(isinstance(v, str | bool) for v in values)


# --- JSON-LD --------------------------------------------------------------------------------


def test_jsonld_is_plain_json_with_an_inline_context(copenhagen_view):
    document = jsonld(copenhagen_view, AFTER)
    assert isinstance(document["@context"], dict)
    assert document["@context"]["org"] == "http://www.w3.org/ns/org#"
    assert json.loads(json.dumps(document)) == document


def test_sparql_finds_the_committee_rename_as_an_org_change_event(copenhagen_view):
    graph = rdf(copenhagen_view)
    rows = list(
        graph.query(
            PREFIXES
            + """
            SELECT ?event ?old ?new ?decision WHERE {
                ?event a org:ChangeEvent ;
                       org:originalOrganization ?biu ;
                       org:resultingOrganization ?biu ;
                       prov:atTime ?on ;
                       oe:oldName ?old ;
                       oe:newName ?new ;
                       prov:wasInformedBy ?decision .
                ?biu org:resultedFrom ?event ; org:changedBy ?event .
                ?decision a prov:Activity .
            }""",
            initBindings={
                "biu": URIRef(UNIT + "biu"),
                "on": Literal("2026-01-01", datatype=XSD_DATE),
            },
        )
    )
    assert len(rows) == 1
    [(event, old, new, decision)] = rows
    assert str(event) == "urn:orgevents:event/biu.renamed-2026"
    assert (old, new) == (Literal(OLD_BIU, lang="da"), Literal(NEW_BIU, lang="da"))
    assert str(decision) == "urn:orgevents:decision/br-godkendelse"


def test_the_unit_structure_is_org_sub_organization_of_as_of_the_date(copenhagen_view):
    # UiU is part of BUF on 2025-12-31 and of Ungecenteret on 2026-01-01
    assert parent_of(rdf(copenhagen_view, BEFORE), "uiu") == ["buf"]
    after = rdf(copenhagen_view, AFTER)
    assert parent_of(after, "uiu") == ["ungecenteret"]
    assert (
        URIRef(UNIT + "ungecenteret"),
        URIRef("http://www.w3.org/ns/org#hasSubOrganization"),
        URIRef(UNIT + "uiu"),
    ) in after
    labels = after.query(
        PREFIXES
        + "SELECT ?name ?abbr WHERE { ?u a org:Organization ; skos:prefLabel ?name ; skos:altLabel ?abbr }",
        initBindings={"u": URIRef(UNIT + "biu")},
    )
    assert [(str(n), str(a)) for n, a in labels] == [(NEW_BIU, "BIU")]
    # a unit below an administration is an org:OrganizationalUnit, a committee is not
    units = {
        str(u) for (u,) in after.query(PREFIXES + "SELECT ?u WHERE { ?u a org:OrganizationalUnit }")
    }
    assert UNIT + "uiu" in units and UNIT + "biu" not in units


def test_the_stu_transfer_carries_its_sources_times_and_recorder(copenhagen_view):
    graph = rdf(copenhagen_view)
    [(event, source, target)] = graph.query(
        PREFIXES
        + """
        SELECT ?event ?from ?to WHERE {
            ?event oe:responsibility ?stu ; oe:role "authority" ;
                   prov:atTime "2026-01-01"^^xsd:date ; a org:ChangeEvent ;
                   org:originalOrganization ?from ; org:resultingOrganization ?to .
        }""",
        initBindings={"stu": URIRef("urn:orgevents:responsibility/stu")},
    )
    assert (str(source), str(target)) == (UNIT + "buu", UNIT + "biu")
    # the source: a citation derived from the memo, with its locator and quote
    [(locator, quote, title)] = graph.query(
        PREFIXES
        + """
        SELECT ?locator ?quote ?title WHERE {
            ?event dcterms:source ?citation .
            ?citation a prov:Entity ; prov:wasDerivedFrom ?doc ; oe:locator ?locator ;
                      oe:quote ?quote .
            ?doc a prov:Entity ; dcterms:title ?title .
        }""",
        initBindings={"event": event},
    )
    assert str(locator) == "En mere samlet ungeindsats" and "STU" in str(quote)
    assert str(title).startswith("NOTAT")
    # the record: when it was recorded and by whom
    [(recorded, by)] = graph.query(
        PREFIXES
        + """
        SELECT ?recorded ?by WHERE {
            ?event oe:record ?record .
            ?record prov:generatedAtTime ?recorded ; prov:wasAttributedTo ?agent .
            ?agent a prov:Agent ; rdfs:label ?by .
        }""",
        initBindings={"event": event},
    )
    assert recorded.datatype == XSD_DATETIME and str(by) == "tests"


def test_the_iri_base_can_be_chosen(copenhagen_view):
    graph = rdf(copenhagen_view, base="https://data.example.org/kk/")
    unit = URIRef("https://data.example.org/kk/unit/uiu")
    assert (unit, None, None) in graph
    assert not any(str(s).startswith("urn:orgevents:unit/") for s in graph.subjects())


def test_jsonld_written_node_by_node_is_the_indented_document(copenhagen_view):
    # the command writes the document as it is made, without holding it
    out = io.StringIO()
    write_jsonld(copenhagen_view, AFTER, out, known_at=AFTER)
    document = jsonld(copenhagen_view, AFTER, known_at=AFTER)
    assert out.getvalue() == json.dumps(document, ensure_ascii=False, indent=2)


BASE_AND_RENAME = """
- {type: DocumentRegistered, key: doc, document: doc, title: A document, location: doc.txt}
- {type: UnitEstablished, key: e-br, unit: br, name: Council, abbreviation: BR, kind: council, effective: 2020-01-01}
- {type: UnitEstablished, key: e-a, unit: a, name: Committee A, kind: committee, parent: br, effective: 2020-01-01}
- {type: UnitRenamed, key: r1, unit: a, name: Comittee A2, effective: 2021-01-01}
"""
CORRECTION = """
- type: EventCorrected
  key: r1.fix
  about: a
  corrects: r1
  reason: typo in the name
  sources: [{document: doc, locator: p. 2}]
  replacement: {type: UnitRenamed, key: r1, unit: a, name: Committee A2, effective: 2021-01-01, sources: [{document: doc, locator: p. 2}]}
"""


def test_a_correction_is_exported_as_a_revision_of_the_original_record():
    now = [dt.datetime(2025, 1, 1, 12, tzinfo=dt.UTC)]
    store = open_store("memory:", clock=lambda: now[0])
    store.record(entries(BASE_AND_RENAME), "clerk")  # a rename with a typo, on 1 January
    now[0] = dt.datetime(2025, 3, 1, 12, tzinfo=dt.UTC)
    store.record(entries(CORRECTION), "auditor")  # corrected on 1 March
    reader = Reader(store)
    state = reader.view()
    # the CSV keeps the original with amended_by, then the correction
    rows = table(state, "changes", dt.date(2021, 6, 1))
    assert [(r["event_id"], r["amended_by"]) for r in rows if r["event_id"].startswith("r1")] == [
        ("r1", "r1.fix"),
        ("r1.fix", ""),
    ]
    # the event carries the corrected name; its two records say who recorded each version when
    graph = rdf(state, dt.date(2021, 6, 1))
    [(new, revised, when)] = graph.query(
        PREFIXES
        + """
        SELECT ?new ?original ?when WHERE {
            ?event oe:newName ?new ; oe:record ?fix .
            ?fix prov:wasRevisionOf ?original ; prov:generatedAtTime ?when .
        }"""
    )
    assert str(new) == "Committee A2" and str(revised) == "urn:orgevents:record/r1"
    assert when.toPython() == dt.datetime(2025, 3, 1, 12, tzinfo=dt.UTC)
    # known at a time before the correction, the export has the typo
    before = rdf(reader.view(dt.date(2025, 2, 1)), dt.date(2021, 6, 1))
    names = {str(n) for (n,) in before.query(PREFIXES + "SELECT ?n WHERE { ?e oe:newName ?n }")}
    assert "Comittee A2" in names and "Committee A2" not in names


# --- the reader's view and the fold export the same documents -------------------------------


def every_export(view, on) -> dict[str, object]:
    """The three CSV tables, the GraphML and the JSON-LD document as of ``on``."""
    return {
        **{t.name: t.csv() for t in csv_tables(view, on)},
        "graphml": graphml(view, on, known_at=view.known_at),
        "jsonld": jsonld(view, on, known_at=view.known_at),
    }


def assert_same_exports(store, days, moments=(None,)) -> None:
    reader = Reader(store)
    try:
        for include_planned in (False, True):
            for known_at in moments:
                view = reader.view(known_at, include_planned)
                fold = FoldView.of(store, known_at, include_planned)
                for on in days:
                    where = f"on {on}, known at {known_at}, planned {include_planned}"
                    assert every_export(view, on) == every_export(fold, on), where
    finally:
        reader.close()


def test_the_view_exports_copenhagen_as_the_fold_does(shared_store_url):
    # on SQLite and PostgreSQL: the index's answers, the log streamed from the store
    store = open_store(shared_store_url)
    load_paths(store, example_files("copenhagen"), "tests")
    assert_same_exports(store, [BEFORE, AFTER, dt.date(2031, 1, 1)])


AMENDED_HISTORY = [
    # 1 March: a rename with a typo, an expected unit, a planned move, a second responsibility
    # and an expected transfer of T's authority
    (
        "2025-03-01",
        """
- {type: UnitRenamed, key: r1, unit: af, name: Adminstration A, effective: 2021-01-01}
- {type: UnitEstablished, key: e-n, unit: n, name: New office, kind: office, parent: af, effective: {date: 2027-01-01, qualifier: expected}}
- {type: UnitMoved, key: mv, unit: ac, parent: b, effective: {date: 2031-01-01, qualifier: planned}}
- {type: ResponsibilityDefined, key: d-u, responsibility: u, name: Task U, abbreviation: TU, scope: everything U, legal_basis: a law, effective: 2021-01-01}
- {type: ResponsibilityAssigned, key: p-u, responsibility: u, unit: af, role: performer, effective: 2021-01-01}
- {type: ResponsibilityTransferred, key: exp, responsibility: t, role: authority, from_units: [a], to_unit: b, effective: {date: 2030, qualifier: expected}}
""",
    ),
    # 1 April: the typo corrected, T's performer retracted, the planned move cancelled
    (
        "2025-04-01",
        """
- type: EventCorrected
  key: r1.fix
  about: af
  corrects: r1
  reason: typo in the name
  replacement: {type: UnitRenamed, key: r1, unit: af, name: Administration A, effective: 2021-01-01, sources: [{document: doc, locator: p. 2}]}
- {type: EventRetracted, key: x, about: t, retracts: p-t, reason: never performed there}
- {type: ChangeCancelled, key: canc, about: ac, cancels: mv, reason: the plan was dropped}
""",
    ),
    # 1 May: the transfer confirmed for an earlier date, U abolished, the centre abolished
    (
        "2025-05-01",
        """
- {type: ChangeConfirmed, key: conf, about: t, confirms: exp, effective: 2029-07-01, reason: decided early}
- {type: ResponsibilityAbolished, key: ab-u, responsibility: u, effective: 2024-01-01}
- {type: UnitAbolished, key: ab-ac, unit: ac, effective: 2026-01-01}
""",
    ),
]


def test_the_view_exports_a_corrected_retracted_and_planned_history_as_the_fold_does(
    shared_store_url,
):
    now = [dt.datetime(2025, 1, 10, 12, tzinfo=dt.UTC)]
    store = open_store(shared_store_url, clock=lambda: now[0])
    store.record(entries(BASE), "registrar")
    for day, text in AMENDED_HISTORY:
        now[0] = dt.datetime.fromisoformat(day).replace(hour=12, tzinfo=dt.UTC)
        store.record(entries(text), "clerk")
    days = [dt.date(2019, 6, 1), dt.date(2021, 6, 1), dt.date(2025, 12, 31), dt.date(2030, 1, 1)]
    # known now, and before the corrections were recorded
    assert_same_exports(store, days, moments=(None, dt.date(2025, 3, 15)))


# --- the command line -----------------------------------------------------------------------

ENV = {k: v for k, v in os.environ.items() if k != "ORGEVENTS_STORE"}


def run(*args: str, check: bool = True) -> subprocess.CompletedProcess[bytes]:
    proc = subprocess.run(
        [sys.executable, "-m", "orgevents", *args], capture_output=True, env=ENV, timeout=120
    )
    if check and proc.returncode != 0:
        raise AssertionError(f"orgevents {' '.join(args)} failed:\n{proc.stderr.decode()}")
    return proc


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('export') / 'kk.db'}"
    run("--store", url, "load", "--example", "copenhagen")
    return url


def test_export_csv_writes_three_files_into_a_folder(store, tmp_path):
    out = tmp_path / "kk"
    proc = run("--store", store, "export", "--format", "csv", "--at", "2026-01-01", "-o", str(out))
    assert sorted(p.name for p in out.iterdir()) == [
        "changes.csv",
        "responsibilities.csv",
        "units.csv",
    ]
    assert b"wrote" in proc.stderr
    units = list(csv.DictReader(io.StringIO((out / "units.csv").read_text(encoding="utf-8"))))
    assert next(u["name"] for u in units if u["id"] == "biu") == NEW_BIU
    changes = (out / "changes.csv").read_text(encoding="utf-8")
    assert "biu.renamed-2026" in changes and "stu.authority.2026" in changes


def test_export_one_csv_table_to_standard_output(store):
    out = run(
        "--store", store, "export", "-f", "csv", "--table", "responsibilities", "--at", "2025-12-31"
    ).stdout
    rows = list(csv.DictReader(io.StringIO(out.decode("utf-8"))))
    assert ("stu", "authority", "buu") in {(r["id"], r["role"], r["unit_id"]) for r in rows}


def test_export_csv_without_a_folder_says_what_to_give(store):
    proc = run("--store", store, "export", "--format", "csv", check=False)
    assert proc.returncode == 2 and b"give -o FOLDER" in proc.stderr


def test_export_graphml_to_a_file(store, tmp_path):
    out = tmp_path / "kk.graphml"
    run("--store", store, "export", "--at", "2026-01-01", "-o", str(out))  # format from the name
    graph = nx.read_graphml(out)
    assert graph.has_edge("ungecenteret", "uiu") and graph.has_edge("stu", "biu")


def test_export_jsonld_to_standard_output_parses_in_rdflib(store):
    out = run("--store", store, "export", "--format", "jsonld", "--at", "2026-01-01").stdout
    graph = Graph().parse(data=out.decode("utf-8"), format="json-ld")
    assert parent_of(graph, "uiu") == ["ungecenteret"]
    asked = graph.query(
        PREFIXES
        + "ASK { ?e a org:ChangeEvent ; oe:oldName ?old ; oe:newName ?new . FILTER(STR(?new) = ?name) }",
        initBindings={"name": Literal(NEW_BIU)},
    )
    assert asked.askAnswer


def test_export_known_at_before_anything_was_recorded_is_empty(store):
    out = run(
        "--store", store, "export", "-f", "csv", "--table", "units", "--known-at", "2000-01-01"
    ).stdout
    header = "id,name,abbreviation,kind,parent,parent_name,established,ended,planned_end,lives,"
    assert out.decode().splitlines() == [header + "other_names,phase"]
