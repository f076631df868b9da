"""The orgevents application: the service layer over the event store.

``OrgHistory.record(entries)`` is the one way to change the history. It checks every entry against
the history and the entries before it, then saves all resulting events in one transaction — all or
nothing. Entries already recorded (same key, same content) are skipped, so loading a file twice
appends nothing.
"""

from __future__ import annotations

import datetime as dt
import itertools
import shutil
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, cast
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application, ProcessingEvent
from eventsourcing.persistence import IntegrityError, JSONTranscoder, Transcoding

from orgevents.aggregate import (
    Clock,
    Subject,
    aggregate_id,
    amended,
    recording_clock,
    system_clock,
)
from orgevents.decisions import Claim, Decision, Document, Kind
from orgevents.errors import (
    AlreadyExistsError,
    AmendmentError,
    ConflictError,
    DomainRuleError,
    EntryChangedError,
    OrgEventsError,
    StillReferencedError,
    UnknownKindError,
    UnknownReferenceError,
)
from orgevents.events import (
    ENTRY_TYPES,
    Amendment,
    Change,
    ChangeCancelled,
    ChangeConfirmed,
    ClaimPreferred,
    ClaimRecorded,
    DecisionMade,
    DocumentRegistered,
    Entry,
    EventCorrected,
    EventRetracted,
    FiguresRecorded,
    KindDeclared,
    NamesRecorded,
    ResponsibilityAbolished,
    ResponsibilityAssigned,
    ResponsibilityDefined,
    ResponsibilityEnded,
    ResponsibilityTransferred,
    UnitAbolished,
    UnitAbsorbed,
    UnitEstablished,
    UnitMerged,
    UnitMoved,
    UnitRenamed,
    UnitSplit,
)
from orgevents.invariants import Check, checks_for
from orgevents.kinds import DEFAULT_KINDS, kind_subject, unknown_kind_message
from orgevents.recorders import Backfill
from orgevents.references import note, references
from orgevents.responsibilities import Responsibility
from orgevents.rules import (
    check_citations,
    check_no_parent_cycle,
    check_no_units_under,
    check_not_into_descendant,
    check_not_into_itself,
    check_unit_in_force,
    require,
)
from orgevents.sources import STORED
from orgevents.units import VERBS, Unit

PROGRESS_EVERY = 500  # entries between two progress reports of ``record``


class PydanticAsDict(Transcoding):
    """Stores a pydantic payload as its JSON form and validates it again when read back."""

    def __init__(self, model: type[Entry]) -> None:
        self.type = model
        self.model = model
        self.name = model.__name__

    def encode(self, obj: Entry) -> dict[str, Any]:
        return obj.model_dump(mode="json", by_alias=True)

    def decode(self, data: dict[str, Any]) -> Entry:
        return self.model.model_validate(data, context=STORED)


class DateAsISO(Transcoding):
    type = dt.date
    name = "date_iso"

    def encode(self, obj: dt.date) -> str:
        return obj.isoformat()

    def decode(self, data: str) -> dt.date:
        return dt.date.fromisoformat(data)


class RejectedEntryError(OrgEventsError):
    """Entry number ``index`` of a ``record`` call broke a rule; nothing was written."""

    def __init__(self, index: int, entry: Entry, cause: DomainRuleError) -> None:
        self.index = index
        self.entry = entry
        self.cause = cause
        self.rule = cause.rule
        super().__init__(f"entry {index} ({entry.key}): {cause} [rule: {cause.rule}]")


class StoredChange(Protocol):
    """What every stored orgevents event offers the read side."""

    payload: Entry
    recorded_by: str
    timestamp: dt.datetime  # when it was recorded (not when it takes effect)


@dataclass
class RecordResult:
    appended: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class BatchSaved:
    """What ``record_batches`` reports after each batch it saved (or skipped whole)."""

    entries: int  # entries checked so far, this batch included
    appended: int  # entries appended so far
    skipped: int  # entries skipped so far (already recorded)
    recordings: list[Any]  # this batch's saved events, with their log positions


class BatchRejectedError(RejectedEntryError):
    """An entry of a bulk load broke a rule: the batches before its batch were written, nothing
    of its batch was."""

    def __init__(self, index: int, entry: Entry, cause: DomainRuleError, written: int) -> None:
        super().__init__(index, entry, cause)
        self.written = written


