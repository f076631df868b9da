"""Domain rules: a change that contradicts the history is refused with the rule named, and
nothing of the batch is written."""

from __future__ import annotations

import pytest

from orgevents.application import OrgHistory, RejectedEntryError
from orgevents.errors import ConflictError
from orgevents.projections.readmodel import ReadModel
from orgevents.store import open_store
from tests.conftest import entries


def record(app: OrgHistory, text: str) -> None:
    app.record(entries(text), "tester")


def rejected(app: OrgHistory, base: list, text: str) -> RejectedEntryError:
    app.record(base, "tester")
    before = app.last_position()
    with pytest.raises(RejectedEntryError) as info:
        app.record(entries(text), "tester")
    assert app.last_position() == before, "a rejected batch must write nothing"
    return info.value


def test_transfer_from_a_unit_that_does_not_hold_it_is_refused(app, base_entries):
    err = rejected(
        app,
        base_entries,
        """
- {type: ResponsibilityTransferred, key: x, responsibility: t, role: authority, from_units: [b], to_unit: a, effective: 2021-01-01}
""",
    )
    assert err.rule == "holder-required"
    assert "'b' does not hold it" in str(err)


def test_transfer_before_the_holder_held_it_is_refused(app, base_entries):
    err = rejected(
        app,
        base_entries,
        """
- {type: ResponsibilityTransferred, key: x, responsibility: t, role: authority, from_units: [a], to_unit: b, effective: 2019-06-01}
""",
    )
    assert err.rule in {"holder-required", "in-force"}


def test_moving_a_unit_under_its_own_descendant_is_refused(app, base_entries):
    err = rejected(
        app,
        base_entries,
        """
- {type: UnitMoved, key: x, unit: a, parent: ac, effective: 2021-01-01}
""",
    )
    assert err.rule == "no-parent-cycle"
    assert "a → ac → af → a" in str(err)


def test_moving_a_unit_under_itself_is_refused(app, base_entries):
    err = rejected(
        app, base_entries, "- {type: UnitMoved, key: x, unit: a, parent: a, effective: 2021-01-01}"
    )
    assert err.rule == "no-parent-cycle"


def test_a_change_after_abolition_is_refused(app, base_entries):
    err = rejected(
        app,
        base_entries,
        """
- {type: UnitAbolished, key: x1, unit: ac, effective: 2021-01-01}
- {type: UnitRenamed, key: x2, unit: ac, name: Too late, effective: 2021-06-01}
""",
    )
    assert err.rule == "in-force"
    assert err.index == 1
    assert "it ended on 2021-01-01" in str(err)


def test_a_change_before_establishment_is_refused(app, base_entries):
    err = rejected(
        app,
        base_entries,
        "- {type: UnitRenamed, key: x, unit: ac, name: Early, effective: 2019-01-01}",
    )
    assert err.rule == "in-force"
    assert "established only on 2020-01-01" in str(err)


def test_abolishing_a_unit_with_later_changes_is_refused(app, base_entries):
    err = rejected(
        app,
        base_entries,
        """
- {type: UnitRenamed, key: x1, unit: ac, name: Later name, effective: 2022-01-01}
- {type: UnitAbolished, key: x2, unit: ac, effective: 2021-01-01}
""",
    )
    assert err.rule == "in-force"
    assert "later change" in str(err)


def test_references_must_exist(app, base_entries):
    err = rejected(
        app,
        base_entries,
        "- {type: UnitMoved, key: x, unit: ac, parent: nowhere, effective: 2021-01-01}",
    )
    assert err.rule == "reference-exists"
    err = rejected(
        open_store("memory:"),
        base_entries,
        """
- {type: UnitRenamed, key: x, unit: ac, name: N, effective: 2021-01-01, sources: [{document: unknown-doc, locator: p}]}
""",
    )
    assert err.rule == "reference-exists"
    assert "sources.0.document" in str(err)


def test_a_parent_must_exist_on_the_date(app, base_entries):
    err = rejected(
        app,
        base_entries,
        """
- {type: UnitEstablished, key: x, unit: new, name: New, kind: team, parent: ac, effective: 2019-01-01}
""",
    )
    assert err.rule == "in-force"


def test_ids_are_unique_across_kinds(app, base_entries):
    err = rejected(
        app,
        base_entries,
        "- {type: ResponsibilityDefined, key: x, responsibility: a, name: N, scope: s, effective: 2021-01-01}",
    )
    assert err.rule == "id-unique"


def test_a_changed_entry_with_a_known_key_is_refused(app, base_entries):
    err = rejected(
        app,
        base_entries,
        "- {type: UnitEstablished, key: e-a, unit: a, name: Other name, kind: committee, parent: br, effective: 2020-01-01}",
    )
    assert err.rule == "entry-immutable"


def test_the_same_entries_again_append_nothing(app, base_entries):
    first = app.record(base_entries, "tester")
    position = app.last_position()
    second = app.record(base_entries, "tester")
    assert len(first.appended) == len(base_entries) and first.skipped == []
    assert second.appended == [] and len(second.skipped) == len(base_entries)
    assert app.last_position() == position


