"""Auditing: "as known at", corrections and retractions, expected changes confirmed or
cancelled, competing claims, and the provenance report."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path

import pytest

from orgevents.application import OrgHistory, RejectedEntryError
from orgevents.importing import example_files, load_paths, parse_text, record_located
from orgevents.projections.audit import audit, to_csv, to_markdown
from orgevents.projections.changes import history
from orgevents.projections.claims import conflicts
from orgevents.projections.holders import who
from orgevents.projections.readmodel import ReadModel
from orgevents.store import open_store
from tests.conftest import entries

D = dt.date


class Clock:
    """A clock the test moves by hand: events are recorded at ``now``."""

    def __init__(self, start: dt.datetime) -> None:
        self.now = start

    def __call__(self) -> dt.datetime:
        return self.now

    def set(self, day: str) -> None:
        self.now = dt.datetime.fromisoformat(day).replace(hour=12, tzinfo=dt.UTC)


@pytest.fixture
def clock() -> Clock:
    return Clock(dt.datetime(2025, 1, 10, 12, tzinfo=dt.UTC))


@pytest.fixture
def app(clock, base_entries) -> OrgHistory:
    store = open_store("memory:", clock=clock)
    store.record(base_entries, "registrar")
    return store


def holders(state, resp, on, role):
    return [h.unit.id for h in who(state, resp, on).holders if h.role == role]


def test_a_correction_changes_the_answer_from_then_on_and_keeps_the_original(app, clock):
    clock.set("2025-03-01")
    app.record(
        entries(
            "- {type: UnitRenamed, key: r1, unit: af, name: Adminstration A, effective: 2021-01-01}"
        ),
        "clerk",
    )
    clock.set("2025-04-01")
    app.record(
        entries("""
- type: EventCorrected
  key: r1.fix
  about: af
  corrects: r1
  reason: typo in the name
  replacement: {type: UnitRenamed, key: r1, unit: af, name: Administration A (new), effective: 2021-01-01, sources: [{document: doc, locator: p. 2}]}
"""),
        "auditor",
    )
    model = ReadModel(app)
    now = model.catch_up()
    assert now.unit_name("af", D(2021, 6, 1)) == "Administration A (new)"
    before_fix = model.known_at(D(2025, 3, 15))
    assert before_fix.unit_name("af", D(2021, 6, 1)) == "Adminstration A"
    before_rename = model.known_at(D(2025, 2, 1))
    assert before_rename.unit_name("af", D(2021, 6, 1)) == "Administration A"
    trail = history(now, "af")
    kinds = [(c.event_id, c.type, c.recorded_by, c.recorded_at.date()) for c in trail]
    assert ("r1", "UnitRenamed", "clerk", D(2025, 3, 1)) in kinds
    assert ("r1.fix", "EventCorrected", "auditor", D(2025, 4, 1)) in kinds
    original = next(c for c in trail if c.event_id == "r1")
    assert original.details["name"] == "Adminstration A" and original.details["amended_by"] == [
        "r1.fix"
    ]


def test_a_retraction_removes_a_fact_but_not_its_record(app, clock):
    clock.set("2025-05-01")
    app.record(
        entries(
            "- {type: EventRetracted, key: x, about: t, retracts: p-t, reason: never performed there}"
        ),
        "auditor",
    )
    model = ReadModel(app)
    assert holders(model.catch_up(), "t", D(2022, 1, 1), "performer") == []
    assert holders(model.known_at(D(2025, 4, 30)), "t", D(2022, 1, 1), "performer") == ["ac"]
    assert [c.event_id for c in history(model.catch_up(), "t")].count("p-t") == 1


def test_an_amendment_that_breaks_the_history_is_refused(app):
    app.record(
        entries(
            "- {type: ResponsibilityTransferred, key: tr, responsibility: t, role: authority, from_units: [a], to_unit: b, effective: 2022-01-01}"
        ),
        "clerk",
    )
    with pytest.raises(RejectedEntryError) as info:
        app.record(
            entries("- {type: EventRetracted, key: x, about: t, retracts: a-t, reason: wrong}"),
            "auditor",
        )
    assert info.value.rule == "amendment-fits" and "'tr' would break a rule" in str(info.value)


@pytest.mark.parametrize(
    "replacement",
    [
        "{type: UnitMoved, key: e-ac, unit: ac, parent: b, effective: 2020-01-01}",  # another type
        "{type: UnitEstablished, key: other, unit: ac, name: C, kind: centre, parent: af, effective: 2020-01-01}",
    ],
)
def test_a_correction_keeps_the_type_key_and_subject(app, replacement):
    with pytest.raises(RejectedEntryError) as info:
        app.record(
            entries(
                f"""
- type: EventCorrected
  key: fix
  about: ac
  corrects: e-ac
  reason: test
  replacement: {replacement}
""".replace("}", ", sources: [{document: doc, locator: p}]}", 1)
            ),
            "auditor",
        )
    assert info.value.rule == "amendment-fits"


def test_an_expected_change_is_left_out_until_included_then_confirmed_or_cancelled(app, clock):
    app.record(
        entries("""