class _Batch:
    """The aggregates one ``record`` call reads and changes (its unit of work), and what its
    checks read: the version of every aggregate when first read (``read_versions``) and who
    named each key asked about (``naming_reads``). The recorder refuses the save if another
    writer changed any of them since (:mod:`orgevents.recorders`)."""

    def __init__(self, app: OrgHistory) -> None:
        self.app = app
        self.touched: dict[UUID, Subject] = {}
        self.hidden: set[UUID] = set()  # treated as not (yet) existing: see _revalidate
        self.referring: dict[str, dict[str, str]] = {}  # what this batch's entries name
        self.read_versions: dict[UUID, int] = {}
        self.naming_reads: dict[str, dict[str, str]] = {}  # as the store's references said
        self.naming_known: dict[str, dict[str, str]] = {}  # read ahead for the batch: prefetch
        # An amendment's history is replayed in a trial batch through the subject's own rules;
        # whether other units are in force then is checked after it, over the whole amended
        # timeline (orgevents.invariants) — not entry by entry against their present state.
        self.replaying = False
        self.failed: list[tuple[int, Entry, Check]] = []  # timeline checks to run again at the end
        self.pending: list[Check] = []  # rules of the entry being applied that failed on the way

    def naming(self, key: str) -> dict[str, str]:
        """Subjects whose entries — stored, or in this batch — name ``key``, with the field."""
        if key not in self.naming_reads:
            known = self.naming_known.get(key)
            if known is None:
                known = self.app.recorder.select_naming([key])[key]  # type: ignore[attr-defined]
            self.naming_reads[key] = known
        return {**self.naming_reads[key], **self.referring.get(key, {})}

    def find(self, key: str) -> Subject | None:
        agg_id = aggregate_id(key)
        if agg_id not in self.touched:
            if agg_id in self.hidden:
                return None
            try:
                found: Subject = self.app.repository.get(agg_id)
            except AggregateNotFoundError:
                return None
            self.read_versions.setdefault(agg_id, found.version)
            self.touched[agg_id] = found
        return self.touched[agg_id]

    def add(self, aggregate: Subject) -> None:
        self.touched[aggregate.id] = aggregate

    def across(self, check: Check) -> None:
        """Run a rule that reads other subjects' timelines as the load has them so far (no parent
        cycle, not into a unit under it, no unit left under an ended one). One that fails is
        tried again at the end of the load — a later entry of it may set it right, whatever the
        order of the entries — and reported only if it still fails then. While an amendment is
        replayed, at once."""
        if self.replaying:
            check(self)
            return
        try:
            check(self)
        except DomainRuleError:
            self.pending.append(check)

    def check_timelines(self, index: int, entry: Entry) -> None:
        """Run the timeline checks ``entry`` (number ``index`` of the load, just applied) needs.
        One that fails is tried again at the end of the batch (a later entry of the same load
        may set it right — a unit moved away before its parent ends) and reported only if it
        still fails then."""
        self.failed.extend((index, entry, check) for check in self.pending)
        self.pending = []
        for check in checks_for(entry):
            try:
                check(self)
            except DomainRuleError:
                self.failed.append((index, entry, check))

    def settle(self) -> tuple[int, Entry, DomainRuleError] | None:
        """The first timeline check that still fails now that every entry is in."""
        for index, entry, check in self.failed:
            try:
                check(self)
            except DomainRuleError as exc:
                return index, entry, exc
        return None

    def save_kwargs(self) -> dict[str, Any]:
        """What the recorder checks and stores along with the events."""
        return {
            "read_versions": self.read_versions,
            "read_naming": self.naming_reads,
            "references": sorted(
                (key, subject, field)
                for key, naming in self.referring.items()
                for subject, field in naming.items()
            ),
        }


