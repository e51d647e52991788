"""Trace a claim to the sentences of the corpus that state it, with a support verdict.

Every sentence in the index is a candidate: the claim is embedded once and compared by
cosine with all precomputed sentence vectors, then combined with how many of the claim's
content words (weighted by rarity) the sentence contains and whether its numbers agree.
"""

from __future__ import annotations

import math
import re
import threading
import weakref
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from .terms import content_terms
from .errors import InputError
from .question import clean_question

if TYPE_CHECKING:
    from .index import Catalog, Index

Verdict = Literal["supported", "related", "not_found"]

MAX_CLAIM_CHARS = 2000
# Weights and thresholds calibrated on eval/data/claims_dev.jsonl only (31 supported, 8 not found);
# the held-out claims are never used to choose them. On dev, every supported claim's sentence
# ranks first and scores 0.45-0.98; the best match of a not-found claim scores at most 0.51, so
# "supported" starts just above it. tests/test_trace.py measures dev and held-out accuracy.
W_COSINE = 0.60
W_TERMS = 0.40
NUMBER_PENALTY = 0.15  # a claim number the sentence does not state makes a match much weaker
CONTEXT_WEIGHT = 0.5  # the previous sentence's share of a sentence's in-context vector
PREV_TERM_WEIGHT = 0.5  # a claim word found only in the previous sentence counts half
CONTEXT_PENALTY = 0.03  # reading a sentence with its neighbour must beat reading it alone by this much
SUPPORTED_AT = 0.53
RELATED_AT = 0.40

_WORD = re.compile(r"[^\W_]+(?:[-'’][^\W_]+)*|\d+(?:[.,]\d+)*%?")
_NUMBER = re.compile(r"(?<![\w.])\d+(?:,\d{3})*(?:\.\d+)?(?![\d])")
_UNITS = {"zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
          "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
          "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19}
_TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80,
         "ninety": 90}
_WORD_NUMBER = re.compile(
    r"\b(?:(" + "|".join(_TENS) + r")(?:[-\s](" + "|".join(k for k in _UNITS if 0 < _UNITS[k] < 10) + r"))?|("
    + "|".join(_UNITS) + r"))\b", re.IGNORECASE)
_REFERS_BACK = re.compile(r"\W*(?:this|these|that|those|it|its|they|their|them|such|he|she|his|her|both)\b",
                          re.IGNORECASE)
_HUNDRED = re.compile(r"\b(hundred|thousand)\b", re.IGNORECASE)


@dataclass(frozen=True)
class TraceMatch:
    """One sentence of the corpus that may state the claim; ``text`` is the file's text at [start, end)."""

    doc_id: str
    title: str
    publisher: str
    label: str
    text: str
    start: int
    end: int
    score: float
    cosine: float
    term_overlap: float
    verdict: Verdict
    highlights: tuple[tuple[int, int], ...] = ()  # matched words, as [start, end) offsets within ``text``

    def to_json(self) -> dict[str, Any]:
        """The CLI contract for one match."""
        return {"doc_id": self.doc_id, "title": self.title, "label": self.label, "text": self.text,
                "start": self.start, "end": self.end, "score": round(self.score, 4)}


@dataclass(frozen=True)
class TraceResult:
    """A claim, its verdict (from the best match) and the best-matching sentences, ranked."""

    claim: str
    verdict: Verdict
    matches: tuple[TraceMatch, ...] = field(default_factory=tuple)

    def to_json(self) -> dict[str, Any]:
        """The stable CLI contract: ``{"claim", "verdict", "matches": [...]}``."""
        return {"claim": self.claim, "verdict": self.verdict, "matches": [m.to_json() for m in self.matches]}


def verdict_for(score: float) -> Verdict:
    """The support verdict a match score earns."""
    if score >= SUPPORTED_AT:
        return "supported"
    if score >= RELATED_AT:
        return "related"
    return "not_found"


def _to_float(s: str) -> float | None:
    try:
        return float(s.replace(",", ""))
    except ValueError:
        return None


def numbers_in(text: str) -> list[float]:
    """The numbers a text states, in digits or in words ("forty-seven" is 47)."""
    out = [v for v in (_to_float(m.group(0)) for m in _NUMBER.finditer(text)) if v is not None]
    for m in _WORD_NUMBER.finditer(text):
        tens, unit, single = m.group(1), m.group(2), m.group(3)
        if single:
            value = _UNITS[single.lower()]
            if value == 1:
                continue  # "one" is mostly not a quantity ("one of the ...")
        else:
            value = _TENS[tens.lower()] + (_UNITS[unit.lower()] if unit else 0)
        nxt = _HUNDRED.match(text, m.end() + 1) if m.end() < len(text) else None
        if nxt:
            value *= 100 if nxt.group(1).lower() == "hundred" else 1000
        out.append(float(value))
    return out


