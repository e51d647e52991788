"""Answer: compose a short answer from retrieved passages, every sentence cited, or abstain.

Generators sit behind ``Generator`` and are chosen by name. The default, extractive one
needs no language model: it picks the sentences that best answer the question.
"""

from __future__ import annotations

import itertools
import json
import re
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from .cues import is_heading, reference_list
from .label import combine, plain_reason, support_weights
from .records import Answer, Citation, Label, Passage
from .terms import content_terms  # noqa: F401  (re-exported for other stages)

if TYPE_CHECKING:
    from .index import Catalog
    from .settings import AnswerSettings, Settings

ABSTAIN_MESSAGE = "I couldn't find this in the documents I have, so I can't answer it."
ONLY_PROMOTIONAL = "Only promotional sources state this."
@dataclass(frozen=True)
class Scored:
    """A candidate sentence (global index in the catalog) with its answer score."""

    index: int
    score: float
    passage_rank: int


class Generator(ABC):
    """Turns a question and its passages into an answer whose [n] markers resolve to citations."""

    name = "base"

    @classmethod
    def from_settings(cls, settings: Settings) -> Generator:
        """The generator configured from the one settings object (its ``answer`` stage by default)."""
        return cls(settings.answer)  # type: ignore[call-arg]

    @abstractmethod
    def generate(self, question: str, qvec: np.ndarray, passages: Sequence[Passage], catalog: Catalog,
                 parts: Sequence[tuple[str, np.ndarray]] = ()) -> Answer:
        """The answer, or an abstention. ``parts``: the questions a question of several joins
        (``question_parts``), each with its vector, so that each part gets its answer."""


_ASKS_NUMBER = re.compile(
    r"\b(?:how many|how much|how long|how often|what (?:percentage|percent|proportion|share|number|rates?)|"
    r"(?:complication|revision|success|infection) rates?)\b", re.I)
# "How many interventional pain physicians ...": the last of up to four words after "how many" is what is counted.
_ASKS_COUNT = re.compile(r"\bhow many\s+(?:[\w-]+\s+){0,3}?([a-z][\w-]*s)\b", re.I)
# "When" asks for a time unless it opens a clause that another question word follows ("When
# complications did happen, what caused them?").
_ASKS_YEAR = re.compile(r"\b(?:when(?![^?]*,\s*(?:what|which|who|whom|how|why|where)\b)|what year|which year)\b", re.I)
# "Who" asks for a name where it opens a question or a clause ("..., and who supervised Group 2?"),
# not after a noun it describes ("the people who wrote it") or inside a clause ("a complaint about who wrote it").
_ASKS_NAME = re.compile(r"(?:^|[,;:?]|\b(?:and|or|but|by|to|with|for|from))\s*(?:who|whom)\b|"
                        r"\bwhich (?:physicians|doctors|people|person|authors?|experts?)\b", re.I)
_HAS_NUMBER = re.compile(r"\d+(?:[.,]\d+)?\s?%|\b(?!(?:19|20)\d{2}\b)\d{2,}(?:,\d{3})*\b(?!\))|\b(?:zero|one|two|three|four|five|ten)\b", re.I)
_HAS_YEAR = re.compile(r"\b(?:19|20)\d{2}\b|\b(?:late|early|mid)[ -]?[’']?\d0s\b")
# A candidate name: two capitalised words; ``has_wanted`` keeps the pairs that are a person's.
_HAS_NAME = re.compile(r"\b(?:Drs?\.? |Dr )?([A-Z][a-z]+)(?: [A-Z]\.)? ([A-Z][a-z]+)\b")
_TITLED = re.compile(r"\bDrs?\. [A-Z][a-z]+")
_WORD = re.compile(r"[A-Za-z]+")
_ASKS_EXAMPLE = re.compile(r"\b(?:examples?|for instance|illustrat\w*)\b", re.I)
# A question about what something is made of wants a list ("Training Included: ...") or a sentence
# that enumerates; its verb ("consist of", "comprise") is read as the corpus's commonest one, "include".
_ASKS_PARTS = re.compile(r"\b(?:consist(?:s|ed)? of|compris(?:e|es|ed)|(?:is|are|was|were) made up of|"
                         r"(?:does|do|did) [\w\s/-]{1,90}\binclude|components?|constituents?|"
                         r"(?:what|which) (?:kinds?|types?|sorts?) of)\b", re.I)
