"""Keeping the fold up to date with the store: pull new events from the notification log.

eventsourcing cannot *subscribe* to an SQLite application, so every query first catches up by
reading the log after the last position it has seen — cheap when nothing is new.

"As known at" a recorded time ``T`` is the fold of only the events recorded up to ``T``.
"""

from __future__ import annotations

import datetime as dt

from orgevents.application import OrgHistory
from orgevents.projections.reference import FoldView


def end_of_day(day: dt.date) -> dt.datetime:
    """A date given as a recorded time means the end of that day, UTC."""
    return dt.datetime.combine(day, dt.time.max, tzinfo=dt.UTC)


class ReadModel:
    def __init__(self, app: OrgHistory, include_planned: bool = False) -> None:
        self.app = app
        self.include_planned = include_planned
        self.state = FoldView(include_planned)

    def catch_up(self) -> FoldView:
        for position, event in self.app.read_events(after=self.state.position):
            self.state.apply(position, event.payload, event.timestamp, event.recorded_by)
        return self.state

    def known_at(self, recorded_until: dt.datetime | dt.date | None) -> FoldView:
        """The state from only the events recorded up to ``recorded_until`` (None: all)."""
        if recorded_until is None:
            return self.catch_up()
        if not isinstance(recorded_until, dt.datetime):
            recorded_until = end_of_day(recorded_until)
        elif recorded_until.tzinfo is None:
            recorded_until = recorded_until.replace(tzinfo=dt.UTC)
        state = FoldView(self.include_planned)
        state.known_at = recorded_until
        for position, event in self.app.read_events():
            if event.timestamp <= recorded_until:
                state.apply(position, event.payload, event.timestamp, event.recorded_by)
        return state
