"""The house rules a newcomer relies on: imports flow one way, every command has an example,
the published JSON Schema is the one the code generates."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def is_entry_point(path: Path) -> bool:
    """The command line and HTTP modules import everything else."""
    rel = path.relative_to(ROOT / "orgevents")
    return rel.parts[0] in ("http", "cli") or rel.name == "__main__.py"


def imports_of(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


@pytest.mark.parametrize(
    ("folder", "forbidden"),
    [
        ("orgevents", ("orgevents.projections", "orgevents.diagrams")),
        ("projections", ("orgevents.diagrams", "orgevents.cli")),
        ("diagrams", ("orgevents.cli",)),
    ],
)
def test_imports_flow_one_way(folder, forbidden):
    offenders = []
    for path in sorted((ROOT / folder).rglob("*.py")):
        if folder == "orgevents" and is_entry_point(path):
            continue
        for module in imports_of(path):
            if module.startswith(forbidden):
                offenders.append(f"{path.relative_to(ROOT)} imports {module}")
    assert offenders == []


def test_the_command_line_has_no_import_circle():
    """Command modules import the shared ``common`` module, never the package that imports
    them; ``common`` imports no command module."""
    folder = ROOT / "orgevents" / "cli"
    commands = {p.stem for p in folder.glob("*.py")} - {"__init__", "common"}
    offenders = []
    for path in sorted(folder.glob("*.py")):
        if path.stem == "__init__":
            continue
        for module in imports_of(path):
            own = module == "orgevents.cli" or module.removeprefix("orgevents.cli.") in commands
            if own and not (path.stem == "read" and module == "orgevents.cli.charts"):
                offenders.append(f"{path.name} imports {module}")
    assert offenders == []


def test_a_read_command_on_an_indexed_store_loads_no_event_models(tmp_path):
    """`who` on an up-to-date index opens only the index's own connection: neither
    eventsourcing nor the pydantic models of the events are imported (they cost more than the
    answer)."""
    import subprocess
    import sys

    url = f"sqlite:///{tmp_path / 's.db'}"
    base = [sys.executable, "-m", "orgevents", "--store", url]
    subprocess.run([*base, "load", "--example", "copenhagen"], check=True, capture_output=True)
    proc = subprocess.run(
        [
            sys.executable,
            "-X",
            "importtime",
            *base[1:],
            "who",
            "stu",
            "--at",
            "2026-01-01",
            "--json",
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    assert json.loads(proc.stdout)["holders"][0]["unit"]["id"] == "biu"
    imported = {line.split("|")[-1].strip() for line in proc.stderr.splitlines()}
    assert "orgevents.events" not in imported
    assert not any(m.startswith("eventsourcing") for m in imported)


def test_every_command_has_help_with_an_example():
    from orgevents.cli import app

    for command in app.registered_commands:
        doc = command.callback.__doc__ or ""
        assert "Example: orgevents" in doc, f"{command.callback.__name__} has no Example:"


def test_the_published_json_schema_is_the_generated_one():
    from orgevents.load_schema import load_file_schema

    published = json.loads((ROOT / "docs" / "load-format.schema.json").read_text())
    assert published == load_file_schema(), "run: orgevents schema > docs/load-format.schema.json"


def test_the_bundled_dataset_validates_against_the_published_schema():
    import jsonschema

    from orgevents.importing import _Loader, example_files

    schema = json.loads((ROOT / "docs" / "load-format.schema.json").read_text())
    files = example_files("copenhagen")
    assert files
    for path in files:
        import yaml

        data = yaml.load(path.read_text(), Loader=_Loader)
        jsonschema.validate(data, schema)