def _agrees(claimed: float, stated: float) -> bool:
    # "about 3%" agrees with 3.3%: a claim may round what the source states to a whole number.
    return claimed == stated or (claimed.is_integer() and math.floor(stated + 0.5) == claimed)


def number_agreement(claim_numbers: list[float], sentence_numbers: list[float]) -> float:
    """The share of the claim's numbers that the sentence states (1.0 when the claim has none)."""
    if not claim_numbers:
        return 1.0
    hits = sum(1 for c in claim_numbers if any(_agrees(c, s) for s in sentence_numbers))
    return hits / len(claim_numbers)


class _Terms:
    """Per-catalog cache: each sentence's content terms and numbers, term rarity (IDF), postings,
    and each sentence's vector read together with the sentence before it."""

    def __init__(self, catalog: Catalog) -> None:
        self.terms = [frozenset(t) for t in catalog.s_terms]  # the snapshot's content words, not worked out again
        self.numbers = [numbers_in(t) for t in catalog.s_clean]
        self.postings: dict[str, list[int]] = {}
        for i, ts in enumerate(self.terms):
            for t in ts:
                self.postings.setdefault(t, []).append(i)
        n = max(len(self.terms), 1)
        self.n = n
        self.idf = {t: math.log(1 + n / len(ids)) for t, ids in self.postings.items()}
        doc = catalog.s_doc
        self.prev = np.full(len(self.terms), -1, dtype=np.int64)
        if len(doc) > 1:
            same = doc[1:] == doc[:-1]
            self.prev[1:][same] = np.arange(len(doc) - 1)[same]
        # Only a sentence that opens by pointing back ("This can often be done ...") is read with
        # the one before it; any other sentence would borrow words it does not state.
        refers_back = np.array([bool(_REFERS_BACK.match(t)) for t in catalog.s_clean], dtype=bool)
        has_prev = (self.prev >= 0) & refers_back
        ctx = catalog.s_vec.astype(np.float32, copy=True)
        ctx[has_prev] += CONTEXT_WEIGHT * catalog.s_vec[self.prev[has_prev]]
        self.ctx_vec = ctx / np.maximum(np.linalg.norm(ctx, axis=1, keepdims=True), 1e-12)
        self.has_prev = has_prev
        # Every stated number, flat, with the sentence that states it: agreement is then array work.
        self.num_vals = np.array([v for ns in self.numbers for v in ns], dtype=np.float64)
        self.num_owner = np.array([i for i, ns in enumerate(self.numbers) for _ in ns], dtype=np.int64)

    def number_agreement(self, claim_numbers: list[float]) -> tuple[np.ndarray, np.ndarray]:
        """``number_agreement`` of every sentence, read alone and together with the sentence before it."""
        n = len(self.terms)
        alone, with_prev = np.zeros(n), np.zeros(n)
        before = self.prev >= 0
        for c in claim_numbers:
            hit = self.num_vals == c
            if float(c).is_integer():
                hit |= np.floor(self.num_vals + 0.5) == c
            has = np.zeros(n, dtype=bool)
            has[self.num_owner[hit]] = True
            alone += has
            with_prev += has | (before & has[np.maximum(self.prev, 0)])
        k = max(len(claim_numbers), 1)
        return alone / k, with_prev / k

    def weight(self, term: str) -> float:
        """A term's rarity; a term no sentence contains weighs as much as the rarest."""
        return self.idf.get(term, math.log(1 + self.n))


# Keyed by id() with a weak reference to check identity: a Catalog is an unhashable dataclass,
# and an index reopened after an ingest is a new catalog that needs its own terms.
_CACHE: dict[int, tuple[weakref.ref[Any], _Terms]] = {}
_CACHE_LOCK = threading.Lock()


def _terms_for(catalog: Catalog) -> _Terms:
    with _CACHE_LOCK:
        hit = _CACHE.get(id(catalog))
        if hit is not None and hit[0]() is catalog:
            return hit[1]
        for key in [k for k, (ref, _) in _CACHE.items() if ref() is None]:
            del _CACHE[key]
        terms = _Terms(catalog)
        _CACHE[id(catalog)] = (weakref.ref(catalog), terms)
        return terms


def highlight_ranges(text: str, claim_terms: set[str], claim_numbers: list[float]) -> tuple[tuple[int, int], ...]:
    """[start, end) ranges of the words in ``text`` that match the claim's content words or numbers."""
    out = []
    for m in _WORD.finditer(text):
        word = m.group(0)
        nums = numbers_in(word)
        if claim_terms.intersection(content_terms(word)) or (
                nums and any(_agrees(c, n) for c in claim_numbers for n in nums)):
            out.append((m.start(), m.end()))
    return tuple(out)