_HAS_PARTS = re.compile(r"\b(?:includ(?:e|es|ed|ing)|consist(?:s|ed)? of|compris(?:e|es|ed|ing)|such as)\b", re.I)
# A question about why or how wants an explanation, which a list its words happen to name is not.
_ASKS_REASON = re.compile(r"\W*(?:why|how)\b(?! (?:many|much|long|often)\b)", re.I)
_PART_VERBS = {"consist": "includ", "compris": "includ"}
# Everyday words for what documents about studies and treatments name otherwise: a question word the
# corpus never uses is read as its counterpart ("who wrote it" as its authors, "upsides" as benefits).
_PARAPHRASES = {"wrote": "author", "written": "author", "writer": "author", "upsid": "benefit",
                "advantag": "benefit", "pros": "benefit", "downsid": "risk", "drawback": "risk",
                "disadvantag": "risk", "con": "risk"}
_HAS_EXAMPLE = re.compile(r"\b(?:for (?:example|instance)|e\.g\.|such as|as an example|to illustrate)", re.I)
# A reference-list entry answers only a question about a publication: who wrote it, where or when.
_ASKS_SOURCE = re.compile(r"\b(?:journals?|publish\w*|publications?|citations?|cited|references?|bibliograph\w*|"
                          r"authors?|authorship|wrote|written|doi|pmid|titled?)\b", re.I)
_ASKS_PLACE = re.compile(r"\b(?:some|any|else)?where\b|\b(?:what|which) (?:kind of |type of |sort of )?(?:facility|facilities|setting|settings|"
                         r"place|places|location|venue)\b", re.I)
_HAS_PLACE = re.compile(r"\b(?:cent(?:er|re)s?|hospitals?|clinics?|outpatient|inpatient|offices?|practices?|"
                        r"universit(?:y|ies)|settings?|facilit(?:y|ies))\b", re.I)
# Questions about money or dosing need a sentence that states one: a tangential passage about
# the same procedure must never be offered as a price or a dose.
_ASKS_COST = re.compile(r"\b(?:costs?|price[sd]?|pay|fees?|insurance|insured|co-?pay|afford\w*|expensive|cheap|"
                        r"charges?)\b|\$", re.I)
_HAS_COST = re.compile(r"\$\s?\d|\b(?:costs?|price[sd]?|fees?|free|insurance|paid|pay|charges?|co-?pay)\b", re.I)
_GIVEN = r"(?:inject(?:ed)?|take|taken|given|give|used|use|administered|administer|delivered|put|prescribed)"
_ASKS_DOSE = re.compile(r"\b(?:dose|doses|dosage|dosing|milligrams?|mg|mcg|micrograms?|ml|milliliters?|millilitres?|cc|"
                        r"morphine[- ]equivalent)\b|\bhow much [\w\s-]{0,40}\b" + _GIVEN + r"\b|"
                        r"\b(?:what|which) (?:volume|amount|quantity|concentration|strength) of [\w\s-]{0,40}\b"
                        + _GIVEN + r"\b|"
                        r"\b(?:should|can|do|may) I take\b|\bhow many (?:pills|tablets|capsules|injections|shots)\b|"
                        r"\bper (?:day|week|month|year)\b", re.I)
_HAS_DOSE = re.compile(r"\b\d+(?:\.\d+)?\s?(?:mg|mcg|ml|milligrams?|micrograms?|units?)\b|\b(?:dose|dosage|dosing)\b|"
                       r"\b(?:per|a|each) (?:day|week|month|year)\b", re.I)
_REFERENCE = re.compile(r"^\s*(?:\d+\.\s*)?[A-Z][A-Za-z'-]+ [A-Z]{1,3}\b.*\bet al\b|\bdoi:|\bPMID\b|^Reference:", re.I)
_FIELD_LINE = re.compile(r"^(?:Title|Lead Investigator|Reference|Category|Groups?|Design)\s*:", re.I)
_END_PUNCT = re.compile(r"[.!:;”\")\]]$")
_DIGIT = re.compile(r"\d")


