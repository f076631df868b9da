"""Tamper evidence: every stored event is chained to the one before it, and ``verify`` notices
when someone with database access edits, deletes or reorders rows behind orgevents' back.

The drills tamper with the real tables by raw SQL — SQLite's ``stored_events`` and PostgreSQL's
``orgevents_events`` in the test's own schema — as an intruder with database access would.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import threading
from contextlib import closing
from typing import Any
from urllib.parse import parse_qs, urlsplit
from uuid import UUID

import psycopg
import pytest
from eventsourcing.persistence import StoredEvent

from orgevents.application import OrgHistory
from orgevents.chain import CHAIN_KEY, GENESIS, link_events, verify
from orgevents.importing import example_files, load_paths
from orgevents.store import open_store
from tests.conftest import BASE, POSTGRES, entries

# BASE recorded into an empty store puts these entries at positions 1..9.
POSITIONS = {"doc": 1, "e-br": 2, "e-a": 3, "e-b": 4, "e-af": 5, "e-ac": 6, "d-t": 7, "a-t": 8}


class RawLog:
    """The events table of a store, reached with plain SQL (not through orgevents)."""

    def __init__(self, url: str) -> None:
        if url.startswith("sqlite:///"):
            self.sqlite_path: str | None = url[len("sqlite:///") :]
            self.table, self.position = "stored_events", "rowid"
        else:
            schema = parse_qs(urlsplit(url).query)["schema"][0]
            self.sqlite_path = None
            self.table, self.position = f"{schema}.orgevents_events", "notification_id"

    def execute(self, sql: str, *params: Any) -> list[Any]:
        sql = sql.format(table=self.table, pos=self.position)
        if self.sqlite_path is not None:
            with closing(sqlite3.connect(self.sqlite_path)) as conn:
                rows = conn.execute(sql.replace("%s", "?"), params).fetchall()
                conn.commit()
                return rows
        with psycopg.connect(POSTGRES, autocommit=True) as conn:
            cursor = conn.execute(sql, params)
            return cursor.fetchall() if cursor.description else []

    def rows(self) -> list[tuple[int, UUID, int, str, bytes]]:
        found = self.execute(
            "SELECT {pos}, originator_id, originator_version, topic, state FROM {table} ORDER BY {pos}"
        )
        return [(p, UUID(str(o)), v, t, bytes(s)) for p, o, v, t, s in found]

    def state(self, position: int) -> dict[str, Any]:
        return json.loads(
            bytes(self.execute("SELECT state FROM {table} WHERE {pos}=%s", position)[0][0])
        )

    def set_state(self, position: int, state: dict[str, Any] | bytes) -> None:
        data = state if isinstance(state, bytes) else json.dumps(state, ensure_ascii=False).encode()
        self.execute("UPDATE {table} SET state=%s WHERE {pos}=%s", data, position)

    def delete(self, position: int) -> None:
        self.execute("DELETE FROM {table} WHERE {pos}=%s", position)

    def swap_positions(self, a: int, b: int) -> None:
        """Move row a to position b and row b to position a (the rows keep their contents)."""
        for old, new in ((a, -1), (b, a), (-1, b)):
            self.execute("UPDATE {table} SET {pos}=%s WHERE {pos}=%s", new, old)

    def swap_states(self, a: int, b: int) -> None:
        """Exchange the stored states of two rows (ids and versions stay where they were)."""
        state_a, state_b = self.state(a), self.state(b)
        self.set_state(a, state_b)
        self.set_state(b, state_a)

    def rehash_from(self, position: int) -> None:
        """What an intruder who knows the algorithm does after an edit: re-compute every link
        from ``position`` to the end, so each event matches its hash and its predecessor."""
        rows = self.rows()
        previous: bytes | None = None
        for pos, originator_id, version, topic, state in rows:
            if pos >= position:
                stored = StoredEvent(originator_id, version, topic, state)
                state = link_events(previous, [stored])[0].state
                self.set_state(pos, state)
            previous = state


@pytest.fixture
def tampered(shared_store_url: str) -> tuple[OrgHistory, RawLog]:
    """BASE recorded into a fresh SQLite or PostgreSQL store, and raw access to its table."""
    app = open_store(shared_store_url)
    app.record(entries(BASE), "tests")
    return app, RawLog(shared_store_url)


def docs(prefix: str, n: int) -> list[Any]:
    """n independent entries (each registers its own document, so writers never collide)."""
    return entries(
        "\n".join(
            f"- {{type: DocumentRegistered, key: {prefix}-{i}, document: {prefix}-{i}, "
            f"title: Document {prefix} {i}, location: {prefix}-{i}.txt}}"
            for i in range(n)
        )
    )


# --- an untouched store verifies clean ---------------------------------------------------------


def test_an_untouched_store_verifies_clean(store_url):
    app = open_store(store_url)
    app.record(entries(BASE), "tests")
    report = verify(app)
    assert report.ok, report.summary()
    assert report.verified == 9
    assert report.head is not None and (report.head.seq, report.head.position) == (9, 9)
    assert report.summary().startswith(
        f"ok: 9 events verified, chain intact; head 9:{report.head.hash}"
    )


def test_the_copenhagen_dataset_verifies_clean(store_url):
    app = open_store(store_url)
    load_paths(app, example_files("copenhagen"), "me")
    report = verify(app)
    assert report.ok, report.summary()
    assert report.verified == app.last_position() > 200
    assert report.head is not None
    # Verifying is reading: it can be asked again, with the head it printed as the anchor.
    assert verify(app, anchor=report.head.anchor).ok


def test_an_empty_store_verifies_clean(store_url):
    report = verify(open_store(store_url))
    assert report.ok and report.verified == 0 and report.head is None
    assert report.summary() == "ok: the log is empty, nothing to verify"


def test_each_event_carries_its_link_in_the_stored_state_and_not_in_the_domain_event(tampered):
    app, raw = tampered
    first, second = raw.state(1)[CHAIN_KEY], raw.state(2)[CHAIN_KEY]
    assert first["seq"] == 1 and first["prev"] == GENESIS
    assert second == {"seq": 2, "prev": first["hash"], "hash": second["hash"]}
    # Read back through orgevents, the events carry no trace of the link.
    for _, event in app.read_events():
        assert CHAIN_KEY not in vars(event)


# --- drills: raw SQL on the real tables (SQLite and PostgreSQL) --------------------------------


def test_editing_a_stored_payload_is_detected_at_that_event(tampered):
    app, raw = tampered
    state = raw.state(POSITIONS["e-b"])
    assert state["payload"]["_data_"]["name"] == "Committee B"
    state["payload"]["_data_"]["name"] = "Committee X"
    raw.set_state(POSITIONS["e-b"], state)

    report = verify(app)
    assert not report.ok and report.broken is not None
    assert (report.broken.position, report.broken.entry) == (4, "e-b")
    assert report.broken.kind == "content-changed"
    assert report.verified == 3
    assert report.summary() == (
        "BROKEN at position 4 (entry e-b): content changed: the event no longer matches its "
        "hash; 3 events verified before it"
    )


def test_a_re_hashed_single_edit_is_reported_at_the_link_after_it(tampered):
    app, raw = tampered
    rows = raw.rows()
    pos, originator_id, version, topic, stored = rows[3]  # position 4, e-b
    state = json.loads(stored)
    state["payload"]["_data_"]["name"] = "Committee X"
    previous = rows[2][4]
    edited = StoredEvent(originator_id, version, topic, json.dumps(state).encode())
    raw.set_state(pos, link_events(previous, [edited])[0].state)  # a valid hash for event 4

    report = verify(app)
    assert report.broken is not None
    assert (report.broken.position, report.broken.entry) == (5, "e-af")
    assert report.broken.kind == "link-broken"
    assert "the event before it (position 4) is not the one it was chained to" in (
        report.broken.message
    )
    assert report.verified == 4


def test_deleting_a_row_is_detected_at_the_next_event(tampered):
    app, raw = tampered
    raw.delete(POSITIONS["e-b"])

    report = verify(app)
    assert report.broken is not None
    assert (report.broken.position, report.broken.entry) == (5, "e-af")
    assert report.broken.kind == "events-missing"
    assert report.broken.message == "1 event missing before it (chained #4); positions 4 are absent"
    assert report.verified == 3


def test_deleting_several_rows_says_how_many_are_missing(tampered):
    app, raw = tampered
    for position in (3, 4, 5):
        raw.delete(position)

    report = verify(app)
    assert report.broken is not None
    assert (report.broken.position, report.broken.kind) == (6, "events-missing")
    assert report.broken.message.startswith("3 events missing before it (chained #3–#5)")


def test_swapping_two_rows_positions_is_detected_at_the_first_of_them(tampered):
    app, raw = tampered
    raw.swap_positions(3, 6)  # e-a and e-ac change places

    report = verify(app)
    assert report.broken is not None
    assert (report.broken.position, report.broken.entry) == (3, "e-ac")
    assert report.broken.kind == "out-of-order"
    assert "#3 is at position 6" in report.broken.message
    assert report.verified == 2


def test_swapping_two_adjacent_rows_is_detected(tampered):
    app, raw = tampered
    raw.swap_positions(7, 8)

    report = verify(app)
    assert report.broken is not None
    assert (report.broken.position, report.broken.kind) == (7, "out-of-order")
    assert report.broken.entry == "a-t"


def test_swapping_two_rows_contents_is_detected_at_the_first_of_them(tampered):
    app, raw = tampered
    raw.swap_states(3, 4)  # the rows keep their ids and versions but exchange states

    report = verify(app)
    assert report.broken is not None
    assert (report.broken.position, report.broken.kind) == (3, "content-changed")
    assert report.broken.entry == "e-b"  # the state now at position 3 is e-b's


def test_a_row_without_a_link_is_detected(tampered):
    app, raw = tampered
    state = raw.state(2)
    del state[CHAIN_KEY]
    raw.set_state(2, state)

    report = verify(app)
    assert report.broken is not None
    assert (report.broken.position, report.broken.kind, report.broken.entry) == (
        2,
        "no-link",
        "e-br",
    )


def test_a_row_overwritten_with_garbage_is_detected(tampered):
    app, raw = tampered
    raw.set_state(6, b"\x00not json")

    report = verify(app)
    assert report.broken is not None
    assert (report.broken.position, report.broken.kind, report.broken.entry) == (
        6,
        "unreadable",
        None,
    )


def test_truncating_the_tail_is_invisible_to_the_chain_but_not_to_a_kept_anchor(tampered):
    app, raw = tampered
    kept = verify(app).head
    assert kept is not None and kept.seq == 9
    raw.delete(9)

    # What is left is a valid chain: nothing links forward, so nothing points at the lost event.
    report = verify(app)
    assert report.ok and report.verified == 8
    # The head printed before (kept outside the store) shows the loss.
    anchored = verify(app, anchor=kept.anchor)
    assert anchored.broken is not None
    assert (anchored.broken.position, anchored.broken.kind) == (9, "truncated")
    assert anchored.broken.message == (
        "truncated: the anchor names event #9 but the log ends at #8 (position 8); "
        "1 event removed from the end"
    )


def test_a_truncated_tail_written_over_again_differs_from_the_anchor(tampered):
    app, raw = tampered
    kept = verify(app).head
    assert kept is not None
    raw.delete(9)
    app.record(docs("later", 1), "tests")  # a new event #9 chains onto #8

    report = verify(app)
    assert report.ok and report.verified == 9
    anchored = verify(app, anchor=kept.anchor)
    assert anchored.broken is not None and anchored.broken.kind == "anchor-mismatch"
    assert report.head is not None and anchored.broken.position == report.head.position


def test_rewriting_and_re_hashing_the_whole_tail_needs_the_anchor_to_be_seen(tampered):
    app, raw = tampered
    kept = verify(app).head
    assert kept is not None
    state = raw.state(4)
    state["payload"]["_data_"]["name"] = "Committee X"
    raw.set_state(4, state)
    raw.rehash_from(4)

    assert verify(app).ok  # a consistent forgery: no secret stops the re-computation
    anchored = verify(app, anchor=kept.anchor)
    assert anchored.broken is not None
    assert (anchored.broken.position, anchored.broken.kind) == (9, "anchor-mismatch")


def test_a_gap_in_positions_alone_is_not_tampering(postgres_url):
    app = open_store(postgres_url)
    app.record(entries(BASE), "tests")
    raw = RawLog(postgres_url)
    # A rolled-back insert leaves the PostgreSQL sequence ahead of the table.
    raw.execute("SELECT nextval(pg_get_serial_sequence('{table}', 'notification_id'))")
    app.record(docs("after-gap", 1), "tests")

    report = verify(app)
    assert report.ok, report.summary()
    assert report.gaps == [(10, 10)]
    assert report.head is not None and (report.head.seq, report.head.position) == (10, 11)
    assert "(positions 10 unused: rolled-back writes, no event is missing)" in report.summary()


# --- concurrent writers keep one chain ---------------------------------------------------------


def assert_one_chain(raw: RawLog, count: int) -> None:
    links = [json.loads(state)[CHAIN_KEY] for *_, state in raw.rows()]
    assert [link["seq"] for link in links] == list(range(1, count + 1))
    assert [link["prev"] for link in links] == [GENESIS] + [link["hash"] for link in links[:-1]]


def test_two_applications_writing_alternately_keep_one_chain(shared_store_url):
    first, second = open_store(shared_store_url), open_store(shared_store_url)
    first.record(entries(BASE), "first")
    second.record(docs("second", 2), "second")
    first.record(docs("first", 3), "first")
    second.record(docs("second-again", 1), "second")

    for app in (first, second):
        report = verify(app)
        assert report.ok and report.verified == 15, report.summary()
    assert_one_chain(RawLog(shared_store_url), 15)


def test_two_applications_writing_in_threads_keep_one_chain(shared_store_url):
    apps = [open_store(shared_store_url), open_store(shared_store_url)]
    writers, loads = 4, 8
    start = threading.Barrier(writers)
    errors: list[BaseException] = []

    def write(n: int) -> None:
        app = apps[n % 2]
        try:
            start.wait()
            for i in range(loads):
                app.record(docs(f"w{n}-{i}", 2), f"writer {n}")
        except BaseException as exc:  # reported below, with the others
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    report = verify(apps[0])
    assert report.ok and report.verified == writers * loads * 2, report.summary()
    assert_one_chain(RawLog(shared_store_url), writers * loads * 2)


def test_threads_writing_to_one_in_memory_store_keep_one_chain():
    app = open_store("memory:")
    threads = [
        threading.Thread(
            target=lambda n=n: [app.record(docs(f"m{n}-{i}", 1), "t") for i in range(5)]
        )
        for n in range(4)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    report = verify(app)
    assert report.ok and report.verified == 20


# --- the command ------------------------------------------------------------------------------


def run_verify(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "orgevents", "--store", url, "verify", *args],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_verify_command_exits_0_when_clean_and_1_at_the_first_break(tmp_path):
    url = f"sqlite:///{tmp_path / 'kk.db'}"
    open_store(url).record(entries(BASE), "tests")

    clean = run_verify(url)
    assert clean.returncode == 0, clean.stderr
    assert clean.stdout.startswith("ok: 9 events verified, chain intact; head 9:")
    assert clean.stdout.count("\n") == 1
    anchor = clean.stdout.split("head ")[1].strip()

    raw = RawLog(url)
    state = raw.state(4)
    state["payload"]["_data_"]["name"] = "Committee X"
    raw.set_state(4, state)
    broken = run_verify(url)
    assert broken.returncode == 1
    assert broken.stdout.startswith("BROKEN at position 4 (entry e-b): content changed")
    as_json = json.loads(run_verify(url, "--json").stdout)
    assert as_json["ok"] is False and as_json["verified"] == 3
    assert as_json["broken"] == {
        "position": 4,
        "entry": "e-b",
        "kind": "content-changed",
        "message": "content changed: the event no longer matches its hash",
    }
    assert run_verify(url, "--anchor", anchor).returncode == 1


def test_verify_command_checks_a_kept_anchor(tmp_path):
    url = f"sqlite:///{tmp_path / 'kk.db'}"
    open_store(url).record(entries(BASE), "tests")
    anchor = json.loads(run_verify(url, "--json").stdout)["head"]["anchor"]
    RawLog(url).delete(9)

    assert run_verify(url).returncode == 0
    truncated = run_verify(url, "--anchor", anchor)
    assert truncated.returncode == 1
    assert truncated.stdout.startswith("BROKEN at position 9: truncated")


def test_verify_command_refuses_a_malformed_anchor(tmp_path):
    bad = run_verify(f"sqlite:///{tmp_path / 'kk.db'}", "--anchor", "9:abc")
    assert bad.returncode == 2
    assert "'9:abc' is not a head anchor" in bad.stderr