def clean_claim(claim: str) -> str:
    """A claim with control characters and extra spaces removed; raises InputError if empty or too long."""
    return clean_question(claim, MAX_CLAIM_CHARS, what="claim")


def _match(cos, overlap, agree):  # noqa: ANN001, ANN202  (floats or arrays alike)
    """How well a sentence states a claim: its cosine, the claim's words it contains, numbers that agree."""
    return W_COSINE * cos + W_TERMS * overlap - NUMBER_PENALTY * (1.0 - agree)


def score_claim(claim: str, cvec: np.ndarray, catalog: Catalog) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Scores of every sentence for a claim, with the cosine and term-overlap parts.

    A sentence that opens by pointing back is also read with the sentence before it, because
    "This can often be done on an outpatient basis." only states a claim together with what
    "this" refers to; the better of the two readings counts.
    """
    terms = _terms_for(catalog)
    n = len(catalog.s_clean)
    c_terms = set(content_terms(claim))
    c_numbers = numbers_in(claim)
    total = sum(terms.weight(t) for t in c_terms) or 1.0
    own = np.zeros(n, dtype=np.float64)
    from_prev = np.zeros(n, dtype=np.float64)
    nxt = np.full(n, -1, dtype=np.int64)
    nxt[terms.prev[terms.has_prev]] = np.flatnonzero(terms.has_prev)
    for t in c_terms:
        ids = np.asarray(terms.postings.get(t, ()), dtype=np.int64)
        if not len(ids):
            continue
        w = terms.weight(t) / total
        own[ids] += w
        follow = nxt[ids]
        follow = follow[follow >= 0]
        mask = np.ones(n, dtype=bool)
        mask[ids] = False  # the term is counted once, where the sentence itself states it
        from_prev[follow[mask[follow]]] += w
    cos = (catalog.s_vec @ cvec).astype(np.float64) if n else np.zeros(0)
    ctx_cos = (terms.ctx_vec @ cvec).astype(np.float64) if n else np.zeros(0)
    if c_numbers:
        agree, ctx_agree = terms.number_agreement(c_numbers)
    else:
        agree = ctx_agree = np.ones(n)
    alone = _match(cos, own, agree)
    ctx_overlap = own + PREV_TERM_WEIGHT * from_prev
    with_prev = _match(ctx_cos, ctx_overlap, ctx_agree) - CONTEXT_PENALTY
    with_prev[~terms.has_prev] = -np.inf
    use_prev = with_prev > alone
    return np.where(use_prev, with_prev, alone), np.where(use_prev, ctx_cos, cos), np.where(use_prev, ctx_overlap, own)


def score_claim_at(claim: str, cvec: np.ndarray, catalog: Catalog, ids: np.ndarray, cos: np.ndarray,
                   floor: float = -np.inf) -> np.ndarray:
    """``score_claim``'s scores of the sentences ``ids`` only, with the same arithmetic in the same order,
    so each equals the full pass's value (to float32 rounding of the in-context cosine). ``cos`` holds
    their cosines to the claim. A sentence that cannot reach ``floor`` even with every number agreeing
    scores below it, without its numbers being read.

    Only those sentences (and the ones before them) are read: term rarity comes from the catalog's
    vocabulary, so nothing is built over the whole index.
    """
    vocab = catalog.vocab
    n_all = max(vocab.n, 1)

    def weight(t: str) -> float:
        df = vocab.df.get(t, 0)
        return math.log(1 + n_all / df) if df else math.log(1 + n_all)

    c_terms = set(content_terms(claim))
    c_numbers = numbers_in(claim)
    total = sum(weight(t) for t in c_terms) or 1.0
    present = [(t, weight(t) / total) for t in c_terms if vocab.df.get(t, 0)]  # in the full pass's order
    ids = np.asarray(ids, dtype=np.int64)
    m = len(ids)
    doc, clean = catalog.s_doc, catalog.s_clean
    prev = np.where((ids > 0) & (doc[np.maximum(ids - 1, 0)] == doc[ids]), ids - 1, -1)
    has_prev = np.array([p >= 0 and _REFERS_BACK.match(clean[i]) is not None for i, p in zip(ids.tolist(), prev.tolist())],
                        dtype=bool)
    sets = _term_sets(catalog)
    own, from_prev = np.zeros(m), np.zeros(m)
    for k, (i, p, hp) in enumerate(zip(ids.tolist(), prev.tolist(), has_prev.tolist())):
        mine, before = sets(i), sets(p) if hp else frozenset()
        o = f = 0.0
        for t, w in present:  # summed in the same order as the full pass, so they round alike
            if t in mine:
                o += w
            elif t in before:
                f += w
        own[k], from_prev[k] = o, f
    ctx_cos = np.zeros(m)
    if has_prev.any():
        ctx = catalog.s_vec[ids[has_prev]].astype(np.float32, copy=True)
        ctx += CONTEXT_WEIGHT * catalog.s_vec[prev[has_prev]]
        ctx /= np.maximum(np.linalg.norm(ctx, axis=1, keepdims=True), 1e-12)
        ctx_cos[has_prev] = (ctx @ cvec).astype(np.float64)
    cos = np.asarray(cos, dtype=np.float64)
    ctx_overlap = own + PREV_TERM_WEIGHT * from_prev
    agree, ctx_agree = np.ones(m), np.ones(m)
    if c_numbers:
        best = np.maximum(_match(cos, own, 1.0), np.where(has_prev, _match(ctx_cos, ctx_overlap, 1.0) - CONTEXT_PENALTY,
                                                          -np.inf))
        read = _numbers_memo(catalog)
        kk = max(len(c_numbers), 1)
        for k in np.flatnonzero(best >= floor).tolist():
            i, p = int(ids[k]), int(prev[k])
            mine = [any(_agrees(c, v) for v in read(i)) for c in c_numbers]
            agree[k] = sum(mine) / kk
            ctx_agree[k] = (sum(a or any(_agrees(c, v) for v in read(p)) for a, c in zip(mine, c_numbers)) / kk
                            if p >= 0 else agree[k])
    alone = _match(cos, own, agree)
    with_prev = _match(ctx_cos, ctx_overlap, ctx_agree) - CONTEXT_PENALTY
    with_prev[~has_prev] = -np.inf
    return np.where(with_prev > alone, with_prev, alone)


def _per_sentence(catalog: Catalog, name: str, make):  # noqa: ANN001, ANN202
    """``make(i)`` for sentence i, made on first use and remembered per catalog under ``name``."""
    memo = catalog.memo.setdefault(name, {})

    def get(i: int):  # noqa: ANN202
        got = memo.get(i)
        if got is None:
            got = memo[i] = make(i)
        return got

    return get


def _term_sets(catalog: Catalog):  # noqa: ANN202
    """Sentence i's content words as a set."""
    terms = catalog.s_terms
    return _per_sentence(catalog, "term_sets", lambda i: frozenset(terms[i]))


