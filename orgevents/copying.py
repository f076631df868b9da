"""Moving a whole log: from one store to another (SQLite → PostgreSQL and back), to a portable
dump file, and from a dump back into a store — the path a user takes when the SQLite file is
outgrown, and the way to keep a backup.

Every stored event goes across as it is: the same aggregate ids, versions, topics and JSON state
(payload, recorded time and who recorded it). The target's recorder links each event into the
tamper-evidence chain as it is inserted, exactly as the source's did, so a faithful copy ends at
the same head (``SEQ:HASH``) — and :func:`copy_log` checks that it does. A source whose chain is
broken is refused: copying would link the forged events into a new, intact-looking chain.

A dump is JSON Lines, gzipped when its name ends in ``.gz``: a header line
``{"format": "orgevents-dump/1", "events": N, "head": "SEQ:HASH"}`` then one line per event
``{"id", "version", "topic", "state"}`` with the state's chain link kept, so that reading a dump
re-checks every link before anything is written.
"""

from __future__ import annotations

import gzip
import io
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any
from uuid import UUID

from eventsourcing.persistence import StoredEvent

from orgevents.application import OrgHistory
from orgevents.chain import (
    CHAIN_KEY,
    GENESIS,
    _decode_state,
    _notifications,
    _take_link,
    event_hash,
    verify,
)
from orgevents.errors import StoreError
from orgevents.references import note

DUMP_FORMAT = "orgevents-dump/1"
BATCH = 1000

Progress = Callable[[int, int], None]  # (events copied, events in all)


@dataclass(frozen=True)
class Copied:
    events: int
    head: str | None  # SEQ:HASH of the last event, the same in source and target


def is_dump(location: str) -> bool:
    """A dump file rather than a store URL (``sqlite:///``, ``postgresql://``, ``memory:``)."""
    return "://" not in location and location != "memory:"


# --- reading -------------------------------------------------------------------------------


def _store_events(source: OrgHistory) -> tuple[int, str | None, Iterator[StoredEvent]]:
    report = verify(source)
    if not report.ok:
        raise StoreError(
            f"the source's chain is broken ({report.summary().splitlines()[0]}); a copy would "
            "hide it — run orgevents verify on the source"
        )
    if report.head is None:
        raise StoreError("the source store holds no events: nothing to copy")
    head, events = report.head.anchor, report.head.seq
    stored = (
        StoredEvent(n.originator_id, n.originator_version, n.topic, n.state)
        for n in _notifications(source.recorder, BATCH)
    )
    return events, head, stored


def _open_dump(path: Path, mode: str, gzipped: bool | None = None) -> IO[str]:
    if path.name.endswith(".gz") if gzipped is None else gzipped:
        return io.TextIOWrapper(gzip.GzipFile(path, mode + "b"), encoding="utf-8")
    return path.open(mode, encoding="utf-8")


def check_dump(path: Path) -> int:
    """Read a whole dump, re-checking every link; return its number of events."""
    total, _, stored = _dump_events(path)
    for _ in stored:
        pass
    return total


