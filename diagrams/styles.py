"""The look of every chart: fonts, a style per kind of unit, a colour per kind of change, roles.

All values here are written in code; none comes from the data, but for the words of a kind's
label (escaped like every label) and its style, which names entries of the tables here.
"""

from __future__ import annotations

from dataclasses import dataclass

from orgevents.kinds import PALETTE, KindSpec
from orgevents.projections.vocabulary import Vocabulary

FONT = "Helvetica,Arial,sans-serif"
TEXT = "#1a1a1a"
MUTED = "#4a4a4a"
EDGE = "#8896a5"
PHASING = "#a34a00"  # what is being phased out (or in): its words, and its dotted line's legend


@dataclass(frozen=True)
class KindStyle:
    word: str  # how the legend names the kind
    fill: str
    border: str
    style: str = "filled"
    penwidth: float = 1.0
    shape: str = "box"

    def attributes(self) -> dict[str, object]:
        return {
            "shape": self.shape,
            "style": self.style,
            "fillcolor": self.fill,
            "color": self.border,
            "penwidth": self.penwidth,
        }


_LINES = {
    "solid": "filled",
    "bold": "filled,bold",
    "dashed": "dashed,filled",
    "dotted": "dotted,filled",
}
_SHAPES = {  # the kinds' shapes (orgevents.kinds.Shape) → Graphviz shape and extra style
    "box": ("box", ""),
    "rounded": ("box", "rounded,"),
    "ellipse": ("ellipse", ""),
    "note": ("note", ""),
    "hexagon": ("hexagon", ""),
    "octagon": ("octagon", ""),
    "folder": ("folder", ""),
    "tab": ("tab", ""),
}


def style_of(spec: KindSpec, word: str) -> KindStyle:
    """A kind's chart style: every value from a fixed table (the kinds' style is validated to
    names of these tables), never text from the data — but the legend's word."""
    fill, border = PALETTE.get(spec.style.colour, PALETTE["white"])
    shape, extra = _SHAPES.get(spec.style.shape, ("box", ""))
    line = spec.style.line
    level = spec.level if spec.level is not None else 1_000
    if line == "bold":
        penwidth = 2.0
    elif line != "solid" or level <= 30:
        penwidth = 1.4
    elif level <= 40:
        penwidth = 1.6
    else:
        penwidth = 1.0
    return KindStyle(word, fill, border, extra + _LINES.get(line, "filled"), penwidth, shape)


def kind_style(kind: str, vocabulary: Vocabulary | None = None) -> KindStyle:
    """How ``kind`` is drawn and named in the legend, in the vocabulary's language."""
    vocabulary = vocabulary or DEFAULT_VOCABULARY
    return style_of(vocabulary.spec(kind), vocabulary.glossed(kind))


DEFAULT_VOCABULARY = Vocabulary.default()

CLUSTER_FILL = "#f5f8fb"
CLUSTER_BORDER = "#b9c7d6"


@dataclass(frozen=True)
class MarkStyle:
    tag: str  # the word shown in the box
    word: str  # how the legend explains it
    colour: str
    fill: str | None = None
    dashed: bool = False


MARKS: dict[str, MarkStyle] = {
    "added": MarkStyle("NEW", "established (added)", "#2e7d32", "#e3f3e1"),
    "reestablished": MarkStyle(
        "RE-ESTABLISHED", "re-established (a new life under the same id)", "#2e7d32", "#e3f3e1"
    ),
    "abolished": MarkStyle("ABOLISHED", "abolished (kept visible)", "#c62828", "#fbe5e5", True),
    "renamed": MarkStyle("RENAMED", "renamed (old name below)", "#1565c0"),
    "moved": MarkStyle("MOVED", "moved (dashed line from the old parent)", "#e65100"),
}
TRANSFER = "#6a1b9a"
RESPONSIBILITY_NEW = "#2e7d32"
RESPONSIBILITY_GONE = "#c62828"

ROLES = {
    "authority": ("authority", "#1f3b57", 2.2),
    "administrative": ("administrative authority", "#8e5a00", 1.8),
    "performer": ("performs the work", "#00838f", 1.5),
}
RESPONSIBILITY_FILL = "#fffbe6"
RESPONSIBILITY_BORDER = "#b59b2b"


COUNTED_LEGEND = "an interval, open end or uncertain date: counted from its first day"
"""The legend line of a chart that shows a change or holding the counting rule dates."""
