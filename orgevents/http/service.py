"""What one worker shares between requests: the store, the read model, the chart cache.

Every read first catches the read model up with the store (only new events are read), so several
workers — or several processes writing to one PostgreSQL store — see each other's writes.
The fold is mutated by catching up, so a lock keeps catching up and querying apart. "As known
at" states are folded afresh from the events recorded up to then and kept in a small cache,
keyed by the store's last position (a new event makes a new state). JSON answers are kept the
same way: keyed by the question and the position of the state they were built from, so a kept
answer is never stale.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

import anyio

from orgevents.application import OrgHistory, RecordResult
from orgevents.importing import Located, record_located
from orgevents.projections.fold import OrgState
from orgevents.projections.readmodel import ReadModel

T = TypeVar("T")
KnownAt = dt.date | dt.datetime | None
RENDER_SLOTS = 2  # charts drawn at once per worker
ANSWERS = 2048  # JSON answers kept per worker
BUILDERS = 1  # threads building answers at once per worker


class _Lru(Generic[T]):
    """The ``size`` most recently used values."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._items: OrderedDict[Hashable, T] = OrderedDict()

    def put(self, key: Hashable, value: T) -> T:
        self._items[key] = value
        self._items.move_to_end(key)
        while len(self._items) > self.size:
            self._items.popitem(last=False)
        return value

    def hit(self, key: Hashable) -> T | None:
        value = self._items.get(key)
        if value is not None:
            self._items.move_to_end(key)
        return value


class Service:
    """The store and its read model, safe to share between a worker's threads."""

    def __init__(self, store: OrgHistory) -> None:
        self.store = store
        self._models = {
            planned: ReadModel(store, include_planned=planned) for planned in (False, True)
        }
        self._locks = {planned: threading.Lock() for planned in (False, True)}
        self._write_lock = threading.Lock()
        self._known: _Lru[OrgState] = _Lru(8)
        self._known_lock = threading.Lock()
        self._answers: _Lru[bytes] = _Lru(ANSWERS)
        self._answers_lock = threading.Lock()
        self._charts: _Lru[bytes] = _Lru(64)
        self._charts_lock = threading.Lock()
        self.render_slots = threading.BoundedSemaphore(RENDER_SLOTS)
        self._builders: anyio.CapacityLimiter | None = None

    @property
    def builders(self) -> anyio.CapacityLimiter:
        """Threads that build answers: few, so that waiting requests queue on the event loop
        (in order) rather than as threads taking turns at the interpreter lock."""
        if self._builders is None:  # made in the event loop that uses it
            self._builders = anyio.CapacityLimiter(BUILDERS)
        return self._builders

    def read(self, known_at: KnownAt, planned: bool, query: Callable[[OrgState], T]) -> T:
        """Answer ``query`` from the current state (caught up first) or the state known at
        ``known_at``; with or without planned and expected changes."""
        if known_at is None:
            with self._locks[planned]:
                return query(self._models[planned].catch_up())
        return query(self.known_state(known_at, planned))

    def answer(
        self,
        known_at: KnownAt,
        planned: bool,
        question: Hashable,
        build: Callable[[OrgState], bytes],
    ) -> bytes:
        """The answer to ``question`` as JSON bytes, built by ``build`` from the state — or the
        one built before from the same state: a state is the same while no event is added, so
        answers are kept by (question, planned, known_at, store position)."""
        if known_at is None:
            with self._locks[planned]:
                state = self._models[planned].catch_up()
                return self._answer((question, planned, None, state.position), state, build)
        position = self.store.last_position()
        state = self._known_state(known_at, planned, position)
        return self._answer((question, planned, known_at, position), state, build)

    def kept_answer(self, planned: bool, question: Hashable) -> bytes | None:
        """The kept answer to ``question`` if the store has nothing new since it was built;
        None when that takes more than one cheap look at the store (busy, new events, never
        asked), so the caller can build it off the event loop."""
        lock = self._locks[planned]
        if not lock.acquire(blocking=False):
            return None
        try:
            position = self._models[planned].state.position
            if self.store.last_position() != position:
                return None
            with self._answers_lock:
                return self._answers.hit((question, planned, None, position))
        finally:
            lock.release()

    def _answer(self, key: Hashable, state: OrgState, build: Callable[[OrgState], bytes]) -> bytes:
        with self._answers_lock:
            found = self._answers.hit(key)
        if found is None:
            found = build(state)
            with self._answers_lock:
                self._answers.put(key, found)
        return found

    def known_state(self, known_at: dt.date | dt.datetime, planned: bool) -> OrgState:
        return self._known_state(known_at, planned, self.store.last_position())

    def _known_state(
        self, known_at: dt.date | dt.datetime, planned: bool, position: int
    ) -> OrgState:
        key = (known_at, planned, position)
        with self._known_lock:
            state = self._known.hit(key)
            if state is None:
                state = self._known.put(key, self._models[planned].known_at(known_at))
        return state

    def cached_chart(self, key: Hashable, draw: Callable[[], bytes]) -> bytes:
        """A drawn chart from the cache (keyed by its DOT source and format), or drawn now —
        outside every lock — and kept."""
        with self._charts_lock:
            found = self._charts.hit(key)
        if found is not None:
            return found
        drawn = draw()
        with self._charts_lock:
            return self._charts.put(key, drawn)

    def record(self, located: list[Located], recorded_by: str) -> RecordResult:
        """Append entries all or nothing; one write at a time per worker (between workers the
        store refuses the second of two conflicting writes)."""
        with self._write_lock:
            return record_located(self.store, located, recorded_by)

    def last_position(self) -> int:
        return self.store.last_position()