class _CachedBatch(_Batch):
    """A batch that reads ahead (``prefetch``); in a bulk load, it finds aggregates saved by
    earlier batches in memory (``saved``)."""

    def __init__(
        self, app: OrgHistory, saved: OrderedDict[UUID, Subject], ids: dict[str, UUID]
    ) -> None:
        super().__init__(app)
        self.saved = saved
        self.ids = ids  # key → aggregate id, remembered (uuid5 is not free)
        self.absent: set[UUID] = set()  # looked up in the store and not found

    def prefetch(self, entries: Sequence[Entry]) -> None:
        """Ask the store once, for the whole batch, which of the subjects its entries are about
        or name it holds, and who names the subjects: the checks then look up only what it
        holds (on PostgreSQL each lookup is a round trip — in a first load most keys are new)."""
        wanted: dict[UUID, str] = {}
        for entry in entries:
            for key in (entry.subject, *references(entry)):
                agg_id = self.ids.get(key)
                if agg_id is None:
                    agg_id = self.ids[key] = aggregate_id(key)
                if agg_id not in self.saved:
                    wanted[agg_id] = key
        if wanted:
            held = self.app.recorder.select_versions(wanted)  # type: ignore[attr-defined]
            self.absent.update(agg_id for agg_id in wanted if agg_id not in held)
        subjects = {entry.subject for entry in entries}
        self.naming_known = self.app.recorder.select_naming(subjects)  # type: ignore[attr-defined]

    def find(self, key: str) -> Subject | None:
        agg_id = self.ids.get(key)
        if agg_id is None:
            agg_id = self.ids[key] = aggregate_id(key)
        found = self.touched.get(agg_id)
        if found is not None or agg_id in self.hidden:
            return found
        found = self.saved.get(agg_id)
        if found is None:
            if agg_id in self.absent:
                return None
            try:
                found = self.app.repository.get(agg_id)
            except AggregateNotFoundError:
                self.absent.add(agg_id)
                return None
        self.read_versions.setdefault(agg_id, found.version)
        self.touched[agg_id] = found
        return found


