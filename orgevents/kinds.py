"""The vocabulary of unit kinds: a documented default set, which a store may extend or override.

A unit's ``kind`` is an id (``committee``, ``ministry``, ``post``). The default vocabulary below
covers Danish municipalities (Copenhagen's kinds), legislatures, governments and companies, and
posts — a single office such as a mayor or a minister. A load file may declare more kinds, or
other labels and styles for a default one, with ``KindDeclared`` entries
(:class:`orgevents.events.KindDeclared`); a unit may only have a kind that is in the default
vocabulary or declared in the store (or earlier in the same load).

Each kind has labels per language (at least English), a ``level`` — its rank in a hierarchy,
smaller is higher, used to order charts and lists — and a chart ``style`` chosen from a small safe
set (a shape, a colour from a fixed palette, a line), never free text that reaches Graphviz.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterable, Mapping
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

Shape = Literal["box", "rounded", "ellipse", "note", "hexagon", "octagon", "folder", "tab"]
"""How a unit of the kind is drawn (``rounded``: a box with rounded corners)."""

Colour = Literal[
    "white", "grey", "silver", "slate", "navy", "blue", "sky", "teal", "green", "yellow",
    "orange", "red", "purple", "pink",
]  # fmt: skip
"""A colour of the charts' palette (each is a fill and a matching border)."""

Line = Literal["solid", "bold", "dashed", "dotted"]
"""The border of a unit of the kind."""

PALETTE: dict[str, tuple[str, str]] = {
    "white": ("#ffffff", "#5b6b7a"),
    "grey": ("#f3f4f6", "#8a96a3"),
    "silver": ("#eeeeee", "#777777"),
    "slate": ("#d6e0ea", "#1f3b57"),
    "navy": ("#cfe0f1", "#2b5c8a"),
    "blue": ("#e6eef8", "#2b5c8a"),
    "sky": ("#e3f2fd", "#1565c0"),
    "teal": ("#e0f2f1", "#00796b"),
    "green": ("#e8f5e9", "#2e7d32"),
    "yellow": ("#fff6dc", "#a68a2b"),
    "orange": ("#fff1e0", "#b26a00"),
    "red": ("#fdecea", "#c62828"),
    "purple": ("#f1e9f7", "#7b5a99"),
    "pink": ("#fce4ec", "#ad1457"),
}
"""Palette name → (fill, border), as the charts draw it."""


