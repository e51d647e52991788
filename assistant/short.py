"""Short answers: the exact phrase of a sentence that answers a factoid question (a name, number,
date, place, journal or title), with its offsets in the original file."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from .question import lowercase_words
from .records import ShortAnswer

if TYPE_CHECKING:
    from .index import Catalog


_MONTH = r"(?:January|February|March|April|May|June|July|August|September|October|November|December)"
_DATE = re.compile(_MONTH + r"(?:\s+\d{1,2},)?\s+(?:19|20)\d{2}|\b(?:19|20)\d{2}\b|\b(?:late|early|mid)[ -]?[’']?\d0s\b")
_PERSON = re.compile(r"\b(?:Drs?\.\s+)?[A-Z][a-z]+(?:\s+[A-Z]\.)?(?:\s+[A-Z][a-z'’-]+){1,2}"
                     r"(?:,\s*(?:M\.D\.|MD|Ph\.D\.|PhD|D\.O\.|DO)\b)?")
_JOURNAL = re.compile(r"\b(?:The\s+)?(?:[A-Z][A-Za-z&-]+\s+){0,4}Journal(?:\s+of(?:\s+(?:the\s+)?[A-Z][A-Za-z&-]+)+)?")
_JOURNAL_NAMES = re.compile(r"\b(?:The BMJ|BMJ|JAMA(?: [A-Z][a-z]+)*|The Lancet|NEJM|Pain Physician|Pain Medicine)\b")
_PLACE = re.compile(r"\b(?:in|at|within)\s+((?:an?\s+|the\s+)?(?:[a-z-]+\s+){0,3}(?:cent(?:er|re)s?|hospitals?|clinics?|"
                    r"settings?|offices?|practices?|facilit(?:y|ies)|suites?)|"
                    r"(?:the\s+)?(?!(?:Dr|Mr|Mrs|Ms)\b)[A-Z][a-z.]+(?:(?:,?\s+|\s+of\s+(?:the\s+)?)(?!(?:Dr|Mr|Mrs|Ms)\b)"
                    r"[A-Z][a-z.]+){0,4})")
_TITLE = re.compile(r"[“\"]([^”\"]{12,160})[”\"]|^Title:\s*(.+)$")
_NUMBER = re.compile(r"(?<![\w.])\d[\d,]*(?:\.\d+)?\s?%|(?<![\w.])(?!(?:19|20)\d{2}\b)\d[\d,]*(?:\.\d+)?\b")
_NUMBER_WORDS = 3  # at most this many words after a number name what it counts ("276 adult patients")
_STOP = frozenset("a an and or of the in on at to for with by from were was is are had has have that which who "
                  "than as per each into after before over under".split())
_WORD_AFTER = re.compile(r"\s+([A-Za-z][\w-]*)")


def short_answer(kind: str, i: int, catalog: Catalog, within: re.Pattern[str] | None = None) -> ShortAnswer | None:
    """The exact phrase of sentence i (the lead) that answers a question of the given kind, with its
    offsets in the original file, or None when the sentence holds no such phrase. ``within``: for a
    number, the pattern its phrase must match (a count of what was asked, or a percentage)."""
    d = catalog.docs[int(catalog.s_doc[i])]
    start, end = int(catalog.s_start[i]), int(catalog.s_end[i])
    text = d["text"][start:end]
    if within is not None:
        m = within.search(text)
        span = m.span() if m else None
    else:
        span = find_phrase(kind, text, catalog)
    if span is None:
        return None
    a, b = span
    while b > a and text[b - 1] in " ,;:":
        b -= 1
    return ShortAnswer(text=text[a:b], doc_id=d["doc_id"], start=start + a, end=start + b) if b > a else None


def find_phrase(kind: str, text: str, catalog: Catalog) -> tuple[int, int] | None:
    """Where in a text the phrase that answers a question of the given kind lies, or None."""
    if kind == "number":
        m = _NUMBER.search(text)
        if m is None:
            return None
        b = m.end()
        if not m.group().endswith("%"):
            for _ in range(_NUMBER_WORDS):  # what the number counts, up to a function word
                w = _WORD_AFTER.match(text, b)
                if w is None or w.group(1).lower() in _STOP:
                    break
                b = w.end()
        return m.start(), b
    if kind == "date":
        m = _DATE.search(text)
        return m.span() if m else None
    if kind == "journal":
        m = _JOURNAL.search(text) or _JOURNAL_NAMES.search(text)
        return m.span() if m else None
    if kind == "title":
        m = _TITLE.search(text)
        if m:
            g = 1 if m.group(1) else 2
            return m.span(g)
        return None
    if kind == "place":
        m = _PLACE.search(text)
        return m.span(1) if m else None
    if kind == "name":
        common = lowercase_words(catalog)
        found = list(_PERSON.finditer(text))
        for m in found:  # a titled name first ("Dr. Kingsley R. Chin")
            if m.group().startswith("Dr"):
                return m.span()
        for m in found:  # then two or more capitalised words the corpus never writes in lower case
            words = [w for w in re.findall(r"[A-Za-z]+", m.group()) if len(w) > 1]
            if len(words) >= 2 and not any(w.lower() in common for w in words):
                return m.span()
        return None
    return None
    return None
