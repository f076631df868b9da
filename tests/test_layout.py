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
    return rel.parts[0] == "http" or rel.name == "__main__.py" or rel.name.startswith("cli")


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
