"""What one worker shares between requests: the store, its reader, kept answers and charts.

Every read asks the store's reader (:class:`orgevents.projections.reader.Reader`) for a view as
known at a log position — the newest, or the last one recorded by ``known_at`` — so several
workers, or several processes writing to one PostgreSQL store, see each other's writes, and a
worker holds no copy of the history: memory does not grow with it. JSON answers are kept by the
question and the log position of the view they were built from, so a kept answer is never
stale. One lock keeps the reader's database connection to one thread at a time.

Expensive requests — the provenance report, exports, the chain check — never take that lock:
they run one at a time per worker in a lane of their own (:meth:`Service.heavy`), on a second
reader with its own connection, so a cheap question never waits behind them. The lane is bounded:
at most ``HEAVY_QUEUE`` requests wait for it, each at most ``HEAVY_WAIT`` seconds (then 503 with
Retry-After), and a client that goes away while waiting leaves the queue. The chain check's result
is kept for the head it was computed at, for ``VERIFY_TTL`` seconds.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import TYPE_CHECKING, Generic, TypeVar

import anyio
from fastapi import HTTPException

from orgevents.application import OrgHistory, RecordResult
from orgevents.importing import Located, record_located
from orgevents.projections.reader import Reader, View

T = TypeVar("T")
KnownAt = dt.date | dt.datetime | None
RENDER_SLOTS = 2  # charts drawn at once per worker
ANSWERS = 2048  # JSON answers kept per worker
BUILDERS = 1  # threads building answers at once per worker
HEAVY_QUEUE = 4  # expensive requests that may wait for the heavy lane, per worker
HEAVY_WAIT = 20.0  # seconds one may wait before it is answered 503
VERIFY_TTL = 60.0  # seconds a chain check is kept while the head does not move

if TYPE_CHECKING:
    from orgevents.chain import VerifyReport
    from orgevents.signing import PublicKey


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

    def __init__(self, store: OrgHistory, public_key: PublicKey | None = None) -> None:
        self.store = store
        self.public_key = public_key  # the signing key's, when the service has one
        self.reader = Reader(store)
        self._heavy_reader: Reader | None = None
        self._heavy: anyio.CapacityLimiter | None = None
        self._heavy_waiting = 0
        self._verified: tuple[tuple[object, ...], float, VerifyReport] | None = None
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

    async def heavy(self, work: Callable[[], T]) -> T:
        """Run ``work`` in the heavy lane: one at a time per worker, outside the readers' lock;
        503 when too many wait or one waits too long."""
        if self._heavy is None:  # made in the event loop that uses it
            self._heavy = anyio.CapacityLimiter(1)
        if self._heavy_waiting >= HEAVY_QUEUE:
            raise _busy(f"{HEAVY_QUEUE} expensive requests are already waiting")
        self._heavy_waiting += 1
        try:
            with anyio.move_on_after(HEAVY_WAIT) as waited:
                await self._heavy.acquire()
        finally:
            self._heavy_waiting -= 1
        if waited.cancelled_caught:
            raise _busy(f"an expensive request waited {HEAVY_WAIT:g} s for its turn")
        try:
            return await anyio.to_thread.run_sync(work)
        finally:
            self._heavy.release()

    def heavy_read(self, known_at: KnownAt, planned: bool, query: Callable[[View], T]) -> T:
        """As :meth:`read`, on the heavy lane's own reader (call it inside :meth:`heavy`)."""
        if self._heavy_reader is None:
            self._heavy_reader = Reader(self.store, indexes=False)
        if not self._heavy_reader.up_to_date():  # new events: the main reader indexes them
            with self._lock:
                self.reader.catch_up()
        return query(self._heavy_reader.view(known_at, planned))

    def verify(self, anchor: str | None) -> VerifyReport:
        """The chain check (with the service's public key, if it has one), kept for the head it
        was made at (call it inside :meth:`heavy`)."""
        from orgevents.chain import head_of
        from orgevents.chain import verify as verify_chain

        last = self.store.last_position()
        state = self.store.recorder.select_notifications(start=last, limit=1) if last else []
        key = (last, head_of(state[0].state) if state else None, anchor)
        kept = self._verified
        if kept is not None and kept[0] == key and time.monotonic() - kept[1] < VERIFY_TTL:
            return kept[2]
        report = verify_chain(self.store, anchor=anchor, public_key=self.public_key)
        self._verified = (key, time.monotonic(), report)
        return report

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
        None when that takes more than one cheap look at the store (new events, never asked),
        so the caller can build it off the event loop. It waits for no lock but the kept
        answers' own, so it is not held up by a question being built."""
        position = self._position  # no lock: the store's own connection answers this look
        if position < 0 or self.store.last_position() != position:
            return None
        with self._answers_lock:
            return self._answers.hit((question, planned, position))

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
            if self._heavy_reader is not None:
                self._heavy_reader.close()


def _busy(why: str) -> HTTPException:
    return HTTPException(
        503, f"busy: {why}; send it again in a few seconds", headers={"Retry-After": "5"}
    )
