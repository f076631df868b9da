"""Regenerate the charts the README shows: ``python -m orgevents.diagrams.docs [FOLDER]``.

Writes ``before``, ``after``, ``changes`` and ``responsibilities`` as DOT, SVG and PNG from the
bundled Copenhagen dataset into ``docs/charts`` (or FOLDER). The DOT files are deterministic; the
test suite compares them with freshly built ones to tell when the committed images are stale.
"""

from __future__ import annotations

import sys
from pathlib import Path

from orgevents.diagrams import demo_charts, demo_sources
from orgevents.importing import example_files, load_paths
from orgevents.projections.reader import Reader, View
from orgevents.store import open_store

DEFAULT = Path(__file__).resolve().parent.parent / "docs" / "charts"


def copenhagen() -> View:
    store = open_store("memory:")
    reader = Reader(store)
    load_paths(store, example_files("copenhagen"), "orgevents docs")
    return reader.view()


def write(folder: Path) -> list[Path]:
    state = copenhagen()
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for stem, source in demo_sources(state).items():
        path = folder / f"{stem}.dot"
        path.write_text(source, encoding="utf-8")
        written.append(path)
    return written + demo_charts(state, folder)


def main(argv: list[str]) -> int:
    folder = Path(argv[0]) if argv else DEFAULT
    for path in write(folder):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
