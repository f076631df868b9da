"""Re-establishment: a unit or responsibility that ended can start again under the same id, and
every view shows its lives as one identity."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from orgevents.application import OrgHistory, RejectedEntryError
from orgevents.store import open_store
from tests.conftest import BASE, entries

D = dt.date

LIVES = (
    BASE
    + """
- {type: UnitEstablished, key: x.established, unit: x, name: Merchant Marine Committee, abbreviation: MMC, kind: committee, parent: br, effective: 1950-01-01}
- {type: UnitRenamed, key: x.renamed-1960, unit: x, name: Merchant Marine and Fisheries Committee, effective: 1960-01-01}
- {type: UnitAbolished, key: x.abolished-1971, unit: x, effective: 1971-01-01}
- {type: UnitEstablished, key: x.reestablished-2021, unit: x, name: Maritime Committee, abbreviation: MC, kind: committee, parent: b, effective: 2021-03-01}
"""
)


def record(app: OrgHistory, text: str) -> None:
    app.record(entries(text), "tester")


def rejected(app: OrgHistory, text: str) -> RejectedEntryError:
    before = app.last_position()
    with pytest.raises(RejectedEntryError) as info:
        record(app, text)
    assert app.last_position() == before, "a rejected load must write nothing"
    return info.value


@pytest.fixture
def lived() -> OrgHistory:
    # the base history starts in 2020; x's first life is older (a council has no date limit)
    app = open_store("memory:")
    record(app, LIVES.replace("effective: 2020-01-01", "effective: 1940-01-01"))
    return app


def test_a_unit_has_two_lives_under_one_id(lived: OrgHistory) -> None:
    from orgevents.units import Unit

    unit = lived.repository.get(Unit.create_id(entries(LIVES)[-1]))
    assert [(life.start, life.end) for life in unit.lives()] == [
        (D(1950, 1, 1), D(1971, 1, 1)),
        (D(2021, 3, 1), None),
    ]
    assert unit.in_force_on(D(1965, 1, 1))
    assert not unit.in_force_on(D(1990, 1, 1))
    assert unit.in_force_on(D(2021, 3, 1))
    assert unit.name_on(D(1965, 1, 1)) == "Merchant Marine and Fisheries Committee"
    assert unit.name_on(D(2022, 1, 1)) == "Maritime Committee"
    assert unit.parent_on(D(1965, 1, 1)) == "br"
    assert unit.parent_on(D(2022, 1, 1)) == "b"


def test_reestablishing_a_unit_in_force_is_refused(lived: OrgHistory) -> None:
    err = rejected(
        lived,
        """
- {type: UnitEstablished, key: x.again, unit: x, name: Another, kind: committee, parent: br, effective: 2022-01-01}
""",
    )
    assert err.rule == "id-unique"
    assert "still in force since 2021-03-01" in str(err)
    assert "needs the earlier life to end first" in str(err)


def test_reestablishment_before_the_end_is_refused(lived: OrgHistory) -> None:
    record(lived, "- {type: UnitAbolished, key: x.abolished-2023, unit: x, effective: 2023-01-01}")
    err = rejected(
        lived,
        """
- {type: UnitEstablished, key: x.again, unit: x, name: Another, kind: committee, parent: br, effective: 2022-06-01}
""",
    )
    assert err.rule == "lives-in-order"
    assert err.cause.field == "effective"
    assert "ends only on 2023-01-01" in str(err)


@pytest.mark.parametrize(
    "change",
    [
        "{type: UnitRenamed, key: c, unit: x, name: Gap name, effective: 1980-01-01}",
        "{type: UnitMoved, key: c, unit: x, parent: b, effective: 1980-01-01}",
        "{type: FiguresRecorded, key: c, unit: x, effective: 1980-01-01, figures: [{metric: headcount, value: 3, year: 1980, sources: [{document: doc, locator: p}]}]}",
        "{type: UnitAbolished, key: c, unit: x, effective: 1980-01-01}",
    ],
)
def test_changes_in_the_gap_between_lives_are_refused(lived: OrgHistory, change: str) -> None:
    err = rejected(lived, f"- {change}")
    assert err.rule == "in-force"
    assert "it ended on 1971-01-01, re-established only on 2021-03-01" in str(err)


def test_a_change_in_the_first_life_is_still_allowed(lived: OrgHistory) -> None:
    record(lived, "- {type: UnitRenamed, key: c, unit: x, name: Early name, effective: 1955-01-01}")
    err = rejected(lived, "- {type: UnitAbolished, key: c2, unit: x, effective: 1965-01-01}")
    assert err.rule == "in-force"  # the first life already ends, in 1971


def test_nothing_may_sit_under_a_unit_in_its_gap(lived: OrgHistory) -> None:
    err = rejected(
        lived,
        """
