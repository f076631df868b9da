"""The audit endpoints: conflicts, the provenance report, the chain check and exports."""

from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET

import pytest
from fastapi.testclient import TestClient
from rdflib import Graph

from orgevents.http.app import create_app
from orgevents.importing import example_files, load_paths


@pytest.fixture(scope="module")
def api() -> TestClient:
    app = create_app("memory:")
    load_paths(app.state.service.store, example_files("copenhagen"), "tests")
    return TestClient(app)


def test_conflicts_are_listed_with_their_sources(api):
    found = api.get("/api/conflicts").json()
    dates = next(c for c in found if c["subject"]["id"] == "ressortaftale")
    assert {str(c["value"]) for c in dates["claims"]} == {"2025-04-30", "2025-05-07", "2025-06-19"}
    assert all(c["sources"] for c in dates["claims"])
    assert api.get("/api/conflicts", params={"known_at": "2020-01-01"}).json() == []


def test_the_audit_report_in_each_format(api):
    report = api.get("/api/audit", params={"from": "2026-01-01", "to": "2026-01-01"}).json()
    assert report["from"] == "2026-01-01"
    rename = next(c for c in report["changes"] if c["event_id"] == "biu.renamed-2026")
    assert rename["decision"]["id"] == "br-godkendelse" and rename["sources"][0]["quote"]
    md = api.get("/api/audit", params={"from": "2026-07-01", "to": "2026-07-01", "format": "md"})
    assert md.headers["content-type"].startswith("text/markdown")
    assert md.text.startswith("# Provenance report: changes effective 2026-07-01 – 2026-07-01")
    rows = list(
        csv.DictReader(
            io.StringIO(
                api.get(
                    "/api/audit", params={"from": "2026-02-01", "to": "2026-02-01", "format": "csv"}
                ).text
            )
        )
    )
    assert rows and all(r["sources"] for r in rows)


def test_the_audit_report_refuses_dates_out_of_order(api):
    answer = api.get("/api/audit", params={"from": "2026-02-01", "to": "2026-01-01"})
    assert answer.status_code == 422
    assert api.get("/api/audit", params={"from": "soon", "to": "2026-01-01"}).status_code == 422


def test_verify_is_ok_on_an_untouched_store_and_checks_an_anchor(api):
    report = api.get("/api/verify")
    assert report.status_code == 200 and report.json()["ok"] is True
    assert api.get("/api/verify", params={"anchor": "nonsense"}).status_code == 422
    wrong = api.get("/api/verify", params={"anchor": "1:" + "0" * 64})
    assert wrong.status_code == 409 and wrong.json()["ok"] is False


def test_exports_parse_back(api):
    graphml = api.get("/api/export/graphml", params={"at": "2026-01-01"})
    assert graphml.status_code == 200
    ET.fromstring(graphml.content)  # well-formed XML
    assert b"ungecenteret" in graphml.content
    doc = api.get("/api/export/jsonld", params={"at": "2026-01-01"})
    graph = Graph().parse(data=doc.text, format="json-ld")
    renames = graph.query(
        """PREFIX org: <http://www.w3.org/ns/org#> PREFIX oe: <urn:orgevents:vocab#>
        SELECT ?e WHERE { ?e a org:ChangeEvent ; oe:newName ?n }"""
    )
    assert len(list(renames)) >= 2
    units = list(
        csv.DictReader(
            io.StringIO(
                api.get("/api/export/csv", params={"at": "2026-01-01", "table": "units"}).text
            )
        )
    )
    assert {"biu", "uiu"} <= {u["id"] for u in units}
    assert api.get("/api/export/pdf").status_code == 422
