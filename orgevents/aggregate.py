"""What every aggregate of orgevents shares: a stable key, a timeline of effective-dated changes,
and the entry keys it has recorded (which make loading idempotent)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

from orgevents.events import (
    Amendment,
    Change,
    ChangeCancelled,
    ChangeConfirmed,
    Entry,
    EventCorrected,
    EventRetracted,
)

Clock = Callable[[], dt.datetime]


def system_clock() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


_clock: ContextVar[Clock] = ContextVar("orgevents_clock", default=system_clock)


@contextmanager
def recording_clock(clock: Clock) -> Iterator[None]:
    """Events created inside this block are stamped (recorded) with ``clock()``."""
    token = _clock.set(clock)
    try:
        yield
    finally:
        _clock.reset(token)


NAMESPACE = UUID("5d0c6a43-6f1f-4f5c-9b1e-3c2a0f6a7e11")


@lru_cache(maxsize=65_536)  # the checks ask for the same keys many times; uuid5 is not free
def aggregate_id(key: str) -> UUID:
    """The store's id of the unit, responsibility, decision or document with this key."""
    return uuid5(NAMESPACE, key)


class Subject(Aggregate):
    """Base of Unit, Responsibility, Decision, Document and Claim.

    ``changes`` holds this subject's changes sorted by effective date, ties kept in the order they
    were recorded; as-of questions about one subject fold over it. ``entries`` maps each recorded
    entry key to its content hash.
    """

    class Event(Aggregate.Event):
        @staticmethod
        def create_timestamp() -> dt.datetime:
            """The recorded time: the application's clock, not the effective date."""
            return _clock.get()()

    class Created(Event, Aggregate.Created):
        pass

    if TYPE_CHECKING:  # set in _start(); not annotations at runtime, which would make fields
        key: str
        origin: str  # the key of the entry that made the subject
        changes: list[tuple[dt.date, int, Change]]
        _lives: list[Life] | None
        entries: dict[str, str]
        current: dict[str, Entry]

    @staticmethod
    def create_id(payload: Entry, **_: Any) -> UUID:
        return aggregate_id(payload.subject)

    def _start(self, payload: Entry) -> None:
        self.key = payload.subject
        self.origin = payload.key
        self.changes = []
        self.entries = {}
        self.current = {}
        self._remember(payload)

    def _remember(self, payload: Entry) -> None:
        self._lives = None  # the timeline changes: its lives are worked out again when asked
        self.entries[payload.key] = payload.content_hash()
        if isinstance(payload, Amendment):
            self.current = amended(self.current, payload)
            self.changes = [
                (c.effective.date, seq, c)
                for seq, c in enumerate(self.current.values())
                if isinstance(c, Change)
            ]
            self.changes.sort(key=lambda c: (c[0], c[1]))
            return
        self.current[payload.key] = payload
        if isinstance(payload, Change):
            seq = len(self.current)
            self.changes.append((payload.effective.date, seq, payload))
            self.changes.sort(key=lambda c: (c[0], c[1]))

    @property
    def exists(self) -> bool:
        """False once the entry that made the subject is retracted (or cancelled)."""
        return self.origin in self.current

    def amend(self, payload: Amendment, recorded_by: str) -> None:
        """Correct, retract, confirm or cancel one of this subject's entries (checked by the
        application, which replays the amended history through every rule first)."""
        self._amended(payload=payload, recorded_by=recorded_by)

    @event("Amended")
    def _amended(self, payload: Amendment, recorded_by: str) -> None:
        self._remember(payload)

    def has_entry(self, payload: Entry) -> bool | None:
        """True if this exact entry was recorded, False if its key was recorded with other
        content, None if the key is new."""
        known = self.entries.get(payload.key)
        if known is None:
            return None
        return known == payload.content_hash()

    def _lives_of(
        self, starts: Callable[[Change], bool], ends: Callable[[Change], bool]
    ) -> list[Life]:
        """The lives in ``changes`` (see :func:`lives_of`), kept until the next change: the
        checks of a load ask for them many times between two entries of the subject."""
        found: list[Life] | None = getattr(self, "_lives", None)
        if found is None:
            found = self._lives = lives_of(self.changes, starts, ends)
        return found

    def changes_until(self, on: dt.date) -> list[Change]:
        return [c for d, _, c in self.changes if d <= on]

    def changes_after(self, on: dt.date) -> list[Change]:
        return [c for d, _, c in self.changes if d > on]


