"""Where a fact comes from: a registered document and a place in it — and the kinds of text
entries are written in: ids, names (one line of plain text) and free text.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
)
from pydantic_core import PydanticCustomError

STORED: dict[str, Any] = {"stored": True}
"""The validation context of events read back from the store: the checks that guard new input
(plain text, finite numbers, the date range) let through what an earlier version accepted, so
an old store stays readable."""


def is_stored(info: ValidationInfo) -> bool:
    """Whether the value being validated was read back from the store."""
    return bool(info.context and info.context.get("stored"))


KEY_PATTERN = r"^[a-z0-9][a-z0-9-]*(\.[a-z0-9-]+)*$"
_KEY = re.compile(KEY_PATTERN)


def suggest_id(text: str) -> str | None:
    """A valid id close to ``text`` (lower case, spaces and ``_`` as ``-``, accents dropped), or
    None if there is none."""
    folded = unicodedata.normalize("NFKD", text.strip().lower())
    folded = "".join(c for c in folded if not unicodedata.combining(c))
    folded = folded.replace("æ", "ae").replace("ø", "oe").replace("ß", "ss")
    folded = re.sub(r"[\s_/]+", "-", folded)
    folded = re.sub(r"[^a-z0-9.-]", "", folded)
    folded = re.sub(r"\.{2,}", ".", folded).strip(".-")
    return folded if folded and _KEY.match(folded) else None


def _id_char(c: str) -> bool:
    return c.isascii() and (c.islower() or c.isdigit() or c in "-.")


def id_problem(text: str) -> str | None:
    """Why ``text`` is not an id, in words (None: it is one)."""
    if _KEY.match(text):
        return None
    if not text:
        return "an id cannot be empty"
    suggestion = suggest_id(text)
    hint = f" (try `{suggestion}`)" if suggestion and suggestion != text else ""
    if text.lower() != text and _KEY.match(text.lower()):
        return f"ids are lower case: `{text.lower()}`, not `{text}`"
    rules = "ids use a-z, 0-9, - and ."
    odd = next(
        (c for c in text if not (c.isascii() and (c.islower() or c.isdigit() or c in "-."))), None
    )
    if odd is not None:
        if odd.isspace():
            what = "a space"
        elif odd.isupper():
            what = f"upper-case `{odd}`"
        else:
            what = f"`{odd}`"
        return f"{rules}; `{text}` has {what}{hint}"
    if text[0] in "-.":
        return f"ids start with a letter or a digit; `{text}` starts with `{text[0]}`{hint}"
    return f"{rules}, with a letter or digit on each side of every `.`; `{text}` is not one{hint}"


def _check_id(value: Any) -> Any:
    if isinstance(value, str):
        problem = id_problem(value)
        if problem is not None:
            raise PydanticCustomError("id-format", problem)
    return value


Key = Annotated[
    str,
    StringConstraints(pattern=KEY_PATTERN, max_length=120),
    BeforeValidator(_check_id),
]
"""A stable, human-readable id: lower-case ASCII letters, digits, ``-`` and ``.``.

Ids never change when a unit is renamed; ``biu`` stays ``biu`` after the committee gets "Erhverv"
in its name.
"""

# Invisible characters that change how text around them reads: bidi embeddings, overrides and
# isolates, bidi marks, and zero-width characters.
_INVISIBLE = frozenset(
    "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"  # bidi embed/override/isolate
    "\u200e\u200f\u061c"  # bidi marks
    "\u200b\u200c\u200d\u2060\ufeff\u180e"  # zero-width
)


def _plain(text: str, allowed: str, rule: str) -> str:
    if text.isprintable():  # no control, format, separator (but space) or surrogate character
        return text
    for i, char in enumerate(text):
        if char in allowed:
            continue
        category = unicodedata.category(char)
        if char in _INVISIBLE:
            what = "an invisible formatting character"
        elif category in ("Cc", "Zl", "Zp"):
            what = "a control character"
        elif category == "Cs":
            what = "half of a surrogate pair"
        else:
            continue
        raise PydanticCustomError(
            "plain-text",
            "contains {what} (U+{code}) at character {at}; {rule}",
            {"what": what, "code": f"{ord(char):04X}", "at": i + 1, "rule": rule},
        )
    return text


def _one_line(text: str, info: ValidationInfo) -> str:
    if is_stored(info):
        return text
    return _plain(text, "", "names and titles are one line of plain text")


def _lines(text: str, info: ValidationInfo) -> str:
    if is_stored(info):
        return text
    return _plain(
        text, "\n\t", "free text may break lines, but has no other control or invisible characters"
    )


Text = Annotated[
    str,
    StringConstraints(strict=True, strip_whitespace=True, min_length=1, max_length=2000),
    AfterValidator(_lines),
]
"""Free text (notes, scopes, reasons): line breaks and tabs, but no other control characters,
no bidi controls and no zero-width characters."""

Name = Annotated[
    str,
    StringConstraints(strict=True, strip_whitespace=True, min_length=1, max_length=2000),
    AfterValidator(_one_line),
]
"""A name, abbreviation, title or locator: one line of plain text."""

Words = Annotated[str, StringConstraints(strict=True, max_length=2000), AfterValidator(_one_line)]
"""A source's own words for something (may be empty): one line of plain text."""


class SourceRef(BaseModel):
    """A citation: the id of a registered document and a locator inside it.

    ``locator`` is a heading, section or slide title ("Del 1, afsnit C", "Tabel 1",
    "En mere samlet ungeindsats"); ``quote`` optionally repeats the source's own words.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    document: Key
    locator: Name
    quote: (
        Annotated[str, StringConstraints(strict=True, max_length=4000), AfterValidator(_lines)]
        | None
    ) = None


Sources = Annotated[list[SourceRef], Field(min_length=1)]
