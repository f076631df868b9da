"""Reliability drills on real stores: kill -9 during loads, concurrent writers, a forged append.

Run: ``.venv/bin/python bench/drills.py [--trials 4] [--pg-trials 2] [--postgres URL]``

Every drill writes with a signing key (``orgevents --signing-key``), so each one also checks that
signed heads survive what happened to the writers. After each trial the store must hold whole
loads or whole batches only, its chain must verify with the public key, and running the same
commands again must reach exactly the file's entries — nothing lost, nothing twice.

1. **kill -9 during bulk-load**: a generated history (about 6,000 entries), batches of 500; the
   process is killed at a random moment after its first batch is stored.
2. **kill -9 during load**: the same history as one plain load (all or nothing).
3. **concurrent writers**: 8 processes load 40 documents each into one store at once.
4. **forged append**: an event appended by SQL with a correctly recomputed link passes the plain
   chain check and fails the keyed one.

On SQLite (a fresh file per trial) and PostgreSQL (a fresh schema per trial, dropped after). It
prints one table of trials and failures. Not a test: it takes a few minutes.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
from eventsourcing.persistence import StoredEvent

from orgevents.chain import link_events, verify
from orgevents.signing import load_signing_key, new_key
from orgevents.store import open_store

HERE = Path(__file__).parent
ORGEVENTS = [sys.executable, "-m", "orgevents"]
BATCH = 500


@dataclass
class Drill:
    name: str
    store: str
    trials: int = 0
    failures: int = 0  # trials where a check failed
    lost: int = 0  # entries missing after the re-run
    doubled: int = 0  # entries stored twice
    notes: list[str] = field(default_factory=list)


def count(url: str) -> int:
    try:
        if url.startswith("sqlite:///"):
            with sqlite3.connect(url.removeprefix("sqlite:///")) as conn:
                return int(conn.execute("SELECT count(*) FROM stored_events").fetchone()[0])
        base, _, schema = url.partition("?schema=")
        with psycopg.connect(base, autocommit=True) as conn:
            row = conn.execute(f"SELECT count(*) FROM {schema}.orgevents_events").fetchone()
            return int(row[0]) if row else 0
    except (sqlite3.Error, psycopg.Error):
        return 0


def keys(url: str) -> list[str]:
    store = open_store(url)
    try:
        return [event.payload.key for _, event in store.read_events()]
    finally:
        store.close()


def keyed_ok(url: str, key: Path) -> bool:
    store = open_store(url)
    try:
        return verify(store, public_key=load_signing_key(key).public).ok
    finally:
        store.close()


@contextmanager
def fresh_store(kind: str, folder: Path, postgres: str) -> Iterator[str]:
    if kind == "sqlite":
        path = folder / f"drill-{uuid.uuid4().hex[:8]}.db"
        yield f"sqlite:///{path}"
        return
    schema = f"drill_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(postgres, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    try:
        yield f"{postgres}?schema={schema}"
    finally:
        with psycopg.connect(postgres, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {schema} CASCADE")


def run(url: str, key: Path, *args: str) -> subprocess.CompletedProcess[str]:
    command = [*ORGEVENTS, "--store", url, "--signing-key", str(key), *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=900)


def kill_midway(url: str, key: Path, args: list[str], rng: random.Random, wait_rows: bool) -> None:
    """Start a writer, wait until it has stored something (or, for a plain load, a moment),
    then SIGKILL it."""
    command = [*ORGEVENTS, "--store", url, "--signing-key", str(key), *args]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 300
    if wait_rows:
        while process.poll() is None and time.monotonic() < deadline and count(url) == 0:
            time.sleep(0.05)
    time.sleep(rng.uniform(0.0, 2.0 if wait_rows else 6.0))
    process.send_signal(signal.SIGKILL)
    process.wait()


def kill_drill(
    drill: Drill, url: str, key: Path, args: list[str], expected: list[str], rng: random.Random,
    whole: Callable[[int], bool], wait_rows: bool,
) -> None:
    kill_midway(url, key, args, rng, wait_rows)
    after_kill = count(url)
    problems = []
    if not whole(after_kill):
        problems.append("part of a batch stored")
    if after_kill and not keyed_ok(url, key):
        problems.append("keyed verify failed after the kill")
    rerun = run(url, key, *args)
    if rerun.returncode != 0:
        problems.append(f"re-run failed: {rerun.stderr.strip()[-200:]}")
    stored = keys(url)
    drill.lost += len(set(expected) - set(stored))
    drill.doubled += len(stored) - len(set(stored))
    if sorted(stored) != sorted(expected):
        problems.append("stored entries differ from the file's")
    if not keyed_ok(url, key):
        problems.append("keyed verify failed after the re-run")
    drill.notes.append(f"{after_kill} stored when killed" + "".join(f"; {p}" for p in problems))
    drill.trials += 1
    drill.failures += bool(problems)


def writers_drill(drill: Drill, url: str, key: Path, folder: Path, writers: int = 8) -> None:
    files, expected = [], []
    for w in range(writers):
        entries = [
            {"type": "DocumentRegistered", "key": f"w{w}-{i}", "document": f"w{w}-{i}",
             "title": f"Document {w}/{i}", "location": f"w{w}-{i}.txt"}
            for i in range(40)
        ]
        expected += [e["key"] for e in entries]
        path = folder / f"writer-{uuid.uuid4().hex[:6]}-{w}.json"
        path.write_text(json.dumps({"format": "orgevents/1", "entries": entries}))
        files.append(path)
    base = [*ORGEVENTS, "--store", url, "--signing-key", str(key), "load"]
    run(url, key, "verify")  # the store's tables, made once before the writers race
    processes = [
        subprocess.Popen([*base, str(f)], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for f in files
    ]
    refused = [f for f, p in zip(files, processes, strict=True) if p.wait() != 0]
    for f in refused:  # a refused writer (lock timeout, conflict) runs again, as a user would
        run(url, key, "load", str(f))
    stored = keys(url)
    drill.lost += len(set(expected) - set(stored))
    drill.doubled += len(stored) - len(set(stored))
    ok = sorted(stored) == sorted(expected) and keyed_ok(url, key)
    drill.notes.append(f"{len(refused)} re-run")
    drill.trials += 1
    drill.failures += not ok


def forge_drill(drill: Drill, url: str, key: Path) -> None:
    docs = {"format": "orgevents/1", "entries": [
        {"type": "DocumentRegistered", "key": "d", "document": "d", "title": "D",
         "location": "d.txt"}]}
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump(docs, f)
    run(url, key, "load", f.name)
    os.unlink(f.name)
    store = open_store(url)
    last = store.recorder.select_notifications(start=1, limit=10)[-1]
    new_id = uuid.uuid4()
    forged = link_events(last.state, [StoredEvent(new_id, 1, last.topic, last.state)])[0]
    if url.startswith("sqlite:///"):
        with sqlite3.connect(url.removeprefix("sqlite:///")) as conn:
            conn.execute(
                "INSERT INTO stored_events (originator_id, originator_version, topic, state) "
                "VALUES (?, 1, ?, ?)", (new_id.hex, last.topic, forged.state))
    else:
        base, _, schema = url.partition("?schema=")
        with psycopg.connect(base, autocommit=True) as conn:
            conn.execute(
                f"INSERT INTO {schema}.orgevents_events (originator_id, originator_version, "
                "topic, state) VALUES (%s, 1, %s, %s)", (new_id, last.topic, forged.state))
    plain = verify(store).ok
    keyed = verify(store, public_key=load_signing_key(key).public)
    store.close()
    drill.trials += 1
    drill.failures += not (plain and not keyed.ok and keyed.broken.kind == "unsigned")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--trials", type=int, default=4, help="trials of each drill on SQLite")
    parser.add_argument("--pg-trials", type=int, default=2, help="trials on PostgreSQL")
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/test")
    parser.add_argument("--seed", type=int, default=14)
    args = parser.parse_args()
    rng = random.Random(args.seed)

    with tempfile.TemporaryDirectory(prefix="orgevents-drills-") as tmp:
        folder = Path(tmp)
        key = folder / "signing.pem"
        new_key(key)
        history = folder / "history.jsonl"
        subprocess.run(
            [sys.executable, str(HERE / "generate.py"), "--municipalities", "3", "--years", "12",
             "--units", "60", "--changes", "150", "--seed", "7", "--last-year", "2022",
             "-o", str(history)],
            check=True, capture_output=True,
        )
        lines = history.read_text().splitlines()
        expected = [json.loads(line)["key"] for line in lines[1:]]
        whole_file = folder / "history.json"
        whole_file.write_text(
            json.dumps({**json.loads(lines[0]), "entries": [json.loads(x) for x in lines[1:]]})
        )
        drills: list[Drill] = []
        for kind, trials in (("sqlite", args.trials), ("postgresql", args.pg_trials)):
            bulk = Drill("kill -9 during bulk-load", kind)
            plain = Drill("kill -9 during load", kind)
            writers = Drill("8 concurrent writers", kind)
            forged = Drill("forged append, keyed verify", kind)
            for _ in range(trials):
                with fresh_store(kind, folder, args.postgres) as url:
                    kill_drill(
                        bulk, url, key, ["bulk-load", str(history), "--batch-size", str(BATCH)],
                        expected, rng, lambda n: n % BATCH == 0 or n == len(expected), True,
                    )
                with fresh_store(kind, folder, args.postgres) as url:
                    kill_drill(
                        plain, url, key, ["load", str(whole_file)], expected, rng,
                        lambda n: n in (0, len(expected)), False,
                    )
                with fresh_store(kind, folder, args.postgres) as url:
                    writers_drill(writers, url, key, folder)
                with fresh_store(kind, folder, args.postgres) as url:
                    forge_drill(forged, url, key)
                print(f"{kind}: trial done", file=sys.stderr, flush=True)
            drills += [bulk, plain, writers, forged]

    print(f"{len(expected)} entries per history; batches of {BATCH}; seed {args.seed}\n")
    print("| drill | store | trials | failures | entries lost | stored twice | per trial |")
    print("|---|---|---|---|---|---|---|")
    for d in drills:
        notes = ", ".join(d.notes)
        print(
            f"| {d.name} | {d.store} | {d.trials} | {d.failures} | {d.lost} | {d.doubled} "
            f"| {notes} |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