@dataclass(frozen=True)
class Question:
    """What the answer stage needs to know about a question: its weighted terms and answer type."""

    text: str
    terms: dict[str, float]  # corpus term -> weight (idf); absent terms are prefixed with '?'
    wants: re.Pattern[str] | None  # an answer type that earns a bonus
    needs: re.Pattern[str] | None  # an answer type without which the assistant abstains
    asks_source: bool = False  # about a publication itself, so that a reference-list entry may answer
    counts: re.Pattern[str] | None = None  # for "how many physicians": a number before that word ("47 IPM physicians")
    counted: str = ""  # the counted word's stem ("physician"), to find the sentences that hold it

    @classmethod
    def parse(cls, text: str, catalog: Catalog) -> Question:
        """The question's terms and answer type (remembered per catalog: every stage asks for them)."""
        seen = catalog.memo.setdefault("questions", {})
        q = seen.get(text)
        if q is None:
            if len(seen) >= 256:
                seen.clear()
            q = seen[text] = cls._parse(text, catalog)
        return q

    @classmethod
    def _parse(cls, text: str, catalog: Catalog) -> Question:
        vocab = catalog.vocab
        terms: dict[str, float] = {}
        parts = _ASKS_PARTS.search(text) is not None
        for t in content_terms(text):
            mapped = vocab.resolve(_PART_VERBS.get(t, t) if parts else t)
            if mapped is None and t in _PARAPHRASES:
                mapped = vocab.resolve(_PARAPHRASES[t])
            terms[mapped or f"?{t}"] = vocab.idf(mapped)
        wants = _HAS_NUMBER if _ASKS_NUMBER.search(text) else _HAS_YEAR if _ASKS_YEAR.search(text) else (
            _HAS_NAME if _ASKS_NAME.search(text) else _HAS_PLACE if _ASKS_PLACE.search(text) else
            _HAS_EXAMPLE if _ASKS_EXAMPLE.search(text) else _HAS_PARTS if parts else None)
        needs = _HAS_COST if _ASKS_COST.search(text) else _HAS_DOSE if _ASKS_DOSE.search(text) else None
        counted = _ASKS_COUNT.search(text)
        stem = content_terms(counted.group(1)) if counted else []
        counts = re.compile(r"\b\d[\d,]*\s+(?:[\w-]+\s+){0,3}?" + re.escape(stem[0]) + r"\w*", re.I) if stem else None
        return cls(text, terms, wants, needs, bool(_ASKS_SOURCE.search(text)), counts, stem[0] if stem else "")

    @property
    def absent_share(self) -> float:
        """The idf-weighted share of the question's terms that the corpus does not contain at all."""
        total = sum(self.terms.values())
        return sum(w for t, w in self.terms.items() if t.startswith("?")) / total if total else 1.0

    def coverage(self, sentence_terms: set[str]) -> float:
        """The idf-weighted share of the question's terms a text contains."""
        total = sum(self.terms.values())
        return sum(w for t, w in self.terms.items() if t in sentence_terms) / total if total else 0.0


def has_wanted(q: Question, clean: str, catalog: Catalog) -> bool:
    """Whether a text states what the question asks for. For 'who' that is a person's name: a
    "Dr. Chin", or two capitalised words the corpus never writes in lower case ("Rick Derby", not
    "Spine Journal" or "Mayo Clinic", whose words are also common nouns)."""
    if q.wants is not _HAS_NAME:
        return q.wants is not None and q.wants.search(clean) is not None
    if _TITLED.search(clean):
        return True
    common = _lowercase_words(catalog)
    return any(a.lower() not in common and b.lower() not in common for a, b in _HAS_NAME.findall(clean))


def _lowercase_words(catalog: Catalog) -> frozenset[str]:
    """Words the corpus writes in lower case somewhere (so they are not only names), remembered per catalog."""
    words = catalog.memo.get("lowercase_words")
    if words is None:
        words = catalog.memo["lowercase_words"] = frozenset(
            w for text in catalog.s_clean for w in _WORD.findall(text) if w.islower())
    return words


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
        flags = refs[d] = reference_list(catalog.s_clean[doc["sent_lo"] : doc["sent_hi"]])
    return flags[i - catalog.docs[d]["sent_lo"]]


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


