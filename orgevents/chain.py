"""Tamper evidence: a hash chain over the whole event log, in recorded order.

Every stored event carries a link inside its JSON state, as one extra top-level key::

    "_chain": {"seq": N, "prev": "<hash of event N-1>", "hash": "<hash of this event>"}

``seq`` counts the chained events (1, 2, 3, ...; it does not follow the store's positions, which
may have gaps on PostgreSQL). ``hash`` is SHA-256 over the canonical JSON of the event's content —
originator id, version, topic and state without the link — together with ``seq`` and ``prev``.
The first event links to ``GENESIS``.

The recorders (:mod:`orgevents.recorders`) compute the link inside the insert transaction, after
the store has made writers wait for each other (SQLite ``BEGIN IMMEDIATE``; PostgreSQL's ``LOCK
TABLE ... IN EXCLUSIVE MODE``; a lock in memory), so two writers can never chain onto the same
event. ``ChainedMapper`` drops the link again when events are read back. ``verify`` re-computes
the chain from the notification log and reports the first broken link.

The hash covers the *meaning* of the JSON state (parsed, then written canonically), so an edit
that only changes spacing, key order or escaping is not a change. What the chain cannot show on
its own: events removed from the *end* of the log (nothing links forward to them), and a log
rewritten with every hash re-computed after the change (the chain has no secret). Keep the head
the verifier prints (``SEQ:HASH``) somewhere else and pass it back as an anchor: both are then
caught for every event up to that head. With a signing key kept outside the store
(:mod:`orgevents.signing`), every write's head is signed, and ``verify(public_key=...)`` also
catches events appended without the key and signed heads the log no longer reaches.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from uuid import UUID

from eventsourcing.application import Application
from eventsourcing.domain import DomainEventProtocol
from eventsourcing.persistence import (
    ApplicationRecorder,
    Mapper,
    Notification,
    ProgrammingError,
    StoredEvent,
)

if TYPE_CHECKING:
    from orgevents.signing import PublicKey, SignedHead

CHAIN_KEY = "_chain"
GENESIS = "0" * 64


# --- the link ----------------------------------------------------------------------------------


def _canonical(data: Any) -> bytes:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def event_hash(
    originator_id: UUID | str,
    originator_version: int,
    topic: str,
    state: dict[str, Any],
    seq: int,
    prev: str,
) -> str:
    """One event's hash: its content (``state`` without the link) and its place in the chain."""
    return _hash(originator_id, originator_version, topic, _canonical(state), seq, prev)


def _json_text(value: UUID | str) -> bytes:
    if isinstance(value, UUID):
        return b'"%s"' % str(value).encode()  # a UUID's text needs no escaping
    return _canonical(value)


def _hash(
    originator_id: UUID | str,
    originator_version: int,
    topic: str,
    state: bytes,
    seq: int,
    prev: str,
) -> str:
    """``event_hash`` with the state already canonical: the canonical JSON of the content,
    written out key by key in sorted order (as ``_canonical`` of the whole would)."""
    content = b"".join(
        (
            b'{"originator_id":',
            _json_text(originator_id),
            b',"originator_version":',
            str(int(originator_version)).encode(),
            b',"prev":',
            _canonical(prev),
            b',"seq":',
            str(int(seq)).encode(),
            b',"state":',
            state,
            b',"topic":',
            _canonical(topic),
            b"}",
        )
    )
    return hashlib.sha256(content).hexdigest()


@dataclass(frozen=True)
class Link:
    seq: int
    prev: str
    hash: str


def _decode_state(state: bytes | str) -> dict[str, Any] | None:
    """The JSON object a stored state holds, or None when it holds none.

    A state edited by hand may come back as text (SQLite keeps what it was given); read it too.
    """
    try:
        data = json.loads(state if isinstance(state, str) else bytes(state))
    except (ValueError, TypeError):
        return None
    return data if isinstance(data, dict) else None


def _take_link(data: dict[str, Any]) -> Link | None:
    """Remove the link from a decoded state and return it (None if missing or malformed)."""
    raw = data.pop(CHAIN_KEY, None)
    if not isinstance(raw, dict):
        return None
    seq, prev, hash_ = raw.get("seq"), raw.get("prev"), raw.get("hash")
    if not (isinstance(seq, int) and isinstance(prev, str) and isinstance(hash_, str)):
        return None
    return Link(seq, prev, hash_)


