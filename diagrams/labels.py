"""Text from the store, made safe for the two kinds of Graphviz label.

Stored text is untrusted: anyone who can record an event can name a unit. Every piece of text that
goes into a DOT file passes through one of these functions, chosen for the label kind it goes into:

- :func:`html` for text inside an HTML-like label (``label=<...>``): the markup characters become
  entities, so a name can never open a tag (``<IMG SRC>``), close the label or start an attribute;
  backslashes are doubled, because Graphviz expands ``\\N``, ``\\G`` and friends even there.
- :func:`plain` for an ordinary quoted label (``label="..."``): backslashes are doubled (so ``\\N``
  stays two characters and a trailing ``\\`` cannot escape the closing quote), line breaks become
  ``\\n``, and the value is marked so the ``graphviz`` package never passes it through raw as
  HTML (it does so for any string matching ``<...>``).

Control characters are dropped from both. Node ids are never text from the store: see
:func:`orgevents.diagrams.dotgraph.node_id`.
"""

from __future__ import annotations

import re
import textwrap

import graphviz

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_HTML_ENTITIES = {
    "&": "&amp;",
    "<": "&lt;",
    ">": "&gt;",
    '"': "&quot;",
    "'": "&#39;",
    "\\": "\\\\",
}
_HTML_SPECIAL = re.compile("|".join(re.escape(c) for c in _HTML_ENTITIES))


def clean(text: str) -> str:
    """Drop control characters (keeping line breaks as ``\\n``)."""
    return _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " "))


def html(text: str) -> str:
    """Text for inside an HTML-like label: markup escaped, line breaks as ``<BR/>``."""
    escaped = _HTML_SPECIAL.sub(lambda m: _HTML_ENTITIES[m.group()], clean(text))
    return escaped.replace("\n", '<BR ALIGN="CENTER"/>')


def plain(text: str) -> str:
    """Text for an ordinary (quoted) label or attribute value.

    The result is a :class:`graphviz.quoting.NoHtml` string with backslashes doubled and line breaks
    written as ``\\n``; the ``graphviz`` package adds the quotes and escapes ``"`` itself.
    """
    escaped = clean(text).replace("\\", "\\\\").replace("\n", "\\n")
    return graphviz.nohtml(escaped)


def wrap(text: str, width: int) -> list[str]:
    """Break ``text`` into lines of about ``width`` characters, at spaces and after hyphens."""
    lines: list[str] = []
    for paragraph in clean(text).split("\n"):
        lines.extend(
            textwrap.wrap(paragraph, width=width, break_long_words=False, break_on_hyphens=True)
            or [""]
        )
    return lines


def html_lines(text: str, width: int) -> str:
    """Wrapped text for an HTML-like label, lines joined with ``<BR/>``."""
    return '<BR ALIGN="CENTER"/>'.join(html(line) for line in wrap(text, width))


def shorten(text: str, width: int) -> str:
    """At most ``width`` characters, with an ellipsis where cut."""
    text = " ".join(clean(text).split())
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


# --- HTML-like label fragments ------------------------------------------------------------------


class Markup(str):
    """A fragment of HTML-like label markup built by this module: safe to put inside ``<...>``."""

    __slots__ = ()


class HtmlLabel(str):
    """A complete HTML-like label value, ``<...>``, built only from :class:`Markup`."""

    __slots__ = ()


def text(
    value: str,
    *,
    width: int | None = None,
    size: float | None = None,
    color: str | None = None,
    bold: bool = False,
    italic: bool = False,
    strike: bool = False,
) -> Markup:
    """Escaped text (wrapped at ``width``) in the given font; colours and sizes come from code."""
    body = html_lines(value, width) if width else html(value)
    if strike:
        body = f"<S>{body}</S>"
    if italic:
        body = f"<I>{body}</I>"
    if bold:
        body = f"<B>{body}</B>"
    attrs = []
    if size is not None:
        attrs.append(f'POINT-SIZE="{size:g}"')
    if color is not None:
        attrs.append(f'COLOR="{_checked_colour(color)}"')
    if attrs:
        body = f"<FONT {' '.join(attrs)}>{body}</FONT>"
    return Markup(body)


def rows(*cells: Markup | None, align: str = "CENTER") -> Markup:
    """A borderless one-column table, one row per non-empty cell."""
    if align not in {"CENTER", "LEFT", "RIGHT"}:
        raise ValueError(f"align must be CENTER, LEFT or RIGHT, not {align!r}")
    body = "".join(f'<TR><TD ALIGN="{align}">{c}</TD></TR>' for c in cells if c)
    return Markup(
        f'<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="1">{body}</TABLE>'
    )


def swatch_table(entries: list[tuple[Markup, Markup]], title: Markup) -> Markup:
    """A legend: a title row, then one row per (sample cell, explanation)."""
    body = f'<TR><TD COLSPAN="2" ALIGN="LEFT">{title}</TD></TR>'
    for sample, explanation in entries:
        body += f'<TR>{sample}<TD ALIGN="LEFT">{explanation}</TD></TR>'
    return Markup(
        f'<TABLE BORDER="1" COLOR="#999999" CELLBORDER="0" CELLSPACING="3" CELLPADDING="3">'
        f"{body}</TABLE>"
    )


def swatch(
    fill: str, border: str, inner: Markup, *, dashed: bool = False, dotted: bool = False
) -> Markup:
    """A legend sample: a small filled cell with a coloured border (dashed or dotted)."""
    style = ' STYLE="dashed"' if dashed else ' STYLE="dotted"' if dotted else ""
    return Markup(
        f'<TD BGCOLOR="{_checked_colour(fill)}" COLOR="{_checked_colour(border)}" BORDER="2"'
        f'{style} WIDTH="38">{inner}</TD>'
    )


def label(markup: Markup) -> HtmlLabel:
    """The complete label value for a fragment."""
    if not isinstance(markup, Markup):
        raise TypeError("HTML-like labels are built from Markup fragments only")
    return HtmlLabel(f"<{markup}>")


_COLOUR = re.compile(r"^(#[0-9a-fA-F]{6}|[a-z]+)$")


def _checked_colour(value: str) -> str:
    if not _COLOUR.match(value):
        raise ValueError(f"not a colour: {value!r}")
    return value
