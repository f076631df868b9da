"""Scale: as-of queries with the SQL index against replay, bulk ingest against plain appends,
cold CLI reads — side by side on SQLite and PostgreSQL, in one run.

Run: ``.venv/bin/python bench/bench_scale.py --events 100000`` (``--events 1000000`` for the big
one; it takes a while: it generates the history, loads it into each store, then asks).

- **P1** org chart + responsibility graph as of random dates (seeded), warm process: median and
  p99 with the index (``SqlIndex.as_of(D).org_graph()`` and ``.responsibility_graph()``), and
  median of naive replay of the whole log on the same store (``ReadModel.catch_up()`` then the
  fold's ``org_graph`` and ``responsibility_graph``); the ratio of the two medians.
- **P2** bulk ingest in events/s: ``bulk_load`` (JSON Lines parsing, validation against the
  aggregates, tamper-evidence chain, SQL index upkeep, 1,000 entries a batch) against plain
  eventsourcing appending the same domain events, 1,000 a transaction, with no chain and no
  checks; and their ratio.
- **P3** ``orgevents who stu`` and ``orgevents show biu`` on the Copenhagen data, each a cold
  process: median wall time of 7 runs.
- **alternatives** the unit stab at the median date three ways: the chosen structure (R*Tree /
  GiST), a B-tree over the same intervals, and "latest change per key with effective ≤ D".
- Memory: the peak resident size of the process of each phase (each phase runs in its own).

Every phase runs in a child process of this script (``--phase``), so its memory peak is its own.
PostgreSQL: ``$ORGEVENTS_BENCH_POSTGRES`` (default postgresql://postgres@127.0.0.1:5432/test); the
bench works in schemas of its own and drops them at the end.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import random
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
ORGEVENTS = str(Path(sys.executable).parent / "orgevents")
POSTGRES = os.environ.get("ORGEVENTS_BENCH_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")
LAST_YEAR = 2025


# --- phases (each in its own process) ----------------------------------------------------------


def phase_ingest(url: str, file: str, batch_size: int) -> dict[str, Any]:
    """``bulk_load``, with the time spent saving (chain and insert included) and keeping the
    index measured apart; the rest is reading, parsing and checking."""
    from orgevents.application import OrgHistory
    from orgevents.bulk import bulk_load
    from orgevents.projections.sqlindex import SqlIndex
    from orgevents.store import open_store

    spent = {"save": 0.0, "index": 0.0}

    def timed(name: str, func: Any) -> Any:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return func(*args, **kwargs)
            finally:
                spent[name] += time.perf_counter() - started

        return wrapper

    OrgHistory.save = timed("save", OrgHistory.save)  # type: ignore[method-assign]
    SqlIndex.apply_recorded = timed("index", SqlIndex.apply_recorded)  # type: ignore[method-assign]
    from orgevents.projections.reader import Reader

    store = open_store(url)
    Reader(store)  # indexes every batch as it is saved (inside save's time: subtract "index")
    counts = bulk_load(store, [Path(file)], "bench", batch_size)
    return {"events": counts["appended"], "seconds": counts["seconds"], **spent}


def phase_plain(url: str, plain_url: str, batch_size: int) -> dict[str, Any]:
    """Plain eventsourcing: the same domain events, appended ``batch_size`` a transaction."""
    from orgevents.application import OrgHistory
    from orgevents.store import open_store, store_env

    source = open_store(url)
    events = []
    start = 1
    while notes := source.recorder.select_notifications(start=start, limit=5000):
        events.extend(source.mapper.to_domain_event(n) for n in notes)
        start = notes[-1].id + 1
    env = {
        k: v
        for k, v in store_env(plain_url).items()
        if k not in ("APPLICATION_RECORDER_TOPIC", "MAPPER_TOPIC", "CREATE_TABLE")
    }
    plain = OrgHistory(env=env)
    started = time.perf_counter()
    for i in range(0, len(events), batch_size):
        plain.events.put(events[i : i + batch_size])
    return {"events": len(events), "seconds": time.perf_counter() - started}


def phase_index_queries(url: str, queries: int, seed: int) -> dict[str, Any]:
    from orgevents.projections.sqlindex import SqlIndex
    from orgevents.store import open_store

    index = SqlIndex(open_store(url))
    index.catch_up()
    days = _dates(queries, seed)
    for on in days[:5]:  # warm up
        asked = index.as_of(on)
        asked.org_graph()
        asked.responsibility_graph()
    times, units, resps = [], [], []
    for on in days:
        started = time.perf_counter()
        asked = index.as_of(on)
        org = asked.org_graph()
        graph = asked.responsibility_graph()
        times.append(time.perf_counter() - started)
        units.append(org.number_of_nodes())
        resps.append(graph.number_of_nodes())
    return {
        "times": times,
        "units": statistics.median(units),
        "graph_nodes": statistics.median(resps),
    }


def phase_replay(url: str, queries: int, seed: int) -> dict[str, Any]:
    from orgevents.projections import holders, structure
    from orgevents.projections.readmodel import ReadModel
    from orgevents.store import open_store

    app = open_store(url)
    started = time.perf_counter()
    for _ in app.read_events():  # the floor of any replay: reading and decoding the log
        pass
    decode = time.perf_counter() - started
    times = []
    for on in _dates(queries, seed):
        started = time.perf_counter()
        state = ReadModel(app).catch_up()
        structure.org_graph(state, on)
        holders.responsibility_graph(state, on)
        times.append(time.perf_counter() - started)
    return {"times": times, "decode": decode}


def phase_alternatives(url: str, queries: int, seed: int) -> dict[str, Any]:
    """The unit stab three ways, on the index's own rows (current knowledge, enacted)."""
    from orgevents.projections.index_rows import FOREVER
    from orgevents.projections.sqlindex import SqlIndex
    from orgevents.store import open_store

    index = SqlIndex(open_store(url))
    index.catch_up()
    db = index.db
    position = index.position()
    chosen = db.stab("orgindex_units", current=True)
    both_axes = db.stab("orgindex_units")
    btree = db.sql(
        "SELECT unit, e_from, e_to, alive, name, abbreviation, parent, kind, established_at "
        "FROM orgindex_units WHERE p_to = ? AND alive = 1 AND e_from <= ? AND e_to > ? "
        "AND (variants & 1) != 0"
    )
    latest = db.sql(
        "SELECT u.unit, u.name, u.parent FROM orgindex_units u JOIN ("
        "SELECT unit, max(e_from) AS e FROM orgindex_units WHERE p_to = ? AND e_from <= ? "
        "AND (variants & 1) != 0 GROUP BY unit) m ON m.unit = u.unit AND m.e = u.e_from "
        "WHERE u.p_to = ? AND u.alive = 1 AND (u.variants & 1) != 0"
    )
    with db.write() as cur:
        cur.execute("CREATE INDEX IF NOT EXISTS bench_units_btree ON orgindex_units (p_to, e_from)")
    out: dict[str, list[float]] = {"chosen": [], "both_axes": [], "btree": [], "latest": []}
    rows: dict[str, int] = {}
    days = _dates(queries, seed)
    for on in days:
        d = on.toordinal()
        for name, sql, params in (
            ("chosen", chosen, db.stab_params(d, position, 1, current=True)),
            ("both_axes", both_axes, db.stab_params(d, position - 1, 1)),
            ("btree", btree, (FOREVER, d, d)),
            ("latest", latest, (FOREVER, d, FOREVER)),
        ):
            with db.read() as cur:
                started = time.perf_counter()
                cur.execute(sql, params)
                found = cur.fetchall()
                out[name].append(time.perf_counter() - started)
                rows[name] = len(found)
    with db.write() as cur:
        cur.execute("DROP INDEX IF EXISTS bench_units_btree")
    return {"times": out, "rows": rows}