- {type: UnitEstablished, key: y, unit: y, name: Sub, kind: team, parent: x, effective: 1980-01-01}
""",
    )
    assert err.rule == "in-force"
    assert "from 1950-01-01 until 1971-01-01 and from 2021-03-01" in str(err)


def test_a_unit_under_the_first_life_must_leave_before_it_ends() -> None:
    app = open_store("memory:")
    record(app, BASE)
    record(
        app,
        """
- {type: UnitEstablished, key: x.e, unit: x, name: X, kind: committee, parent: br, effective: 2020-02-01}
- {type: UnitEstablished, key: y.e, unit: y, name: Y, kind: team, parent: x, effective: 2020-03-01}
""",
    )
    err = rejected(app, "- {type: UnitAbolished, key: x.a, unit: x, effective: 2020-06-01}")
    assert err.rule == "no-orphaned-units"


def test_retracting_the_end_between_two_lives_is_refused(lived: OrgHistory) -> None:
    err = rejected(
        lived,
        "- {type: EventRetracted, key: r, about: x, retracts: x.abolished-1971, reason: wrong}",
    )
    assert err.rule == "amendment-fits"
    assert "still in force" in str(err)


def test_correcting_the_end_past_the_new_life_is_refused(lived: OrgHistory) -> None:
    err = rejected(
        lived,
        """
- type: EventCorrected
  key: fix
  about: x
  corrects: x.abolished-1971
  reason: later
  replacement: {type: UnitAbolished, key: x.abolished-1971, unit: x, effective: 2021-06-01, sources: [{document: doc, locator: p}]}
""",
    )
    assert err.rule == "amendment-fits"
    assert "lives-in-order" not in str(err) and "ends only on 2021-06-01" in str(err)


def test_retracting_a_reestablishment_ends_the_unit_again(lived: OrgHistory) -> None:
    from orgevents.units import Unit

    record(
        lived,
        "- {type: EventRetracted, key: r, about: x, retracts: x.reestablished-2021, reason: not so}",
    )
    unit = lived.repository.get(Unit.create_id(entries(LIVES)[-1]))
    assert [(life.start, life.end) for life in unit.lives()] == [(D(1950, 1, 1), D(1971, 1, 1))]


def test_retracting_a_reestablishment_with_later_changes_is_refused(lived: OrgHistory) -> None:
    record(lived, "- {type: UnitRenamed, key: c, unit: x, name: Later, effective: 2022-01-01}")
    err = rejected(
        lived,
        "- {type: EventRetracted, key: r, about: x, retracts: x.reestablished-2021, reason: not so}",
    )
    assert err.rule == "amendment-fits"


def test_a_responsibility_can_be_defined_again(lived: OrgHistory) -> None:
    record(
        lived,
        """
- {type: ResponsibilityAbolished, key: t.abolished, responsibility: t, effective: 2021-01-01}
- {type: ResponsibilityDefined, key: t.defined-again, responsibility: t, name: Task T again, scope: T anew, effective: 2022-01-01}
- {type: ResponsibilityAssigned, key: t.b, responsibility: t, unit: b, role: authority, effective: 2022-01-01}
""",
    )
    err = rejected(
        lived,
        "- {type: ResponsibilityAssigned, key: t.gap, responsibility: t, unit: a, role: performer, effective: 2021-06-01}",
    )
    assert err.rule == "in-force"
    assert "defined again only from 2022-01-01" in str(err)
    err = rejected(
        lived,
        "- {type: ResponsibilityDefined, key: t.third, responsibility: t, name: T3, scope: s, effective: 2023-01-01}",
    )
    assert err.rule == "id-unique" and "still in force since 2022-01-01" in str(err)


def test_a_responsibility_defined_before_its_abolition_is_refused(lived: OrgHistory) -> None:
    record(lived, "- {type: ResponsibilityAbolished, key: t.ab, responsibility: t, effective: 2021-01-01}")
    err = rejected(
        lived,
        "- {type: ResponsibilityDefined, key: t.again, responsibility: t, name: T, scope: s, effective: 2020-06-01}",
    )
    assert err.rule == "lives-in-order"
