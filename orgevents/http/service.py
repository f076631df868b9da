"""What one worker shares between requests: the store, its reader, kept answers and charts.

Every read asks the store's reader (:class:`orgevents.projections.reader.Reader`) for a view as
known at a log position — the newest, or the last one recorded by ``known_at`` — so several
workers, or several processes writing to one PostgreSQL store, see each other's writes, and a
worker holds no copy of the history: memory does not grow with it. JSON answers are kept by the
question and the log position of the view they were built from, so a kept answer is never
stale. One lock keeps the reader's database connection to one thread at a time.
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
from orgevents.projections.reader import Reader, View

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
    """The store and its reader, safe to share between a worker's threads."""

    def __init__(self, store: OrgHistory) -> None:
        self.store = store
        self.reader = Reader(store)
        self._lock = threading.RLock()
        self._position = -1  # the newest log position the reader has caught up with
        self._views: _Lru[View] = _Lru(2)  # the newest views, with and without planned changes
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

    def view(self, known_at: KnownAt, planned: bool) -> View:
        """The history as known at ``known_at`` (None: now), caught up with the store. Views of
        the newest position are kept while the store has nothing new (one cheap look at it), so
        what they have read — the rows of the dates asked — serves the next questions too."""
        with self._lock:
            if known_at is None:
                kept = self._views.hit(planned)
                if kept is not None and self.store.last_position() == kept.position:
                    return kept
            view = self.reader.view(known_at, planned)
            if known_at is None:
                self._position = view.position
                self._views.put(planned, view)
            return view

    def read(self, known_at: KnownAt, planned: bool, query: Callable[[View], T]) -> T:
        """Answer ``query`` from the view as known at ``known_at`` (None: now), with or without
        planned and expected changes."""
        with self._lock:
            return query(self.view(known_at, planned))

    def answer(
        self,
        known_at: KnownAt,
        planned: bool,
        question: Hashable,
        build: Callable[[View], bytes],
    ) -> bytes:
        """The answer to ``question`` as JSON bytes, built by ``build`` from the view — or the
        one built before from the same log position."""
        with self._lock:
            view = self.view(known_at, planned)
            key = (question, planned, view.position)
            with self._answers_lock:
                found = self._answers.hit(key)
            if found is None:
                found = build(view)
                with self._answers_lock:
                    self._answers.put(key, found)
            return found

    def kept_answer(self, planned: bool, question: Hashable) -> bytes | None:
        """The kept answer to ``question`` if the store has nothing new since it was built;
        None when that takes more than one cheap look at the store (busy, new events, never
        asked), so the caller can build it off the event loop."""
        if not self._lock.acquire(blocking=False):
            return None
        try:
            position = self._position
            if position < 0 or self.store.last_position() != position:
                return None
            with self._answers_lock:
                return self._answers.hit((question, planned, position))
        finally:
            self._lock.release()

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
        """Append entries all or nothing (the reader indexes them as they are saved); one write
        at a time per worker (between workers the store refuses the second of two conflicting
        writes)."""
        with self._lock:
            return record_located(self.store, located, recorded_by)

    def last_position(self) -> int:
        return self.store.last_position()

    def close(self) -> None:
        with self._lock:
            self.reader.close()
