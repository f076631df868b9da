"""Keeping the fold up to date with the store: pull new events from the notification log.

eventsourcing cannot *subscribe* to an SQLite application, so every query first catches up by
reading the log after the last position it has seen — cheap when nothing is new.
"""

from __future__ import annotations

from orgevents.application import OrgHistory
from orgevents.projections.fold import OrgState


class ReadModel:
    def __init__(self, app: OrgHistory) -> None:
        self.app = app
        self.state = OrgState()

    def catch_up(self) -> OrgState:
        for position, event in self.app.read_events(after=self.state.position):
            self.state.apply(position, event.payload, event.timestamp, event.recorded_by)
        return self.state
