"""Turning DOT into SVG, PNG or PDF — the only place that runs Graphviz.

Renderers, chosen automatically in this order (``ORGEVENTS_RENDERER=dot|pygraphviz`` forces one):

1. the ``dot`` program (Debian package ``graphviz``);
2. ``pygraphviz`` (optional extra ``orgevents[render]``; its wheels bundle Graphviz), run in a
   child process of its own.

Either way Graphviz runs in a child process with Graphviz's safe mode (``SERVER_NAME`` set,
``GV_FILE_PATH`` unset: no file is read for ``image``/``shapefile``), in an empty working folder,
with a time limit and limits on memory and CPU. The pygraphviz child also checks every attribute
of the parsed graph against the allow-list of :mod:`.dotgraph` (its Graphviz ignores
``SERVER_NAME``). DOT output needs neither renderer.
"""

from __future__ import annotations

import importlib.util
import io
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Sequence

from orgevents.diagrams.dotgraph import EDGE_ATTRIBUTES, GRAPH_ATTRIBUTES, NODE_ATTRIBUTES
from orgevents.errors import OrgEventsError

FORMATS = ("svg", "png", "pdf", "dot")
TIMEOUT = 60.0  # seconds
MEMORY = 2048  # MiB of address space
PNG_DPI = 110
INSTALL_HINT = (
    "install Graphviz (Debian/Ubuntu: apt-get install graphviz) or pygraphviz "
    "(pip install 'orgevents[render]'); --format dot works without either"
)


class RenderError(OrgEventsError):
    """Graphviz could not turn the DOT source into an image."""


def renderer() -> str | None:
    """The renderer :func:`render` would use: ``"dot"``, ``"pygraphviz"`` or None."""
    forced = os.environ.get("ORGEVENTS_RENDERER")
    if forced and forced not in ("dot", "pygraphviz"):
        raise RenderError(f"ORGEVENTS_RENDERER must be dot or pygraphviz, not {forced!r}")
    if forced in (None, "dot") and shutil.which("dot"):
        return "dot"
    if forced in (None, "pygraphviz") and _have_pygraphviz():
        return "pygraphviz"
    return None


def _have_pygraphviz() -> bool:
    return importlib.util.find_spec("pygraphviz") is not None


def render(
    source: str,
    fmt: str,
    *,
    timeout: float = TIMEOUT,
    memory_mb: int = MEMORY,
    dpi: int | None = None,
) -> bytes:
    """The chart in ``fmt`` (svg, png, pdf or dot). PNGs default to :data:`PNG_DPI`."""
    if fmt not in FORMATS:
        raise RenderError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    if fmt == "dot":
        return source.encode()
    if fmt == "png" and dpi is None:
        dpi = PNG_DPI
    options = [f"-Gdpi={int(dpi)}"] if dpi else []
    which = renderer()
    if which == "dot":
        dot = shutil.which("dot")
        assert dot is not None
        command = [dot, f"-T{fmt}", *options]
    elif which == "pygraphviz":
        allowed = {
            "graph": sorted(GRAPH_ATTRIBUTES),
            "node": sorted(NODE_ATTRIBUTES),
            "edge": sorted(EDGE_ATTRIBUTES),
        }
        command = [
            sys.executable,
            "-m",
            "orgevents.diagrams.pygraphviz_child",
            fmt,
            json.dumps(options),
            json.dumps(allowed),
        ]
    else:
        raise RenderError(f"cannot draw {fmt.upper()}: {INSTALL_HINT}")
    return _run(command, source, timeout=timeout, memory_mb=memory_mb, what=which)


def render_pages(sources: Sequence[str], *, timeout: float = TIMEOUT) -> bytes:
    """One PDF with a page per DOT source (needs ``pypdf``)."""
    try:
        from pypdf import PdfReader, PdfWriter
    except ImportError:
        raise RenderError(
            "a multi-page PDF needs pypdf (pip install pypdf); or write one image per date "
            "with --format svg or png"
        ) from None
    writer = PdfWriter()
    for source in sources:
        for page in PdfReader(io.BytesIO(render(source, "pdf", timeout=timeout))).pages:
            writer.add_page(page)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def safe_environment() -> dict[str, str]:
    """The environment Graphviz runs in: safe mode on, no file search path."""
    env = {k: v for k, v in os.environ.items() if k not in ("GV_FILE_PATH", "GVBINDIR")}
    env["SERVER_NAME"] = "orgevents"
    return env


def _limits(memory_mb: int, cpu_seconds: int) -> Callable[[], None]:
    def apply() -> None:
        memory = memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
        resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds + 1))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))

    return apply


def _run(command: list[str], source: str, *, timeout: float, memory_mb: int, what: str) -> bytes:
    with tempfile.TemporaryDirectory(prefix="orgevents-dot-") as empty:
        try:
            done = subprocess.run(
                command,
                input=source.encode(),
                capture_output=True,
                timeout=timeout,
                env=safe_environment(),
                cwd=empty,
                preexec_fn=_limits(memory_mb, int(timeout) + 1),
                check=False,
            )
        except subprocess.TimeoutExpired:
            raise RenderError(
                f"{what} took longer than {timeout:g} s; draw part of the chart "
                "(--root ID, --depth N) or choose SVG"
            ) from None
    if done.returncode != 0 or not done.stdout:
        errors = [
            line
            for line in done.stderr.decode(errors="replace").splitlines()
            if line.strip() and not line.startswith("Fontconfig")
        ]
        reason = errors[-1] if errors else f"exit status {done.returncode}"
        raise RenderError(f"{what} could not draw the chart: {reason}")
    return done.stdout