# "Who led the trial, and which journal published it?" asks two questions; a clause that opens with
# a question word after "and" is the next one.
_NEXT_QUESTION = re.compile(r",?\s+and\s+(?=(?:what|which|who|whom|when|where|how|why)\b)", re.I)
_OPENS_QUESTION = re.compile(r"\W*(?:what|which|who|whom|when|where|how|why|is|are|was|were|do|does|did|can|"
                             r"could|should|will|would)\b", re.I)


def question_parts(question: str) -> list[str]:
    """The two or three questions a question joins with "and" ("Who led the trial and what journal was
    it in?"), or nothing when it asks one thing."""
    parts = _NEXT_QUESTION.split(question)
    if 2 <= len(parts) <= 3 and all(len(p.split()) >= 3 for p in parts) and _OPENS_QUESTION.match(parts[0]):
        return parts
    return []


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


# A question about what someone says or thinks, which a quote attributed to them answers.
_ASKS_VIEW = re.compile(r"\b(?:say|says|said|saying|think|thinks|believes?|views?|opinion|according to|quoted?|"
                        r"claims?|argues?|feels?)\b", re.I)
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


# A question about a count or a share ("how many", "what percentage", "the complication rate").
_ASKS_QUANTITY = re.compile(r"\bhow many\b|\bwhat (?:percentage|percent|proportion|share|number)\b|\brates?\b", re.I)


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


RANKER_PATH = Path(__file__).with_name("ranker_model.json")
RANKER_FEATURES = (
    "score", "cosine", "coverage", "answer_type", "form", "passage_rank", "candidate_rank", "novelty", "log_words",
    "no_end_punct", "previous_cosine", "next_cosine", "introduces_list", "has_digit", "label_evidence",
    "label_opinion", "label_marketing", "coverage_x_cosine",
)
RANK_POOL = 30  # the best-scoring sentences the ranker chooses among


def sentence_features(question: str, qvec: np.ndarray, scored: Sequence[Scored], catalog: Catalog) -> np.ndarray:
    """One row of explainable features per candidate sentence, in ``RANKER_FEATURES`` order.

    Besides the hand-weighted score they hold its parts (cosine, weighted term coverage, answer
    type, form), where the sentence came from (passage and candidate rank), how much it says beyond
    the question (novelty), its shape, its neighbours' cosine and its evidence/opinion/marketing label.
    """
    q = Question.parse(question, catalog)
    vocab = catalog.vocab
    asked = set(q.terms)
    idf = catalog.memo.setdefault("term_idf", {})
    n = len(catalog.s_doc)
    idx = np.fromiter((sc.index for sc in scored), dtype=np.int64, count=len(scored))
    prev_i, next_i = np.clip(idx - 1, 0, max(n - 1, 0)), np.clip(idx + 1, 0, max(n - 1, 0))
    cos = catalog.s_vec[idx] @ qvec if len(idx) else np.zeros(0)
    same_doc = catalog.s_doc[idx]
    prev_cos = np.where((idx > 0) & (catalog.s_doc[prev_i] == same_doc), catalog.s_vec[prev_i] @ qvec, 0.0)
    next_cos = np.where((idx < n - 1) & (catalog.s_doc[next_i] == same_doc), catalog.s_vec[next_i] @ qvec, 0.0)
    rows = []
    for r, sc in enumerate(scored):
        i = sc.index
        clean = catalog.s_clean[i]
        terms = set(catalog.s_terms[i])
        weights = {t: idf[t] if t in idf else idf.setdefault(t, vocab.idf(t)) for t in terms}
        total = sum(weights.values()) or 1.0
        novelty = sum(w for t, w in weights.items() if t not in asked) / total
        cov = q.coverage(terms)
        typed = 0.0 if q.wants is None else (1.0 if has_wanted(q, clean, catalog) else -1.0)
        label = catalog.s_label[i]
        rows.append([
            sc.score, float(cos[r]), cov, typed, _sentence_form(catalog, i),
            min(sc.passage_rank, 8) / 8, r / RANK_POOL, novelty, float(np.log1p(len(clean.split()))),
            float(not _END_PUNCT.search(clean)), float(prev_cos[r]), float(next_cos[r]),
            float(clean.rstrip().endswith(":")), float(_DIGIT.search(clean) is not None),
            float(label == "evidence"), float(label == "opinion"), float(label == "marketing"), float(cos[r]) * cov,
        ])
    return np.asarray(rows, dtype=np.float64).reshape(len(rows), len(RANKER_FEATURES))


