"""The kinds of unit a view knows, and the language to name them in.

Every view (the SQL reader's and the fold) answers ``kinds()``: the default vocabulary
(:mod:`orgevents.kinds`) with the store's declarations on top. The CLI, the API, the page and the
charts name a kind by its label in the store's language — the language most of its documents are
in (ties: the first registered; English when there are none), unless the caller asks for another —
falling back to English. Charts name a unit in that language too, where it has a name in it
(:meth:`Vocabulary.unit_name`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Protocol

from orgevents.kinds import DEFAULT_KINDS, KindSpec, label_of, rank

FALLBACK = "en"


class KnowsKinds(Protocol):
    def kinds(self) -> list[KindSpec]: ...
    def document_languages(self) -> list[str]: ...


def store_language(view: KnowsKinds) -> str:
    """The language most of the store's documents are in (ties: the first registered)."""
    languages = view.document_languages()
    if not languages:
        return FALLBACK
    counts = Counter(languages)
    best = max(counts.values())
    return next(lang for lang in languages if counts[lang] == best)


@dataclass(frozen=True)
class Vocabulary:
    """Kinds by id, and the language their labels are given in."""

    specs: dict[str, KindSpec]
    language: str = FALLBACK
    home: str | None = None  # the store's language (that of names given without one)

    @classmethod
    def of(cls, view: KnowsKinds, language: str | None = None) -> Vocabulary:
        home = store_language(view)
        return cls({k.kind: k for k in view.kinds()}, language or home, home)

    def unit_name(self, name: str, others: Iterable[tuple[str, str, str | None]]) -> str:
        """The name a chart gives a unit (``name``, with its other names ``(name, form,
        language)`` on the day): its short name in the vocabulary's language where it has one
        (an official name is often long); else, in another language than the store's, its
        official name in that language, else any other; else as in the store's language: its
        short name there, else ``name``."""
        others = list(others)
        home = self.home or self.language
        found = {form: n for n, form, lang in others if (lang or home) == self.language}
        if "short" in found:
            return found["short"]
        if self.language != home:
            chosen = found.get("official") or found.get("alternative")
            return chosen or Vocabulary(self.specs, home, home).unit_name(name, others)
        return name

    def unit_abbreviation(
        self, abbreviation: str | None, others: Iterable[tuple[str, str, str | None]]
    ) -> str | None:
        """A unit's abbreviation in the vocabulary's language where it has one there."""
        home = self.home or self.language
        found = [n for n, form, lang in others if form == "abbreviation" and lang == self.language]
        if found and self.language != home:
            return found[0]
        return abbreviation

    @classmethod
    def default(cls, language: str = FALLBACK) -> Vocabulary:
        return cls(dict(DEFAULT_KINDS), language)

    def spec(self, kind: str) -> KindSpec:
        found = self.specs.get(kind)
        return found if found is not None else KindSpec(kind=kind, labels={FALLBACK: kind})

    def label(self, kind: str) -> str:
        """The kind's label in the vocabulary's language (else English, else its id)."""
        return label_of(self.spec(kind).labels, kind, self.language)

    def english(self, kind: str) -> str:
        return label_of(self.spec(kind).labels, kind, FALLBACK)

    def glossed(self, kind: str) -> str:
        """The label, with the English one in brackets where it differs (for legends)."""
        label, english = self.label(kind), self.english(kind)
        return label if label == english else f"{label} ({english})"

    def rank(self, kind: str) -> tuple[int, str]:
        return rank(self.spec(kind))

    def ordered(self, kinds: Iterable[str]) -> list[str]:
        return sorted(set(kinds), key=self.rank)

    def table(self) -> list[dict[str, Any]]:
        """Every kind as plain data, ordered by level then id (``orgevents kinds --json``,
        ``/api/kinds``)."""
        return [
            {
                "kind": spec.kind,
                "label": self.label(spec.kind),
                "labels": dict(spec.labels),
                "level": spec.level,
                "style": spec.style.model_dump(),
                "declared": spec.declared,
                "note": spec.note,
            }
            for spec in sorted(self.specs.values(), key=rank)
        ]