def head_of(state: bytes | None) -> tuple[int, str] | None:
    """The (seq, hash) of the event whose state is ``state`` (None: no event); an event whose link
    cannot be read gives (0, "") — a head no key has signed."""
    if state is None:
        return None
    data = _decode_state(state)
    link = _take_link(data) if data is not None else None
    return (link.seq, link.hash) if link is not None else (0, "")


def link_events(
    last_state: bytes | None, stored_events: Sequence[StoredEvent]
) -> list[StoredEvent]:
    """``stored_events`` with links added, chained onto the event whose state is ``last_state``.

    Call it only while holding the store's write lock, with the state of the last stored event.
    """
    seq, prev = 0, GENESIS
    if last_state is not None:
        last = _decode_state(last_state)
        link = _take_link(last) if last is not None else None
        if link is not None:  # else: the last event was tampered with; verify reports it
            seq, prev = link.seq, link.hash
    linked = []
    for stored in stored_events:
        state = _decode_state(stored.state)
        if state is None:
            raise ProgrammingError(
                "tamper evidence needs event states stored as plain JSON (no cipher or compressor)"
            )
        state.pop(CHAIN_KEY, None)
        seq += 1
        body = _canonical(state)  # once: hashed, then stored with the link added
        version, topic = stored.originator_version, stored.topic
        hash_ = _hash(stored.originator_id, version, topic, body, seq, prev)
        tail = _canonical({CHAIN_KEY: {"seq": seq, "prev": prev, "hash": hash_}})[1:]
        linked.append(
            StoredEvent(
                originator_id=stored.originator_id,
                originator_version=stored.originator_version,
                topic=stored.topic,
                state=body[:-1] + (b"," if state else b"") + tail,  # the link as the last key
            )
        )
        prev = hash_
    return linked


class ChainedMapper(Mapper[UUID]):
    """The library's mapper, dropping the chain link from the events it reads back."""

    def to_domain_event(self, stored_event: StoredEvent) -> DomainEventProtocol[UUID]:
        event = super().to_domain_event(stored_event)
        vars(event).pop(CHAIN_KEY, None)
        return event


# --- verifying ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Head:
    """The last event of a verified chain: keep ``anchor`` elsewhere to detect truncation."""

    seq: int
    position: int
    hash: str

    @property
    def anchor(self) -> str:
        return f"{self.seq}:{self.hash}"


@dataclass(frozen=True)
class Break:
    """The first broken link: where, which entry (if readable), what is wrong."""

    position: int
    kind: str  # unreadable | no-link | content-changed | link-broken | out-of-order |
    #            events-missing | truncated | anchor-mismatch
    message: str
    entry: str | None = None


@dataclass
class VerifyReport:
    verified: int = 0  # events whose content and link checked out, before any break
    head: Head | None = None
    broken: Break | None = None
    gaps: list[tuple[int, int]] = field(default_factory=list)  # absent positions, chain intact
    signed_by: str | None = None  # the key whose signed head is the log's last event

    @property
    def ok(self) -> bool:
        return self.broken is None

    def summary(self) -> str:
        """One line for people."""
        if self.broken is not None:
            where = f"position {self.broken.position}"
            if self.broken.entry:
                where += f" (entry {self.broken.entry})"
            return (
                f"BROKEN at {where}: {self.broken.message}; "
                f"{_events(self.verified)} verified before it"
            )
        if self.head is None:
            return "ok: the log is empty, nothing to verify"
        line = f"ok: {_events(self.verified)} verified, chain intact; head {self.head.anchor}"
        if self.gaps:
            absent = ", ".join(_span(a, b) for a, b in self.gaps)
            line += f" (positions {absent} unused: rolled-back writes, no event is missing)"
        if self.signed_by:
            line += f"; head signed by key {self.signed_by}"
        return line

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "verified": self.verified,
            "head": None
            if self.head is None
            else {
                "seq": self.head.seq,
                "position": self.head.position,
                "hash": self.head.hash,
                "anchor": self.head.anchor,
            },
            "broken": None
            if self.broken is None
            else {
                "position": self.broken.position,
                "entry": self.broken.entry,
                "kind": self.broken.kind,
                "message": self.broken.message,
            },
            "gaps": [{"first": a, "last": b} for a, b in self.gaps],
            "signed_by": self.signed_by,
            "message": self.summary(),
        }