class OrgHistory(Application[UUID]):
    """Organisational history as immutable, effective-dated, sourced events."""

    name = "orgevents"
    log_section_size = 1000

    def __init__(self, env: dict[str, str] | None = None, clock: Clock | None = None) -> None:
        super().__init__(env)
        self.clock: Clock = clock or system_clock
        # called with the recordings of every save (the read side keeps its index with them)
        self.after_save: list[Callable[[list[Any]], None]] = []
        ensure_schema = getattr(self.recorder, "ensure_schema", None)
        if ensure_schema is not None:  # the schema, once and versioned (orgevents.recorders)
            backfill: Backfill = self._references_after
            ensure_schema(backfill)

    def _references_after(self, after: int) -> tuple[list[tuple[str, str, str]], int]:
        """Who names whom in the log after position ``after`` (``(key, subject, field)``), and
        the last position read: to fill the references table of an older store."""
        table: dict[str, dict[str, str]] = {}
        last = after
        for last, event in self.read_events(after=after):  # noqa: B007
            note(table, event.payload)
        found = [(k, subject, f) for k, naming in table.items() for subject, f in naming.items()]
        return found, last

    def close(self) -> None:
        super().close()
        throwaway = self.env.get("ORGEVENTS_THROWAWAY")
        if throwaway:
            shutil.rmtree(throwaway, ignore_errors=True)

    def _moment(self) -> Clock:
        """One recorded time for every event of one transaction (read once from the clock),
        so recorded times rise with the log: "known at T" is always a prefix of it."""
        now = self.clock()
        return lambda: now

    def save(self, *objs: Any, **kwargs: Any) -> list[Any]:
        """``Application.save``; for orgevents' own aggregates without the library's check of
        each object against its runtime protocols, which costs more than the insert in a batch
        of thousands (measured: 4 % of a bulk load)."""
        if not all(isinstance(obj, Subject) for obj in objs):
            return super().save(*objs, **kwargs)
        processing: ProcessingEvent[UUID] = ProcessingEvent()
        for subject in objs:
            processing.events.extend(subject.collect_events())
            processing.aggregates[subject.id] = subject
        processing.saved_kwargs.update(kwargs)
        recordings = self._record(processing)
        self._take_snapshots(processing)
        self._notify(recordings)
        return recordings

    def _notify(self, recordings: list[Any]) -> None:
        for listener in list(self.after_save):
            listener(recordings)

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        transcoder.register(DateAsISO())
        for model in ENTRY_TYPES:
            transcoder.register(PydanticAsDict(model))

    # --- writing ---------------------------------------------------------------------------

    def record(
        self,
        entries: Sequence[Entry],
        recorded_by: str,
        on_progress: Callable[[int, int], None] | None = None,
    ) -> RecordResult:
        """Check and append entries atomically; skip those already recorded. ``on_progress``
        is called every ``PROGRESS_EVERY`` entries checked, and once all are saved, with the
        entries checked and those to append so far (for progress bars)."""
        batch = _CachedBatch(self, OrderedDict(), {})
        batch.prefetch(entries)
        result = RecordResult()
        seen: set[str] = set()
        with recording_clock(self._moment()):
            for index, entry in enumerate(entries):
                if on_progress is not None and index and index % PROGRESS_EVERY == 0:
                    on_progress(index, len(result.appended))
                try:
                    if entry.key in seen:
                        raise AlreadyExistsError(
                            f"entry key {entry.key!r} appears twice in this load"
                        )
                    seen.add(entry.key)
                    appended = self._apply(batch, entry, recorded_by)
                except DomainRuleError as exc:
                    raise RejectedEntryError(index, entry, exc) from None
                if appended:
                    batch.check_timelines(index, entry)
                (result.appended if appended else result.skipped).append(entry.key)
        failed = batch.settle()
        if failed is not None:
            raise RejectedEntryError(*failed)
        if result.appended:
            try:
                self.save(*batch.touched.values(), **batch.save_kwargs())
            except IntegrityError:
                raise ConflictError(
                    "another writer changed the same units or responsibilities, or ones this "
                    "load was checked against, at the same time; nothing of this load was "
                    "written — run it again"
                ) from None
        if on_progress is not None:
            on_progress(len(entries), len(result.appended))
        return result

    def record_batches(
        self,
        entries: Iterable[Entry],
        recorded_by: str,
        batch_size: int = 1000,
        on_batch: Callable[[BatchSaved], None] | None = None,
        cache_size: int = 50_000,
    ) -> RecordResult:
        """Check and append a long stream of entries, ``batch_size`` entries per transaction.

        Each batch is checked like ``record`` (against the history and the entries before it)
        and saved atomically: after a crash the store holds whole batches. Entries already
        recorded are skipped, so running the same load again completes it. Aggregates saved by
        one batch are kept in memory for the next ones (up to ``cache_size``). If an entry breaks
        a rule, ``BatchRejectedError`` says which; the batches before its batch stay written.
        ``on_batch`` is called after every batch (for progress bars and index upkeep).
        """
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        saved: OrderedDict[UUID, Subject] = OrderedDict()
        ids: dict[str, UUID] = {}
        result = RecordResult()
        seen: set[str] = set()
        done = 0
        stream = iter(entries)
        while chunk := list(itertools.islice(stream, batch_size)):
            batch = _CachedBatch(self, saved, ids)
            batch.prefetch(chunk)
            appended = 0
            with recording_clock(self._moment()):
                for offset, entry in enumerate(chunk):
                    try:
                        if entry.key in seen:
                            raise AlreadyExistsError(
                                f"entry key {entry.key!r} appears twice in this load"
                            )
                        seen.add(entry.key)
                        if self._apply(batch, entry, recorded_by):
                            result.appended.append(entry.key)
                            appended += 1
                            batch.check_timelines(done + offset, entry)
                        else:
                            result.skipped.append(entry.key)
                    except DomainRuleError as exc:
                        written = len(result.appended) - appended
                        raise BatchRejectedError(done + offset, entry, exc, written) from None
            failed = batch.settle()
            if failed is not None:
                raise BatchRejectedError(*failed, len(result.appended) - appended)
            recordings: list[Any] = []
            if appended:
                try:
                    recordings = self.save(*batch.touched.values(), **batch.save_kwargs())
                except IntegrityError:
                    raise ConflictError(
                        "another writer changed the same units or responsibilities, or ones "
                        "this batch was checked against, at the same time; the first "
                        f"{len(result.appended) - appended} entries were written, nothing of the "
                        "batch after them — run the load again"
                    ) from None
            for agg_id, aggregate in batch.touched.items():
                saved[agg_id] = aggregate
                saved.move_to_end(agg_id)
            while len(saved) > cache_size:
                saved.popitem(last=False)
            done += len(chunk)
            if on_batch is not None:
                on_batch(BatchSaved(done, len(result.appended), len(result.skipped), recordings))
        return result

    def _apply(self, batch: _Batch, entry: Entry, recorded_by: str) -> bool:
        """Check one entry against the batch and apply it; False if it was recorded before."""
        applied = self._apply_entry(batch, entry, recorded_by)
        if applied:
            note(batch.referring, entry)
        return applied

    def _apply_entry(self, batch: _Batch, entry: Entry, recorded_by: str) -> bool:
        existing = batch.find(entry.subject)
        if existing is not None:
            known = existing.has_entry(entry)
            if known is True:
                return False
            if known is False:
                raise EntryChangedError(
                    f"entry {entry.key!r} was recorded before with other content; stored "
                    "events are never changed — record a new entry instead",
                    subject=entry.subject,
                )
        if isinstance(entry, Change | Amendment):
            check_citations(batch, entry)
            for i, figure in enumerate(getattr(entry, "figures", [])):
                for j, source in enumerate(figure.sources):
                    require(batch, source.document, Document, f"figures.{i}.sources.{j}.document")
        if isinstance(entry, KindDeclared):
            for i, source in enumerate(entry.sources):
                require(batch, source.document, Document, f"sources.{i}.document")
            if isinstance(existing, Kind):
                existing.declare(entry, recorded_by)  # a later declaration replaces it
            else:
                batch.add(Kind(payload=entry, recorded_by=recorded_by))
            return True
        on = entry.effective.date if isinstance(entry, Change) else None
        creates = (
            DocumentRegistered,
            DecisionMade,
            ClaimRecorded,
            UnitEstablished,
            ResponsibilityDefined,
        )
        if isinstance(entry, creates):
            if (
                isinstance(entry, UnitEstablished)
                and isinstance(existing, Unit)
                and existing.exists
            ):
                existing.check_can_start_again(entry, "unit")
                if entry.parent is not None:  # a new life under the same id
                    self._in_force(batch, entry.parent, entry.effective.date, "parent")
                existing.reestablish(entry, recorded_by)
                return True
            if (
                isinstance(entry, ResponsibilityDefined)
                and isinstance(existing, Responsibility)
                and existing.exists
            ):
                existing.redefine(entry, recorded_by)
                return True
            if existing is not None:
                raise AlreadyExistsError(
                    f"{entry.subject!r} already exists (a {type(existing).__name__.lower()}); "
                    "ids are unique across the store",
                    subject=entry.subject,
                )
            batch.add(self._create(batch, entry, recorded_by))
            return True
        if isinstance(entry, Amendment):
            subject = require(batch, entry.about, Subject, "about")
            self._check_amendment(batch, subject, entry)
            subject.amend(entry, recorded_by)
            return True
        if isinstance(entry, ClaimPreferred):
            require(batch, entry.claim, Claim, "claim").prefer(entry, recorded_by)
            return True
        assert on is not None
        if isinstance(
            entry,
            UnitRenamed
            | UnitMoved
            | UnitAbolished
            | UnitMerged
            | UnitAbsorbed
            | UnitSplit
            | FiguresRecorded
            | NamesRecorded,
        ):
            unit = require(batch, entry.unit, Unit, "unit")
            if isinstance(entry, UnitRenamed):
                unit.rename(entry, recorded_by)
            elif isinstance(entry, UnitMoved):
                self._in_force(batch, entry.parent, on, "parent")
                if not batch.replaying:
                    unit_key, parent = entry.unit, entry.parent
                    batch.across(lambda t: check_no_parent_cycle(t, unit_key, parent, on))
                unit.move(entry, recorded_by)
            elif isinstance(entry, FiguresRecorded):
                unit.record_figures(entry, recorded_by)
            elif isinstance(entry, NamesRecorded):
                unit.record_names(entry, recorded_by)
            else:
                verb = VERBS[entry.type]
                unit.check_in_force(on, verb)
                targets = [entry.into] if isinstance(entry, UnitMerged | UnitAbsorbed) else []
                if isinstance(entry, UnitSplit):
                    targets = entry.into
                check_not_into_itself(entry.unit, targets, on, verb)
                for target in targets:
                    self._in_force(batch, target, on, "into")
                unit_key = entry.unit
                if isinstance(entry, UnitMerged | UnitAbsorbed):
                    into = entry.into
                    batch.across(lambda t: check_not_into_descendant(t, unit_key, into, on, verb))
                if not (isinstance(entry, UnitSplit) and entry.continues):
                    batch.across(lambda t: check_no_units_under(t, unit_key, on, verb))
                unit.end(entry, recorded_by)
            return True
        resp = require(batch, entry.subject, Responsibility, "responsibility")
        if isinstance(entry, ResponsibilityAssigned):
            self._in_force(batch, entry.unit, on, "unit")
            resp.assign(entry, recorded_by)
        elif isinstance(entry, ResponsibilityTransferred):
            self._in_force(batch, entry.to_unit, on, "to_unit")
            resp.transfer(entry, recorded_by)
        elif isinstance(entry, ResponsibilityEnded):
            resp.end(entry, recorded_by)
        elif isinstance(entry, ResponsibilityAbolished):
            resp.abolish(entry, recorded_by)
        else:  # pragma: no cover - the entry union is closed
            raise TypeError(f"unhandled entry type {type(entry).__name__}")
        return True

    @staticmethod
    def _in_force(batch: _Batch, key: str, on: dt.date, field: str) -> None:
        """The unit ``key`` exists — and, unless an amendment's history is being replayed, is in
        force on ``on``."""
        if batch.replaying:
            require(batch, key, Unit, field)
        else:
            check_unit_in_force(batch, key, on, field)

    def _check_amendment(self, batch: _Batch, subject: Subject, entry: Amendment) -> None:
        """An amendment must name an entry in force, keep its type and subject, and leave a
        history that still obeys every rule — checked by replaying it."""
        target = entry.target
        original = subject.current.get(target)
        if original is None:
            raise UnknownReferenceError(
                f"{subject.key!r} has no entry {target!r} in force "
                "(never recorded about it, or already retracted)",
                subject=subject.key,
            )
        if isinstance(entry, EventCorrected):
            replacement = entry.replacement
            if (replacement.key, replacement.type, replacement.subject) != (
                original.key,
                original.type,
                original.subject,
            ):
                raise AmendmentError(
                    f"the replacement must be a {original.type} with key {target!r} about "
                    f"{original.subject!r}",
                    subject=subject.key,
                )
        if isinstance(entry, ChangeConfirmed | ChangeCancelled) and not (
            isinstance(original, Change) and original.effective.is_planned
        ):
            raise AmendmentError(
                f"only an expected or planned change can be confirmed or cancelled; "
                f"{target!r} is effective {getattr(original, 'effective', '?')}",
                subject=subject.key,
            )
        if isinstance(entry, ChangeConfirmed) and entry.effective.is_planned:
            raise AmendmentError(
                "a confirmation gives the date the change took effect; it cannot be "
                f"{entry.effective.qualifier.value}",
                subject=subject.key,
            )
        until = getattr(original, "phased_until", None)
        if isinstance(entry, ChangeConfirmed) and until and entry.effective.date >= until.date:
            raise AmendmentError(
                f"{target!r} is phased until {until}: a confirmation dates its start, which "
                f"must come before that, not {entry.effective}",
                subject=subject.key,
            )
        after = amended(subject.current, entry)
        if subject.origin not in after:
            self._check_unreferenced(batch, subject, entry)
        self._revalidate(batch, subject, entry, list(after.values()))

    def _check_unreferenced(self, batch: _Batch, subject: Subject, entry: Amendment) -> None:
        """Without the entry that made it, ``subject`` is gone: nothing may still name it."""
        for key in sorted(batch.naming(subject.key)):
            other = batch.find(key)
            if other is None or not other.exists:
                continue
            for named in other.current.values():
                field = references(named).get(subject.key)
                if field is not None:
                    verb = "retract" if isinstance(entry, EventRetracted) else "cancel"
                    raise StillReferencedError(
                        f"cannot {verb} {entry.target!r}: {type(subject).__name__.lower()} "
                        f"{subject.key!r} would be gone, but entry {named.key!r} about {key!r} "
                        f"still names it (field {field!r}); amend that entry first",
                        subject=subject.key,
                    )

    def _revalidate(
        self, batch: _Batch, subject: Subject, entry: Amendment, entries: list[Entry]
    ) -> None:
        """Replay ``entries`` as a fresh history of ``subject`` through every rule — and, where
        the amendment changes when a unit exists or where it sits, the histories of the units
        and responsibilities that name it or that the amended entry names."""
        trial = _Batch(self)
        trial.touched = {k: v for k, v in batch.touched.items() if k != subject.id}
        trial.referring = {k: dict(v) for k, v in batch.referring.items()}
        trial.read_versions = batch.read_versions  # its reads are the batch's reads
        trial.naming_reads = batch.naming_reads
        trial.naming_known = batch.naming_known
        trial.replaying = True
        self._replay(trial, subject, entries)
        fresh = trial.touched.get(subject.id)
        if not isinstance(subject, Unit) or not isinstance(fresh, Unit) or not fresh.exists:
            return
        if fresh.frame() == subject.frame():
            return
        related = set(batch.naming(subject.key))
        for changed in (subject.current.get(entry.target), getattr(entry, "replacement", None)):
            if changed is not None:
                related.update(references(changed))
        for key in sorted(related - {subject.key}):
            other = batch.find(key)
            if isinstance(other, Unit | Responsibility) and other.exists:
                self._replay(trial, other, list(other.current.values()))

    def _replay(self, trial: _Batch, subject: Subject, entries: list[Entry]) -> None:
        """Replay ``entries`` in ``trial`` as the whole history of ``subject``."""
        trial.touched.pop(subject.id, None)
        trial.hidden.add(subject.id)
        for entry in entries:
            try:
                self._apply(trial, entry, "revalidation")
            except DomainRuleError as exc:
                raise AmendmentError(
                    f"after this amendment, entry {entry.key!r} would break a rule: {exc}",
                    subject=subject.key,
                ) from None

    @staticmethod
    def _create(batch: _Batch, entry: Entry, recorded_by: str) -> Subject:
        if isinstance(entry, DocumentRegistered):
            return Document(payload=entry, recorded_by=recorded_by)
        if isinstance(entry, DecisionMade):
            if entry.body is not None:
                require(batch, entry.body, Unit, "body")
            return Decision(payload=entry, recorded_by=recorded_by)
        if isinstance(entry, ClaimRecorded):
            if batch.find(entry.about) is None:
                require(batch, entry.about, Subject, "about")
            return Claim(payload=entry, recorded_by=recorded_by)
        if isinstance(entry, UnitEstablished):
            OrgHistory._check_kind(batch, entry.kind)
            if entry.parent is not None:
                OrgHistory._in_force(batch, entry.parent, entry.effective.date, "parent")
            return Unit(payload=entry, recorded_by=recorded_by)
        if isinstance(entry, ResponsibilityDefined):
            return Responsibility(payload=entry, recorded_by=recorded_by)
        raise TypeError(f"{type(entry).__name__} does not create anything")  # pragma: no cover

    @staticmethod
    def _check_kind(batch: _Batch, kind: str) -> None:
        """A unit's kind is in the default vocabulary or declared (in the store, or earlier in
        this load)."""
        if kind in DEFAULT_KINDS or isinstance(batch.find(kind_subject(kind)), Kind):
            return
        known = {*DEFAULT_KINDS, *batch.app.declared_kinds()}
        known.update(k.declaration.kind for k in batch.touched.values() if isinstance(k, Kind))
        raise UnknownKindError(unknown_kind_message(kind, known), subject=kind, field="kind")

    def declared_kinds(self) -> set[str]:
        """The kinds declared in the store (read from the log: only for the message about an
        unknown kind)."""
        return {
            event.payload.kind
            for _, event in self.read_events()
            if isinstance(event.payload, KindDeclared)
        }

    # --- reading the log -------------------------------------------------------------------

    def read_events(
        self, after: int = 0, batch_size: int = 1000
    ) -> Iterator[tuple[int, StoredChange]]:
        """Every stored event after position ``after``, in recorded order, with its position."""
        start = after + 1
        while True:
            notifications = self.recorder.select_notifications(start=start, limit=batch_size)
            if not notifications:
                return
            for notification in notifications:
                event = self.mapper.to_domain_event(notification)
                yield notification.id, cast(StoredChange, event)
            start = notifications[-1].id + 1

    def last_position(self) -> int:
        return self.recorder.max_notification_id() or 0
