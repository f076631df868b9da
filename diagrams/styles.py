"""The look of every chart: fonts, a style per kind of unit, a colour per kind of change, roles.

All values here are written in code; none comes from the data.
"""

from __future__ import annotations

from dataclasses import dataclass

FONT = "Helvetica,Arial,sans-serif"
TEXT = "#1a1a1a"
MUTED = "#4a4a4a"
EDGE = "#8896a5"


@dataclass(frozen=True)
class KindStyle:
    word: str  # how the legend names the kind
    fill: str
    border: str
    style: str = "filled"
    penwidth: float = 1.0

    def attributes(self) -> dict[str, object]:
        return {
            "shape": "box",
            "style": self.style,
            "fillcolor": self.fill,
            "color": self.border,
            "penwidth": self.penwidth,
        }


KINDS: dict[str, KindStyle] = {
    "council": KindStyle("council", "#d6e0ea", "#1f3b57", "filled,bold", 2.0),
    "committee": KindStyle("committee (udvalg)", "#e6eef8", "#2b5c8a", "rounded,filled", 1.4),
    "administration": KindStyle(
        "administration (forvaltning)", "#cfe0f1", "#2b5c8a", "filled", 1.6
    ),
    "centre": KindStyle("centre", "#ffffff", "#5b6b7a"),
    "office": KindStyle("office or secretariat", "#f3f4f6", "#8a96a3"),
    "team": KindStyle("team", "#fff6dc", "#a68a2b", "rounded,filled"),
    "institution": KindStyle("institution", "#f1e9f7", "#7b5a99"),
    "taskforce": KindStyle("temporary taskforce", "#fff1e0", "#b26a00", "dashed,filled", 1.4),
    "external": KindStyle("external partner", "#eeeeee", "#777777", "dotted,filled", 1.4),
}
OTHER_KIND = KindStyle("other", "#ffffff", "#777777")
KIND_ORDER = list(KINDS)

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
    "authority": ("authority (myndighed)", "#1f3b57", 2.2),
    "performer": ("performs the work", "#00838f", 1.5),
}
RESPONSIBILITY_FILL = "#fffbe6"
RESPONSIBILITY_BORDER = "#b59b2b"


def kind_style(kind: str) -> KindStyle:
    return KINDS.get(kind, OTHER_KIND)