def test_renames_keep_the_unit_id_and_moves_change_the_parent(app, base_entries):
    app.record(base_entries, "tester")
    record(
        app,
        """
- {type: UnitRenamed, key: r, unit: af, name: Administration A+, effective: 2021-01-01}
- {type: UnitMoved, key: m, unit: ac, parent: b, effective: 2021-01-01}
""",
    )
    state = ReadModel(app).catch_up()
    import datetime as dt

    before, after = dt.date(2020, 12, 31), dt.date(2021, 1, 1)
    assert state.unit_name("af", before) == "Administration A"
    assert state.unit_name("af", after) == "Administration A+"
    assert state.units["ac"].parent.at(before, None) == "af"
    assert state.units["ac"].parent.at(after, None) == "b"


def test_merge_split_absorb_end_the_units(app, base_entries):
    import datetime as dt

    app.record(base_entries, "tester")
    record(
        app,
        """
- {type: UnitEstablished, key: e1, unit: c1, name: C1, kind: centre, parent: af, effective: 2020-01-01}
- {type: UnitEstablished, key: e2, unit: c2, name: C2, kind: centre, parent: af, effective: 2020-01-01}
- {type: UnitEstablished, key: e3, unit: c12, name: C1+2, kind: centre, parent: af, effective: 2021-01-01}
- {type: UnitMerged, key: m1, unit: c1, into: c12, effective: 2021-01-01}
- {type: UnitMerged, key: m2, unit: c2, into: c12, effective: 2021-01-01}
- {type: UnitEstablished, key: e4, unit: s1, name: S1, kind: team, parent: af, effective: 2022-01-01}
- {type: UnitEstablished, key: e5, unit: s2, name: S2, kind: team, parent: af, effective: 2022-01-01}
- {type: UnitSplit, key: s, unit: c12, into: [s1, s2], effective: 2022-01-01}
- {type: UnitAbsorbed, key: ab, unit: s2, into: s1, effective: 2023-01-01}
""",
    )
    state = ReadModel(app).catch_up()
    alive = lambda d: {k for k in state.units if state.unit_exists(k, d)}  # noqa: E731
    assert {"c1", "c2"} <= alive(dt.date(2020, 6, 1)) and "c12" not in alive(dt.date(2020, 6, 1))
    assert "c12" in alive(dt.date(2021, 6, 1)) and not {"c1", "c2"} & alive(dt.date(2021, 6, 1))
    assert {"s1", "s2"} <= alive(dt.date(2022, 6, 1)) and "c12" not in alive(dt.date(2022, 6, 1))
    assert "s2" not in alive(dt.date(2023, 6, 1)) and "s1" in alive(dt.date(2023, 6, 1))


def test_merging_into_a_unit_that_does_not_exist_yet_is_refused(app, base_entries):
    err = rejected(
        app,
        base_entries,
        """
- {type: UnitEstablished, key: e3, unit: later, name: Later, kind: centre, parent: af, effective: 2022-01-01}
- {type: UnitMerged, key: m1, unit: ac, into: later, effective: 2021-01-01}
""",
    )
    assert err.rule == "in-force"


def test_two_writers_changing_one_unit_at_once_one_gets_a_conflict(shared_store_url, base_entries):
    first, second = open_store(shared_store_url), open_store(shared_store_url)
    first.record(base_entries, "tester")
    # Both writers read unit "ac" at the same version before either saves.
    a_unit = first.repository.get(_id("ac"))
    b_unit = second.repository.get(_id("ac"))
    [rename_a] = entries(
        "- {type: UnitRenamed, key: ra, unit: ac, name: By A, effective: 2021-01-01}"
    )
    [rename_b] = entries(
        "- {type: UnitRenamed, key: rb, unit: ac, name: By B, effective: 2021-01-01}"
    )
    a_unit.rename(rename_a, "writer-a")
    b_unit.rename(rename_b, "writer-b")
    first.save(a_unit)
    with pytest.raises(Exception) as info:
        second.save(b_unit)
    assert "Integrity" in type(info.value).__name__


def test_concurrent_loads_one_conflicts_and_a_retry_succeeds(
    shared_store_url, base_entries, monkeypatch
):
    """Through the application: the loser gets ConflictError, nothing half-written; retry works."""
    first, second = open_store(shared_store_url), open_store(shared_store_url)
    first.record(base_entries, "tester")
    rename_a = entries(
        "- {type: UnitRenamed, key: ra, unit: ac, name: By A, effective: 2021-01-01}"
    )
    rename_b = entries("""
- {type: UnitRenamed, key: rb, unit: ac, name: By B, effective: 2022-01-01}
- {type: UnitRenamed, key: rb2, unit: af, name: Admin by B, effective: 2022-01-01}
""")
    # Let writer B read its aggregates, then writer A commits before B saves.
    original_save = second.save

    def save_after_a_commits(*aggregates, **kw):
        first.record(rename_a, "writer-a")
        monkeypatch.setattr(second, "save", original_save)
        return original_save(*aggregates, **kw)

    monkeypatch.setattr(second, "save", save_after_a_commits)
    with pytest.raises(ConflictError, match="nothing of this load was written"):
        second.record(rename_b, "writer-b")
    stored = len(list(first.read_events()))
    state = ReadModel(first).catch_up()
    import datetime as dt

    assert state.unit_name("af", dt.date(2023, 1, 1)) == "Administration A"  # B wrote nothing
    result = second.record(rename_b, "writer-b")  # the retry sees A's change and succeeds
    assert result.appended == ["rb", "rb2"]
    assert len(list(second.read_events())) == stored + 2  # nothing lost, nothing duplicated
    assert ReadModel(second).catch_up().unit_name("ac", dt.date(2023, 1, 1)) == "By B"


def _id(key: str):
    from orgevents.aggregate import aggregate_id

    return aggregate_id(key)