- {type: ResponsibilityTransferred, key: exp, responsibility: t, role: authority, from_units: [a], to_unit: b, effective: {date: 2030, qualifier: expected, text: forventeligt i 2030}}
"""),
        "clerk",
    )
    model = ReadModel(app)
    assert holders(model.catch_up(), "t", D(2030, 6, 1), "authority") == ["a"]
    planned = ReadModel(app, include_planned=True).catch_up()
    [h] = [h for h in who(planned, "t", D(2030, 6, 1)).holders if h.role == "authority"]
    assert h.unit.id == "b" and h.expected
    clock.set("2029-08-01")
    app.record(
        entries(
            "- {type: ChangeConfirmed, key: conf, about: t, confirms: exp, effective: 2029-07-01, reason: decided early}"
        ),
        "clerk",
    )
    confirmed = ReadModel(app).catch_up()
    assert holders(confirmed, "t", D(2029, 7, 1), "authority") == ["b"]
    assert holders(confirmed, "t", D(2029, 6, 30), "authority") == ["a"]
    # An enacted change cannot be confirmed or cancelled again.
    with pytest.raises(RejectedEntryError) as info:
        app.record(
            entries(
                "- {type: ChangeCancelled, key: canc, about: t, cancels: exp, reason: 'changed my mind'}"
            ),
            "clerk",
        )
    assert info.value.rule == "amendment-fits"


def test_a_cancelled_change_is_gone_even_with_planned_changes_included(app):
    app.record(
        entries("""
- {type: UnitMoved, key: mv, unit: ac, parent: b, effective: {date: 2031-01-01, qualifier: planned}}
- {type: ChangeCancelled, key: canc, about: ac, cancels: mv, reason: the plan was dropped}
"""),
        "clerk",
    )
    state = ReadModel(app, include_planned=True).catch_up()
    assert state.units["ac"].parent.at(D(2031, 6, 1), None) == "af"
    assert [c.type for c in history(state, "ac")][-2:] == ["UnitMoved", "ChangeCancelled"]


def test_copenhagen_as_known_before_and_after_the_1_january_changes_were_recorded():
    """Recorded file by file: what did the record say about 1 January 2026 before the changes
    of the agreement were entered, and after?"""
    clock = Clock(dt.datetime(2025, 1, 1, tzinfo=dt.UTC))
    app = open_store("memory:", clock=clock)
    recorded = {
        "00-documents.yaml": "2025-06-20",
        "01-structure.yaml": "2025-06-20",
        "02-decisions.yaml": "2025-06-20",
        "03-ressort-2026.yaml": "2025-11-25",  # after the implementation plans reached ØU
        "04-taskforce.yaml": "2025-11-26",
        "05-reform.yaml": "2026-01-15",
        "06-claims.yaml": "2026-02-01",
        "07-remits.yaml": "2026-02-01",
        "08-facts.yaml": "2026-02-01",
        "09-claims-more.yaml": "2026-02-01",
    }
    files = example_files("copenhagen")
    assert sorted(recorded) == [f.name for f in files]
    for path in files:
        clock.set(recorded[path.name])
        load_paths(app, [path], "registrar")
    model = ReadModel(app)
    new_year = D(2026, 1, 1)
    # On 1 September 2025 the record still said STU's authority on 1 January 2026 was BUU ...
    assert holders(model.known_at(D(2025, 9, 1)), "stu", new_year, "authority") == ["buu"]
    assert (
        model.known_at(D(2025, 9, 1)).unit_name("biu", new_year)
        == "Beskæftigelses- og Integrationsudvalget"
    )
    # ... and from 25 November 2025 on, BIU under its new name.
    assert holders(model.known_at(D(2025, 11, 25)), "stu", new_year, "authority") == ["biu"]
    assert model.known_at(D(2025, 11, 25)).unit_name("biu", new_year).endswith("Erhvervsudvalget")
    # Claims recorded in February 2026 are not known before.
    assert conflicts(model.known_at(D(2026, 1, 31))) == [] or all(
        c.kind == "figure" for c in conflicts(model.known_at(D(2026, 1, 31)))
    )


def test_conflicts_list_every_disagreement_in_the_sources(copenhagen_state):
    found = conflicts(copenhagen_state)
    about = {(c.subject["id"], c.property) for c in found}
    expected_subjects = {
        "ressortaftale",  # 1 agreement date: 30 Apr / 7 May / 19 Jun 2025
        "erhverv",  # 2 business FTE: 3,75 vs ca. 2
        "uu-vejledning",  # 3 youth FTE 145 vs 140; 5 UU scope
        "udsatteteam-beskaeftigelse",  # 4 who holds the authority from 2026
        "stu-tilsyn-private",  # 6 STU scope
        "bif",  # 7 the name used for 2026
        "rehabiliteringsteams",  # 8 taskforce vs the reform's abolition
    }
    assert expected_subjects <= {s for s, _ in about}
    assert len([c for c in found if c.kind == "claim"]) >= 8
    dates = next(c for c in found if c.subject["id"] == "ressortaftale")
    assert {str(claim.value) for claim in dates.claims} == {
        "2025-04-30",
        "2025-05-07",
        "2025-06-19",
    }
    assert {claim.sources[0].document for claim in dates.claims} == {
        "notat",
        "ou-2025-06-03",
        "ou-2025-11-25",
    }
    # A claim and its figure about the same thing count once: the business and youth FTE
    # figures disagree as the claims do, so they are shown with them, not on their own.
    assert [c for c in found if c.kind == "figure"] == []
    folded = {c.subject["id"]: c.figures_of for c in found if c.figures_of}
    assert set(folded) == {"erhverv", "uu-vejledning"}
    assert {f["property"] for f in folded.values()} == {"fte 2026"}
    youth = next(c for c in found if c.subject["id"] == "uu-vejledning" and c.figures)
    assert {(c.value, c.approximate) for c in youth.claims} == {(145, True), (140, True)}
    # 9: the memo's introduction (udsatteområdet to BIU) against its third section (SUD).
    intro = next(c for c in found if c.subject["id"] == "udsatteteam")
    assert {v.value for v in intro.claims} == {"BIU", "SUD"}
    assert len(found) == 9


def test_a_new_disagreement_loaded_from_a_file_appears_and_a_preference_is_flagged(tmp_path):
    app = open_store("memory:")
    load_paths(app, example_files("copenhagen"), "registrar")
    before = len(conflicts(ReadModel(app).catch_up()))
    extra = """
