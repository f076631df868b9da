"""What one worker shares between requests: the store, the read model, the chart cache.

Every read first catches the read model up with the store (only new events are read), so several
workers — or several processes writing to one PostgreSQL store — see each other's writes.
The fold is mutated by catching up, so a lock keeps catching up and querying apart. "As known
at" states are folded afresh from the events recorded up to then and kept in a small cache,
keyed by the store's last position (a new event makes a new state).
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

from orgevents.application import OrgHistory, RecordResult
from orgevents.importing import Located, record_located
from orgevents.projections.fold import OrgState
from orgevents.projections.readmodel import ReadModel

T = TypeVar("T")
KnownAt = dt.date | dt.datetime | None
RENDER_SLOTS = 2  # charts drawn at once per worker


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
        self._charts: _Lru[bytes] = _Lru(64)
        self._charts_lock = threading.Lock()
        self.render_slots = threading.BoundedSemaphore(RENDER_SLOTS)

    def read(self, known_at: KnownAt, planned: bool, query: Callable[[OrgState], T]) -> T:
        """Answer ``query`` from the current state (caught up first) or the state known at
        ``known_at``; with or without planned and expected changes."""
        if known_at is None:
            with self._locks[planned]:
                return query(self._models[planned].catch_up())
        return query(self.known_state(known_at, planned))

    def known_state(self, known_at: dt.date | dt.datetime, planned: bool) -> OrgState:
        key = (known_at, planned, self.store.last_position())
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
