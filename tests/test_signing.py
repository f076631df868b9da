"""Keyed tamper evidence (issue 14, finding 13): the chain's heads are signed with an Ed25519 key
kept outside the store, so an event appended by someone with database access but without the key
— even with a correctly recomputed link — passes the plain chain check and fails the keyed one;
signed checkpoints let a third party holding only the public key catch a log cut back.

The intruder works by raw SQL on the real tables (SQLite and PostgreSQL), as in test_chain.py.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import pytest
from eventsourcing.persistence import StoredEvent
from fastapi.testclient import TestClient

from orgevents.chain import link_events, verify
from orgevents.errors import ConflictError
from orgevents.http.app import create_app
from orgevents.signing import (
    SigningKeyError,
    UnsignedHeadError,
    load_public_key,
    load_signing_key,
    new_key,
    read_checkpoint,
)
from orgevents.store import open_store
from tests.conftest import BASE, entries
from tests.test_chain import RawLog, docs


class Intruder(RawLog):
    """Raw SQL access to the events table and to the table of signed heads."""

    def heads_table(self) -> str:
        return self.table.replace("orgevents_events", "orgevents_heads").replace(
            "stored_events", "orgevents_heads"
        )

    def forge_append(self) -> None:
        """Append an event with a correctly recomputed link, as someone who knows the algorithm
        (but not the key) would: it copies the last event's content under a new subject."""
        rows = self.rows()
        _, _, _, topic, state = rows[-1]
        new_id = uuid.uuid4()
        forged = link_events(state, [StoredEvent(new_id, 1, topic, state)])[0]
        ident: Any = new_id.hex if self.sqlite_path else str(new_id)
        self.execute(
            "INSERT INTO {table} (originator_id, originator_version, topic, state) "
            "VALUES (%s, %s, %s, %s)",
            ident,
            1,
            topic,
            forged.state,
        )

    def heads(self) -> list[Any]:
        return self.execute(f"SELECT seq, signature FROM {self.heads_table()} ORDER BY seq")


@pytest.fixture
def key(tmp_path: Path) -> Path:
    new_key(tmp_path / "signing.pem")
    return tmp_path / "signing.pem"


@pytest.fixture
def signed(shared_store_url: str, key: Path) -> tuple[Any, Intruder]:
    """BASE, then one more load, written with the key into a fresh SQLite or PostgreSQL store."""
    app = open_store(shared_store_url, signer=load_signing_key(key))
    app.record(entries(BASE), "tests")
    app.record(docs("more", 2), "tests")
    return app, Intruder(shared_store_url)


def test_a_forged_append_passes_the_plain_check_and_fails_the_keyed_one(signed, key):
    app, raw = signed
    public = load_public_key(key.with_name("signing.pub.pem"))
    clean = verify(app, public_key=public)
    assert clean.ok and clean.signed_by == public.key_id and clean.head.seq == 11

    raw.forge_append()
    plain = verify(app)
    assert plain.ok and plain.head.seq == 12  # the link was recomputed: the chain alone is fooled
    keyed = verify(app, public_key=public)
    assert not keyed.ok
    assert keyed.broken.kind == "unsigned"
    assert "1 event after the last head signed by key" in keyed.broken.message
    assert "(#12–#12) written without the key" in keyed.broken.message


def test_a_writer_with_the_key_refuses_to_sign_over_a_forged_append(signed, key):
    app, raw = signed
    raw.forge_append()
    with pytest.raises(UnsignedHeadError, match=r"last event \(#12\) is not the head key"):
        app.record(docs("after", 1), "tests")
    assert len(raw.rows()) == 12  # nothing written
    assert [seq for seq, _ in raw.heads()] == [9, 11]


def test_a_write_without_the_key_is_reported_by_the_keyed_check(signed, shared_store_url, key):
    app, _ = signed
    open_store(shared_store_url).record(docs("unkeyed", 1), "tests")
    keyed = verify(app, public_key=load_signing_key(key).public)
    assert keyed.broken is not None and keyed.broken.kind == "unsigned"


def test_events_removed_from_the_end_are_caught_by_the_signed_heads_alone(signed, key):
    app, raw = signed
    raw.delete(raw.rows()[-1][0])
    assert verify(app).ok
    keyed = verify(app, public_key=load_signing_key(key).public)
    assert keyed.broken.kind == "truncated"
    assert "signed head #11 but the log ends at #10" in keyed.broken.message


def test_an_edited_signature_is_caught(signed, key):
    app, raw = signed
    seq, signature = raw.heads()[0]
    forged = ("A" if signature[0] != "A" else "B") + signature[1:]
    raw.execute(f"UPDATE {raw.heads_table()} SET signature=%s WHERE seq=%s", forged, seq)
    keyed = verify(app, public_key=load_signing_key(key).public)
    assert keyed.broken.kind == "signature-invalid"


def test_a_kept_checkpoint_catches_a_log_cut_back_with_its_signed_heads(signed, key, tmp_path):
    app, raw = signed
    public = load_signing_key(key).public
    heads = app.recorder.select_signed_heads(public.key_id)
    from orgevents.signing import checkpoint_json

    kept = tmp_path / "kept.json"
    kept.write_text(checkpoint_json(heads[-1]))
    # the intruder removes the last load and the head signed for it: the rest is signed and intact
    for position, *_ in raw.rows()[9:]:
        raw.delete(position)
    raw.execute(f"DELETE FROM {raw.heads_table()} WHERE seq=%s", 11)
    assert verify(app, public_key=public).ok
    checkpoint = read_checkpoint(kept, public)
    cut = verify(app, anchor=f"{checkpoint.seq}:{checkpoint.hash}", public_key=public)
    assert cut.broken.kind == "truncated"


