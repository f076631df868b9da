"""Reading the text of a load file — YAML, JSON or one JSON line — without letting it harm us.

Shared by ``orgevents load``, ``orgevents bulk-load`` and ``POST /api/entries``. Before anything is
validated, the text must be UTF-8; YAML aliases may not expand a document by more than
:data:`MAX_ALIAS_VALUES` values ("billion laughs"); a mapping may not name a key twice; nesting
deeper than Python can read, integers longer than Python converts and ``!!binary`` values are
refused. Each refusal is an :class:`~orgevents.errors.InvalidEntryError` naming the file, the line
where known, and the rule; nothing is written.
"""

from __future__ import annotations

import contextlib
import json
import re
import sys
from typing import Any

import yaml

from orgevents.errors import InvalidEntryError, Problem

MAX_ALIAS_VALUES = 100_000  # values aliases may add to a document when expanded
_ALIAS = re.compile(r"(?:^|[\s\[{,:-])\*[^\s,\]}]")
_WS = re.compile(r"[ \t\n\r]*")

Positions = list[tuple[int, dict[str, int]]]
"""For each entry of a YAML load file: its line, and the line of each of its top-level fields."""


class InputTooLargeError(InvalidEntryError):
    """The input would grow past what is read when expanded (HTTP answers 413)."""


class _RefusedError(Exception):
    """Raised inside the parsers; becomes one located problem."""

    def __init__(self, message: str, line: int | None, rule: str) -> None:
        super().__init__(message)
        self.message, self.line, self.rule = message, line, rule


_SafeLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
"""libyaml's parser where PyYAML was built with it (about five times faster), else pure Python."""


class _Loader(_SafeLoader):  # type: ignore[valid-type,misc]
    """PyYAML's safe loader, but dates stay text (our models parse and report them) and
    ``!!binary`` values are refused rather than made text."""

    def construct_binary(self, node: yaml.Node) -> Any:
        raise _RefusedError(
            "binary values (!!binary) are not accepted; write the text itself",
            node.start_mark.line + 1,
            "plain-text",
        )


