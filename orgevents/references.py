"""Which subjects name which: the write side's one look across subjects in the other direction.

Rules that look from a unit to what hangs on it — no unit may end while units are still under it,
no retraction may leave a reference to nothing, an amendment must still fit the units that name
the amended one — need "who names X?". The store answers only "the events of one subject", so
:class:`ReferenceIndex` keeps the answer in memory: built from the log the first time a rule asks,
then caught up with what was recorded since (by this writer, or any other). Its answers are
candidates: each is checked against the subject's current history before a rule acts on it.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from orgevents.events import Entry, EventCorrected

if TYPE_CHECKING:
    from orgevents.application import OrgHistory

_FIELDS = ("parent", "into", "unit", "to_unit", "from_units", "body", "about", "claim", "decision")


def references(entry: Entry) -> dict[str, str]:
    """The keys ``entry`` names, each with the (first) field that names it; its own subject and
    the entry it amends are left out, a correction's replacement is looked into."""
    found: dict[str, str] = {}
    subject = entry.subject
    values = entry.__dict__
    for name in _fields_of(type(entry)):
        value = values[name]
        if isinstance(value, str):
            if value != subject:
                found.setdefault(value, name)
        elif isinstance(value, list):
            for i, key in enumerate(value):
                if key != subject:
                    found.setdefault(key, f"{name}.{i}")
    for i, source in enumerate(values.get("sources", ())):
        if source.document != subject:
            found.setdefault(source.document, f"sources.{i}.document")
    for i, figure in enumerate(values.get("figures", ())):
        for j, source in enumerate(figure.sources):
            found.setdefault(source.document, f"figures.{i}.sources.{j}.document")
    if isinstance(entry, EventCorrected):
        for key, field in references(entry.replacement).items():
            if key != subject:
                found.setdefault(key, f"replacement.{field}")
    return found


@functools.cache
def _fields_of(model: type[Entry]) -> tuple[str, ...]:
    return tuple(name for name in _FIELDS if name in model.model_fields)


def note(table: dict[str, dict[str, str]], entry: Entry) -> None:
    """Add what ``entry`` names to ``table`` (key → subject → field). A subject keeps the first
    field that named the key, except that naming it as a parent wins (the rule about units left
    under an ended unit looks for those)."""
    subject = entry.subject
    for key, field in references(entry).items():
        naming = table.setdefault(key, {})
        if field.endswith("parent"):
            naming[subject] = field
        else:
            naming.setdefault(subject, field)


class ReferenceIndex:
    """Key → the subjects whose entries ever named it (and in which field), up to ``position``
    in the log. Never shrinks: an amended-away reference stays a candidate."""

    def __init__(self) -> None:
        self.position = 0
        self.built = False
        self.by_key: dict[str, dict[str, str]] = {}
        self._lock = threading.Lock()

    def naming(self, key: str) -> dict[str, str]:
        """Subjects whose entries named ``key`` up to ``position``, each with the field."""
        return self.by_key.get(key, {})

    def add(self, entry: Entry) -> None:
        note(self.by_key, entry)

    def catch_up(self, app: OrgHistory) -> None:
        """Read what the log holds after ``position`` (everything, the first time)."""
        with self._lock:
            for position, event in app.read_events(after=self.position):
                self.add(event.payload)
                self.position = position
            self.built = True

    def saved(self, recordings: Iterable[Any]) -> None:
        """Take in events this writer just saved, if they follow on from ``position`` (otherwise
        the next ``catch_up`` reads them, with whatever came between)."""
        recorded = [(r.notification.id, r.domain_event.payload) for r in recordings]
        if not self.built or not recorded:
            return
        with self._lock:
            positions = [p for p, _ in recorded]
            if positions != list(range(self.position + 1, self.position + 1 + len(positions))):
                return
            for _, payload in recorded:
                if isinstance(payload, Entry):
                    self.add(payload)
            self.position = positions[-1]
