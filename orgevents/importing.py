"""Reading load files (YAML or JSON): validation with located errors, then one atomic record.

Errors name the file, the entry (index and line), the field and the rule broken; a load with any
problem writes nothing. The text itself is read by :mod:`orgevents.reading`, which refuses input
that could harm the reader (alias bombs, duplicate keys, deep nesting, huge numbers, not UTF-8).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from orgevents.application import OrgHistory, RecordResult, RejectedEntryError
from orgevents.errors import InvalidEntryError, Problem
from orgevents.events import Entry, LoadFile
from orgevents.ordering import DependencyCycleError, dependency_order
from orgevents.reading import _Loader as _Loader
from orgevents.reading import decode, parse

EXAMPLES = {"copenhagen": "data/copenhagen", "france-communes": "data/france-communes"}
GENERATED = {"france-communes"}
"""Examples made on the fly from a bundled register by a converter (``orgevents.datasets``),
too large for one transaction: they load in atomic batches (:func:`orgevents.bulk.bulk_load`)."""


@dataclass(frozen=True)
class Located:
    entry: Entry
    file: str
    index: int
    line: int | None
    field_lines: Mapping[str, int] = field(default_factory=dict)  # top-level field → its line


def _known_example(name: str) -> None:
    if name not in EXAMPLES:
        raise InvalidEntryError(
            [Problem(f"no example {name!r}; known: {', '.join(EXAMPLES)}", rule="example-known")]
        )


def example_files(name: str) -> list[Path]:
    """The load files of a bundled example (none for one made on the fly, see ``GENERATED``)."""
    _known_example(name)
    if name in GENERATED:
        return []
    folder = resources.files("orgevents").joinpath(EXAMPLES[name])
    return sorted(Path(str(p)) for p in folder.iterdir() if p.name.endswith(".yaml"))


def example_stream(name: str) -> Iterator[Located]:
    """The entries of a generated example, validated one by one as the converter makes them."""
    from orgevents.datasets import france
    from orgevents.events import entry_adapter

    _known_example(name)
    label = f"--example {name}"
    for index, raw in enumerate(france.entries()):
        try:
            entry = entry_adapter.validate_python(raw)
        except ValidationError as exc:
            err = exc.errors()[0]
            problem = Problem(
                err["msg"],
                file=label,
                index=index,
                key=raw.get("key"),
                field=".".join(str(p) for p in err["loc"]) or None,
                rule=err["type"],
            )
            raise InvalidEntryError([problem]) from None
        yield Located(entry, label, index, None)


def read_file(path: Path) -> list[Located]:
    """Parse and validate one load file; raise InvalidEntryError listing every problem."""
    name = str(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        problem = Problem(f"cannot read: {exc.strerror}", file=name, rule="readable")
        raise InvalidEntryError([problem]) from None
    return parse_bytes(data, name)


def parse_bytes(data: bytes, name: str) -> list[Located]:
    """Entries from the bytes of a load file called ``name`` (``.json``: JSON, else YAML)."""
    return parse_text(decode(data, name), name)


DEFAULT_LANGUAGE = "da"
"""The language of documents in files that declare none (orgevents/1 files always were Danish)."""


def file_language(data: Any, name: str, line: int | None = None) -> str | None:
    """The ``language`` a load file (or a JSON Lines header) declares, checked; None: none."""
    language = data.get("language") if isinstance(data, dict) else None
    if language is None:
        return None
    if not isinstance(language, str) or not re.fullmatch(r"[a-z]{2}", language):
        problem = Problem(
            f"the file's language must be a two-letter ISO 639-1 code such as en, da or fr, "
            f"not {language!r}",
            file=name,
            line=line,
            field="language",
            rule="language-code",
        )
        raise InvalidEntryError([problem])
    return language


def with_language(entry: Any, language: str | None) -> Any:
    """A raw entry with the file's language filled in where a document gives none."""
    if (
        language is not None
        and isinstance(entry, dict)
        and entry.get("type") == "DocumentRegistered"
        and "language" not in entry
    ):
        return {**entry, "language": language}
    return entry


def parse_text(text: str, name: str) -> list[Located]:
    data, positions = parse(text, name)
    lines: list[int | None] = [line for line, _ in positions]
    language = file_language(data, name)
    if language is not None and isinstance(data.get("entries"), list):
        data = {**data, "entries": [with_language(e, language) for e in data["entries"]]}
    try:
        parsed = LoadFile.model_validate(data)
    except ValidationError as exc:
        raise InvalidEntryError(_problems(exc, data, name, positions)) from None
    return [
        Located(
            entry,
            name,
            i,
            lines[i] if i < len(lines) else None,
            positions[i][1] if i < len(positions) else {},
        )
        for i, entry in enumerate(parsed.entries)
    ]


