"""The reader (SQL index) answers every question exactly as the fold (the reference model) does.

Random histories (:mod:`tests.histories`) — units and responsibilities with every kind of change,
backdated, at every precision, some expected or planned; figures on units, establishments and
transfers; documents, decisions, claims and preferred claims; corrections, retractions,
confirmations and cancellations of any of them — are recorded one ``record`` call at a time at
rising recorded times, on SQLite and on PostgreSQL. The reader keeps its index on every save (or,
in some examples, is opened afterwards and catches up with the whole log), with a tiny cache so
that subjects are also reloaded from the store.

Then, with and without planned changes, known now, before anything, at several recorded times
between calls and at the end of a day, ``Reader.view`` and ``FoldView.of`` must give the same
answer — or fail the same way — to every question: on every change date, the day before and
after it and a date before and after everything, the units, both graphs (with their data), who
holds each responsibility, ``show`` for every unit, responsibility, decision and document,
children, holdings, chain, labels and names; for pairs of dates (also reversed and equal) the
diff and the changes; the history of every unit, responsibility, decision, document and claim;
the dates; ``find`` for parts of names, abbreviations, ids, upper case, Danish letters and
strings that match nothing; conflicts, the claims about each subject and the audit over a few
ranges; and the lookups the change lists are built from.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from orgevents.application import OrgHistory
from orgevents.errors import OrgEventsError
from orgevents.events import (
    Amendment,
    ClaimRecorded,
    DecisionMade,
    DocumentRegistered,
    ResponsibilityDefined,
    UnitEstablished,
)
from orgevents.projections.audit import audit
from orgevents.projections.claims import claims_about, conflicts
from orgevents.projections.reader import KnownAt, Reader, View
from orgevents.projections.reference import FoldView
from orgevents.projections.vocabulary import Vocabulary, store_language
from tests.histories import OPS, HistoryMaker, StepClock, fresh_store, graph_data

DAY = dt.timedelta(days=1)
NOBODY = "ingen-saadan"  # a key nothing has
NEEDLES = [
    "unit",
    "ØKONOMI",
    "børn og",
    "ærø",
    "Åben",
    "rådgivning",
    "(rettet)",
    "task r",
    "TR",
    "alp",
    "br",
    "u1",
    "  Beta ",
    "%",
    "_",
    "zzz-ingen",
    "",
]


def outcome(ask: Callable[[], Any], prepare: Callable[[Any], Any]) -> tuple[Any, ...]:
    """The answer, or the kind of error raised instead (one of orgevents' own, such as "not
    found": any other error is a bug, and fails the test even where both sides raise it)."""
    try:
        return ("answer", prepare(ask()))
    except OrgEventsError as exc:  # the fold and the reader must fail alike
        return ("error", type(exc).__name__)


class Compare:
    """Asks the fold and the reader's view the same questions."""

    def __init__(self, fold: FoldView, view: View, where: str) -> None:
        self.fold = fold
        self.view = view
        self.where = where
        self.asked = 0

    def method(self, name: str, *args: Any, prepare: Callable[[Any], Any] = lambda x: x) -> None:
        expected = outcome(lambda: getattr(self.fold, name)(*args), prepare)
        got = outcome(lambda: getattr(self.view, name)(*args), prepare)
        self._check(name, args, expected, got)

    def function(self, fn: Callable[..., Any], *args: Any) -> None:
        expected = outcome(lambda: fn(self.fold, *args), lambda x: x)
        got = outcome(lambda: fn(self.view, *args), lambda x: x)
        self._check(fn.__name__, args, expected, got)

    def _check(self, name: str, args: tuple[Any, ...], expected: Any, got: Any) -> None:
        self.asked += 1
        assert got == expected, (
            f"{name}{args!r} {self.where}\n  reader: {got!r}\n  fold:   {expected!r}"
        )


@dataclass
class Logged:
    """What a store's log holds, for the questions: every subject's key by kind, every entry's
    key, and the recorded times (one per ``record`` call)."""

    units: list[str] = field(default_factory=list)
    resps: list[str] = field(default_factory=list)
    others: list[str] = field(default_factory=list)  # decisions, documents, claims
    entries: list[str] = field(default_factory=list)
    amendable: list[str] = field(default_factory=list)  # the entries that are not amendments
    times: list[dt.datetime] = field(default_factory=list)

    @classmethod
    def of(cls, store: OrgHistory) -> Logged:
        found = cls()
        for _, event in store.read_events():
            p = event.payload
            if isinstance(p, UnitEstablished):
                found.units.append(p.unit)
            elif isinstance(p, ResponsibilityDefined):
                found.resps.append(p.responsibility)
            elif isinstance(p, DecisionMade | DocumentRegistered | ClaimRecorded):
                found.others.append(p.subject)
            found.entries.append(p.key)
            if not isinstance(p, Amendment):
                found.amendable.append(p.key)
            if event.timestamp not in found.times[-1:]:
                found.times.append(event.timestamp)
        return found


def moments(times: list[dt.datetime]) -> list[KnownAt]:
    """Known now; before anything was recorded; between the first two calls; exactly at a call
    in the middle (recorded times count up to and including it); and at the end of the first
    day, given as a date (or, if every call fell on one day, between the last two calls)."""
    half_hour = dt.timedelta(minutes=30)
    found: list[KnownAt] = [None, times[0] - half_hour, times[0] + half_hour]
    if len(times) > 2:
        found.append(times[len(times) // 2])
        found.append(
            times[0].date() if times[-1].date() > times[0].date() else times[-2] + half_hour
        )
    return found


def query_days(changes: Iterable[dt.date], neighbours: bool = True) -> list[dt.date]:
    """Every change date, the days before and after it (``neighbours``), and a date before and
    after all."""
    found = {dt.date(2019, 1, 1), dt.date(2035, 1, 1)}
    for d in changes:
        found.update({d - DAY, d, d + DAY} if neighbours else {d})
    return sorted(found)


def date_pairs(days: list[dt.date]) -> list[tuple[dt.date, dt.date]]:
    """Neighbouring days both ways, a day with itself, the whole span both ways, and the
    widest range there is."""
    pairs = list(itertools.pairwise(days))
    pairs += [(b, a) for a, b in pairs[::3]]
    pairs += [(d, d) for d in days[::4]]
    pairs += [(days[0], days[-1]), (days[-1], days[0]), (dt.date.min, dt.date.max)]
    return pairs


def assert_same_answers(
    fold: FoldView, view: View, logged: Logged, where: str, neighbours: bool = True
) -> int:
    """Every question, asked of both; returns how many were asked."""
    ask = Compare(fold, view, where)
    units = [*logged.units, NOBODY]
    resps = [*logged.resps, NOBODY]
    others = [*logged.others, NOBODY]
    keys = [*logged.units, *logged.resps, *others]
    ask.method("dates")
    days = query_days(fold.dates(), neighbours)
    for on in days:
        ask.method("units_at", on)
        ask.method("phases_on", on)
        ask.method("counted_starts", [*units, *resps], on)
        ask.method("org_graph", on, prepare=graph_data)
        ask.method("responsibility_graph", on, prepare=graph_data)
        for unit in units:
            for question in ("chain", "children", "show", "label", "unit_name"):
                ask.method(question, unit, on)
            for question in ("unit_kind", "unit_exists", "parent_of", "subject_name"):
                ask.method(question, unit, on)
        for resp in resps:
            for question in ("who", "holdings", "show", "label", "responsibility_name"):
                ask.method(question, resp, on)
            ask.method("subject_name", resp, on)
        for key in others:  # show: a decision or document in detail (else not found)
            for question in ("label", "subject_name", "unit_name", "responsibility_name", "show"):
                ask.method(question, key, on)
    for start, end in date_pairs(days):
        ask.method("diff", start, end)
        ask.method("changes", start, end)
        ask.function(audit, start, end)
    for key in keys:
        ask.method("history", key)
        ask.method("kind_of", key)
        ask.method("decision", key)
        ask.method("document", key)
        ask.function(claims_about, key)
    for on in {days[0], days[len(days) // 2], days[-1]}:
        for needle in [*NEEDLES, *logged.units[-2:], *logged.resps[-1:]]:
            ask.method("find", needle, on)
        ask.function(conflicts, on)
    ask.function(conflicts)
    for question in ("claims_recorded", "claims_preferred", "figure_records", "kinds"):
        ask.method(question)
    ask.method("registered_documents")
    ask.function(store_language)
    for language in (None, "en", "fr", "da"):
        ask.function(kind_table, language)
    for entry in [*logged.entries, NOBODY]:
        ask.method("amendments_of", entry)
    # ``original`` is asked for the entry an amendment names, never for an amendment itself
    for entry in [*logged.amendable, NOBODY]:
        ask.method("original", entry)
    for position in range(view.position + 2):
        ask.method("record_at", position)
    return ask.asked


def kind_table(view: Any, language: str | None) -> list[dict[str, Any]]:
    """The vocabulary as ``orgevents kinds --json`` prints it."""
    return Vocabulary.of(view, language).table()


def open_reader(app: OrgHistory) -> Reader:
    """A reader whose index remembers only two subjects between events, so that subjects are
    also reloaded from the store."""
    reader = Reader(app)
    reader.writer.cache_size = 2
    reader.writer._forget()
    return reader


def check_reader_against_fold(backend: str, ops: list[tuple[int, int]], late: bool) -> None:
    clock = StepClock()
    with fresh_store(backend, clock) as (_, app):
        reader = None if late else open_reader(app)  # kept on every save from here on...
        maker = HistoryMaker(app, clock)
        for op, seed in ops:
            maker.step(op, seed)
        if reader is None:
            reader = open_reader(app)  # ... or catching up with the whole log at once
        try:
            assert_reader_answers_as_fold(app, reader)
        finally:
            reader.close()


def assert_reader_answers_as_fold(
    store: OrgHistory, reader: Reader, everything: bool = True
) -> None:
    """With and without planned changes, at every moment of interest (or, not ``everything``,
    known now and only on the change dates): the same answers."""
    logged = Logged.of(store)
    for include_planned in (False, True):
        for known_at in moments(logged.times) if everything else [None]:
            where = f"(known at {known_at}, planned {include_planned})"
            fold = FoldView.of(store, known_at, include_planned)
            view = reader.view(known_at, include_planned)
            assert_same_answers(fold, view, logged, where, neighbours=everything)


SETTINGS = {
    "deadline": None,
    "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large],
}


@settings(max_examples=10, **SETTINGS)
@given(ops=OPS, late=st.booleans())
def test_on_sqlite_the_reader_answers_every_question_as_the_fold_does(ops, late):
    check_reader_against_fold("sqlite", ops, late)


# The same questions; fewer histories, as every answer costs the reader several round trips
@pytest.mark.postgres
@settings(max_examples=4, **SETTINGS)
@given(ops=OPS, late=st.booleans())
def test_on_postgres_the_reader_answers_every_question_as_the_fold_does(ops, late):
    check_reader_against_fold("postgres", ops, late)


def test_the_reader_answers_every_copenhagen_question_as_the_fold_does():
    """The bundled dataset, known now: real names, figures, claims and conflicts (the random
    histories cover recorded times and the days around each change — and, on PostgreSQL, the
    SQL this asks, at a fraction of the round trips)."""
    from orgevents.importing import example_files, load_paths

    clock = StepClock()
    with fresh_store("sqlite", clock) as (_, app):
        load_paths(app, example_files("copenhagen"), "tests")
        reader = open_reader(app)
        try:
            assert_reader_answers_as_fold(app, reader, everything=False)
        finally:
            reader.close()
