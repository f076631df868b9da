"""Chart titles say when the record was read: "as known at" puts the record date in the title."""

from __future__ import annotations

import datetime as dt

from orgevents.diagrams.orgchart import org_chart
from orgevents.diagrams.responsibilities import responsibility_chart
from orgevents.projections.readmodel import ReadModel
from orgevents.store import open_store


def test_titles_show_the_record_date_only_for_as_known_at_charts(base_entries):
    recorded = dt.datetime(2025, 6, 1, 9, 30, tzinfo=dt.UTC)
    app = open_store("memory:", clock=lambda: recorded)
    app.record(base_entries, "registrar")
    model = ReadModel(app)
    on = dt.date(2021, 1, 1)
    assert "as recorded up to" not in org_chart(model.catch_up(), on)
    known = model.known_at(dt.datetime(2025, 7, 1, 12, 0, tzinfo=dt.UTC))
    assert "as recorded up to 2025-07-01 12:00 UTC" in org_chart(known, on)
    assert "as recorded up to 2025-07-01 12:00 UTC" in responsibility_chart(known, on)
    # Known at a time before anything was recorded: an empty chart, still dated.
    empty = model.known_at(dt.date(2025, 1, 1))
    assert "as recorded up to 2025-01-01 23:59 UTC" in org_chart(empty, on)
