"""Ingest speed: ``orgevents bulk-load`` through the CLI against plain eventsourcing, same run.

Run: ``.venv/bin/python bench/bench_ingest.py --events 100000`` (``--stores sqlite`` for one store;
``--file history.jsonl`` to reuse a generated history; ``--orgevents PATH`` to time another
checkout's command, e.g. main's, against the same baseline).

For each store (SQLite file, PostgreSQL schema of its own):

- **bulk-load**: a new ``orgevents --store URL bulk-load FILE --json`` process on an empty store —
  JSON Lines parsing, every domain check, the hash chain and the SQL index, 1,000 entries a batch.
  Wall time of the whole process (start-up included) and its peak resident memory.
- **plain**: the same domain events read back from that store, appended by plain eventsourcing
  (``Application.events.put``) 1,000 a transaction to another empty store of the same kind: no
  checks, no chain, no index. The baseline the ratio is taken against, measured in the same run.

The machine is shared, so the absolute rates move from run to run, and wall times taken minutes
apart see different loads: the table gives the CPU time of each side too (the bulk-load process's
user + system time; the plain append's process time — neither counts PostgreSQL's server), which
other work on the machine disturbs far less. Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_scale import drop_schemas, store_urls  # a fresh store per phase, and its cleanup

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
ORGEVENTS = str(Path(sys.executable).parent / "orgevents")
POSTGRES = os.environ.get("ORGEVENTS_BENCH_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")


def plain_append(url: str, plain_url: str, batch_size: int) -> dict[str, Any]:
    """Plain eventsourcing: the events stored at ``url`` appended to ``plain_url``."""
    from orgevents.application import OrgHistory
    from orgevents.store import open_store, store_env

    source = open_store(url)
    events = []
    start = 1
    while notes := source.recorder.select_notifications(start=start, limit=5000):
        events.extend(source.mapper.to_domain_event(n) for n in notes)
        start = notes[-1].id + 1
    source.close()
    env = {
        k: v
        for k, v in store_env(plain_url).items()
        if k not in ("APPLICATION_RECORDER_TOPIC", "MAPPER_TOPIC", "CREATE_TABLE")
    }
    plain = OrgHistory(env=env)
    started, cpu = time.perf_counter(), time.process_time()
    for i in range(0, len(events), batch_size):
        plain.events.put(events[i : i + batch_size])
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    plain.close()
    return {"events": len(events), "seconds": seconds, "cpu": cpu}


def timed_process(command: list[str]) -> tuple[float, float, float, str]:
    """Run ``command``; its wall time, its CPU time, its peak resident memory (MB) and its
    standard output."""
    with tempfile.TemporaryFile("w+") as out:
        started = time.perf_counter()
        process = subprocess.Popen(command, cwd=ROOT, stdout=out)
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
        out.seek(0)
        text = out.read()
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"failed: {' '.join(command)}\n{text}")
    return seconds, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, text


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--file", type=Path, help="a generated history to reuse")
    parser.add_argument("--stores", default="sqlite,postgresql")
    parser.add_argument("--batch-size", type=int, default=1000)
    parser.add_argument("--orgevents", default=ORGEVENTS, help="the orgevents command to time")
    parser.add_argument("--workdir", type=Path, help="where files go [default: a temporary one]")
    parser.add_argument("--phase-plain", nargs=3, help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.phase_plain:  # the baseline, in a process of its own
        url, plain_url, size = options.phase_plain
        print(json.dumps(plain_append(url, plain_url, int(size))))
        return
    with tempfile.TemporaryDirectory() as tmp:
        workdir = options.workdir or Path(tmp)
        workdir.mkdir(parents=True, exist_ok=True)
        history = options.file
        if history is None:
            history = workdir / f"history{options.events}.jsonl"
            if not history.exists():
                subprocess.run(
                    [PYTHON, "bench/generate.py", "--events", str(options.events), "-o", history],
                    cwd=ROOT,
                    check=True,
                )
        print(f"load average {os.getloadavg()[0]:.1f} at the start", flush=True)
        rows = []
        schemas: list[str] = []
        try:
            for backend in options.stores.split(","):
                url, schema = store_urls(backend, workdir, "ingest")
                plain_url, plain_schema = store_urls(backend, workdir, "plain")
                schemas += [s for s in (schema, plain_schema) if s]
                seconds, cpu, peak, out = timed_process(
                    [
                        options.orgevents,
                        "--store",
                        url,
                        "bulk-load",
                        str(history),
                        "--batch-size",
                        str(options.batch_size),
                        "--json",
                    ]
                )
                counts = json.loads(out)
                print(
                    f"[{backend}] bulk-load {counts}: {seconds:.1f} s, {cpu:.1f} s CPU", flush=True
                )
                _, _, _, out = timed_process(
                    [PYTHON, __file__, "--phase-plain", url, plain_url, str(options.batch_size)]
                )
                plain = json.loads(out)
                print(f"[{backend}] plain {plain}", flush=True)
                rows.append((backend, counts["appended"], seconds, cpu, plain, peak))
        finally:
            if schemas:
                drop_schemas(schemas)
        print(f"load average {os.getloadavg()[0]:.1f} at the end\n")
        print(
            "| store | events | bulk-load events/s (wall) | plain append events/s (wall) | ratio "
            "(wall) | bulk-load events per CPU-s | plain events per CPU-s | ratio (CPU) | "
            "bulk-load wall time | peak memory |"
        )
        print("|---|---|---|---|---|---|---|---|---|---|")
        for backend, events, seconds, cpu, plain, peak in rows:
            rate, plain_rate = events / seconds, plain["events"] / plain["seconds"]
            cpu_rate, plain_cpu_rate = events / cpu, plain["events"] / plain["cpu"]
            print(
                f"| {backend} | {events:,} | {rate:,.0f} | {plain_rate:,.0f} | "
                f"{rate / plain_rate:.2f}× | {cpu_rate:,.0f} | {plain_cpu_rate:,.0f} | "
                f"{cpu_rate / plain_cpu_rate:.2f}× | {seconds:.1f} s | {peak:.0f} MB |"
            )


if __name__ == "__main__":
    main()
