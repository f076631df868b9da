"""The SQL temporal index answers every as-of question exactly as the in-memory fold does.

Random histories — units established, renamed, moved and ended on coarse dates (so changes share
days), often backdated, some expected or planned; responsibilities assigned, transferred, ended
and abolished; corrections, retractions, confirmations and cancellations — are recorded through
the normal checks, one ``record`` call at a time at rising recorded times. After every call the
index catches up (with a tiny cache, so subjects are also reloaded from the store). Then for
every change day, the day before it and days outside the history, with and without planned
changes, and known at several recorded times, the index and the fold give the same org graph,
responsibility graph, unit list and holders — on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from orgevents.application import OrgHistory
from orgevents.projections import holders, structure
from orgevents.projections.readmodel import ReadModel
from orgevents.projections.sqlindex import SqlIndex
from tests.histories import DAYS, HistoryMaker, StepClock, fresh_store, graph_data


def query_days() -> list[dt.date]:
    """Every change day, the day before each, and days outside the history."""
    days = {DAYS[0] - dt.timedelta(days=400), DAYS[-1] + dt.timedelta(days=400)}
    for d in DAYS:
        days.update({d, d - dt.timedelta(days=1)})
    return sorted(days)


# the kinds of entry this test was written with (the first twenty of HistoryMaker's table)
OPS = st.lists(st.tuples(st.integers(0, 19), st.integers(0, 2**32)), min_size=5, max_size=45)


def build(
    app: OrgHistory, clock: StepClock, ops: list[tuple[int, int]], index: SqlIndex
) -> HistoryMaker:
    maker = HistoryMaker(app, clock)
    index.catch_up()
    for op, seed in ops:
        if maker.step(op, seed):
            index.catch_up()
    return maker


def assert_same_answers(app: OrgHistory, index: SqlIndex, maker: HistoryMaker) -> None:
    moments: list[dt.datetime | None] = [None]
    if len(maker.times) > 2:
        moments += [maker.times[0], maker.times[len(maker.times) // 2], maker.times[-2]]
    for include_planned in (False, True):
        model = ReadModel(app, include_planned=include_planned)
        for known_at in moments:
            state = model.known_at(known_at)
            for on in query_days():
                asked = index.as_of(on, known_at, include_planned)
                where = f"on {on}, known at {known_at}, planned {include_planned}"
                assert graph_data(asked.org_graph()) == graph_data(
                    structure.org_graph(state, on)
                ), where
                assert graph_data(asked.responsibility_graph()) == graph_data(
                    holders.responsibility_graph(state, on)
                ), where
                assert asked.units() == structure.units_at(state, on), where
                for resp in state.responsibilities:
                    assert asked.who(resp) == holders.who(state, resp, on), (where, resp)


@pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(ops=OPS)
def test_the_index_answers_every_as_of_question_as_the_fold_does(backend, ops):
    clock = StepClock()
    with fresh_store(backend, clock) as (_, app):
        index = SqlIndex(app, cache_size=2)
        try:
            maker = build(app, clock, ops, index)
            assert_same_answers(app, index, maker)
        finally:
            index.close()


@pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def test_the_index_answers_the_copenhagen_questions_as_the_fold_does(backend):
    from orgevents.importing import example_files, load_paths
    from orgevents.projections.reader import Reader

    clock = StepClock()
    with fresh_store(backend, clock) as (_url, app):
        load_paths(app, example_files("copenhagen"), "tests")
        index = SqlIndex(app)
        index.catch_up()
        for include_planned in (False, True):
            state = ReadModel(app, include_planned=include_planned).catch_up()
            days = sorted(state.change_dates)
            for on in [days[0] - dt.timedelta(days=1), *days, dt.date(2031, 1, 1)]:
                asked = index.as_of(on, None, include_planned)
                assert graph_data(asked.org_graph()) == graph_data(structure.org_graph(state, on))
                assert graph_data(asked.responsibility_graph()) == graph_data(
                    holders.responsibility_graph(state, on)
                )
                for resp in state.responsibilities:
                    assert asked.who(resp) == holders.who(state, resp, on)
        index.close()
        # `orgevents who` takes its answer from the reader, whatever the size of the store
        on = dt.date(2026, 1, 1)
        reader = Reader(app)
        assert reader.view().who("stu", on) == holders.who(ReadModel(app).catch_up(), "stu", on)
        reader.close()