_Loader.yaml_implicit_resolvers = {
    first: [r for r in resolvers if r[0] != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_constructor("tag:yaml.org,2002:binary", _Loader.construct_binary)


def decode(data: bytes, name: str) -> str:
    """The bytes as UTF-8 text, or a problem naming the line of the first bad byte."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise InvalidEntryError(
            [Problem(f"not UTF-8 text (byte {exc.start})", file=name, line=line, rule="utf-8")]
        ) from None


def parse(text: str, name: str) -> tuple[Any, Positions]:
    """The data of a load file (JSON if ``name`` ends in ``.json``, else YAML) and, for YAML,
    where its entries are."""
    try:
        if name.endswith(".json"):
            return _json(text), []
        return _yaml(text, name)
    except _RefusedError as exc:
        problem = Problem(exc.message, file=name, line=exc.line, rule=exc.rule)
    except (yaml.YAMLError, json.JSONDecodeError) as exc:
        line = getattr(getattr(exc, "problem_mark", None), "line", None)
        line = line + 1 if line is not None else getattr(exc, "lineno", None)
        if "maximum nesting depth" in str(exc):  # libyaml's own limit
            raise InvalidEntryError(
                [Problem("nested too deeply to read", file=name, line=line, rule="nesting")]
            ) from None
        problem = Problem(
            f"not valid YAML/JSON: {_first_line(exc)}", file=name, line=line, rule="syntax"
        )
    except RecursionError:
        problem = Problem("nested too deeply to read", file=name, rule="nesting")
    except ValueError as exc:
        problem = _value_problem(exc, text, name, None)
    raise InvalidEntryError([problem])


def parse_json_line(raw: bytes, name: str, line: int) -> Any:
    """One line of a JSON Lines file, with the same guards."""
    try:
        text = raw.decode("utf-8")
        return _DECODER.decode(text)
    except UnicodeDecodeError as exc:
        problem = Problem(f"not UTF-8 text (byte {exc.start})", file=name, line=line, rule="utf-8")
    except _RefusedError as exc:
        problem = Problem(exc.message, file=name, line=line, rule=exc.rule)
    except json.JSONDecodeError as exc:
        problem = Problem(f"not valid JSON: {exc.msg}", file=name, line=line, rule="syntax")
    except RecursionError:
        problem = Problem("nested too deeply to read", file=name, line=line, rule="nesting")
    except ValueError as exc:
        problem = _value_problem(exc, text, name, line)
    raise InvalidEntryError([problem])


# --- YAML ------------------------------------------------------------------------------------


def _yaml(text: str, name: str) -> tuple[Any, Positions]:
    loader = _Loader(text)
    try:
        root = loader.get_single_node()
        if root is not None:
            _check_unique_keys(root)
            if _ALIAS.search(text):
                _check_alias_expansion(root, name)
        data = loader.construct_document(root) if root is not None else None
    finally:
        loader.dispose()
    return data, _entry_positions(root)


def _check_unique_keys(root: yaml.Node) -> None:
    """No mapping names a key twice (PyYAML would keep the last silently)."""
    seen: set[int] = set()
    todo = [root]
    while todo:
        node = todo.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, yaml.SequenceNode):
            todo.extend(node.value)
        elif isinstance(node, yaml.MappingNode):
            first: dict[tuple[str, str], int] = {}
            for key, value in node.value:
                todo.extend((key, value))
                if not isinstance(key, yaml.ScalarNode) or key.tag.endswith(":merge"):
                    continue
                line = key.start_mark.line + 1
                if (key.tag, key.value) in first:
                    raise _RefusedError(
                        f"duplicate key {key.value!r} (first on line {first[key.tag, key.value]})",
                        line,
                        "duplicate-key",
                    )
                first[key.tag, key.value] = line


def _check_alias_expansion(root: yaml.Node, name: str) -> None:
    """Refuse YAML whose aliases would add more than :data:`MAX_ALIAS_VALUES` values."""
    sizes: dict[int, int] = {}
    written: set[int] = set()

    def size(node: yaml.Node) -> int:
        written.add(id(node))
        if id(node) not in sizes:
            total = 1
            if isinstance(node, yaml.SequenceNode):
                total += sum(size(n) for n in node.value)
            elif isinstance(node, yaml.MappingNode):
                total += sum(size(k) + size(v) for k, v in node.value)
            sizes[id(node)] = total
        return sizes[id(node)]

    if size(root) - len(written) > MAX_ALIAS_VALUES:
        raise InputTooLargeError(
            [
                Problem(
                    f"its aliases expand it by more than {MAX_ALIAS_VALUES} values",
                    file=name,
                    rule="alias-expansion",
                )
            ]
        )


def _entry_positions(root: yaml.Node | None) -> Positions:
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


# --- JSON ------------------------------------------------------------------------------------


def _json(text: str) -> Any:
    try:
        return _DECODER.decode(text)
    except _RefusedError as exc:
        exc.line = _json_duplicate_line(text)
        raise


def _unique_pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    found = dict(pairs)
    if len(found) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise _RefusedError(f"duplicate key {key!r}", None, "duplicate-key")
            seen.add(key)
    return found


_DECODER = json.JSONDecoder(object_pairs_hook=_unique_pairs)


def _json_duplicate_line(text: str) -> int | None:
    """The line of the first key named twice in one object (read again, slowly, to find it)."""
    decoder = json.JSONDecoder()
    found: list[int] = []

    def parse_object(
        s_and_end: tuple[str, int], strict: bool, scan_once: Any, *_: Any
    ) -> tuple[dict[str, Any], int]:
        s, end = s_and_end
        keys: set[str] = set()
        end = _skip(s, end)
        while s[end] == '"':
            key, end = json.decoder.scanstring(s, end + 1, strict)  # type: ignore[attr-defined]
            if key in keys and not found:
                found.append(s.count("\n", 0, end) + 1)
            keys.add(key)
            _, end = scan_once(s, _skip(s, _skip(s, end) + 1))  # past the colon
            end = _skip(s, end)
            if s[end] == ",":
                end = _skip(s, end + 1)
        return {}, end + 1

    decoder.parse_object = parse_object  # type: ignore[attr-defined]
    decoder.scan_once = json.scanner.py_make_scanner(decoder)  # type: ignore[attr-defined]
    with contextlib.suppress(ValueError, IndexError, RecursionError):
        decoder.decode(text)
    return found[0] if found else None


def _skip(s: str, at: int) -> int:
    """The position of the first character after white space from ``at``."""
    match = _WS.match(s, at)
    return match.end() if match else at


# --- shared ----------------------------------------------------------------------------------


def _value_problem(exc: ValueError, text: str, name: str, line: int | None) -> Problem:
    limit = sys.get_int_max_str_digits()
    if limit and "digits" in str(exc):
        if line is None:
            long = re.search(rf"\d{{{limit + 1},}}", text)
            line = text.count("\n", 0, long.start()) + 1 if long else None
        return Problem(
            f"a number with more than {limit} digits", file=name, line=line, rule="number-size"
        )
    return Problem(f"cannot read: {_first_line(exc)}", file=name, line=line, rule="syntax")


def _first_line(exc: Exception) -> str:
    return " ".join(str(exc).split())[:300]