def _events(n: int) -> str:
    return f"{n} event{'' if n == 1 else 's'}"


def _span(first: int, last: int) -> str:
    return str(first) if first == last else f"{first}–{last}"


def _entry_key(state: dict[str, Any] | None) -> str | None:
    payload = (state or {}).get("payload")
    data = payload.get("_data_") if isinstance(payload, dict) else None
    key = data.get("key") if isinstance(data, dict) else None
    return key if isinstance(key, str) else None


def parse_anchor(text: str) -> tuple[int, str]:
    """``SEQ:HASH`` as printed by ``verify``; ValueError if it is not one."""
    seq, sep, hash_ = text.strip().partition(":")
    hash_ = hash_.lower()
    if (
        not sep
        or not seq.isdigit()
        or int(seq) < 1
        or len(hash_) != 64
        or any(c not in "0123456789abcdef" for c in hash_)
    ):
        raise ValueError(f"{text!r} is not a head anchor: write SEQ:HASH as verify prints it")
    return int(seq), hash_


def _notifications(recorder: ApplicationRecorder, batch_size: int) -> Iterator[Notification]:
    start = 1
    while True:
        batch = recorder.select_notifications(start=start, limit=batch_size)
        if not batch:
            return
        yield from batch
        start = batch[-1].id + 1


def verify(
    app: Application[Any],
    anchor: str | None = None,
    batch_size: int = 1000,
    public_key: PublicKey | None = None,
) -> VerifyReport:
    """Re-compute the chain over the whole log and report the first broken link.

    ``anchor`` (``SEQ:HASH``, a head printed earlier and kept elsewhere) also checks that the log
    still reaches that event unchanged — the only way to notice events removed from the end.
    With ``public_key``, the log's last event must also be a head signed by that key, and every
    head it signed must still be in the log (:mod:`orgevents.signing`).
    """
    wanted = parse_anchor(anchor) if anchor else None
    heads: dict[int, SignedHead] = {}
    if public_key is not None:
        select = app.recorder.select_signed_heads  # type: ignore[attr-defined]
        heads = {h.seq: h for h in select(public_key.key_id)}
    last_signed = max(heads, default=0)
    at_heads: dict[int, tuple[int, str]] = {}  # seq → position and hash, for the signed seqs
    first_unsigned = 0  # the position of the event after the last signed head
    report = VerifyReport()
    at_anchor: tuple[int, str] | None = None  # position and hash of the anchor's event
    expected_seq, expected_prev, last_position = 1, GENESIS, 0
    notifications = _notifications(app.recorder, batch_size)
    for n in notifications:
        state = _decode_state(n.state)
        link = _take_link(state) if state is not None else None
        problem: tuple[str, str] | None = None
        if state is None:
            problem = ("unreadable", "the stored state is not a JSON object: it was overwritten")
        elif link is None:
            problem = (
                "no-link",
                "the event carries no chain link: it was inserted or rewritten outside orgevents",
            )
        elif link.hash != event_hash(
            n.originator_id, n.originator_version, n.topic, state, link.seq, link.prev
        ):
            problem = ("content-changed", "content changed: the event no longer matches its hash")
        elif link.prev != expected_prev or link.seq != expected_seq:
            problem = _diagnose(
                notifications, n.id, link, expected_seq, expected_prev, last_position
            )
        if problem is not None:
            report.broken = Break(n.id, *problem, entry=_entry_key(state))
            return report
        assert link is not None
        if n.id != last_position + 1:
            report.gaps.append((last_position + 1, n.id - 1))
        report.verified += 1
        report.head = Head(link.seq, n.id, link.hash)
        if wanted is not None and link.seq == wanted[0]:
            at_anchor = (n.id, link.hash)
        if link.seq in heads:
            at_heads[link.seq] = (n.id, link.hash)
        elif link.seq == last_signed + 1:
            first_unsigned = n.id
        expected_seq, expected_prev, last_position = link.seq + 1, link.hash, n.id
    if wanted is not None:
        _check_anchor(report, wanted, at_anchor)
    if public_key is not None and report.ok:
        report.broken = _check_signed(report, public_key, heads, at_heads, first_unsigned)
        if report.ok and report.head is not None:
            report.signed_by = public_key.key_id
    return report


