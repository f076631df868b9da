"""Does the service stay responsive while clients send the most expensive requests it allows?

Run: ``.venv/bin/python bench/bench_service.py [--seconds 20] [--clients 8] [--workers 1]``

Loads the Copenhagen dataset into a fresh SQLite store (or ``--store``), starts the real
``orgevents serve`` on a free loopback port and measures one client asking a cheap question
(``GET /api/who/stu?at=2026-01-01``, one after the other):

1. alone, for ``--seconds``;
2. while ``--clients`` other clients send, for as long, the most expensive requests the API
   accepts, each a new question so that nothing is kept: the provenance report over the longest
   range allowed (ORGEVENTS_AUDIT_MAX_DAYS), the chain check against ever new anchors, JSON-LD
   exports, the change diagram over 40 years as SVG, the org graph known at ever new moments,
   conflicts known at ever new moments, a search for one letter and diffs over 40 years.

Prints the cheap question's p50 and p99 in both phases and their ratio, and what the expensive
requests got (200, 409 for a wrong anchor, 503 busy). Not a test: it sends traffic only to
127.0.0.1 and stops by itself.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from bench_http import Phase, client, free_port, request, start_server, stop

from orgevents.importing import example_files, load_paths
from orgevents.store import open_store

CHEAP = "/api/who/stu?at=2026-01-01"


def expensive(n: int) -> str:
    """The n-th expensive request: each different, so no answer is kept."""
    day = dt.date(2000, 1, 1) + dt.timedelta(days=n * 7 % 14000)
    moment = (dt.datetime(2026, 11, 24, 12) - dt.timedelta(seconds=n * 37)).isoformat() + "Z"
    last = (day + dt.timedelta(days=3659)).isoformat()
    shapes = [
        f"/api/audit?from={day}&to={last}&format=md",
        f"/api/verify?anchor={1 + n % 400}:{n:064x}",
        f"/api/export/jsonld?at={day}",
        f"/api/charts/changes.svg?from={day}&to=2040-01-01&include_planned=true",
        f"/api/units?at={day}&known_at={moment}",
        f"/api/conflicts?known_at={moment}",
        f"/api/find?q=e&at={day}",
        f"/api/diff?from={day}&to=2040-01-01&include_planned=true",
    ]
    return shapes[n % len(shapes)]


async def heavy_client(
    port: int, first: int, step: int, deadline: float, got: Counter[str]
) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    n = first
    try:
        while time.perf_counter() < deadline:
            path = expensive(n)
            status = await request(reader, writer, path)
            got[f"{path.split('?')[0]} {status}"] += 1
            n += step
    finally:
        writer.close()


async def measure(port: int, seconds: float, clients: int) -> tuple[Phase, Counter[str]]:
    phase, got = Phase("cheap", seconds), Counter[str]()
    deadline = time.perf_counter() + seconds
    heavy = [heavy_client(port, i, clients, deadline, got) for i in range(clients)]
    await asyncio.gather(client("127.0.0.1", port, [CHEAP], deadline, phase), *heavy)
    return phase, got


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=20.0, help="length of each phase")
    parser.add_argument("--clients", type=int, default=8, help="clients sending expensive requests")
    parser.add_argument("--workers", type=int, default=1, help="uvicorn workers")
    parser.add_argument("--store", help="an empty store [default: a fresh SQLite file]")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="orgevents-bench-") as folder:
        url = args.store or f"sqlite:///{Path(folder) / 'kk.db'}"
        loaded = load_paths(open_store(url), example_files("copenhagen"), "bench")
        port = free_port()
        server = start_server(url, port, args.workers, Path(folder) / "server.log")
        try:
            asyncio.run(measure(port, 2.0, 0))  # warm-up
            alone, _ = asyncio.run(measure(port, args.seconds, 0))
            loaded_phase, got = asyncio.run(measure(port, args.seconds, args.clients))
        finally:
            stop(server)

    print(
        f"orgevents serve --workers {args.workers}, Copenhagen ({len(loaded.appended)} events, "
        f"{url.split(':')[0]}), {args.seconds:g} s per phase, {os.cpu_count()} CPUs shared by "
        "server and clients"
    )
    print(f"\n| `{CHEAP}` | requests | p50 ms | p99 ms | errors |")
    print("|---|---|---|---|---|")
    for name, phase in (("alone", alone), (f"with {args.clients} expensive clients", loaded_phase)):
        print(
            f"| {name} | {len(phase.latencies)} | {phase.percentile(50):.1f} | "
            f"{phase.percentile(99):.1f} | {phase.errors} |"
        )
    print(
        f"| ratio | | {loaded_phase.percentile(50) / alone.percentile(50):.1f}× | "
        f"{loaded_phase.percentile(99) / alone.percentile(99):.1f}× | |"
    )
    print("\n| expensive request | answers |")
    print("|---|---|")
    for what, count in sorted(got.items()):
        print(f"| `{what}` | {count} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
