"""Which subjects name which: the write side's one look across subjects in the other direction.

Rules that look from a unit to what hangs on it — no unit may end while units are still under it,
no retraction may leave a reference to nothing, an amendment must still fit the units that name
the amended one — need "who names X?". The store keeps the answer in a table of its own, written
in the same transaction as the events that name (:mod:`orgevents.recorders`; an older store's is
filled from the log when it is first opened), so no rule ever reads the log for it. Its answers
are candidates: a reference amended away stays, and each is checked against the subject's current
history before a rule acts on it.
"""

from __future__ import annotations

import functools

from orgevents.events import Entry, EventCorrected, UnitEstablished
from orgevents.kinds import DEFAULT_KINDS, kind_subject

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
    if isinstance(entry, UnitEstablished) and entry.kind not in DEFAULT_KINDS:
        found.setdefault(kind_subject(entry.kind), "kind")  # a declared kind
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
