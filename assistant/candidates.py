"""Candidates: the sentences that might answer a question, each scored by cosine, weighted term
coverage, answer type and form, with the lists and paragraphs that continue them."""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from .sections import is_heading, reference_list
from .question import (_ASKS_REASON, _ASKS_VIEW, _END_PUNCT, _FIELD_LINE, _HAS_PARTS, _HAS_PLACE, _REFERENCE, Question,
                       has_wanted)
from .records import Passage
from .terms import content_terms

if TYPE_CHECKING:
    from .index import Catalog


@dataclass(frozen=True)
class Scored:
    """A candidate sentence (global index in the catalog) with its answer score, and once ranked, how
    likely it is to answer (``probability``; 0 before ranking)."""

    index: int
    score: float
    passage_rank: int
    probability: float = 0.0


# Page furniture that states nothing: bylines, calls to share or read on, form fields, copyright lines
# and bare reference stubs ("Reference:"). A heading or slogan is caught by ``is_heading``.
_FURNITURE = re.compile(
    r"^(?:by|posted|written by|updated|published on)\s+[A-Z]|^(?:read more|share (?:this|on)|tweet|subscribe|sign up|"
    r"click here|follow us|contact us|skip to|back to|related (?:posts|articles)|tags?:|categor(?:y|ies):|"
    r"all rights reserved|copyright|©)|^(?:references?|sources?|citations?|notes?)\s*:?$|"
    r"^(?:first |last |full )?(?:name|e-?mail|phone|message|submit)\s*\*?:?$|"
    r"^(?:PMID|PMCID|doi|Epub|ISSN)\b\s*:?", re.I)


def list_head(catalog: Catalog, i: int) -> int | None:
    """The sentence that introduces the list sentence i is an item of, or None."""
    for j in range(i - 1, max(-1, i - _LIST_ITEMS - 1), -1):
        if catalog.s_doc[j] != catalog.s_doc[i]:
            return None
        if introduces_list(catalog, j):
            return j if i in list_items(catalog, j) else None
    return None


def is_boilerplate(catalog: Catalog, i: int) -> bool:
    """Whether sentence i is page furniture rather than content: a byline, heading, slogan, navigation,
    form text or a bare reference stub (remembered per catalog). A label that introduces a list is
    content: its list says something."""
    flags = catalog.memo.setdefault("boilerplate", {})
    if i not in flags:
        clean = catalog.s_clean[i].strip()
        heading = is_heading(clean) and not (clean.endswith(":") and list_items(catalog, i))
        flags[i] = bool(_FURNITURE.search(clean)) or heading or len(clean.split()) <= 2
    return flags[i]


def _form(clean: str, title: str, words: int | None = None) -> float:
    """How much a sentence looks like an answer rather than a heading, a title or a question
    (``words``: the length to judge it by, when it stands for more text than its own)."""
    n = len(clean.split())
    f = 1.0
    if clean.endswith("?"):
        f *= 0.55
    if not _END_PUNCT.search(clean) and n <= 12:
        f *= 0.6
    if clean.lower() == title.lower():
        f *= 0.5
    if _FIELD_LINE.match(clean) and not any(ch.isdigit() for ch in clean):
        f *= 0.7  # a "Title: ..." field names the study; it does not answer about it
    if _REFERENCE.search(clean):
        f *= 0.6  # a bibliography entry names a study; it does not answer about it
    return f * min(1.0, (words or n) / 6.0) ** 0.5


def _sentence_form(catalog: Catalog, i: int) -> float:
    """``_form`` of sentence i, remembered per catalog (it depends only on the sentence and its title)."""
    forms = catalog.memo.setdefault("form", {})
    f = forms.get(i)
    if f is None:
        doc = catalog.docs[int(catalog.s_doc[i])]
        f = forms[i] = _form(catalog.s_clean[i], str(doc["meta"].get("title", "")))
    return f


def in_references(catalog: Catalog, i: int) -> bool:
    """Whether sentence i belongs to its document's list of references (the labeller's reading of
    the document, remembered per catalog)."""
    refs = catalog.memo.setdefault("in_references", {})
    d = int(catalog.s_doc[i])
    flags = refs.get(d)
    if flags is None:
        doc = catalog.docs[d]
        kept = doc.get("refs")  # found at ingest; an artefact written before p4 is read again here
        flags = refs[d] = (reference_list(catalog.s_clean[doc["sent_lo"] : doc["sent_hi"]]) if kept is None
                           else _flags(kept, doc["sent_hi"] - doc["sent_lo"]))
    return flags[i - catalog.docs[d]["sent_lo"]]


def _flags(on: list[int], n: int) -> list[bool]:
    out = [False] * n
    for k in on:
        out[k] = True
    return out


