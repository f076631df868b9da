"""Throughput and latency of JSON as-of queries against ``orgevents serve`` on the Copenhagen data.

Run: ``.venv/bin/python bench/bench_http.py [--seconds 10] [--clients 32] [--workers 1]``

Loads the Copenhagen dataset into a fresh SQLite store, starts ``orgevents serve`` on a free
loopback port, and lets ``--clients`` concurrent clients (one keep-alive connection each, a small
asyncio HTTP/1.1 client, so the client costs little) ask for ``--seconds``:

1. the baseline: ``GET /health`` (the framework, one trivial store query);
2. as-of queries: units, a unit, a responsibility, who holds what, find and diff, on dates
   around the changes of 1 January 2026 — each read catches up with the store first, and a
   question asked before of the same state is answered from the worker's kept answers;
3. "all new": as-of questions on every day from 2000 to 2040, none asked twice, so every
   answer is computed from the read model (the worst case for the kept answers).

Prints requests/s, p50 and p99 latency and errors per phase, and the ratios to the baseline.
The issue's goal: ≥ 500 requests/s and p99 ≤ 50 ms for the as-of queries. Not a test: it sends
traffic only to 127.0.0.1 and stops by itself.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import itertools
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from orgevents.importing import example_files, load_paths
from orgevents.store import open_store

DATES = ["2025-06-01", "2025-12-31", "2026-01-01", "2026-02-01", "2026-07-01", "2027-01-01"]
AS_OF = [
    *(f"/api/units?at={d}" for d in DATES),
    *(f"/api/show/biu?at={d}" for d in DATES),
    *(f"/api/show/ungecenteret?at={d}" for d in DATES),
    *(f"/api/show/stu?at={d}" for d in DATES),
    *(f"/api/who/stu?at={d}" for d in DATES),
    *(f"/api/who/udsatteteam-beskaeftigelse?at={d}" for d in DATES),
    *(f"/api/find?q=erhverv&at={d}" for d in DATES),
    "/api/diff?from=2025-12-31&to=2026-01-01",
    "/api/diff?from=2026-01-31&to=2026-02-01",
]


def new_questions() -> list[str]:
    """As-of questions on every day from 2000 to 2040: none asked twice, so none is kept."""
    start = dt.date(2000, 1, 1)
    days = [start + dt.timedelta(days=n) for n in range(41 * 365)]
    shapes = [
        "/api/units?at={}",
        "/api/show/biu?at={}",
        "/api/who/stu?at={}",
        "/api/find?q=ung&at={}",
    ]
    return [shape.format(day) for i, day in enumerate(days) for shape in shapes[i % 2 :: 2]]


@dataclass
class Phase:
    name: str
    seconds: float
    latencies: list[float] = field(default_factory=list)
    errors: int = 0

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.seconds

    def percentile(self, p: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))] * 1000


async def request(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, path: str, host: str = "127.0.0.1"
) -> int:
    """One GET on a kept-alive connection, its body read whole: the status."""
    writer.write(f"GET {path} HTTP/1.1\r\nHost: {host}\r\n\r\n".encode())
    head = await reader.readuntil(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":", 1)[1])
    await reader.readexactly(length)
    return int(head.split(b" ", 2)[1])


async def client(host: str, port: int, paths: list[str], deadline: float, phase: Phase) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    try:
        for path in itertools.cycle(paths):
            if time.perf_counter() >= deadline:
                return
            start = time.perf_counter()
            status = await request(reader, writer, path, host)
            if status == 200:
                phase.latencies.append(time.perf_counter() - start)
            else:
                phase.errors += 1
    finally:
        writer.close()


async def run_phase(
    name: str, port: int, paths: list[str], clients: int, seconds: float, split: bool = False
) -> Phase:
    """``clients`` clients asking ``paths`` for ``seconds``: each from another place in the list,
    or (``split``) each its own share of it."""
    phase = Phase(name, seconds)
    deadline = time.perf_counter() + seconds
    tasks = []
    for i in range(clients):
        mine = paths[i::clients] if split else paths[i % len(paths) :] + paths[: i % len(paths)]
        tasks.append(client("127.0.0.1", port, mine, deadline, phase))
    await asyncio.gather(*tasks)
    return phase


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(store_url: str, port: int, workers: int, log: Path) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if k not in ("ORGEVENTS_STORE", "ORGEVENTS_TOKEN")}
    command = [sys.executable, "-m", "orgevents", "--store", store_url, "serve"]
    command += ["--port", str(port), "--workers", str(workers)]
    with log.open("wb") as out:
        server = subprocess.Popen(
            command, stdout=out, stderr=subprocess.STDOUT, env=env, start_new_session=True
        )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=1):
                return server
        except OSError:
            if server.poll() is not None:
                break
            time.sleep(0.1)
    stop(server)
    raise SystemExit(f"orgevents serve did not start:\n{log.read_text()}")


def stop(server: subprocess.Popen[bytes]) -> None:
    if server.poll() is None:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="length of each phase")
    parser.add_argument("--clients", type=int, default=32, help="concurrent clients")
    parser.add_argument("--workers", type=int, default=1, help="uvicorn workers")
    parser.add_argument(
        "--store", help="an empty store to load the dataset into [default: a fresh SQLite file]"
    )
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="orgevents-bench-") as folder:
        url = args.store or f"sqlite:///{Path(folder) / 'kk.db'}"
        loaded = load_paths(open_store(url), example_files("copenhagen"), "bench")
        port = free_port()
        server = start_server(url, port, args.workers, Path(folder) / "server.log")
        try:
            asyncio.run(run_phase("warm-up", port, AS_OF, args.clients, 2.0))
            baseline = asyncio.run(
                run_phase("GET /health", port, ["/health"], args.clients, args.seconds)
            )
            queries = asyncio.run(
                run_phase("as-of JSON queries", port, AS_OF, args.clients, args.seconds)
            )
            fresh = asyncio.run(
                run_phase("as-of, all new", port, new_questions(), args.clients, args.seconds, True)
            )
        finally:
            stop(server)

    print(
        f"orgevents serve --workers {args.workers}, Copenhagen ({len(loaded.appended)} events, "
        f"{url.split(':')[0]}), {args.clients} clients on loopback, {args.seconds:g} s per phase, "
        f"{os.cpu_count()} CPUs (the clients share them)"
    )
    print(f"{'phase':<22}{'requests':>10}{'req/s':>10}{'p50 ms':>10}{'p99 ms':>10}{'errors':>8}")
    for phase in (baseline, queries, fresh):
        print(
            f"{phase.name:<22}{len(phase.latencies):>10}{phase.rate:>10.0f}"
            f"{phase.percentile(50):>10.1f}{phase.percentile(99):>10.1f}{phase.errors:>8}"
        )
    print(
        f"as-of / baseline: {queries.rate / baseline.rate:.2f}× the requests/s, "
        f"{queries.percentile(50) / baseline.percentile(50):.2f}× the p50, "
        f"{queries.percentile(99) / baseline.percentile(99):.2f}× the p99; "
        f"mean {statistics.mean(queries.latencies) * 1000:.1f} ms"
    )
    for phase in (queries, fresh):
        goal = phase.rate >= 500 and phase.percentile(99) <= 50
        print(f"goal (≥ 500 req/s, p99 ≤ 50 ms), {phase.name}: {'met' if goal else 'NOT met'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