def _dump_events(path: Path) -> tuple[int, str | None, Iterator[StoredEvent]]:
    """The header of a dump and its events, each link re-checked as it is read."""
    try:
        handle = _open_dump(path, "r")
        header = json.loads(handle.readline() or "null")
    except (OSError, ValueError) as exc:
        raise StoreError(f"{path}: not an orgevents dump ({exc})") from None
    if not isinstance(header, dict) or header.get("format") != DUMP_FORMAT:
        raise StoreError(f"{path}:1: not an orgevents dump (no {DUMP_FORMAT!r} header)")
    events, head = int(header.get("events", 0)), header.get("head")

    def read() -> Iterator[StoredEvent]:
        seq, prev = 0, GENESIS
        with handle:
            for number, line in enumerate(handle, start=2):
                try:
                    row = json.loads(line)
                    state = dict(row["state"])
                    stored = StoredEvent(
                        UUID(row["id"]), int(row["version"]), str(row["topic"]), b""
                    )
                except (ValueError, KeyError, TypeError) as exc:
                    raise StoreError(f"{path}:{number}: not a dump line ({exc})") from None
                link = _take_link(state)
                seq += 1
                expected = event_hash(
                    stored.originator_id, stored.originator_version, stored.topic, state, seq, prev
                )
                if link is None or link.seq != seq or link.prev != prev or link.hash != expected:
                    raise StoreError(
                        f"{path}:{number}: event {seq}'s chain link does not match its content: "
                        "the dump was changed after it was written"
                    )
                prev = link.hash
                state[CHAIN_KEY] = {"seq": link.seq, "prev": link.prev, "hash": link.hash}
                yield StoredEvent(
                    stored.originator_id,
                    stored.originator_version,
                    stored.topic,
                    json.dumps(state, separators=(",", ":"), ensure_ascii=False).encode(),
                )
            if seq != events or (head is not None and f"{seq}:{prev}" != head):
                raise StoreError(
                    f"{path}: the header promises {events} events ending at {head}; the file "
                    f"holds {seq} ending at {seq}:{prev} (cut short or changed)"
                )

    return events, head, read()


# --- writing -------------------------------------------------------------------------------


def _into_store(
    target: OrgHistory, stored: Iterator[StoredEvent], total: int, progress: Progress | None
) -> int:
    if target.recorder.max_notification_id():
        raise StoreError("the target store already holds events: copy into an empty store")
    done = 0
    batch: list[StoredEvent] = []

    def flush() -> None:
        nonlocal done
        table: dict[str, dict[str, str]] = {}
        for event in batch:
            note(table, target.mapper.to_domain_event(event).payload)  # type: ignore[attr-defined]
        references = [(k, subject, f) for k, named in table.items() for subject, f in named.items()]
        target.recorder.insert_events(batch, references=references)
        done += len(batch)
        batch.clear()
        if progress:
            progress(done, total)

    for event in stored:
        batch.append(event)
        if len(batch) >= BATCH:
            flush()
    if batch:
        flush()
    return done


def _into_dump(
    path: Path,
    stored: Iterator[StoredEvent],
    total: int,
    head: str | None,
    progress: Progress | None,
) -> int:
    if path.exists():
        raise StoreError(f"{path} exists: a dump is never written over")
    done = 0
    part = path.with_name(path.name + ".part")
    try:
        with _open_dump(part, "w", gzipped=path.name.endswith(".gz")) as out:
            header = {"format": DUMP_FORMAT, "events": total, "head": head}
            out.write(json.dumps(header) + "\n")
            for event in stored:
                row: dict[str, Any] = {
                    "id": str(event.originator_id),
                    "version": event.originator_version,
                    "topic": event.topic,
                    "state": _decode_state(event.state),
                }
                out.write(json.dumps(row, ensure_ascii=False, separators=(",", ":")) + "\n")
                done += 1
                if progress and done % BATCH == 0:
                    progress(done, total)
        part.rename(path)  # a dump cut short by a kill is never mistaken for a whole one
    finally:
        part.unlink(missing_ok=True)
    return done


def copy_log(
    source: OrgHistory | Path,
    target: OrgHistory | Path,
    progress: Progress | None = None,
) -> Copied:
    """Copy every event from ``source`` (a store or a dump file) to ``target`` (an empty store or
    a new dump file); check the target ends at the source's head."""
    if isinstance(source, Path):
        if not isinstance(target, Path):  # check the whole dump before a store gets any of it
            check_dump(source)
        total, head, stored = _dump_events(source)
    else:
        total, head, stored = _store_events(source)
    if isinstance(target, Path):
        done = _into_dump(target, stored, total, head, progress)
        return Copied(done, head)
    done = _into_store(target, stored, total, progress)
    report = verify(target)
    copied = report.head.anchor if report.head else None
    if not report.ok or copied != head:
        raise StoreError(
            f"the copy ends at {copied}, not at the source's head {head}: do not use the target"
        )
    return Copied(done, head)