def _same_block(catalog: Catalog, i: int, j: int) -> bool:
    """Whether sentences i < j are consecutive in one paragraph, bullet or line of the same document."""
    if j != i + 1 or j >= len(catalog.s_doc) or catalog.s_doc[i] != catalog.s_doc[j]:
        return False
    text = catalog.docs[int(catalog.s_doc[i])]["text"]
    return "\n" not in text[int(catalog.s_end[i]) : int(catalog.s_start[j])]


def score_sentences(question: str, qvec: np.ndarray, passages: Sequence[Passage], catalog: Catalog) -> list[Scored]:
    """Score every sentence of the passages against the question: cosine, weighted term coverage,
    answer type (a number for 'how many', a year for 'when', a name for 'who') and form.

    The next sentences after a strong one in the same paragraph (two at most) inherit most of its
    score, because they usually continue the answer ("Discectomy: ... removes a disc. Doing so
    relieves ..."), as a list's items continue its introduction (``_continuation``).
    """
    q = Question.parse(question, catalog)
    seen: dict[int, Scored] = {}

    def base(i: int, rank: int) -> Scored:
        clean = catalog.s_clean[i]
        cos = float(catalog.s_vec[i] @ qvec)
        form = _sentence_form(catalog, i)
        unit = _list_unit(catalog, i)
        if unit is None:
            cov = _coverage_in_context(q, catalog, i)
        else:
            # A label ("Training Included:") says nothing alone: it is scored as the list it heads.
            clean, form = unit.text, unit.form
            cos = max(cos, float(unit.vector @ qvec))
            cov = q.coverage(unit.terms)
        if not q.asks_source and in_references(catalog, i):
            form *= _REFERENCE_FORM
        if q.wants is _HAS_PARTS and (unit is not None or introduces_list(catalog, i)):
            typed = 1.0  # a list is what a question about parts wants
        else:
            typed = 1.0 if q.wants is None else (1.0 if has_wanted(q, clean, catalog) else 0.85)
        bonus = 0.12 if typed == 1.0 and q.wants not in (None, _HAS_PARTS) else 0.0
        if unit is not None and _names_list(q, catalog, i):
            bonus += 0.24 if q.wants is _HAS_PARTS else 0.12
        speaker = _speaker_terms(catalog, i)
        if speaker and _ASKS_VIEW.search(q.text) and sum(t in q.terms for t in speaker) >= max(1, len(speaker) // 2):
            bonus += 0.12  # a quote by the person the question names ("what does Dr Chin say ...")
        form = form * typed
        score = (0.6 * cos + 0.4 * cov) * form + bonus - 0.005 * rank
        return Scored(i, score, rank)

    for rank, p in enumerate(passages):
        lo = catalog.docs[catalog.doc_index[p.chunk.doc_id]]["sent_lo"]
        for local in range(*p.chunk.sentences):
            if lo + local not in seen:
                seen[lo + local] = base(lo + local, rank)
    if len(catalog.s_clean) <= _GLOBAL_SENTENCE_LIMIT:
        # A small corpus is cheap to scan whole: a sentence outside the passages can still answer.
        sims = catalog.s_vec @ qvec
        for i in np.argsort(-sims)[:10]:
            if int(i) not in seen:
                seen[int(i)] = base(int(i), len(passages))
        # ... and so can one that gives a count of what a "how many" question counts ("47 IPM physicians").
        if q.counts is not None:
            for i in _counting(q, catalog)[:_COUNTING]:
                if i not in seen:
                    seen[i] = base(i, len(passages))
        if q.wants is _HAS_PLACE:
            # ... and so can one of the nearest that names a kind of place ("in ambulatory surgery
            # centers"). Numbers and names are too common for the same to help (measured on dev).
            places = (int(i) for i in np.argsort(-sims) if _HAS_PLACE.search(catalog.s_clean[int(i)]))
            for i in itertools.islice(places, _PLACES):
                if i not in seen:
                    seen[i] = base(i, len(passages))
        # ... and so can one that shares the question's rarest words but not its wording.
        for i in _best_covered(q, catalog, _COVERED):
            if i not in seen:
                seen[i] = base(i, len(passages))
        # A list whose label the question names ("the two groups": "Groups:") is a candidate too ...
        labels, vecs = _list_labels(catalog)
        for i in labels:
            if i not in seen and _names_list(q, catalog, i):
                seen[i] = base(i, len(passages))
        if q.wants is _HAS_PARTS:
            # ... and a question about parts is answered by a list, which may sit outside the passages.
            for k in np.argsort(-(vecs @ qvec))[:_PART_LISTS] if labels else []:
                if labels[k] not in seen:
                    seen[labels[k]] = base(labels[k], len(passages))
    for top in sorted(seen.values(), key=lambda s: -s.score)[:3]:
        for j, share in _continuation(catalog, top.index):
            follow = seen.get(j) or base(j, top.passage_rank)
            seen[j] = Scored(j, max(follow.score, share * top.score), follow.passage_rank)
    return sorted(seen.values(), key=lambda s: (-s.score, s.index))


_GLOBAL_SENTENCE_LIMIT = 20000
_LIST_ITEMS = 8
_LABEL_WORDS = 6  # a list introduction this short is a label ("Training Included:")
_REFERENCE_FORM = 0.5  # a reference entry's form, unless the question is about a publication
_INHERITED = 0.85  # the share of a strong sentence's score that what continues it (or its list items) inherits
_IN_CONTEXT = 0.2  # the share of a sentence's term coverage that also counts its title and a quote's speaker
_PLACES = 3  # how many of the nearest sentences that name a kind of place a "where" question considers
_COUNTING = 2  # how many sentences that count what a "how many" question counts are considered
_COVERED = 3  # how many sentences of a small corpus that best cover the question's terms are considered
_PART_LISTS = 3  # how many of the corpus's lists a question about parts considers, nearest first
_CONTINUED = 2  # how many next sentences of a paragraph continue a strong sentence


def _names_list(q: Question, catalog: Catalog, i: int) -> bool:
    """Whether the question names every word of the label in sentence i ("Training Included:" for
    "what did the training include?") and does not ask why or how; the caller knows that i heads a list."""
    label = catalog.s_terms_expanded[i]
    if q.wants is _HAS_PARTS:
        label = label - {"includ"}  # "Training Included:" names training for any question about its parts
    return bool(label) and all(t in q.terms for t in label) and not _ASKS_REASON.match(q.text)


def _title_terms(catalog: Catalog, d: int) -> frozenset[str]:
    """The content words of document d's title, remembered per catalog."""
    titles = catalog.memo.setdefault("title_terms", {})
    if d not in titles:
        titles[d] = frozenset(content_terms(str(catalog.docs[d]["meta"].get("title", ""))))
    return titles[d]



# "— Dr. Kingsley R. Chin": a line that names who said the paragraph above it.
_ATTRIBUTION = re.compile(r"[—–-]{1,2}\s*(?:Drs?\.?\s+)?[A-Z][\w.'’-]*(?:\s+[A-Z][\w.'’-]*){0,5}(?:,.{0,80})?")


def _speaker_terms(catalog: Catalog, i: int) -> frozenset[str]:
    """The words of the attribution line ("— Dr. Kingsley R. Chin") under the paragraph that holds
    sentence i, so a quote counts as said by its speaker; empty for a sentence nobody is quoted in."""
    speakers = catalog.memo.get("speaker_terms")
    if speakers is None:
        speakers = catalog.memo["speaker_terms"] = {}
        for j, clean in enumerate(catalog.s_clean):
            if j == 0 or catalog.s_doc[j - 1] != catalog.s_doc[j] or not _ATTRIBUTION.fullmatch(clean):
                continue
            words = frozenset(catalog.s_terms_expanded[j])
            k = j - 1
            while k >= 0 and catalog.s_doc[k] == catalog.s_doc[j] and k not in speakers:
                speakers[k] = words
                if not _same_block(catalog, k - 1, k):
                    break  # the paragraph's first sentence
                k -= 1
    return speakers.get(i, frozenset())


def _counting(q: Question, catalog: Catalog) -> list[int]:
    """The sentences that give a count of what the question counts, those covering more of the
    question's terms first (ties to the earlier sentence)."""
    assert q.counts is not None
    found = [i for i in catalog.term_sentences.get(q.counted, ()) if q.counts.search(catalog.s_clean[i])]
    covered = {i: q.coverage(catalog.s_terms_expanded[i]) for i in found}
    return sorted(found, key=lambda i: (-covered[i], i))




def _coverage_in_context(q: Question, catalog: Catalog, i: int) -> float:
    """The question's weighted terms that sentence i covers, read a little in its document's context:
    "The authors of the study were not interventional pain specialists" is about the BMJ
    meta-analysis its statement's title names, and a quote about what its speaker says."""
    terms = catalog.s_terms_expanded[i]
    context = terms | _title_terms(catalog, int(catalog.s_doc[i])) | _speaker_terms(catalog, i)
    return (1 - _IN_CONTEXT) * q.coverage(terms) + _IN_CONTEXT * q.coverage(context)


def _best_covered(q: Question, catalog: Catalog, n: int) -> list[int]:
    """The n sentences whose words cover most of the question's weighted terms (ties to the earlier
    sentence)."""
    postings = catalog.term_sentences
    covered: dict[int, float] = {}
    for t, w in q.terms.items():
        for i in postings.get(t, ()):
            covered[i] = covered.get(i, 0.0) + w
    return sorted(covered, key=lambda i: (-covered[i], i))[:n]


def _continuation(catalog: Catalog, i: int) -> list[tuple[int, float]]:
    """Sentences that continue sentence i, each with the share of its score it inherits: when i
    introduces a list ("The benefits include:"), the list's items; otherwise the next sentences of
    its paragraph, up to ``_CONTINUED`` of them and less with each step ("Discectomy: ... removes a
    disc. Doing so relieves pressure ... With interventional medicine, this procedure ...")."""
    if introduces_list(catalog, i):
        return [(j, _INHERITED) for j in list_items(catalog, i)]
    out: list[tuple[int, float]] = []
    j = i
    while len(out) < _CONTINUED and _same_block(catalog, j, j + 1) and (j == i or not introduces_list(catalog, j)):
        j += 1
        out.append((j, _INHERITED ** len(out) * _INHERITED))
    return out


def introduces_list(catalog: Catalog, i: int) -> bool:
    """Whether sentence i ends with a colon, so that what follows it is a list."""
    return catalog.s_clean[i].rstrip().endswith(":")


def labelled_list(catalog: Catalog, i: int) -> list[int]:
    """When sentence i is a short label that introduces a list ("Complications Seen:"), the label
    and its items; otherwise nothing. A longer introduction says something of its own."""
    if not introduces_list(catalog, i) or len(catalog.s_clean[i].split()) > _LABEL_WORDS:
        return []
    items = list_items(catalog, i)
    return [i, *items] if items else []


@dataclass(frozen=True)
class _ListUnit:
    """A short label and its list, as one text: what scoring reads instead of the label alone."""

    text: str
    vector: np.ndarray  # the normalised sum of the label's and items' vectors
    terms: frozenset[str]
    form: float  # the label's form, judged at the length of the whole list


def _list_unit(catalog: Catalog, i: int) -> _ListUnit | None:
    """Sentence i with its list when it is a short label, else None; remembered per catalog, since it
    does not depend on the question."""
    units = catalog.memo.setdefault("list_units", {})
    if i not in units:
        unit = labelled_list(catalog, i)
        if not unit:
            units[i] = None
        else:
            text = " ".join(catalog.s_clean[k] for k in unit)
            v = catalog.s_vec[unit].sum(axis=0)
            units[i] = _ListUnit(text, v / float(np.linalg.norm(v)),
                                 frozenset().union(*(catalog.s_terms_expanded[k] for k in unit)),
                                 _form(catalog.s_clean[i], "", words=len(text.split())))
    return units[i]


def _list_labels(catalog: Catalog) -> tuple[list[int], np.ndarray]:
    """Every short label that heads a list in the corpus, with its list's vector (remembered per catalog)."""
    found = catalog.memo.get("list_labels")
    if found is None:
        units = {i: _list_unit(catalog, i) for i in range(len(catalog.s_clean)) if introduces_list(catalog, i)}
        labels = [i for i, unit in units.items() if unit is not None]
        vecs = np.stack([units[i].vector for i in labels]) if labels else np.zeros((0, catalog.s_vec.shape[1]))
        found = catalog.memo["list_labels"] = (labels, vecs)
    return found


def list_items(catalog: Catalog, i: int) -> list[int]:
    """The items of the list that sentence i introduces: the sentences that start a line after it,
    up to the blank line, the next list or the next section heading that ends the list (an item's
    further sentences are not items). Remembered per catalog, as every question asks again; the
    list returned is shared, so callers read it and never change it."""
    found = catalog.memo.setdefault("list_items", {})
    items = found.get(i)
    if items is None:
        items = found[i] = _find_list_items(catalog, i)
    return items


def _find_list_items(catalog: Catalog, i: int) -> list[int]:
    items: list[int] = []
    names = False
    text = catalog.docs[int(catalog.s_doc[i])]["text"]
    j = i + 1
    while j < len(catalog.s_doc) and catalog.s_doc[j] == catalog.s_doc[i] and len(items) < _LIST_ITEMS:
        gap = text[int(catalog.s_end[j - 1]) : int(catalog.s_start[j])]
        if gap.count("\n") > (2 if not items else 1):
            break  # a blank line after the first item ends the list
        heading = is_heading(catalog.s_clean[j])
        if introduces_list(catalog, j) or (items and heading and not names):
            break  # the next list, or the heading of the next section, is not an item of this one
        if not items:
            names = heading  # a list of names ("Epidural Steroid Injections"), not of sentences
        if "\n" in gap or not items:
            items.append(j)
        j += 1
    return items