@dataclass(frozen=True)
class Life:
    """One life of a unit or responsibility: from the entry that starts it (an establishment or
    definition — the first, or a later one that re-establishes it) until the change that ends it
    (``end`` None: still in force). A subject may end and start again under the same id."""

    start: dt.date
    end: dt.date | None
    origin: Change  # the establishment or definition that started it
    ended_by: Change | None = None

    def covers(self, on: dt.date) -> bool:
        return self.start <= on and (self.end is None or on < self.end)

    def describe(self) -> str:
        return f"from {self.start}" + (f" until {self.end}" if self.end else "")


def lives_of(
    changes: list[tuple[dt.date, int, Change]],
    starts: Callable[[Change], bool],
    ends: Callable[[Change], bool],
) -> list[Life]:
    """The lives in a subject's changes (in as-of order)."""
    out: list[Life] = []
    for d, _, c in changes:
        if starts(c):
            if out and out[-1].end is None:  # not stored by the rules; kept readable anyway
                out[-1] = Life(out[-1].start, d, out[-1].origin, c)
            out.append(Life(d, None, c))
        elif ends(c) and out and out[-1].end is None:
            out[-1] = Life(out[-1].start, d, out[-1].origin, c)
    return out


def ended_by(lives: list[Life], on: dt.date) -> tuple[dt.date, Life | None] | None:
    """Where ``on`` falls after the end of a life and before the next one starts: that end and
    the next life (None: there is none yet); None when ``on`` is in a life or before the first."""
    for i, life in enumerate(lives):
        if life.start <= on and life.end is not None and on >= life.end:
            later = lives[i + 1] if i + 1 < len(lives) else None
            if later is None or later.start > on:
                return life.end, later
    return None


def describe_lives(lives: list[Life]) -> str:
    """When a subject exists, for messages: "from 1950-01-01 until 1971-01-01 and from …"."""
    return " and ".join(life.describe() for life in lives)


def check_new_life(key: str, what: str, lives: list[Life], payload: Change) -> None:
    """``payload`` (an establishment or definition of ``key``, which has ``lives``) may start a
    new life only once the latest has ended, and only on or after that end."""
    from orgevents.errors import AlreadyExistsError, OverlappingLivesError

    field = "unit" if what == "unit" else "responsibility"
    on = payload.effective.date
    if not lives:
        raise AlreadyExistsError(
            f"{key!r} already exists (a {what}); ids are unique across the store",
            subject=key,
            field=field,
        )
    last = lives[-1]
    if last.end is None:
        ending = "abolish, merge, absorb or split it" if what == "unit" else "abolish it"
        raise AlreadyExistsError(
            f"{key!r} already exists (a {what}) and is still in force since {last.start} "
            f"(entry {last.origin.key!r}); re-establishing it under the same id needs the "
            f"earlier life to end first ({ending}, dated on or before {on})",
            subject=key,
            field=field,
        )
    if on < last.end:
        raise OverlappingLivesError(
            f"cannot re-establish {what} {key!r} on {on}: its earlier life ({last.describe()}) "
            f"ends only on {last.end}; a new life starts on or after the end of the one before",
            subject=key,
            field="effective",
        )


def amended(current: dict[str, Entry], amendment: Amendment) -> dict[str, Entry]:
    """The entries that count after ``amendment``, in recorded order (a new dict)."""
    result = dict(current)
    target = amendment.target
    if isinstance(amendment, EventCorrected):
        result[target] = amendment.replacement
    elif isinstance(amendment, ChangeConfirmed):
        result[target] = result[target].model_copy(update={"effective": amendment.effective})
    elif isinstance(amendment, EventRetracted | ChangeCancelled):
        del result[target]
    return result
