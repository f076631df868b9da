"""Decisions, documents and claims: the provenance side of the history.

A change points to the decision it implements (``decision:``); every event cites documents
(``sources:``); where sources disagree each side is a claim of its own.
"""

from __future__ import annotations

from eventsourcing.domain import event

from orgevents.aggregate import Subject
from orgevents.events import (
    ClaimPreferred,
    ClaimRecorded,
    DecisionMade,
    DocumentRegistered,
    KindDeclared,
)


class Decision(Subject):
    """An agreement, principle decision, approval, hearing, law or plan."""

    @event("Made")
    def __init__(self, payload: DecisionMade, recorded_by: str) -> None:
        self._start(payload)


class Document(Subject):
    """A source document, cited by its key."""

    @event("Registered")
    def __init__(self, payload: DocumentRegistered, recorded_by: str) -> None:
        self._start(payload)


class Claim(Subject):
    """What one source says about one property of something."""

    @event("Recorded")
    def __init__(self, payload: ClaimRecorded, recorded_by: str) -> None:
        self._start(payload)

    def prefer(self, payload: ClaimPreferred, recorded_by: str) -> None:
        self._preferred(payload=payload, recorded_by=recorded_by)

    @event("Preferred")
    def _preferred(self, payload: ClaimPreferred, recorded_by: str) -> None:
        self._remember(payload)


class Kind(Subject):
    """A kind of unit declared in the store; a later declaration replaces the earlier one."""

    @event("Declared")
    def __init__(self, payload: KindDeclared, recorded_by: str) -> None:
        self._start(payload)
        self.declaration = payload

    def declare(self, payload: KindDeclared, recorded_by: str) -> None:
        self._declared_again(payload=payload, recorded_by=recorded_by)

    @event("DeclaredAgain")
    def _declared_again(self, payload: KindDeclared, recorded_by: str) -> None:
        self._remember(payload)
        self.declaration = payload
