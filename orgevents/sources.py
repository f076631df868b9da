"""Where a fact comes from: a registered document and a place in it."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

Key = Annotated[
    str,
    StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]*(\.[a-z0-9-]+)*$", max_length=120),
]
"""A stable, human-readable id: lower-case ASCII letters, digits, ``-`` and ``.``.

Ids never change when a unit is renamed; ``biu`` stays ``biu`` after the committee gets "Erhverv"
in its name.
"""

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]


class SourceRef(BaseModel):
    """A citation: the id of a registered document and a locator inside it.

    ``locator`` is a heading, section or slide title ("Del 1, afsnit C", "Tabel 1",
    "En mere samlet ungeindsats"); ``quote`` optionally repeats the source's own words.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    document: Key
    locator: Text
    quote: Annotated[str, StringConstraints(max_length=4000)] | None = None


Sources = Annotated[list[SourceRef], Field(min_length=1)]
