"""Every read command from the command line, cold, and the HTTP service, on a large history.

Run: ``.venv/bin/python bench/bench_read.py --events 100000 [--stores sqlite,postgres]``

For each store kind it loads the Copenhagen dataset (``orgevents load --example copenhagen``) and
a synthetic history from ``bench/generate.py`` (``orgevents bulk-load``, timed) into fresh stores,
then runs each read command as a user would — a new ``orgevents`` process per run, the median of
``--runs`` — on both, and prints the time and the ratio large ÷ Copenhagen. Then it starts
``orgevents serve`` on the large store and measures the time from start to the first answer, the
worker's resident memory, a warm org graph through the API (the same question again), and as-of
JSON questions with a new question each time from 32 concurrent clients (requests/s, p50, p99).

Everything is measured from the outside (processes and HTTP on 127.0.0.1); the stores are
removed at the end unless ``--keep DIR`` names a folder to keep them in (and to reuse them:
a store already there is not loaded again). Not a test: it stops by itself.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_http import free_port, run_phase, stop

ROOT = Path(__file__).resolve().parent.parent
POSTGRES = os.environ.get("ORGEVENTS_BENCH_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")
PYTHON = sys.executable


def orgevents(url: str, *args: str, check: bool = True) -> tuple[float, str]:
    """Run one command in a fresh process; (seconds, standard output)."""
    started = time.perf_counter()
    proc = subprocess.run(
        [PYTHON, "-m", "orgevents", "--store", url, *args],
        capture_output=True,
        text=True,
        env={k: v for k, v in os.environ.items() if k != "ORGEVENTS_STORE"},
    )
    seconds = time.perf_counter() - started
    if check and proc.returncode != 0:
        raise SystemExit(f"orgevents {' '.join(args)} failed:\n{proc.stderr}")
    return seconds, proc.stdout


def median_run(url: str, args: list[str], runs: int) -> float:
    return statistics.median(orgevents(url, *args)[0] for _ in range(runs))


def new_schema() -> str:
    import psycopg

    schema = f"bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(POSTGRES, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    return schema


def drop_schema(schema: str) -> None:
    import psycopg

    with psycopg.connect(POSTGRES, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")


def questions(url: str) -> dict[str, Any]:
    """Ids, names and dates to ask about, found through the CLI on the store itself."""
    _, out = orgevents(url, "dates", "--json")
    days = [dt.date.fromisoformat(d) for d in json.loads(out)]
    last = days[-1]
    _, out = orgevents(url, "units", "--at", last.isoformat(), "--json")
    units = json.loads(out)
    deep = max(units, key=lambda u: len(u["id"]))  # some unit below the top
    top = units[0]["id"]
    _, out = orgevents(url, "show", top, "--at", last.isoformat(), "--json")
    resp = None
    for unit in units[:50]:
        _, shown = orgevents(url, "show", unit["id"], "--at", last.isoformat(), "--json")
        held = json.loads(shown)["responsibilities"]
        if held:
            resp = held[0]["id"]
            break
    word = deep["name"].split()[0][:5]
    return {
        "days": days,
        "last": last,
        "unit": deep["id"],
        "top": top,
        "resp": resp or "stu",
        "word": word,
        "units": len(units),
    }


def commands(q: dict[str, Any]) -> dict[str, list[str]]:
    last: dt.date = q["last"]
    year_before = (last - dt.timedelta(days=365)).isoformat()
    month_before = (last - dt.timedelta(days=31)).isoformat()
    d = last.isoformat()
    return {
        "who": ["who", q["resp"], "--at", d],
        "show": ["show", q["unit"], "--at", d],
        "units --at (JSON)": ["units", "--at", d, "--json"],
        "diff, one year": ["diff", year_before, d],
        "history": ["history", q["unit"]],
        "find": ["find", q["word"], "--at", d],
        "dates": ["dates"],
        "conflicts": ["conflicts"],
        "audit, one month": ["audit", month_before, d, "--format", "json"],
        "chart of one unit's subtree (DOT)": ["chart", "--at", d, "--root", q["top"], "-f", "dot"],
    }


COPENHAGEN = {
    "days": [],
    "last": dt.date(2026, 1, 1),
    "unit": "ungecenteret",
    "top": "biu",
    "resp": "stu",
    "word": "erhverv",
}


def rss_mb(pid: int) -> float:
    """Resident memory of a process and its children (the uvicorn workers), in MB."""
    total = 0
    pids = [pid]
    children = Path(f"/proc/{pid}/task/{pid}/children")
    if children.exists():
        pids += [int(p) for p in children.read_text().split()]
    for p in pids:
        for line in Path(f"/proc/{p}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                total += int(line.split()[1])
    return total / 1024


def serve(url: str, q: dict[str, Any], workers: int, seconds: float) -> dict[str, Any]:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("ORGEVENTS_STORE", "ORGEVENTS_TOKEN")}
    started = time.perf_counter()
    log = Path(tempfile.mkdtemp(prefix="orgevents-serve-")) / "serve.log"
    with log.open("wb") as out:
        server = subprocess.Popen(
            [
                PYTHON,
                "-m",
                "orgevents",
                "--store",
                url,
                "serve",
                "--port",
                str(port),
                "--workers",
                str(workers),
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=True,
        )
    d = q["last"].isoformat()
    first = None
    try:
        while time.perf_counter() - started < 120:
            try:
                with urllib.request.urlopen(
                    f"http://127.0.0.1:{port}/api/units?at={d}", timeout=60
                ) as answer:
                    answer.read()
                first = time.perf_counter() - started
                break
            except OSError:
                if server.poll() is not None:
                    raise SystemExit(log.read_text()) from None
                time.sleep(0.05)
        warm = asyncio.run(run_phase("warm", port, [f"/api/units?at={d}"], 1, seconds / 2))
        rng = random.Random(7)
        first_day = q["days"][0] if q["days"] else dt.date(2000, 1, 1)
        span = (q["last"] - first_day).days
        shapes = [
            "/api/who/{resp}?at={day}",
            "/api/show/{unit}?at={day}",
            "/api/units?at={day}",
        ]
        fresh = [
            shapes[i % 3].format(
                resp=q["resp"], unit=q["unit"], day=first_day + dt.timedelta(rng.randrange(span))
            )
            for i in range(200_000)
        ]
        new = asyncio.run(run_phase("new", port, fresh, 32, seconds, split=True))
        memory = rss_mb(server.pid)
    finally:
        stop(server)
    return {
        "first": first,
        "warm": warm.percentile(50),
        "rate": new.rate,
        "p50": new.percentile(50),
        "p99": new.percentile(99),
        "errors": new.errors,
        "memory": memory,
        "workers": workers,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--jsonl", help="a generated history [default: generate one]")
    parser.add_argument("--stores", default="sqlite,postgres")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--keep", help="a folder to keep (and reuse) the stores in")
    args = parser.parse_args()

    folder = Path(args.keep or tempfile.mkdtemp(prefix="orgevents-bench-read-"))
    folder.mkdir(parents=True, exist_ok=True)
    jsonl = Path(args.jsonl) if args.jsonl else folder / f"history-{args.events}.jsonl"
    if not jsonl.exists():
        subprocess.run(
            [
                PYTHON,
                str(ROOT / "bench" / "generate.py"),
                "--events",
                str(args.events),
                "-o",
                str(jsonl),
            ],
            check=True,
        )
    schemas: list[str] = []
    results: dict[str, dict[str, Any]] = {}
    try:
        for kind in args.stores.split(","):
            state = folder / f"{kind}-{jsonl.stem}.json"
            known = json.loads(state.read_text()) if state.exists() else None
            if kind == "sqlite":
                kk = f"sqlite:///{folder / 'copenhagen.db'}"
                big = f"sqlite:///{folder / (jsonl.stem + '.db')}"
            else:
                kk_schema = known["kk_schema"] if known else new_schema()
                big_schema = known["big_schema"] if known else new_schema()
                if not args.keep:
                    schemas += [kk_schema, big_schema]
                kk = f"{POSTGRES}?schema={kk_schema}"
                big = f"{POSTGRES}?schema={big_schema}"
            load_seconds = known["load_seconds"] if known else None
            if known is None:
                if kind == "sqlite":
                    for url in (kk, big):
                        Path(url.removeprefix("sqlite:///")).unlink(missing_ok=True)
                orgevents(kk, "load", "--example", "copenhagen")
                load_seconds, _ = orgevents(big, "bulk-load", str(jsonl), "--batch-size", "2000")
                if args.keep:
                    saved = {"load_seconds": load_seconds}
                    if kind != "sqlite":
                        saved |= {"kk_schema": kk_schema, "big_schema": big_schema}
                    state.write_text(json.dumps(saved))
            q = questions(big)
            row: dict[str, Any] = {"load": load_seconds, "units": q["units"], "commands": {}}
            kk_commands = commands(COPENHAGEN)
            for name, command in commands(q).items():
                large = median_run(big, command, args.runs)
                small = median_run(kk, kk_commands[name], args.runs)
                row["commands"][name] = (large, small)
                print(f"{kind:>8}  {name:<36} {large * 1000:>8.0f} ms  {small * 1000:>6.0f} ms")
            workers = 1 if kind == "sqlite" else 2
            row["serve"] = serve(big, q, workers, args.seconds)
            print(kind, row["serve"])
            results[kind] = row
    finally:
        for schema in schemas:
            drop_schema(schema)
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)

    events = sum(1 for _ in jsonl.open()) - 1 if jsonl.exists() else args.events
    print()
    print(f"{events:,} events; cold commands: median of {args.runs} runs, new process each")
    kinds = list(results)
    print("| | " + " | ".join(f"{k}: large | ÷ Copenhagen" for k in kinds) + " |")
    print("|---|" + "---|---|" * len(kinds))
    print("| live units at the end | " + " | ".join(f"{results[k]['units']:,} | " for k in kinds))
    print(
        "| `bulk-load` (s) | "
        + " | ".join(f"{results[k]['load']:.0f} s | " for k in kinds if results[k]["load"])
    )
    for name in commands(COPENHAGEN):
        cells = []
        for k in kinds:
            large, small = results[k]["commands"][name]
            cells.append(f"{large * 1000:,.0f} ms | {large / small:.1f}×")
        print(f"| `{name}` | " + " | ".join(cells) + " |")
    for label, key, fmt in (
        ("serve: first answer after start", "first", "{:.1f} s"),
        ("serve: resident memory (all workers)", "memory", "{:.0f} MB"),
        ("API org graph (units), warm, median", "warm", "{:.1f} ms"),
        ("API as-of, new question each: req/s", "rate", "{:,.0f}"),
        ("API as-of, new question each: p50", "p50", "{:.1f} ms"),
        ("API as-of, new question each: p99", "p99", "{:.1f} ms"),
    ):
        cells = [fmt.format(results[k]["serve"][key]) + " | " for k in kinds]
        print(f"| {label} | " + " | ".join(cells) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