def phase_cli(url: str, runs: int) -> dict[str, Any]:
    """Cold processes of ``who`` and ``show`` on the Copenhagen data (already loaded)."""
    out: dict[str, Any] = {}
    for name, args in (
        ("who", ["who", "stu", "--at", "2026-01-01"]),
        ("show", ["show", "biu", "--at", "2026-01-01"]),
    ):
        times, peaks = [], []
        for _ in range(runs):
            started = time.perf_counter()
            process = subprocess.Popen(
                [ORGEVENTS, "--store", url, *args],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
            )
            _, status, usage = os.wait4(process.pid, 0)
            times.append(time.perf_counter() - started)
            peaks.append(usage.ru_maxrss / 1024)
            assert os.waitstatus_to_exitcode(status) == 0, process.stderr
        out[name] = {"times": times, "peak_mb": max(peaks)}
    return out


def _dates(n: int, seed: int) -> list[dt.date]:
    rnd = random.Random(seed)
    first, last = dt.date(1980, 1, 1).toordinal(), dt.date(LAST_YEAR, 12, 31).toordinal()
    return [dt.date.fromordinal(rnd.randint(first, last)) for _ in range(n)]


PHASES = {
    "ingest": phase_ingest,
    "plain": phase_plain,
    "index": phase_index_queries,
    "replay": phase_replay,
    "alternatives": phase_alternatives,
    "cli": phase_cli,
}


# --- the driver ----------------------------------------------------------------------------------