def test_a_checkpoint_is_checked_with_the_public_key_alone(signed, key, tmp_path):
    app, _ = signed
    public = load_public_key(key.with_name("signing.pub.pem"))
    from orgevents.signing import checkpoint_json

    head = app.recorder.select_signed_heads(public.key_id)[-1]
    kept = tmp_path / "kept.json"
    kept.write_text(checkpoint_json(head))
    assert read_checkpoint(kept, public).seq == 11
    doc = json.loads(kept.read_text())
    doc["seq"] = 10
    kept.write_text(json.dumps(doc))
    with pytest.raises(SigningKeyError, match="does not verify"):
        read_checkpoint(kept, public)
    other = tmp_path / "other.pem"
    new_key(other)
    with pytest.raises(SigningKeyError, match="not by the public key given"):
        read_checkpoint(kept, load_signing_key(other).public)


def test_a_store_written_without_a_key_is_signed_once_after_its_chain_is_checked(
    shared_store_url, key
):
    signer = load_signing_key(key)
    open_store(shared_store_url).record(entries(BASE), "tests")
    app = open_store(shared_store_url, signer=signer)
    with pytest.raises(UnsignedHeadError, match="keys sign-head"):
        app.record(docs("first", 1), "tests")
    head = verify(app).head
    app.recorder.sign_head(signer, (head.seq, head.hash))
    app.record(docs("first", 1), "tests")
    assert verify(app, public_key=signer.public).ok
    with pytest.raises(ConflictError):  # no longer the last event: nothing signed
        app.recorder.sign_head(signer, (head.seq, head.hash))


# --- the command line and the service ----------------------------------------------------------


def load_file(n: int, prefix: str = "d") -> str:
    """A load file of ``n`` documents (the smallest entries that need no sources)."""
    return "format: orgevents/1\nentries:\n" + "".join(
        f"  - {{type: DocumentRegistered, key: {prefix}{i}, document: {prefix}{i}, "
        f"title: Document {i}, location: {prefix}{i}.txt}}\n"
        for i in range(n)
    )


def orgevents(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "orgevents", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **(env or {})},
    )


def test_the_commands_make_a_key_sign_writes_and_keep_checkpoints(tmp_path):
    key = tmp_path / "k.pem"
    made = orgevents("keys", "new", "--out", str(key))
    assert made.returncode == 0, made.stderr
    assert oct(key.stat().st_mode & 0o777) == "0o600"
    assert orgevents("keys", "new", "--out", str(key)).returncode == 1  # never overwritten
    url = f"sqlite:///{tmp_path / 's.db'}"
    base = tmp_path / "base.yaml"
    base.write_text(load_file(9))
    loaded = orgevents("--store", url, "--signing-key", str(key), "load", str(base))
    assert loaded.returncode == 0, loaded.stderr
    public = str(tmp_path / "k.pub.pem")
    kept = tmp_path / "kept.json"
    ok = orgevents("--store", url, "verify", "--public-key", public, "--save-checkpoint", str(kept))
    assert ok.returncode == 0 and "head signed by key" in ok.stdout
    assert json.loads(kept.read_text())["seq"] == 9
    Intruder(url).forge_append()
    assert orgevents("--store", url, "verify").returncode == 0
    caught = orgevents("--store", url, "verify", "--public-key", public, "--checkpoint", str(kept))
    assert caught.returncode == 1
    assert caught.stdout.startswith("BROKEN at position 10: 1 event after the last head signed")
    more = tmp_path / "more.yaml"
    more.write_text(load_file(1, "more"))
    refused = orgevents(
        "--store", url, "load", str(more), env={"ORGEVENTS_SIGNING_KEY": str(key)}
    )
    assert refused.returncode == 1 and "error: the store's last event (#10)" in refused.stderr


def test_the_service_signs_its_writes_and_hands_out_checkpoints(tmp_path, key):
    url = f"sqlite:///{tmp_path / 's.db'}"
    api = TestClient(create_app(url, "alice:s3cret", signing_key=str(key)))
    written = api.post(
        "/api/entries",
        content=load_file(9),
        headers={"Authorization": "Bearer s3cret", "Content-Type": "application/yaml"},
    )
    assert written.status_code == 201, written.text
    assert api.get("/api/verify").json()["signed_by"] == load_signing_key(key).key_id
    kept = api.get("/api/checkpoint")
    assert kept.status_code == 200 and kept.json()["seq"] == 9
    Intruder(url).forge_append()
    refused = api.post(
        "/api/entries",
        content=load_file(1, "more"),
        headers={"Authorization": "Bearer s3cret", "Content-Type": "application/yaml"},
    )
    assert refused.status_code == 503
    assert "is not the head key" in refused.json()["detail"]
    broken = api.get("/api/verify")  # the head moved: the kept check is not reused
    assert broken.status_code == 409 and broken.json()["broken"]["kind"] == "unsigned"
    unkeyed = TestClient(create_app(url))
    assert unkeyed.get("/api/checkpoint").status_code == 404
    assert unkeyed.get("/api/verify").status_code == 200  # the plain chain is intact