class KindStyle(BaseModel):
    """How charts draw units of a kind: values from fixed sets only."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    shape: Shape = "box"
    colour: Colour = "white"
    line: Line = "solid"


class KindSpec(BaseModel):
    """One kind as the vocabulary knows it (default, or as declared in a store)."""

    model_config = ConfigDict(frozen=True)

    kind: str
    labels: dict[str, str]
    level: int | None = None
    style: KindStyle = KindStyle()
    note: str | None = None
    declared: bool = False  # declared in the store (else from the default vocabulary)

    def label(self, language: str | None = None) -> str:
        """The label in ``language``, else in English, else any label, else the id."""
        return label_of(self.labels, self.kind, language)


def label_of(labels: Mapping[str, str], kind: str, language: str | None) -> str:
    if language and language in labels:
        return labels[language]
    if "en" in labels:
        return labels["en"]
    return next(iter(labels.values()), kind)


def _k(
    kind: str,
    en: str,
    level: int,
    colour: str = "white",
    shape: str = "box",
    line: str = "solid",
    da: str | None = None,
) -> KindSpec:
    labels = {"en": en} | ({"da": da} if da else {})
    style = KindStyle.model_validate({"shape": shape, "colour": colour, "line": line})
    return KindSpec(kind=kind, labels=labels, level=level, style=style)


DEFAULT_KINDS: dict[str, KindSpec] = {
    k.kind: k
    for k in (
        # Copenhagen's kinds (a Danish municipality)
        _k("council", "council", 10, "slate", line="bold", da="kommunalbestyrelse"),
        _k("committee", "committee", 30, "blue", "rounded", da="udvalg"),
        _k("administration", "administration", 40, "navy", da="forvaltning"),
        _k("centre", "centre", 60, "white", da="center"),
        _k("office", "office or secretariat", 70, "grey", da="kontor eller sekretariat"),
        _k("team", "team", 80, "yellow", "rounded", da="team"),
        _k("institution", "institution", 80, "purple", da="institution"),
        _k("taskforce", "temporary taskforce", 80, "orange", line="dashed", da="taskforce"),
        _k("external", "external partner", 90, "silver", line="dotted", da="ekstern partner"),
        # legislatures
        _k("legislature", "legislature", 0, "slate", line="bold", da="parlament"),
        _k("chamber", "chamber", 10, "slate", da="kammer"),
        _k("subcommittee", "subcommittee", 35, "blue", "rounded", line="dashed", da="underudvalg"),
        # governments
        _k("government", "government", 0, "slate", line="bold", da="regering"),
        _k("ministry", "ministry", 20, "navy", da="ministerium"),
        _k("agency", "agency", 40, "sky", da="styrelse"),
        _k("department", "department", 50, "sky", da="departement"),
        _k("directorate", "directorate", 40, "sky", da="direktorat"),
        _k("division", "division", 60, "white", da="afdeling"),
        _k("unit", "unit", 70, "grey", da="enhed"),
        _k("municipality", "municipality", 10, "teal", line="bold", da="kommune"),
        _k("region", "region", 5, "teal", line="bold", da="region"),
        # companies
        _k("company", "company", 10, "green", line="bold", da="virksomhed"),
        _k("board", "board", 20, "green", "rounded", da="bestyrelse"),
        # a single office held by one person: a mayor, a minister
        _k("post", "post", 25, "pink", "ellipse", da="post"),
    )
}
"""The default vocabulary (README: "Kinds of unit" shows it as a table; a test checks it)."""


def declared(
    kind: str,
    labels: Mapping[str, str],
    level: int | None = None,
    style: KindStyle | Mapping[str, str] | None = None,
    note: str | None = None,
) -> KindSpec:
    """A kind as a declaration gives it: over a default kind, what the declaration leaves out
    (level, style) stays as the default has it."""
    default = DEFAULT_KINDS.get(kind)
    if style is not None and not isinstance(style, KindStyle):
        style = KindStyle.model_validate(style)
    return KindSpec(
        kind=kind,
        labels=dict(labels),
        level=level if level is not None or default is None else default.level,
        style=style or (default.style if default else KindStyle()),
        note=note,
        declared=True,
    )


def declaration_json(labels: Mapping[str, str], level: int | None, style: Any, note: Any) -> str:
    """What the index keeps of a declaration (read back by :func:`from_json`)."""
    style_data = style.model_dump() if isinstance(style, KindStyle) else style
    return json.dumps(
        {"labels": dict(labels), "level": level, "style": style_data, "note": note},
        ensure_ascii=False,
        sort_keys=True,
    )


def from_json(kind: str, text: str) -> KindSpec:
    data = json.loads(text)
    return declared(kind, data["labels"], data["level"], data["style"], data["note"])


def kind_subject(kind: str) -> str:
    """The store's subject for the declarations of ``kind`` (apart from every id: ``:``)."""
    return f"kind:{kind}"


def unknown_kind_message(kind: str, known: Iterable[str]) -> str:
    """``kind`` is neither default nor declared: say so, with the closest known ones."""
    names = sorted(set(known))
    close = difflib.get_close_matches(kind, names, n=3, cutoff=0.6)
    hint = f"did you mean {' or '.join(repr(c) for c in close)}? " if close else ""
    return (
        f"unknown kind {kind!r}: {hint}known kinds: {', '.join(names)}; "
        "declare a new one with a KindDeclared entry before the units that use it"
    )


def vocabulary(declared: Iterable[KindSpec]) -> list[KindSpec]:
    """The default vocabulary with the declared kinds on top (a later declaration of a kind
    replaces an earlier one), ordered by level (no level: last), then id."""
    kinds: dict[str, KindSpec] = dict(DEFAULT_KINDS)
    for spec in declared:
        kinds[spec.kind] = spec
    return sorted(kinds.values(), key=rank)


def rank(spec: KindSpec) -> tuple[int, str]:
    return (spec.level if spec.level is not None else 1_000, spec.kind)


__all__ = [
    "DEFAULT_KINDS",
    "PALETTE",
    "KindSpec",
    "KindStyle",
    "declaration_json",
    "declared",
    "from_json",
    "kind_subject",
    "label_of",
    "rank",
    "unknown_kind_message",
    "vocabulary",
]
