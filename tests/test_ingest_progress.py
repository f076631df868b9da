"""The progress bar of ``load`` and ``bulk-load``: on a terminal it shows the events and their
rate; piped, nothing but the summary (scripts read standard error too)."""

from __future__ import annotations

import json
import os
import pty
import re
import subprocess
import sys
import threading
from pathlib import Path

ORGEVENTS = str(Path(sys.executable).parent / "orgevents")


def _documents(count: int) -> list[dict[str, str]]:
    return [
        {
            "type": "DocumentRegistered",
            "key": f"doc-{n}",
            "document": f"d{n}",
            "title": f"Dokument {n}",
            "location": f"d/{n}.pdf",
        }
        for n in range(count)
    ]


def _on_terminal(command: list[str]) -> str:
    """What ``command`` writes to standard error when that is a terminal (read as it comes: a
    full terminal buffer would stop the command)."""
    controller, terminal = pty.openpty()
    chunks: list[bytes] = []

    def drain() -> None:
        while True:
            try:
                chunk = os.read(controller, 65536)
            except OSError:  # the other end is closed
                return
            if not chunk:
                return
            chunks.append(chunk)

    reader = threading.Thread(target=drain)
    reader.start()
    try:
        done = subprocess.run(
            command,
            stdout=subprocess.PIPE,
            stderr=terminal,
            env={**os.environ, "COLUMNS": "160"},
            timeout=600,
            check=True,
        )
    finally:
        os.close(terminal)
        reader.join(timeout=60)
        os.close(controller)
    assert done.stdout.decode().startswith("appended ")
    return re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", b"".join(chunks).decode(errors="replace"))


def test_load_shows_its_rate_on_a_terminal(tmp_path: Path) -> None:
    path = tmp_path / "documents.json"
    path.write_text(json.dumps({"format": "orgevents/1", "entries": _documents(5000)}))
    store = f"sqlite:///{tmp_path / 'store.db'}"
    shown = _on_terminal([ORGEVENTS, "--store", store, "load", str(path)])
    assert re.search(r"loading .*\b5000 events [\d,]+ events/s", shown), shown


def test_bulk_load_shows_its_rate_on_a_terminal(tmp_path: Path) -> None:
    path = tmp_path / "documents.jsonl"
    lines = [json.dumps({"format": "orgevents/1"})]
    lines += [json.dumps({**d, "title": d["title"] + " " + "x" * 200}) for d in _documents(5000)]
    path.write_text("\n".join(lines) + "\n")
    assert path.stat().st_size >= 1_000_000  # the bar is drawn from 1 MB
    store = f"sqlite:///{tmp_path / 'store.db'}"
    shown = _on_terminal([ORGEVENTS, "--store", store, "bulk-load", str(path)])
    assert re.search(r"loading .*\b5000 events [\d,]+ events/s", shown), shown


def test_no_bar_when_piped(tmp_path: Path) -> None:
    path = tmp_path / "documents.json"
    path.write_text(json.dumps({"format": "orgevents/1", "entries": _documents(5000)}))
    store = f"sqlite:///{tmp_path / 'store.db'}"
    done = subprocess.run(
        [ORGEVENTS, "--store", store, "load", str(path)],
        capture_output=True,
        text=True,
        timeout=600,
        check=True,
    )
    assert done.stdout == "appended 5000 events, skipped 0 already recorded\n"
    assert done.stderr == ""
