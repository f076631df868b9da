"""Provenance: where a document is (a link only when it is safe to follow), and a decision or a
document in detail — what it decided or says, the changes that implement or cite it, its sources.

``show`` answers for both read models (the reader's :class:`.reader.View` and the fold), from the
questions they share (:class:`.lookup.Questions`): the subject's history, its decision or
document, the names of what it names.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from orgevents.projections.lookup import Questions
    from orgevents.projections.views import ChangeView

# a web address with nothing in it that could end a Markdown link or an HTML attribute
_WEB_ADDRESS = re.compile(r"https?://[^\s<>\"'`\\\x00-\x1f\x7f]+", re.IGNORECASE)


def safe_url(location: str | None) -> str | None:
    """``location`` when it is an http or https address with a host and nothing that could
    break out of a link (spaces, quotes, angle brackets, backslashes, control characters);
    else None — a file name, a ``javascript:`` or ``data:`` address is never a link."""
    if not location:
        return None
    text = location.strip()
    if not _WEB_ADDRESS.fullmatch(text):
        return None
    try:
        parts = urlsplit(text)
    except ValueError:  # a malformed host ("http://[x")
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    return text


def show(state: Questions, key: str, on: dt.date) -> dict[str, Any]:
    """A decision or a document in detail (``kind_of(key)`` is one of them)."""
    if state.kind_of(key) == "decision":
        return show_decision(state, key, on)
    return show_document(state, key, on)


def _dump(changes: list[ChangeView]) -> list[dict[str, Any]]:
    return [c.model_dump(mode="json") for c in changes]


def show_decision(state: Questions, key: str, on: dt.date) -> dict[str, Any]:
    """What the decision decided (its kind, title, date, the body that made it, its sources),
    the changes that implement it (``decision`` names it) and the other entries that name it
    (claims about it, corrections)."""
    from orgevents.projections.structure import source_view

    d = state.decision(key)
    assert d is not None
    history = state.history(key)
    implemented = [c for c in history if c.decision == key]
    own = {c.event_id for c in history if c.type == "DecisionMade" and c.subject["id"] == key}
    others = [c for c in history if c.decision != key and c.event_id not in own]
    body = None
    if d.body:
        on_day = d.effective.date
        body = {
            "id": d.body,
            "name": state.subject_name(d.body, on_day),
            "kind": state.unit_kind(d.body, on_day),
        }
    return {
        "id": key,
        "type": "decision",
        "at": on.isoformat(),
        "title": d.title,
        "kind": d.kind.value,
        "effective": str(d.effective),
        "effective_date": d.effective.date.isoformat(),
        "body": body,
        "body_name": d.body_name,
        "note": d.note,
        "sources": [source_view(state, s).model_dump(mode="json") for s in d.sources],
        "implemented_by": _dump(implemented),
        "named_by": _dump(others),
    }


def show_document(state: Questions, key: str, on: dt.date) -> dict[str, Any]:
    """The document (title, where it is, its language and date) and every entry that cites it
    — changes, decisions, claims — in effective order."""
    doc = state.document(key)
    assert doc is not None
    cited = [c for c in state.history(key) if c.type != "DocumentRegistered"]
    return {
        "id": key,
        "type": "document",
        "at": on.isoformat(),
        "title": doc.title,
        "location": doc.location,
        "url": safe_url(doc.location),
        "language": doc.language,
        "published": str(doc.published) if doc.published else None,
        "note": doc.note,
        "cited_by": _dump(cited),
    }


__all__ = ["safe_url", "show", "show_decision", "show_document"]
