"""Reading load files (YAML or JSON): validation with located errors, then one atomic record.

Errors name the file, the entry (index and line), the field and the rule broken; a load with any
problem writes nothing.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from orgevents.application import OrgHistory, RecordResult, RejectedEntryError
from orgevents.errors import InvalidEntryError, Problem
from orgevents.events import Entry, LoadFile

EXAMPLES = {"copenhagen": "data/copenhagen"}


class _Loader(yaml.SafeLoader):
    """PyYAML's safe loader, but dates stay text: our models parse (and report) them."""


_Loader.yaml_implicit_resolvers = {
    first: [r for r in resolvers if r[0] != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


@dataclass(frozen=True)
class Located:
    entry: Entry
    file: str
    index: int
    line: int | None


def example_files(name: str) -> list[Path]:
    if name not in EXAMPLES:
        raise InvalidEntryError(
            [Problem(f"no example {name!r}; known: {', '.join(EXAMPLES)}", rule="example-known")]
        )
    folder = resources.files("orgevents").joinpath(EXAMPLES[name])
    return sorted(Path(str(p)) for p in folder.iterdir() if p.name.endswith(".yaml"))


def read_file(path: Path) -> list[Located]:
    """Parse and validate one load file; raise InvalidEntryError listing every problem."""
    name = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        problem = Problem(f"cannot read: {exc.strerror}", file=name, rule="readable")
        raise InvalidEntryError([problem]) from None
    return parse_text(text, name)


def parse_text(text: str, name: str) -> list[Located]:
    try:
        if name.endswith(".json"):
            data: Any = json.loads(text)
            lines: list[int | None] = []
            positions = []
        else:
            data = yaml.load(text, Loader=_Loader)
            positions = _entry_positions(text)
            lines = [line for line, _ in positions]
    except (yaml.YAMLError, json.JSONDecodeError) as exc:
        line = getattr(getattr(exc, "problem_mark", None), "line", None)
        line = line + 1 if line is not None else getattr(exc, "lineno", None)
        raise InvalidEntryError(
            [
                Problem(
                    f"not valid YAML/JSON: {_first_line(exc)}", file=name, line=line, rule="syntax"
                )
            ]
        ) from None
    try:
        parsed = LoadFile.model_validate(data)
    except ValidationError as exc:
        raise InvalidEntryError(_problems(exc, data, name, positions)) from None
    return [
        Located(entry, name, i, lines[i] if i < len(lines) else None)
        for i, entry in enumerate(parsed.entries)
    ]


def load_paths(app: OrgHistory, paths: Sequence[Path], recorded_by: str) -> RecordResult:
    """Load files in order, all or nothing."""
    located: list[Located] = []
    problems: list[Problem] = []
    for path in paths:
        try:
            located.extend(read_file(path))
        except InvalidEntryError as exc:
            problems.extend(exc.problems)
    if problems:
        raise InvalidEntryError(problems)
    return record_located(app, located, recorded_by)


def record_located(app: OrgHistory, located: Sequence[Located], recorded_by: str) -> RecordResult:
    try:
        return app.record([item.entry for item in located], recorded_by)
    except RejectedEntryError as exc:
        item = located[exc.index]
        raise InvalidEntryError(
            [
                Problem(
                    str(exc.cause),
                    file=item.file,
                    index=item.index,
                    line=item.line,
                    key=item.entry.key,
                    rule=exc.rule,
                )
            ]
        ) from None


def _entry_positions(text: str) -> list[tuple[int, dict[str, int]]]:
    """For each entry: its line, and the line of each of its top-level fields."""
    try:
        root = yaml.compose(text)
    except yaml.YAMLError:
        return []
    if not isinstance(root, yaml.MappingNode):
        return []
    for key_node, value_node in root.value:
        if key_node.value == "entries" and isinstance(value_node, yaml.SequenceNode):
            out = []
            for item in value_node.value:
                fields = {}
                if isinstance(item, yaml.MappingNode):
                    fields = {k.value: k.start_mark.line + 1 for k, _ in item.value}
                out.append((item.start_mark.line + 1, fields))
            return out
    return []


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


def _first_line(exc: Exception) -> str:
    return " ".join(str(exc).split())[:300]
