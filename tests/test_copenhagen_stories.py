"""Stories from the sources, on every backend: the Copenhagen reorganisation of 1 January 2026.

Each test reads like the sources: dates are fixed, one comment per step.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator

import pytest

from orgevents.events import ClaimRecorded, Role
from orgevents.importing import example_files, load_paths
from orgevents.projections.changes import change_dates, diff, history
from orgevents.projections.fold import OrgState
from orgevents.projections.holders import who
from orgevents.projections.readmodel import ReadModel
from orgevents.projections.structure import org_graph, units_at
from orgevents.store import open_store
from tests.conftest import POSTGRES, _postgres_connect

D = dt.date
NEW_YEAR_EVE, NEW_YEAR = D(2025, 12, 31), D(2026, 1, 1)


@pytest.fixture(scope="module", params=["memory", "sqlite", "postgres"])
def kk(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[OrgState]:
    """The dataset loaded into a fresh store of each kind, read back through the notification log."""
    schema = None
    if request.param == "memory":
        url = "memory:"
    elif request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('kk') / 'kk.db'}"
    else:
        conn = _postgres_connect()
        schema = f"t_{uuid.uuid4().hex[:12]}"
        conn.execute(f"CREATE SCHEMA {schema}")
        url = f"{POSTGRES}?schema={schema}"
    store = open_store(url)
    load_paths(store, example_files("copenhagen"), "story tests")
    reader = open_store(url) if url != "memory:" else store  # read as another process would
    yield ReadModel(reader).catch_up()
    store.close()
    reader.close()
    if schema:
        conn.execute(f"DROP SCHEMA {schema} CASCADE")
        conn.close()


def refold(state: OrgState, include_planned: bool) -> OrgState:
    """The same log folded again — projections are folds, no database needed."""
    fresh = OrgState(include_planned)
    for rec in state.stored:
        fresh.apply(rec.position, rec.payload, rec.recorded_at, rec.recorded_by)
    return fresh


def holders(state: OrgState, resp: str, on: dt.date, role: str) -> list[str]:
    return [h.unit.id for h in who(state, resp, on).holders if h.role == role]


def test_stu_authority_moves_from_buu_to_the_renamed_biu(kk):
    # STU belongs to BUU on 2025-12-31 ...
    assert holders(kk, "stu", NEW_YEAR_EVE, "authority") == ["buu"]
    # ... and to BIU on 2026-01-01, the same unit id before and after the rename.
    assert holders(kk, "stu", NEW_YEAR, "authority") == ["biu"]
    assert kk.unit_name("biu", NEW_YEAR_EVE) == "Beskæftigelses- og Integrationsudvalget"
    assert kk.unit_name("biu", NEW_YEAR) == "Beskæftigelses-, Integrations- og Erhvervsudvalget"
    # The abbreviation is kept: no source gives a new one.
    [holder] = [h for h in who(kk, "stu", NEW_YEAR).holders if h.role == "authority"]
    assert [c.id for c in holder.chain] == ["br"]


def test_the_administration_is_renamed_too_and_keeps_its_centres(kk):
    assert (
        kk.unit_name("bif", NEW_YEAR) == "Beskæftigelses-, Integrations- og Erhvervsforvaltningen"
    )
    before = {u.id for u in units_at(kk, NEW_YEAR_EVE) if u.parent == "bif"}
    after = {u.id for u in units_at(kk, NEW_YEAR) if u.parent == "bif"}
    assert {
        "cbe",
        "cba",
        "ungecenteret",
        "csi",
        "ydelsesservice",
        "centralforvaltningen",
        "cdo",
    } <= before
    assert before <= after | {"taskforce"}


def test_business_tasks_move_from_three_committees_to_biu_with_both_fte_claims(kk):
    # Before: ØU, TMU and KFU hold the business tasks; after: BIU alone.
    assert set(holders(kk, "erhverv", NEW_YEAR_EVE, "authority")) == {"ou", "tmu", "kfu"}
    assert holders(kk, "erhverv", NEW_YEAR, "authority") == ["biu"]
    # The memo says 3,75 årsværk, the presentation "ca. 2": both are kept, each with its source.
    [transfer] = [
        c
        for c in diff(kk, NEW_YEAR_EVE, NEW_YEAR)
        if c.subject["id"] == "erhverv" and c.details.get("role") == "authority"
    ]
    fte = {
        (f["value"], f["sources"][0]["document"])
        for f in transfer.details["figures"]
        if f["metric"] == "fte"
    }
    assert (3.75, "notat") in fte and (2, "bif-praesentation") in fte


def test_the_stu_schools_move_from_buf_to_ungecenteret(kk):
    for school in ("uiu", "csv"):
        assert kk.units[school].parent.at(NEW_YEAR_EVE, None) == "buf"
        assert kk.units[school].parent.at(NEW_YEAR, None) == "ungecenteret"
    graph = org_graph(kk, NEW_YEAR)
    assert graph.has_edge("ungecenteret", "uiu") and graph.has_edge("bif", "ungecenteret")


def test_youth_guidance_moves_to_biu_and_is_performed_in_ungecenteret(kk):
    assert holders(kk, "uu-vejledning", NEW_YEAR_EVE, "authority") == ["buu"]
    assert holders(kk, "uu-vejledning", NEW_YEAR, "authority") == ["biu"]
    assert holders(kk, "uu-vejledning", NEW_YEAR, "performer") == ["ungecenteret"]


def test_outreach_team_moves_to_dsi_while_authority_stays_with_biu_until_2030(kk):
    # The team sits in SOF, then in DSI (Din Sociale Indgang) from 1 January 2026.
    assert kk.units["udsatteteam"].parent.at(NEW_YEAR, None) == "dsi"
    # The employment work is performed in DSI from 2026 ...
    assert holders(kk, "udsatteteam-beskaeftigelse", NEW_YEAR_EVE, "performer") == ["bif"]
    assert holders(kk, "udsatteteam-beskaeftigelse", NEW_YEAR, "performer") == ["dsi"]
    # ... while the authority stays with BIU until the reform is phased in ...
    assert holders(kk, "udsatteteam-beskaeftigelse", D(2029, 12, 31), "authority") == ["biu"]
    # ... expected to pass to SUD in 2030: by default views leave expected changes out ...
    assert holders(kk, "udsatteteam-beskaeftigelse", D(2030, 6, 1), "authority") == ["biu"]
    # ... and when asked to include them, the answer says it is only expected.
    with_planned = refold(kk, include_planned=True)
    answer = who(with_planned, "udsatteteam-beskaeftigelse", D(2030, 6, 1))
    [authority] = [h for h in answer.holders if h.role == Role.AUTHORITY.value]
    assert authority.unit.id == "sud" and authority.expected
    assert authority.since is not None and "2030" in authority.since


def test_taskforce_is_temporary_and_starts_in_may_2025(kk):
    assert not kk.unit_exists("taskforce", D(2025, 4, 30))
    assert kk.unit_exists("taskforce", D(2025, 5, 1))
    facts = kk.units["taskforce"]
    assert facts.kind == "taskforce" and str(facts.planned_end) == "2026-H1"
    assert facts.parent.at(D(2025, 6, 1), None) == "bif"


def test_reform_stages_abolish_tasks_on_their_dates(kk):
    # Ressourceforløb is phased out from the first reform stage on 1 February 2026 (slide 15,
    # the CBA slide: "udfases"): CBA still performs it, until the reform is fully phased in,
    # expected 2030 — so only a view with planned changes sees it gone.
    assert holders(kk, "ressourceforloeb", D(2026, 1, 31), "performer") == ["cba"]
    assert holders(kk, "ressourceforloeb", D(2026, 2, 1), "performer") == ["cba"]
    assert kk.phases_on(D(2026, 3, 1), "ressourceforloeb")["ressourceforloeb"][0].until == (
        "expected 2030"
    )
    assert holders(kk, "ressourceforloeb", D(2031, 1, 1), "performer") == ["cba"]
    planned = refold(kk, include_planned=True)
    assert who(planned, "ressourceforloeb", D(2030, 1, 1)).holders == []
    # The rehabilitation team is abolished by stage 2 on 1 July 2026.
    assert kk.unit_exists("rehabiliteringsteam", D(2026, 6, 30))
    assert not kk.unit_exists("rehabiliteringsteam", D(2026, 7, 1))
    # Jobafklaringsforløb is phased out from the new main act, only expected on 1 January 2027,
    # until the reform is fully phased in (expected 2030): with expected changes it is being
    # phased out in 2027 and gone in 2030.
    assert holders(kk, "jobafklaringsforloeb", D(2027, 1, 1), "performer") == ["cbe"]
    assert not kk.phases_on(D(2027, 1, 1), "jobafklaringsforloeb")  # not enacted
    assert [h.unit.id for h in who(planned, "jobafklaringsforloeb", D(2027, 1, 1)).holders] == [
        "biu",
        "cbe",
    ]
    assert planned.phases_on(D(2027, 1, 1), "jobafklaringsforloeb")
    assert who(planned, "jobafklaringsforloeb", D(2030, 1, 1)).holders == []
    dates = change_dates(kk)
    for d in (D(2025, 5, 1), NEW_YEAR, D(2026, 2, 1), D(2026, 7, 1)):
        assert d in dates
    assert D(2027, 1, 1) not in dates
    assert D(2027, 1, 1) in change_dates(refold(kk, include_planned=True))


def test_the_1_january_changes_point_to_the_decision_behind_them(kk):
    changes = diff(kk, NEW_YEAR_EVE, NEW_YEAR)
    assert changes, "nothing changes on 1 January 2026?"
    decided = [c for c in changes if c.decision]
    assert decided and all(c.decision in kk.decisions for c in decided)
    trail = {c.decision for c in decided}
    assert trail & {"br-godkendelse", "ressortaftale", "ou-principbeslutning"}


def test_every_event_cites_a_registered_document(kk):
    for rec in kk.records:
        payload = rec.payload
        for source in getattr(payload, "sources", []):
            assert source.document in kk.documents, f"{payload.key} cites {source.document}"


def test_every_disagreement_in_the_sources_is_kept_as_competing_claims(kk):
    groups: dict[tuple[str, str], set[str]] = {}
    for rec in kk.claims:
        claim = rec.payload
        assert isinstance(claim, ClaimRecorded)
        groups.setdefault((claim.about, claim.property), set()).add(str(claim.value))
    disputed = {k for k, values in groups.items() if len(values) > 1}
    about = {a for a, _ in disputed}
    # 1 the agreement date, 2 business FTE, 3 youth FTE, 4 the outreach team's authority,
    # 5 UU scope, 6 STU scope, 7 the name used for 2026, 8 the rehabilitation team.
    for subject in (
        "ressortaftale",
        "erhverv",
        "uu-vejledning",
        "udsatteteam-beskaeftigelse",
        "stu-tilsyn-private",
        "bif",
        "rehabiliteringsteams",
    ):
        assert subject in about, f"no competing claims about {subject}"
    assert len(disputed) >= 8
    dates = next(v for (a, p), v in groups.items() if a == "ressortaftale" and len(v) > 1)
    assert {"2025-04-30", "2025-05-07", "2025-06-19"} <= dates


def test_history_keeps_effective_and_recorded_time_apart(kk):
    items = history(kk, "udsatteteam-beskaeftigelse")
    expected = [i for i in items if i.effective_qualifier == "expected"]
    assert expected and expected[0].effective_date == D(2030, 1, 1)
    assert all(i.recorded_at.year >= 2026 for i in items)  # recorded when loaded, not 2030
    assert all(i.sources for i in items)


def test_before_the_dataset_starts_the_answer_is_empty(kk):
    assert units_at(kk, D(1990, 1, 1)) == []
    assert who(kk, "stu", D(1990, 1, 1)).holders == []
