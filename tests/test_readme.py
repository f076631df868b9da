"""The README's examples are run and their output compared, so the README never lies.

Every ```console block is run in order in one fresh folder: lines starting with ``$ orgevents``
are commands, the lines after them their expected output. Recorded times, the recording user and
chain hashes vary and are normalised. ``UPDATE_README=1 pytest tests/test_readme.py`` rewrites the outputs.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

README = Path(__file__).resolve().parent.parent / "README.md"
BLOCK = re.compile(r"```console\n(.*?)```", re.S)
PYTHON = re.compile(r"```python\n(.*?)```", re.S)
VOLATILE = re.compile(r"\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(\+00:00|Z| UTC)? by \S+")


def commands(block: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for line in block.splitlines(keepends=True):
        if line.startswith("$ "):
            out.append((line[2:].strip(), ""))
        elif out:
            out[-1] = (out[-1][0], out[-1][1] + line)
    return out


def normalise(text: str) -> str:
    text = VOLATILE.sub("<recorded>", text)
    text = re.sub(r"\b[0-9a-f]{64}\b", "<hash>", text)  # chain hashes cover recorded times
    return "\n".join(line.rstrip() for line in text.strip().splitlines())


def run(command: str, cwd: Path) -> str:
    args = shlex.split(command)
    env = {k: v for k, v in os.environ.items() if k != "ORGEVENTS_STORE"} | {"COLUMNS": "120"}
    proc = subprocess.run(
        [sys.executable, "-m", "orgevents", *args[1:]],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=120,
    )
    return proc.stdout + proc.stderr


def test_readme_examples_produce_the_output_shown(tmp_path):
    shutil.copytree(README.parent / "docs" / "examples", tmp_path / "docs" / "examples")
    shutil.copytree(README.parent / "tests" / "data", tmp_path / "tests" / "data")
    text = README.read_text(encoding="utf-8")
    blocks = BLOCK.findall(text)
    assert blocks, "the README has no console examples"
    ran = 0
    for block in blocks:
        rebuilt = []
        for command, expected in commands(block):
            output = expected
            if command.startswith("orgevents "):
                actual = run(command, tmp_path)
                ran += 1
                if os.environ.get("UPDATE_README"):
                    output = "".join(line.rstrip() + "\n" for line in actual.rstrip().splitlines())
                else:
                    assert normalise(actual) == normalise(expected), f"README example `{command}`"
            rebuilt.append(f"$ {command}\n{output}")
        text = text.replace(block, "".join(rebuilt), 1)
    if os.environ.get("UPDATE_README"):
        README.write_text(text, encoding="utf-8")
    assert ran >= 5
    # Python examples run after the console examples, in the same folder, and print something.
    for code in PYTHON.findall(text):
        proc = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, timeout=120
        )
        assert proc.returncode == 0, proc.stderr
        assert proc.stdout.strip(), f"README python example printed nothing:\n{code}"