@dataclass(frozen=True)
class Ranker:
    """Logistic regression over ``sentence_features``: how likely a sentence states what was asked.

    Trained by ``python eval/answer_ranker.py train`` on the development questions (a sentence is
    positive when it lies in a gold span or states a key fact); nothing from ``eval/heldout/``."""

    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray
    intercept: float

    @classmethod
    def from_dict(cls, d: dict) -> Ranker:
        if tuple(d["features"]) != RANKER_FEATURES:
            raise ValueError("ranker_model.json was trained on other features; "
                             "retrain it with: python eval/answer_ranker.py train")
        return cls(np.asarray(d["mean"]), np.asarray(d["scale"]), np.asarray(d["coef"]), float(d["intercept"]))

    def probabilities(self, features: np.ndarray) -> np.ndarray:
        z = ((features - self.mean) / self.scale) @ self.coef + self.intercept
        return 1.0 / (1.0 + np.exp(-z))


@lru_cache(maxsize=1)
def default_ranker() -> Ranker:
    """The shipped sentence ranker, loaded once per process."""
    return Ranker.from_dict(json.loads(RANKER_PATH.read_text(encoding="utf-8")))


def support_of(question: str, chosen: Sequence[Scored], catalog: Catalog) -> float:
    """How well the chosen sentences support an answer: the best sentence score, scaled by how much
    of the question's weighted terms the chosen sentences (and their documents' titles) cover."""
    if not chosen:
        return 0.0
    best = max(s.score for s in chosen)
    q = Question.parse(question, catalog)
    covered: set[str] = set()
    for s in chosen:
        covered.update(catalog.s_terms_expanded[s.index])
        covered.update(_title_terms(catalog, int(catalog.s_doc[s.index])))
    return best * q.coverage(covered) ** 0.5


