"""The provenance report: every change effective in a date range with its decision, sources
(document, locator, quote), who recorded it and when, and every correction of it.

Stored text is written as text: in Markdown every character that could make a tag, a link or
emphasis is escaped — the one link is a document's web address, where it is an http or https
address with nothing in it that could end the link (:func:`.provenance.safe_url`) — and in CSV
a cell that a spreadsheet would run as a formula starts with ``'``.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

from orgevents.events import (
    Amendment,
    Change,
)
from orgevents.projections.changes import summary
from orgevents.projections.exports import safe_cell
from orgevents.projections.fold import Record
from orgevents.projections.lookup import Questions
from orgevents.projections.provenance import safe_url

_MARKDOWN = str.maketrans({**{c: "\\" + c for c in "\\`*_[]~"}, "<": "&lt;"})


def md(text: object) -> str:
    """Stored text for a Markdown line: on one line; no tag, link or emphasis can start in it."""
    return " ".join(str(text).split()).translate(_MARKDOWN)


def audit(state: Questions, start: dt.date, end: dt.date) -> list[dict[str, Any]]:
    """Changes effective from ``start`` to ``end``, both included, in effective order."""
    day = dt.timedelta(days=1)
    chosen = state.changes(max(start, dt.date.min + day) - day, end)
    return [_item(state, r) for r in chosen]


def _item(state: Questions, rec: Record) -> dict[str, Any]:
    p = rec.payload
    assert isinstance(p, Change)
    original = state.record_at(rec.position) or rec
    decision = None
    d = state.decision(p.decision) if p.decision else None
    if d is not None:
        decision = {
            "id": d.id,
            "title": d.title,
            "kind": d.kind.value,
            "date": str(d.effective),
            "sources": [_source(state, s) for s in d.sources],
        }
    return {
        "event_id": p.key,
        "type": p.type,
        "subject": {"id": p.subject, "name": state.subject_name(p.subject, p.effective.date)},
        "effective": str(p.effective),
        "effective_text": p.effective.text,
        "summary": summary(state, rec),
        "decision": decision,
        "sources": [_source(state, s) for s in p.sources],
        "recorded_at": original.recorded_at.isoformat(),
        "recorded_by": original.recorded_by,
        "corrections": [_amendment(state, a) for a in state.amendments_of(p.key)],
        "original_summary": summary(state, original) if rec.amended_by else None,
    }


def _amendment(state: Questions, rec: Record) -> dict[str, Any]:
    a = rec.payload
    assert isinstance(a, Amendment)
    return {
        "event_id": a.key,
        "type": a.type,
        "reason": a.reason,
        "recorded_at": rec.recorded_at.isoformat(),
        "recorded_by": rec.recorded_by,
        "sources": [_source(state, s) for s in a.sources],
    }


def _source(state: Questions, source: Any) -> dict[str, Any]:
    doc = state.document(source.document)
    return {
        "document": source.document,
        "title": doc.title if doc else None,
        "location": doc.location if doc else None,
        "url": safe_url(doc.location) if doc else None,
        "locator": source.locator,
        "quote": source.quote,
    }


def to_markdown(items: list[dict[str, Any]], start: dt.date, end: dt.date) -> str:
    lines = [f"# Provenance report: changes effective {start} – {end}", ""]
    lines.append(f"{len(items)} changes.")
    for item in items:
        lines += ["", f"## {item['effective']} — {md(item['summary'])}", ""]
        lines.append(f"- event: `{item['event_id']}` ({item['type']})")
        if item["effective_text"]:
            lines.append(f"- effective as the source puts it: “{md(item['effective_text'])}”")
        d = item["decision"]
        if d:
            lines.append(f"- decision: {md(d['title'])} ({d['kind']}, {d['date']}) `{d['id']}`")
        lines.append(f"- recorded {item['recorded_at']} by {md(item['recorded_by'])}")
        for s in item["sources"]:
            title = md(s["title"]) if s["title"] else ""
            if s["url"]:  # a web address safe to follow (safe_url): a link, kept in <...>
                title = f"[{title or 'document'}](<{s['url']}>)"
            title = f" — {title}" if title else ""
            lines.append(f"- source: `{s['document']}`{title}, {md(s['locator'])}")
            if s["quote"]:
                lines.append(f"  > {md(s['quote'])}")
        if item["original_summary"]:
            lines.append(f"- originally recorded as: {md(item['original_summary'])}")
        for c in item["corrections"]:
            lines.append(
                f"- {c['type']} `{c['event_id']}` recorded {c['recorded_at']} by "
                f"{md(c['recorded_by'])}: {md(c['reason'])}"
            )
    return "\n".join(lines) + "\n"


def to_csv(items: list[dict[str, Any]]) -> str:
    out = io.StringIO()
    columns = [
        "effective",
        "event_id",
        "type",
        "subject_id",
        "subject_name",
        "summary",
        "decision_id",
        "decision_title",
        "decision_date",
        "sources",
        "quotes",
        "recorded_at",
        "recorded_by",
        "corrections",
    ]
    writer = csv.DictWriter(out, columns, lineterminator="\n")
    writer.writeheader()
    for item in items:
        d = item["decision"] or {}
        row = {
            "effective": item["effective"],
            "event_id": item["event_id"],
            "type": item["type"],
            "subject_id": item["subject"]["id"],
            "subject_name": item["subject"]["name"],
            "summary": item["summary"],
            "decision_id": d.get("id"),
            "decision_title": d.get("title"),
            "decision_date": d.get("date"),
            "sources": "; ".join(f"{s['document']}: {s['locator']}" for s in item["sources"]),
            "quotes": " | ".join(s["quote"] for s in item["sources"] if s["quote"]),
            "recorded_at": item["recorded_at"],
            "recorded_by": item["recorded_by"],
            "corrections": "; ".join(
                f"{c['type']} {c['event_id']}: {c['reason']}" for c in item["corrections"]
            ),
        }
        writer.writerow({k: safe_cell(v) for k, v in row.items()})
    return out.getvalue()
