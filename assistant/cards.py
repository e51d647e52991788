"""Source cards: what a reader should know about a document, each item with the passage that shows it."""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

from .records import LABELS, Document

_PATTERNS: dict[str, re.Pattern[str]] = {
    "author_named": re.compile(r"^\s*(?:[-–]\s*)?(?:By\s+)?(?:Dr\.\s+)?[A-Z][a-z]+\s+(?:[A-Z]\.\s+)?[A-Z][a-z]+(?:,\s*M\.?D\.?)?\s*$|\bBy\s+[A-Z][a-z]+\s+[A-Z]", re.M),
    "references": re.compile(r"\bReferences?:|\bet al\b|doi:|PMID|\(\d+(?:[,-]\d+)*\)", re.I),
    "disclosure": re.compile(r"\b(?:disclos\w+|conflicts? of interest|funded by|funding|sponsored by|owned by|"
                             r"financial (?:interest|relationship))\b", re.I),
    "date": re.compile(r"\b(?:January|February|March|April|May|June|July|August|September|October|November|"
                       r"December)\s+\d{1,2},\s+\d{4}\b|\b\d{4}-\d{2}-\d{2}\b|\b(?:Published|Updated|Posted)\s*(?:on)?:?\s+\w+", re.I),
    "advertising_marked": re.compile(r"\b(?:advertisement|sponsored content|paid partnership|advertorial)\b", re.I),
}


def _find(doc: Document, key: str) -> dict[str, Any] | None:
    m = _PATTERNS[key].search(doc.text)
    if not m:
        return None
    # Report the whole sentence that holds the match, so the reader sees it in context.
    for s in doc.sentences:
        if s.start <= m.start() < s.end or m.start() <= s.start < m.end():
            return {"start": s.start, "end": s.end, "text": s.text}
    return {"start": m.start(), "end": m.end(), "text": m.group(0)}


def build_card(doc: Document, labels: list[str]) -> dict[str, Any]:
    """A source card computed from the document's own text and its sentence labels."""
    counts = Counter(labels)
    total = max(len(labels), 1)
    items = {key: _find(doc, key) for key in _PATTERNS}
    if doc.meta.get("author"):
        items["author_named"] = items["author_named"] or {"start": None, "end": None, "text": str(doc.meta["author"])}
    return {
        "card_id": f"card:{doc.doc_id}",
        "doc_id": doc.doc_id,
        "title": doc.title,
        "publisher": doc.meta.get("publisher", ""),
        "publisher_kind": doc.meta.get("publisher_kind", "unknown"),
        "items": {k: {"present": v is not None, "passage": v} for k, v in items.items()},
        "label_share": {lab: round(counts.get(lab, 0) / total, 3) for lab in LABELS},
        "conflict_of_interest": {"flag": False, "passage": None},
    }