class ExtractiveGenerator(Generator):
    """Selects the few best sentences, drops near-duplicates, and cites each one exactly."""

    name = "extractive"

    def __init__(self, settings: AnswerSettings) -> None:
        self.settings = settings
        self.ranker: Ranker | None = default_ranker() if settings.ranker == "trained" else None

    def select(self, question: str, qvec: np.ndarray, scored: list[Scored], catalog: Catalog) -> list[Scored]:
        """The sentences to answer with, chosen greedily by maximal marginal relevance: each next
        sentence is the most relevant one once its similarity to those already chosen is charged
        (``redundancy_penalty``), within a length budget and a sentence cap, never a near-duplicate.

        Relevance is the hand-weighted score, or the trained ranker's probability when it is on."""
        pool = scored[:RANK_POOL]
        if not pool:
            return []
        if self.ranker is None:
            # The hand-weighted score alone: sentences far below the best one are not answers.
            pool = [s for s in pool if s.score >= pool[0].score - self.settings.relative_cutoff]
            relevance = np.array([s.score for s in pool])
        else:
            p = self.ranker.probabilities(sentence_features(question, qvec, pool, catalog))
            # The most likely sentence always answers; the rest only if the ranker finds them likely
            # enough, so a weak candidate never fills the budget just because it is short.
            keep = [j for j in range(len(pool)) if p[j] >= self.settings.min_rank_probability or p[j] == p.max()]
            pool, relevance = [pool[j] for j in keep], p[keep]
        idx = np.fromiter((s.index for s in pool), dtype=np.int64, count=len(pool))
        vecs = catalog.s_vec[idx]
        sizes = np.array([len(catalog.s_clean[i]) for i in idx])
        budget, cap = self.settings.max_answer_chars, self.settings.max_sentences
        available = np.ones(len(pool), dtype=bool)
        nearest = np.zeros(len(pool))  # each candidate's highest similarity to a chosen sentence
        at = {int(i): j for j, i in enumerate(idx)}
        chosen: list[Scored] = []
        used = 0

        def take(s: Scored) -> None:
            nonlocal used, nearest
            chosen.append(s)
            used += len(catalog.s_clean[s.index])
            if s.index in at:
                available[at[s.index]] = False
            nearest = np.maximum(nearest, vecs @ catalog.s_vec[s.index])

        points = 0  # sentences chosen for themselves: a list's items come with it and count as one point
        while points < cap and used < budget:
            fits = available & (nearest < self.settings.duplicate_similarity)
            if chosen:
                fits &= used + sizes <= budget  # too long for what is left; a shorter one may still fit
            if not fits.any():
                break
            value = np.where(fits, relevance - self.settings.redundancy_penalty * nearest, -np.inf)
            j = int(np.argmax(value))  # a tie goes to the better-ranked candidate
            head = pool[j]
            items = list_items(catalog, head.index) if introduces_list(catalog, head.index) else []
            taken = {c.index for c in chosen}
            first = next((i for i in items if i not in taken), None)
            if first is not None and chosen and (
                used + sizes[j] + len(catalog.s_clean[first]) > budget
            ):
                available[j] = False  # a list's introduction says little without its first item
                continue
            take(head)
            points += 1
            if items:
                # A list's introduction says little alone: its items come with it, while they fit.
                for i in items:
                    if used + len(catalog.s_clean[i]) > budget:
                        break
                    if i not in taken:
                        take(pool[at[i]] if i in at else Scored(i, _INHERITED * head.score, head.passage_rank))
        return chosen

    def answer_each_part(self, chosen: list[Scored], parts: Sequence[tuple[str, np.ndarray]],
                         passages: Sequence[Passage], catalog: Catalog) -> list[Scored]:
        """The sentences chosen for the whole question, plus the best sentence for each of its parts
        that they lack ("... and what journal was it in?"), the weakest chosen ones making room."""
        have = {s.index for s in chosen}
        extra: list[Scored] = []
        for part, vec in parts:
            best = next(iter(score_sentences(part, vec, passages, catalog)), None)
            if best is not None and best.index not in have:
                extra.append(best)
                have.add(best.index)
        if not extra:
            return chosen
        room = self.settings.max_answer_chars - sum(len(catalog.s_clean[s.index]) for s in extra)
        kept = list(chosen)  # in the order chosen, so the weakest come last
        while kept and sum(len(catalog.s_clean[s.index]) for s in kept) > room:
            kept.pop()
            while kept and introduces_list(catalog, kept[-1].index):
                kept.pop()  # a list's introduction never ends the answer without its items
        return kept + extra

    def states_needed(self, q: Question, chosen: Sequence[Scored], catalog: Catalog) -> bool:
        """Whether a question about a price or a dose is answered by a core sentence that states one,
        and a question about a count or a share by a core sentence that states a number and covers
        at least ``min_count_coverage`` of the question's weighted terms.

        Only sentences within ``core_cutoff`` of the best count: a passing mention of a fee in a
        sentence chosen to round out the answer must never make it an answer about price."""
        best = max((s.score for s in chosen), default=0.0)
        core = [s.index for s in chosen if s.score >= best - self.settings.core_cutoff]
        if q.wants is _HAS_NUMBER and _ASKS_QUANTITY.search(q.text):
            # A count or a share must be stated about what was asked: "how many trials were in the
            # meta-analysis" is not answered by the 276 patients of another study.
            about = max((_coverage_in_context(q, catalog, i) for i in core if _HAS_NUMBER.search(catalog.s_clean[i])),
                        default=0.0)
            if about < self.settings.min_count_coverage:
                return False
        return q.needs is None or any(q.needs.search(catalog.s_clean[i]) for i in core)

    def generate(self, question: str, qvec: np.ndarray, passages: Sequence[Passage], catalog: Catalog,
                 parts: Sequence[tuple[str, np.ndarray]] = ()) -> Answer:
        scored = score_sentences(question, qvec, passages, catalog)
        chosen = self.answer_each_part(self.select(question, qvec, scored, catalog), parts, passages, catalog)
        support = support_of(question, chosen, catalog)
        q = Question.parse(question, catalog)
        if support < self.settings.min_support or not self.states_needed(q, chosen, catalog):
            return abstain(question, support)
        return compose(question, chosen, catalog, support, self.name)


def abstain(question: str, support: float = 0.0, generator: str = "extractive") -> Answer:
    """The plain answer for a question the corpus does not support."""
    return Answer(question=question, answer=ABSTAIN_MESSAGE, label=None, abstained=True, support=support,
                  generator=generator)