def _check_signed(
    report: VerifyReport,
    public: PublicKey,
    heads: dict[int, SignedHead],
    at_heads: dict[int, tuple[int, str]],
    first_unsigned: int,
) -> Break | None:
    """The first problem with the heads signed by ``public``'s key over an intact chain."""
    key, end = public.key_id, report.head
    for seq, head in sorted(heads.items()):
        position, hash_ = at_heads.get(seq, (0, ""))
        if not public.verifies(seq, head.hash, head.signature):
            return Break(
                position,
                "signature-invalid",
                f"the signature of head #{seq} does not verify with key {key}: the table of "
                "signed heads was edited",
            )
        if end is None or seq > end.seq:
            return Break(
                (end.position if end else 0) + 1,
                "truncated",
                f"truncated: key {key} signed head #{seq} but the log "
                + (f"ends at #{end.seq}" if end else "is empty")
                + f"; {_events(seq - (end.seq if end else 0))} removed from the end",
            )
        if hash_ != head.hash:
            return Break(
                position,
                "signed-head-mismatch",
                f"event #{seq} is not the event key {key} signed: the log was rewritten up to "
                "here and re-hashed",
            )
    if end is None:
        return None
    last = max(heads, default=0)
    if last == end.seq:
        return None
    unsigned = end.seq - last
    return Break(
        first_unsigned,
        "unsigned",
        (
            f"{_events(unsigned)} after the last head signed by key {key} (#{last})"
            if heads
            else f"no head is signed by key {key}: {_events(unsigned)}"
        )
        + f" (#{last + 1}–#{end.seq}) written without the key — appended outside orgevents, or "
        "by a writer without --signing-key",
    )


def _diagnose(
    rest: Iterator[Notification], position: int, link: Link, seq: int, prev: str, last: int
) -> tuple[str, str]:
    """Why the event at ``position`` (carrying ``link``) is not the chain's event ``seq``."""
    absent = (
        f"; positions {_span(last + 1, position - 1)} are absent" if position > last + 1 else ""
    )
    if link.seq == seq:
        return (
            "link-broken",
            (
                f"link to previous broken: the event before it (position {last}) is not the "
                "one it was chained to — that event was changed and re-hashed, or replaced" + absent
            ),
        )
    for n in rest:  # is the expected event elsewhere in the log?
        state = _decode_state(n.state)
        other = _take_link(state) if state is not None else None
        if other is not None and other.seq == seq and other.prev == prev:
            return (
                "out-of-order",
                (
                    f"out of order: this is chained event #{link.seq} but #{seq} was due; "
                    f"#{seq} is at position {n.id} — rows were moved or swapped"
                ),
            )
    if link.seq > seq:
        missing = link.seq - seq
        return (
            "events-missing",
            f"{_events(missing)} missing before it (chained #{seq}"
            + (f"–#{link.seq - 1}" if missing > 1 else "")
            + ")"
            + absent,
        )
    return (
        "out-of-order",
        (
            f"out of order: this is chained event #{link.seq} but #{seq} was due — "
            "a row was copied or moved back"
        ),
    )


def _check_anchor(
    report: VerifyReport, wanted: tuple[int, str], found: tuple[int, str] | None
) -> None:
    seq, hash_ = wanted
    head = report.head
    if head is None or found is None:
        have = f"ends at #{head.seq} (position {head.position})" if head else "is empty"
        report.broken = Break(
            (head.position if head else 0) + 1,
            "truncated",
            f"truncated: the anchor names event #{seq} but the log {have}; "
            f"{_events(seq - (head.seq if head else 0))} removed from the end",
        )
    elif found[1] != hash_:
        report.broken = Break(
            found[0],
            "anchor-mismatch",
            f"event #{seq} no longer has the anchor's hash: the log was rewritten up to here "
            "and re-hashed",
        )