format: orgevents/1
entries:
  - {type: ClaimRecorded, key: t.places-a, about: udsatteteam, property: places, value: 40, effective: 2025, sources: [{document: implementeringsplan, locator: "Del 1, afsnit A"}]}
  - {type: ClaimRecorded, key: t.places-b, about: udsatteteam, property: places, value: 45, effective: 2025, sources: [{document: notat, locator: "Sammenhængende social- og beskæftigelsesindsats"}]}
  - {type: ClaimPreferred, key: t.places-pref, claim: t.places-a, reason: the plan counts the places, effective: 2025-12-01, sources: [{document: implementeringsplan, locator: "Del 1, afsnit A"}]}
"""
    record_located(app, parse_text(extra, "extra.yaml"), "auditor")
    found = conflicts(ReadModel(app).catch_up())
    assert len(found) == before + 1
    [new] = [c for c in found if c.subject["id"] == "udsatteteam" and c.property == "places"]
    assert new.preferred == "t.places-a"
    assert {(c.value, c.preferred) for c in new.claims} == {(40, True), (45, False)}


def test_the_provenance_report_has_decision_sources_quotes_and_recorder(copenhagen_state):
    items = audit(copenhagen_state, D(2026, 1, 1), D(2026, 1, 1))
    rename = next(i for i in items if i["event_id"] == "biu.renamed-2026")
    assert rename["decision"]["id"] == "br-godkendelse"
    assert any(s["document"] == "notat" and s["quote"] for s in rename["sources"])
    assert rename["recorded_by"] == "tests"
    md = to_markdown(items, D(2026, 1, 1), D(2026, 1, 1))
    assert "## 2026-01-01 — Beskæftigelses- og Integrationsudvalget renamed to" in md
    assert "> Som følge heraf skifter udvalget" in md
    rows = list(csv.DictReader(io.StringIO(to_csv(items))))
    assert len(rows) == len(items)
    assert {r["event_id"] for r in rows} >= {"biu.renamed-2026", "stu.authority.2026"}


def test_the_audit_and_conflicts_commands(tmp_path):
    import subprocess
    import sys

    url = f"sqlite:///{tmp_path / 's.db'}"

    def run(*args):
        return subprocess.run(
            [sys.executable, "-m", "orgevents", "--store", url, *args],
            capture_output=True,
            text=True,
            check=True,
        ).stdout

    run("load", "--example", "copenhagen")
    report = json.loads(run("audit", "2026-02-01", "2026-02-01", "--format", "json"))
    assert report["from"] == "2026-02-01" and report["changes"]
    assert all(c["sources"] for c in report["changes"])
    rows = list(
        csv.DictReader(io.StringIO(run("audit", "2026-07-01", "2026-07-01", "--format", "csv")))
    )
    assert any(r["subject_id"] == "rehabiliteringsteam" for r in rows)
    listed = json.loads(run("conflicts", "--json"))
    assert any(c["subject"]["id"] == "ressortaftale" for c in listed)
    # Everything was recorded today: known at yesterday, nothing was known.
    yesterday = (dt.date.today() - dt.timedelta(days=1)).isoformat()
    assert json.loads(run("units", "--at", "2026-01-01", "--known-at", yesterday, "--json")) == []
    assert json.loads(run("units", "--at", "2026-01-01", "--json"))


def test_readme_examples_dir_exists():
    assert (Path(__file__).resolve().parent.parent / "docs" / "examples").is_dir()