def citation_for(n: int, i: int, catalog: Catalog, score: float) -> Citation:
    """A citation of sentence ``i`` whose text is the exact original span."""
    d = catalog.docs[int(catalog.s_doc[i])]
    start, end = int(catalog.s_start[i]), int(catalog.s_end[i])
    label: Label = catalog.s_label[i]  # type: ignore[assignment]
    return Citation(n=n, doc_id=d["doc_id"], title=d["meta"].get("title", d["doc_id"]),
                    publisher=d["meta"].get("publisher", ""), label=label, text=d["text"][start:end], start=start,
                    end=end, score=round(score, 4), card_id=(d.get("card") or {}).get("card_id", ""),
                    reasons=tuple(catalog.s_reasons[i]))


def compose(question: str, chosen: list[Scored], catalog: Catalog, support: float, generator: str) -> Answer:
    """Put chosen sentences in reading order (documents by relevance, then by position) with [n] markers."""
    doc_order: dict[int, int] = {}
    for s in chosen:
        doc_order.setdefault(int(catalog.s_doc[s.index]), len(doc_order))
    ordered = sorted(chosen, key=lambda s: (doc_order[int(catalog.s_doc[s.index])], int(catalog.s_start[s.index])))
    citations = [citation_for(n, s.index, catalog, s.score) for n, s in enumerate(ordered, start=1)]
    parts = [f"{catalog.s_clean[s.index]} [{c.n}]" for s, c in zip(ordered, citations)]
    # Each quoted sentence weighs how well it answers the question, not how long it is: a long
    # sentence chosen to round out the answer must not outweigh the short one that answers it.
    weights = [max(s.score, 1e-3) for s in ordered]
    votes = [_vote(catalog, s.index) for s in ordered]
    return finish(question, " ".join(parts), citations, catalog, support, generator, weights, votes)


def _vote(catalog: Catalog, i: int) -> Label:
    """The label sentence i carries into its answer's label: its own, except that a list's label
    ("Complications Seen:"), which states nothing itself, votes as its items read."""
    unit = labelled_list(catalog, i)
    labels: list[Label] = [catalog.s_label[k] for k in (unit[1:] or [i])]  # type: ignore[misc]
    return combine(labels, [1.0] * len(labels))


def finish(question: str, text: str, citations: list[Citation], catalog: Catalog, support: float,
           generator: str, weights: list[float] | None = None, votes: list[Label] | None = None) -> Answer:
    """Label an answer from its citations and say so when only promotional sources state it.

    ``combine`` takes the label with the most weight, and an exact tie goes to the more cautious
    label (marketing, then opinion, then evidence). By default each citation weighs the answer
    text it supports (the characters before its [n] marker, shared among the markers of that
    run) times how strongly it supports the question (its score). ``votes`` are the labels the
    citations vote with, when they differ from their own (see ``_vote``)."""
    if weights is None:
        weights = [w * max(c.score, 1e-3) for w, c in zip(support_weights(text, citations), citations)]
    label = combine(votes or [c.label for c in citations], weights)
    kinds = {catalog.docs[catalog.doc_index[c.doc_id]]["meta"].get("publisher_kind", "") for c in citations}
    mixed = len({c.label for c in citations}) > 1
    reason = plain_reason(label, kinds.pop() if len(kinds) == 1 else "", mixed)
    if all(c.label == "marketing" for c in citations):
        text = f"{ONLY_PROMOTIONAL} {text}"
    return Answer(question=question, answer=text, label=label, abstained=False, citations=tuple(citations),
                  label_reason=reason, support=support, generator=generator)


_GENERATORS: dict[str, type[Generator]] = {"extractive": ExtractiveGenerator}


def register_generator(name: str, cls: type[Generator]) -> None:
    """Make a generator available by name."""
    _GENERATORS[name] = cls


def get_generator(name: str, settings: Settings) -> Generator:
    """A generator by name, configured from the caller's settings (never re-read from the environment)."""
    from .errors import InputError

    if name == "llm" and "llm" not in _GENERATORS:
        from . import generate_llm  # noqa: F401  registers itself
    try:
        cls = _GENERATORS[name]
    except KeyError:
        raise InputError(f"Unknown answer generator '{name}'; choose one of: {', '.join(sorted(_GENERATORS))}.") from None
    return cls.from_settings(settings)