def load_paths(app: OrgHistory, paths: Sequence[Path], recorded_by: str) -> RecordResult:
    """Load files as one load, all or nothing; entries in any order (each is recorded after
    what it names, :mod:`orgevents.ordering`)."""
    return record_located(app, read_paths(paths), recorded_by)


def read_paths(paths: Sequence[Path]) -> list[Located]:
    """The entries of the files of one load; every file's problems at once."""
    located: list[Located] = []
    problems: list[Problem] = []
    for path in paths:
        try:
            located.extend(read_file(path))
        except InvalidEntryError as exc:
            problems.extend(exc.problems)
    if problems:
        raise InvalidEntryError(problems)
    return located


def in_dependency_order(located: Sequence[Located]) -> list[Located]:
    """The entries of one load in the order they are checked and recorded: each after what it
    needs, else as given (:mod:`orgevents.ordering`); a circle of needs is refused, naming the
    entries of the circle (nothing is written)."""
    try:
        return dependency_order(located, lambda item: item.entry)
    except DependencyCycleError as exc:
        raise InvalidEntryError(cycle_problems(exc, list(located))) from None


def cycle_problems(exc: DependencyCycleError, located: Sequence[Located]) -> list[Problem]:
    """One problem per entry of the circle: which of its fields needs which entry."""
    steps = [f"{located[n.after].entry.key} ({n.field}: {n.key})" for n in exc.cycle]
    circle = " needs ".join([*steps, located[exc.cycle[0].after].entry.key])
    problems = []
    for n in exc.cycle:
        item, needed = located[n.after], located[n.before]
        where = needed.file + (f":{needed.line}" if needed.line else "")
        problems.append(
            Problem(
                f"needs {n.key!r}, made by entry {needed.index} ({needed.entry.key}, {where}) "
                f"of this load, and the entries need each other in a circle: {circle}; "
                "change one of them",
                file=item.file,
                index=item.index,
                line=item.line,
                key=item.entry.key,
                field=n.field,
                rule="no-dependency-cycle",
            )
        )
    return problems


def record_located(
    app: OrgHistory,
    located: Sequence[Located],
    recorded_by: str,
    on_progress: Callable[[int, int], None] | None = None,
) -> RecordResult:
    """Record the entries of one load, all or nothing, in dependency order (``on_progress``:
    see ``OrgHistory.record``)."""
    located = in_dependency_order(located)
    try:
        return app.record([item.entry for item in located], recorded_by, on_progress)
    except RejectedEntryError as exc:
        item = located[exc.index]
        raise InvalidEntryError(
            [
                Problem(
                    str(exc.cause),
                    file=item.file,
                    index=item.index,
                    line=_line_of(item, exc.cause.field),
                    key=item.entry.key,
                    field=exc.cause.field,
                    rule=exc.rule,
                )
            ]
        ) from None


def _line_of(item: Located, field: str | None) -> int | None:
    """The line of ``field`` of the located entry (else the entry's own line)."""
    if field is None:
        return item.line
    return item.field_lines.get(field.split(".")[0], item.line)


def _problems(
    exc: ValidationError, data: Any, name: str, positions: list[tuple[int, dict[str, int]]]
) -> list[Problem]:
    problems = []
    for err in exc.errors():
        loc = list(err["loc"])
        index = None
        key = None
        if len(loc) >= 2 and loc[0] == "entries" and isinstance(loc[1], int):
            index = loc[1]
            loc = loc[2:]
            if loc and isinstance(loc[0], str) and loc[0][:1].isupper():
                loc = loc[1:]  # the discriminator tag pydantic puts in the path
            raw = data["entries"][index] if isinstance(data, dict) else None
            if isinstance(raw, dict) and isinstance(raw.get("key"), str):
                key = raw["key"]
        field = ".".join(str(p) for p in loc) or None
        line = None
        if index is not None and index < len(positions):
            entry_line, field_lines = positions[index]
            line = field_lines.get(str(loc[0]), entry_line) if loc else entry_line
        problems.append(
            Problem(
                err["msg"],
                file=name,
                index=index,
                line=line,
                key=key,
                field=field,
                rule=err["type"],
            )
        )
    return problems