def run_phase(name: str, *args: Any) -> dict[str, Any]:
    """Run a phase in a child process; its result and its memory peak (MB)."""
    with tempfile.NamedTemporaryFile("r", suffix=".json") as out:
        process = subprocess.Popen(
            [PYTHON, __file__, "--phase", name, "--out", out.name, "--", *map(str, args)],
            cwd=ROOT,
        )
        _, status, usage = os.wait4(process.pid, 0)
        if os.waitstatus_to_exitcode(status) != 0:
            raise SystemExit(f"phase {name} failed")
        result: dict[str, Any] = json.load(out)
    result["peak_mb"] = usage.ru_maxrss / 1024
    return result


def store_urls(backend: str, workdir: Path, label: str) -> tuple[str, Any]:
    """A fresh store: a new SQLite file or a new PostgreSQL schema (and how to drop it)."""
    if backend == "sqlite":
        path = workdir / f"{label}.db"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return f"sqlite:///{path}", None
    import psycopg

    schema = f"bench_{label}_{uuid.uuid4().hex[:6]}"
    with psycopg.connect(POSTGRES, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    return f"{POSTGRES}?schema={schema}", schema


def drop_schemas(schemas: list[str]) -> None:
    import psycopg

    with psycopg.connect(POSTGRES, autocommit=True) as conn:
        for schema in schemas:
            conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")


def machine() -> str:
    import psycopg

    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    try:
        with psycopg.connect(POSTGRES, autocommit=True) as conn:
            pg = conn.execute("SHOW server_version").fetchone()
    except psycopg.Error:
        pg = None
    return (
        f"{os.cpu_count()} CPUs ({platform.processor() or platform.machine()}), "
        f"{memory:.0f} GiB RAM, Python {platform.python_version()}, "
        f"SQLite {sqlite3.sqlite_version}, PostgreSQL {pg[0] if pg else '?'}, "
        f"load average {os.getloadavg()[0]:.1f} at the start"
    )


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms" if seconds < 10 else f"{seconds:.1f} s"


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description="orgevents scale bench")
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--municipalities", type=int, default=None)
    parser.add_argument("--backends", default="sqlite,postgres")
    parser.add_argument("--queries", type=int, default=100, help="P1 dates with the index")
    parser.add_argument("--replays", type=int, default=3, help="P1 dates with replay")
    parser.add_argument("--batch-size", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--corrections",
        type=float,
        default=0.0,
        help="share of renames corrected later (the fold rebuilds its indexes on every "
        "amendment, so replay grows with amendments × events)",
    )
    parser.add_argument("--results", type=Path, help="also write the results as JSON here")
    parser.add_argument(
        "--table", type=Path, nargs="+", help="print one table from results files and stop"
    )
    parser.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "orgbench")
    parser.add_argument("--keep", action="store_true", help="keep the stores (SQLite files)")
    parser.add_argument("--phase", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    parser.add_argument("args", nargs="*", help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.phase:
        func = PHASES[options.phase]
        args = [int(a) if a.isdigit() else a for a in options.args]
        Path(options.out).write_text(json.dumps(func(*args)))
        return
    if options.table:
        merged: dict[str, Any] = {}
        for path in options.table:
            data = json.loads(path.read_text())
            merged.update(data["results"])
        print(table(merged, data["events"]))
        return
    bench(options)


def bench(options: argparse.Namespace) -> None:
    workdir: Path = options.workdir
    workdir.mkdir(parents=True, exist_ok=True)
    backends = options.backends.split(",")
    municipalities = options.municipalities or max(1, round(options.events / 10_000))
    history = workdir / f"history-{options.events}-{options.seed}-{options.corrections}.jsonl"
    print(f"machine: {machine()}", flush=True)
    if not history.exists():
        subprocess.run(
            [PYTHON, str(ROOT / "bench" / "generate.py"), "--municipalities", str(municipalities),
             "--units", "100", "--changes", "150", "--events", str(options.events),
             "--seed", str(options.seed), "--last-year", str(LAST_YEAR),
             "--corrections", str(options.corrections), "-o", str(history)],
            check=True,
        )  # fmt: skip
    events = sum(1 for _ in history.open()) - 1
    schemas: list[str] = []
    results: dict[str, dict[str, Any]] = {}
    try:
        for backend in backends:
            print(f"\n[{backend}] loading {events} events ...", flush=True)
            url, schema = store_urls(backend, workdir, f"scale{options.events}")
            plain_url, plain_schema = store_urls(backend, workdir, f"plain{options.events}")
            cph_url, cph_schema = store_urls(backend, workdir, "copenhagen")
            schemas += [s for s in (schema, plain_schema, cph_schema) if s]
            r: dict[str, Any] = {}
            r["ingest"] = run_phase("ingest", url, history, options.batch_size)
            print(
                f"[{backend}] ingest {r['ingest']['seconds']:.0f} s; plain append ...", flush=True
            )
            r["plain"] = run_phase("plain", url, plain_url, options.batch_size)
            print(f"[{backend}] queries with the index ...", flush=True)
            r["index"] = run_phase("index", url, options.queries, options.seed)
            print(f"[{backend}] replays ...", flush=True)
            r["replay"] = run_phase("replay", url, options.replays, options.seed)
            print(f"[{backend}] alternatives ...", flush=True)
            r["alternatives"] = run_phase("alternatives", url, 30, options.seed + 1)
            subprocess.run(
                [ORGEVENTS, "--store", cph_url, "load", "--example", "copenhagen"],
                check=True,
                stdout=subprocess.DEVNULL,
            )
            r["cli"] = run_phase("cli", cph_url, 7)
            results[backend] = r
            print(f"[{backend}] done", flush=True)
    finally:
        if schemas:
            drop_schemas(schemas)
        if not options.keep:  # this run's SQLite stores, not others' kept ones
            for label in (f"scale{options.events}", f"plain{options.events}", "copenhagen"):
                for path in workdir.glob(f"{label}.db*"):
                    path.unlink()
    if options.results:
        options.results.write_text(json.dumps({"events": events, "results": results}))
    print()
    print(table(results, events))


def table(results: dict[str, dict[str, Any]], events: int) -> str:
    names = {"sqlite": "SQLite", "postgres": "PostgreSQL"}
    backends = list(results)
    rows: list[list[str]] = []

    def row(label: str, cell: Any) -> None:
        rows.append([label, *(cell(results[b]) for b in backends)])

    def ingest_rate(r: dict[str, Any]) -> float:
        return float(r["ingest"]["events"] / r["ingest"]["seconds"])

    def plain_rate(r: dict[str, Any]) -> float:
        return float(r["plain"]["events"] / r["plain"]["seconds"])

    def med(times: list[float]) -> float:
        return statistics.median(times)

    row(
        "live units / graph nodes per answer (median)",
        lambda r: f"{r['index']['units']:.0f} / {r['index']['graph_nodes']:.0f}",
    )
    row("P1 index: org + responsibility graph, median", lambda r: ms(med(r["index"]["times"])))
    row("P1 index: p99", lambda r: ms(pct(r["index"]["times"], 0.99)))
    row(
        "P1 replay of the whole log + the same graphs, median",
        lambda r: ms(med(r["replay"]["times"])),
    )
    row(
        "P1 replay floor: reading and decoding the log only",
        lambda r: ms(r["replay"]["decode"]),
    )
    row(
        "P1 replay ÷ index (medians)",
        lambda r: f"{med(r['replay']['times']) / med(r['index']['times']):,.0f}×",
    )
    row("P2 bulk ingest (checks, chain, index), events/s", lambda r: f"{ingest_rate(r):,.0f}")
    row("P2 ingest time: checks / save (chain, insert) / index",
        lambda r: "{:.0%} / {:.0%} / {:.0%}".format(
            1 - (r["ingest"]["save"] + r["ingest"]["index"]) / r["ingest"]["seconds"],
            r["ingest"]["save"] / r["ingest"]["seconds"],
            r["ingest"]["index"] / r["ingest"]["seconds"]))  # fmt: skip
    row("P2 plain eventsourcing batched append, events/s", lambda r: f"{plain_rate(r):,.0f}")
    row("P2 ingest ÷ plain", lambda r: f"{ingest_rate(r) / plain_rate(r):.2f}×")
    row("P3 `orgevents who stu` cold, median", lambda r: ms(med(r["cli"]["who"]["times"])))
    row("P3 `orgevents show biu` cold, median", lambda r: ms(med(r["cli"]["show"]["times"])))
    row(
        "memory peak: ingest / index queries / replay",
        lambda r: (
            f"{r['ingest']['peak_mb']:.0f} / {r['index']['peak_mb']:.0f} / "
            f"{r['replay']['peak_mb']:.0f} MB"
        ),
    )
    row(
        "memory peak: plain append / who / show",
        lambda r: (
            f"{r['plain']['peak_mb']:.0f} / {r['cli']['who']['peak_mb']:.0f} / "
            f"{r['cli']['show']['peak_mb']:.0f} MB"
        ),
    )
    row(
        "unit stab, median: chosen (R*Tree / SP-GiST of the open rows)",
        lambda r: ms(med(r["alternatives"]["times"]["chosen"])),
    )
    row(
        "unit stab known at an earlier position (R*Tree / 2-D GiST), median",
        lambda r: ms(med(r["alternatives"]["times"]["both_axes"])),
    )
    row(
        "unit stab, median: B-tree over the same intervals",
        lambda r: ms(med(r["alternatives"]["times"]["btree"])),
    )
    row("unit stab, median: latest change per key ≤ D",
        lambda r: ms(med(r["alternatives"]["times"]["latest"])))  # fmt: skip
    header = [f"{events:,} events", *(names[b] for b in backends)]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