def _numbers_memo(catalog: Catalog):  # noqa: ANN202
    """Sentence i's numbers (``numbers_in``)."""
    clean = catalog.s_clean
    return _per_sentence(catalog, "numbers", lambda i: numbers_in(clean[i]))


def score_pair(claim: str, sentence: str, cvec: np.ndarray, svec: np.ndarray, catalog: Catalog) -> float:
    """``score_claim``'s score of one sentence read alone, for a sentence that need not be in the index
    (term rarity from ``catalog``)."""
    terms = _terms_for(catalog)
    c_terms = set(content_terms(claim))
    total = sum(terms.weight(t) for t in c_terms) or 1.0
    own = sum(terms.weight(t) for t in c_terms & set(content_terms(sentence))) / total
    agree = number_agreement(numbers_in(claim), numbers_in(sentence))
    return float(_match(float(cvec @ svec), own, agree))


def trace(claim: str, index: Index, top_k: int = 5) -> TraceResult:
    """The sentences across the whole corpus that best match a claim, ranked, with a verdict."""
    if top_k <= 0:
        raise InputError(f"top_k must be greater than 0, got {top_k}.")
    claim = clean_claim(claim)
    catalog = index.catalog
    cvec = index.embedder.embed_one(claim)
    score, cos, overlap = score_claim(claim, cvec, catalog)
    order = np.argsort(-score, kind="stable")[:top_k]
    c_terms, c_numbers = set(content_terms(claim)), numbers_in(claim)
    matches = []
    for i in order:
        i = int(i)
        d = catalog.docs[int(catalog.s_doc[i])]
        start, end = int(catalog.s_start[i]), int(catalog.s_end[i])
        text = d["text"][start:end]
        s = float(score[i])
        matches.append(TraceMatch(
            doc_id=d["doc_id"], title=str(d["meta"].get("title") or d["doc_id"]),
            publisher=str(d["meta"].get("publisher") or ""), label=catalog.s_label[i], text=text, start=start,
            end=end, score=s, cosine=float(cos[i]), term_overlap=float(overlap[i]), verdict=verdict_for(s),
            highlights=highlight_ranges(text, c_terms, c_numbers)))
    verdict = matches[0].verdict if matches else "not_found"
    return TraceResult(claim=claim, verdict=verdict, matches=tuple(matches))
