"""Bulk loading: a long stream of entries into the store, in atomic batches.

``bulk_load`` streams load files — JSON Lines for very large ones (a header line, then one entry
per line), YAML or JSON read whole — and records them ``batch_size`` entries per transaction
(:meth:`orgevents.application.OrgHistory.record_batches`): a crash leaves whole batches, and
running the same load again completes it (recorded entries are skipped). Each batch is put in
dependency order (:mod:`orgevents.ordering`) before it is checked; across batches the input order
holds — memory stays bounded by the batch, however long the stream. Whoever keeps a read
model of the store (the reader's index) keeps it with every saved batch through the store's
``after_save`` listeners.
"""

from __future__ import annotations

import json
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING, Any

from orgevents.errors import OrgEventsError

if TYPE_CHECKING:
    from orgevents.application import BatchSaved, OrgHistory
    from orgevents.importing import Located

FORMAT = "orgevents/1"
# rules an entry may break only because what it needs comes in a later batch
ORDER_RULES = ("reference-exists", "holder-required", "in-force", "amendment-fits")


class BulkLoadError(OrgEventsError):
    """A bulk load stopped at a bad entry: whole batches before it were written."""


@dataclass
class Reading:
    """How far the reader has got (for the progress bar)."""

    bytes_read: int = 0


def jsonl_entries(path: Path, reading: Reading) -> Iterator[Located]:
    """Entries of a JSON Lines load file, validated one by one as they are read. The first line
    that is not blank is the header."""
    from pydantic import ValidationError

    from orgevents.errors import InvalidEntryError, Problem
    from orgevents.events import entry_adapter
    from orgevents.importing import Located, file_language, with_language
    from orgevents.reading import parse_json_line

    name = str(path)
    with path.open("rb") as lines:
        index = 0
        header_read = False
        language = None
        for number, raw in enumerate(lines, start=1):
            reading.bytes_read += len(raw)
            if not raw.strip():
                continue
            if not header_read:
                try:
                    header = json.loads(raw)
                except ValueError:
                    header = None
                if not isinstance(header, dict) or header.get("format") != FORMAT:
                    problem = Problem(
                        f'the first line (blank lines aside) must be {{"format": "{FORMAT}"}} '
                        '(optionally with "language": "xx")',
                        file=name,
                        line=number,
                        rule="format",
                    )
                    raise InvalidEntryError([problem])
                language = file_language(header, name, number)
                header_read = True
                continue
            try:
                data = with_language(parse_json_line(raw, name, number), language)
                entry = entry_adapter.validate_python(data)
            except ValidationError as exc:
                err = exc.errors()[0]
                loc = [str(p) for p in err["loc"]]
                if loc and loc[0][:1].isupper():
                    loc = loc[1:]  # the discriminator pydantic puts in the path
                problem = Problem(
                    err["msg"],
                    file=name,
                    index=index,
                    line=number,
                    field=".".join(loc) or None,
                    rule=err["type"],
                )
                raise InvalidEntryError([problem]) from None
            yield Located(entry, name, index, number)
            index += 1


def batched(items: Iterable[Located], size: int) -> Iterator[list[Located]]:
    """Lists of ``size`` items (the last may be shorter)."""
    stream = iter(items)
    while chunk := list(islice(stream, size)):
        yield chunk


def read_stream(paths: list[Path], reading: Reading) -> Iterator[Located]:
    """Entries of every file in order: ``.jsonl`` streamed, YAML/JSON read whole."""
    from orgevents.importing import read_file

    for path in paths:
        if path.suffix == ".jsonl":
            yield from jsonl_entries(path, reading)
        else:
            yield from read_file(path)
            reading.bytes_read += path.stat().st_size


@dataclass(frozen=True)
class Progress:
    """After each batch: how far the load has got."""

    bytes_read: int
    total_bytes: int
    appended: int
    batches: int


def bulk_load(
    store: OrgHistory,
    paths: list[Path],
    recorded_by: str,
    batch_size: int = 1000,
    on_batch: Callable[[Progress], None] | None = None,
    stream: Iterable[Located] | None = None,
) -> dict[str, Any]:
    """Load files — or the entries of ``stream``, such as a bundled dataset made on the fly —
    in batches (each atomic); return counts and seconds."""
    from orgevents.application import BatchRejectedError
    from orgevents.errors import Problem
    from orgevents.importing import in_dependency_order

    reading = Reading()
    recent: deque[Located] = deque(maxlen=2 * batch_size)
    total_bytes = sum(p.stat().st_size for p in paths) if stream is None else 0
    started = time.perf_counter()
    batches = 0

    def entries() -> Iterator[Any]:
        source = read_stream(paths, reading) if stream is None else stream
        for window in batched(source, batch_size):
            for item in in_dependency_order(window):  # each batch in dependency order
                recent.append(item)
                yield item.entry

    def saved(progress: BatchSaved) -> None:
        nonlocal batches
        batches += 1
        if on_batch is not None:
            on_batch(Progress(reading.bytes_read, total_bytes, progress.appended, batches))

    try:
        result = store.record_batches(entries(), recorded_by, batch_size, on_batch=saved)
    except BatchRejectedError as exc:
        item = next((i for i in recent if i.entry is exc.entry), None)
        problem = Problem(
            str(exc.cause),
            file=item.file if item else None,
            index=item.index if item else exc.index,
            line=item.line if item else None,
            key=exc.entry.key,
            field=exc.cause.field,
            rule=exc.rule,
        )
        hint = ""
        if exc.rule in ORDER_RULES:
            hint = (
                f"\nbulk-load puts entries in dependency order only within each batch of "
                f"{batch_size} entries (--batch-size): if what this entry needs is made or "
                "dated earlier by an entry further down the input, move that entry up or use a "
                "larger --batch-size (or `orgevents load`, which orders the whole load)"
            )
        raise BulkLoadError(
            f"{problem.describe()}{hint}\nthe {exc.written} entries before its batch were written "
            "(whole batches), nothing after them; fix the entry and run the same load again — "
            "recorded entries are skipped"
        ) from None
    seconds = time.perf_counter() - started
    return {
        "appended": len(result.appended),
        "skipped": len(result.skipped),
        "batches": batches,
        "seconds": round(seconds, 3),
    }
