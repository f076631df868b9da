"""What ``find`` matches and how it ranks — the pure Python half of full-text search.

Every unit and responsibility is searchable by the texts of the entries that count about it
(:func:`entry_texts`): its id, every name and abbreviation it was ever given (former and future
ones too), a responsibility's scope and legal basis, the entries' notes and the quotes of their
sources. Texts and queries are compared as *words*:

- **folded** (:func:`fold`): case ignored; æ→ae, ø→oe, å→aa (so "Beskaeftigelse" finds
  "Beskæftigelse" and "Aabenraa" "Åbenrå"); accents dropped (é→e); hyphens and other
  punctuation separate words ("Beskæftigelses-, Integrations- og" is three words);
- **stemmed** with the Danish Snowball stemmer (numbers as they are; letters and digits are
  separate words), Danish stop words ("og", "i", "for", ...) left out — PostgreSQL's ``danish``
  text-search configuration, word for word;
- **prefixes**: each query word must begin a word of the same text ("erhverv" finds
  "Erhvervsudvalget", "ung" finds "Ungecenteret"); all query words must be in one text. In
  names, abbreviations and ids a query word may also begin *inside* a word (:func:`infixes`):
  Danish writes compounds as one word, and "udvalget" should find "Socialudvalget".

The stores' own engines do the matching (:mod:`.search`): SQLite FTS5 over the stems computed
here (:func:`index_terms`), PostgreSQL ``to_tsvector('danish', …)`` over the folded words
(:func:`norm`, :func:`infixes`) with a GIN index — both answer exactly as :func:`matches` does.
A name, abbreviation or id equal to the query (folded, :func:`norm`) is an *exact* match.

A unit's other names (official, short, alternative, per language) are found as names, each as
its form (``official_name``, ``short_name``, ``alternative_name``; an abbreviation as one).

Ranking (:func:`found_view`): exact id, abbreviation or name first (rank 0); then current names
and abbreviations and ids (1); then former and future names and abbreviations (2); then scopes,
legal bases, notes and quotes (3). Each subject is listed once, with its best match; within a
rank units come before responsibilities, then by name.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, NamedTuple

from orgevents.events import Entry, ResponsibilityDefined
from orgevents.projections.effects import (
    RESPONSIBILITY,
    UNIT,
    Names,
    Renames,
    Starts,
    effects,
    starts_subject,
    subject_type,
)
from orgevents.projections.views import FoundView

# The search field of each form of a unit's other names (:class:`.effects.Names`).
FORM_FIELDS = {
    "official": "official_name",
    "short": "short_name",
    "abbreviation": "abbreviation",
    "alternative": "alternative_name",
}
# The fields a subject is found by, in the order a match is preferred within a rank.
FIELDS = (
    "name",
    "abbreviation",
    "official_name",
    "short_name",
    "alternative_name",
    "id",
    "scope",
    "legal_basis",
    "note",
    "quote",
)
NAMING = frozenset(
    {"name", "abbreviation", "official_name", "short_name", "alternative_name", "id"}
)  # exact matches count
NAMES = NAMING - {"id"}  # current, former or future
EXACT, CURRENT, FORMER, OTHER = 0, 1, 2, 3  # ranks
CURRENT_WHEN, FORMER_WHEN, FUTURE_WHEN = "current", "former", "future"
_WHEN_ORDER = {CURRENT_WHEN: 0, FORMER_WHEN: 1, FUTURE_WHEN: 2, None: 3}
LONGEST_WORD = 100  # longer "words" are not indexed (PostgreSQL ignores very long ones too)
INFIX_LETTERS = 3  # the shortest word end indexed for a name (:func:`infixes`)
SNIPPET_WORDS = 12

# PostgreSQL's danish.stop (the Snowball Danish stop-word list). Compared with the *folded*
# words, as PostgreSQL compares it with the folded text it is given: "på" never matches there.
DANISH_STOP_WORDS = frozenset(
    """og i jeg det at en den til er som på de med han af for ikke der var mig sig men et har om
    vi min havde ham hun nu over da fra du ud sin dem os op man hans hvor eller hvad skal selv her
    alle vil blev kunne ind når være dog noget ville jo deres efter ned skulle denne end dette mit
    også under have dig anden hende mine alt meget sit sine vor mod disse hvis din nogle hos blive
    mange ad bliver hendes været thi jer sådan""".split()  # noqa: SIM905
)

# Letters without a Unicode decomposition, written as Danes (and unaccent) write them in ASCII.
_LETTERS = {
    "æ": "ae",
    "ø": "oe",
    "å": "aa",
    "œ": "oe",
    "ð": "d",
    "đ": "d",
    "þ": "th",
    "ł": "l",
    "ħ": "h",
    "ı": "i",
    "ŀ": "l",
}


def _strip_accents(text: str) -> str:
    return "".join(
        c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c)
    )


def _latin_table() -> dict[int, str]:
    """The letters above, then every Latin letter with its accents dropped (é → e): one
    ``translate`` folds most European text without the slower Unicode normalisation."""
    table = {ord(k): v for k, v in _LETTERS.items()}
    for code in range(0x80, 0x250):
        if code not in table and _strip_accents(chr(code)) != chr(code):
            table[code] = _strip_accents(chr(code))
    return table


_LATIN = _latin_table()
_WORD = re.compile(r"[^\W\d_]+|\d+")  # letters, or digits: "h1n1" is four words


def fold(text: str) -> str:
    """Lower case, Danish letters as ae/oe/aa, accents dropped (punctuation kept)."""
    folded = text.casefold().translate(_LATIN)
    return folded if folded.isascii() else _strip_accents(folded)


def words(text: str) -> list[str]:
    """The folded words of a text: runs of letters, runs of digits (PostgreSQL's parser reads
    mixed runs such as "2e9x" in ways of its own: split, they read the same everywhere)."""
    return [w for w in _WORD.findall(fold(text)) if len(w) <= LONGEST_WORD]


def norm(text: str) -> str:
    """The folded words joined by single spaces: what PostgreSQL indexes, and what an exact
    match compares."""
    return " ".join(words(text))


_STEMMER_LOCK = threading.Lock()
_STEMMER: Any = None


@lru_cache(maxsize=100_000)
def stem(word: str) -> str:
    """The Danish Snowball stem of a folded word (PostgreSQL's ``danish_stem``); numbers as
    they are (PostgreSQL's ``simple`` dictionary takes those)."""
    if word.isdigit():
        return word
    global _STEMMER
    with _STEMMER_LOCK:  # a stemmer object keeps state while it works: one at a time
        if _STEMMER is None:
            import snowballstemmer

            _STEMMER = snowballstemmer.stemmer("danish")
        stemmed = str(_STEMMER.stemWord(word))
    return _undouble(word, stemmed)


_VOWELS = frozenset("aeiouyæøå")
_UNDOUBLED_SINCE_SNOWBALL_3 = frozenset("chjqvwxz")


def _undouble(word: str, stemmed: str) -> str:
    """The Danish stemmer's last step as PostgreSQL's Snowball (2.x) takes it: a doubled final
    consonant in R1 loses one letter — Snowball 3 (this package) no longer does it for c, h, j,
    q, v, w, x and z ("jazz": PostgreSQL "jaz"). No-op where they agree."""
    last = stemmed[-1:]
    if len(stemmed) < 2 or stemmed[-2] != last or last not in _UNDOUBLED_SINCE_SNOWBALL_3:
        return stemmed
    return stemmed[:-1] if len(stemmed) - 1 >= _r1(word) else stemmed


def _r1(word: str) -> int:
    """Where the Danish stemmer's region R1 starts: after the first non-vowel that follows a
    vowel, but not before the fourth letter (the whole word: no R1)."""
    if len(word) < 3:
        return len(word)
    first_vowel = next((i for i, c in enumerate(word) if c in _VOWELS), None)
    if first_vowel is None:
        return len(word)
    consonant = next(
        (i for i in range(first_vowel, len(word)) if word[i] not in _VOWELS), None
    )
    if consonant is None:
        return len(word)
    return max(consonant + 1, 3)


def terms(text: str) -> list[str]:
    """The stems of a text's words, stop words left out, in order (PostgreSQL's
    ``to_tsvector('danish', norm(text))`` holds the same lexemes)."""
    return [stem(w) for w in words(text) if w not in DANISH_STOP_WORDS]


def infixes(field: str, folded: Sequence[str]) -> str:
    """For a name, abbreviation or id (its folded :func:`words`): the ends of its words, of three
    letters or more, so that a word inside a Danish compound begins one of them ("udvalget" is
    an end of "socialudvalget", "forvaltning" of "oekonomiforvaltningen"); "" for other
    fields."""
    if field not in NAMING:
        return ""
    ends = (
        w[i:]
        for w in folded
        if not w.isdigit()
        for i in range(1, len(w) - INFIX_LETTERS + 1)
    )
    return " ".join(dict.fromkeys(ends))


def index_terms(folded: str, infix: str) -> list[str]:
    """What the full-text index holds for a text: the stems of its folded words (``norm``) and
    of their ends (``infix``), stop words left out. SQLite's FTS5 indexes these; PostgreSQL's
    ``to_tsvector('danish', norm || ' ' || infix)`` holds the same lexemes."""
    return [stem(w) for w in f"{folded} {infix}".split() if w not in DANISH_STOP_WORDS]


@dataclass(frozen=True)
class Query:
    """A search text as the engines are asked it."""

    text: str
    norm: str  # compared with a name, abbreviation or id for an exact match
    words: tuple[str, ...]  # the folded words that are not stop words (PostgreSQL stems them)
    terms: tuple[str, ...]  # their stems: each must begin a word of the text

    @classmethod
    def of(cls, text: str) -> Query:
        kept = tuple(dict.fromkeys(w for w in words(text) if w not in DANISH_STOP_WORDS))
        return cls(text, norm(text), kept, tuple(dict.fromkeys(stem(w) for w in kept)))

    @property
    def empty(self) -> bool:
        return not self.norm

    def fts5(self) -> str:
        """The FTS5 MATCH expression: every stem as a prefix (stems are letters and digits)."""
        return " ".join(f'"{t}"*' for t in self.terms)

    def tsquery(self) -> str:
        """The ``to_tsquery('danish', …)`` text: every word as a prefix (PostgreSQL stems it)."""
        return " & ".join(f"{w}:*" for w in self.words)


def matches(text_terms: Sequence[str], query: Query) -> bool:
    """Every query stem begins one of the text's stems (what ``MATCH`` and ``@@`` answer)."""
    return bool(query.terms) and all(
        any(t.startswith(q) for t in text_terms) for q in query.terms
    )


class SearchText(NamedTuple):
    """One text a subject is found by, as the search table keeps it."""

    field: str
    text: str
    norm: str  # its folded words (:func:`norm`)
    infix: str  # their ends, for names (:func:`infixes`)


def entry_texts(p: Entry) -> list[SearchText]:
    """Everything an entry makes its unit or responsibility findable by (texts without a word
    left out)."""
    if subject_type(p) not in (UNIT, RESPONSIBILITY):
        return []
    out: list[tuple[str, str]] = []
    if starts_subject(p):
        out.append(("id", p.subject))
    for e in effects(p):
        if isinstance(e, Starts | Renames):
            out.append(("name", e.name))
            if e.abbreviation:
                out.append(("abbreviation", e.abbreviation))
        if isinstance(e, Starts | Renames | Names):
            out += [(FORM_FIELDS[n.form.value], n.name) for n in e.names]
    if isinstance(p, ResponsibilityDefined):
        out.append(("scope", p.scope))
        if p.legal_basis:
            out.append(("legal_basis", p.legal_basis))
    if p.note:
        out.append(("note", p.note))
    out += [("quote", s.quote) for s in getattr(p, "sources", ()) if s.quote]
    texts = []
    for field, text in dict.fromkeys(out):
        folded = words(text)
        if folded:
            texts.append(SearchText(field, text, " ".join(folded), infixes(field, folded)))
    return texts


@dataclass(frozen=True)
class Hit:
    """One text of a subject that matched, from an entry effective on day ``e_day``."""

    subject: str
    field: str
    text: str
    e_day: int
    exact: bool


@dataclass(frozen=True)
class OnDate:
    """A found subject as it is on the asked date (as it first was, before it exists)."""

    kind: str  # unit | responsibility
    name: str
    abbreviation: str | None
    in_force: bool
    others: frozenset[tuple[str, str]] = frozenset()  # (field, text) of its other names then


def other_fields(names: Iterable[tuple[str, str, str | None]]) -> frozenset[tuple[str, str]]:
    """(search field, text) of a unit's other names (``(name, form, language)``)."""
    return frozenset((FORM_FIELDS[form], name) for name, form, _ in names)


def snippet(text: str, query: Query) -> str:
    """A long text cut to a few words around the first word that matched."""
    parts = text.split()
    if len(text) <= 80 or len(parts) <= SNIPPET_WORDS:
        return text
    first = next(
        (
            i
            for i, part in enumerate(parts)
            if any(t.startswith(q) for t in terms(part) for q in query.terms)
        ),
        0,
    )
    start = max(0, min(first - 4, len(parts) - SNIPPET_WORDS))
    end = start + SNIPPET_WORDS
    cut = " ".join(parts[start:end])
    return ("… " if start else "") + cut + (" …" if end < len(parts) else "")


def found_view(
    key: str, hits: Iterable[Hit], subject: OnDate, on_day: int, query: Query
) -> FoundView:
    """The subject's best match, ranked, with whether the matched name holds on the date."""
    hits = list(hits)
    first_day: dict[tuple[str, str], int] = {}
    for h in hits:
        first_day[(h.field, h.text)] = min(h.e_day, first_day.get((h.field, h.text), h.e_day))
    best: tuple[tuple[int, int, int, str], Hit, str | None] | None = None
    for h in hits:
        when: str | None = None
        if h.field in NAMES:
            now = {"name": subject.name, "abbreviation": subject.abbreviation}.get(h.field)
            if subject.in_force and (h.text == now or (h.field, h.text) in subject.others):
                when = CURRENT_WHEN
            elif first_day[(h.field, h.text)] > on_day:
                when = FUTURE_WHEN
            else:
                when = FORMER_WHEN
        if h.field not in NAMING:
            rank = OTHER
        elif h.exact:
            rank = EXACT
        elif when in (CURRENT_WHEN, None):
            rank = CURRENT
        else:
            rank = FORMER
        order = (rank, FIELDS.index(h.field), _WHEN_ORDER[when], h.text)
        if best is None or order < best[0]:
            best = (order, h, when)
    assert best is not None
    (rank, _, _, _), hit, when = best
    return FoundView(
        id=key,
        type=subject.kind,
        name=subject.name,
        abbreviation=subject.abbreviation,
        matched=hit.text if hit.field in NAMING else snippet(hit.text, query),
        field=hit.field,
        when=when,
        rank=rank,
    )


def ranked(found: Iterable[FoundView]) -> list[FoundView]:
    """Best rank first; within a rank units, then responsibilities, by name."""
    return sorted(found, key=lambda f: (f.rank, f.type != "unit", f.name.casefold(), f.id))


def describe(f: FoundView) -> str:
    """How a result matched, in words: "current name", "exact former name", "quote"."""
    what = f.field.replace("_", " ")
    if f.when and not (f.rank == EXACT and f.when == CURRENT_WHEN):
        what = f"{f.when} {what}"
    return f"exact {what}" if f.rank == EXACT else what
