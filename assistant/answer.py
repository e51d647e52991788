"""Answer: compose a short answer from retrieved passages, every sentence cited, or abstain.

Generators sit behind ``Generator`` and are chosen by name. The default, extractive one
needs no language model: it picks the sentences that best answer the question.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np

from .label import combine, plain_reason
from .records import Answer, Citation, Label, Passage

if TYPE_CHECKING:
    from .index import Catalog
    from .settings import AnswerSettings

ABSTAIN_MESSAGE = "I couldn't find this in the documents I have, so I can't answer it."
ONLY_PROMOTIONAL = "Only promotional sources state this."
_TOKEN = re.compile(r"[^\W_]+(?:[-'’][^\W_]+)*|\d+(?:\.\d+)?%?")


@lru_cache(maxsize=1)
def _stemmer():  # noqa: ANN202
    import Stemmer

    return Stemmer.Stemmer("english")


@lru_cache(maxsize=1)
def _stopwords() -> frozenset[str]:
    from bm25s.stopwords import STOPWORDS_EN

    extra = {"what", "which", "who", "whom", "why", "how", "when", "where", "does", "did", "do", "can", "could",
             "would", "tell", "me", "about", "much", "many", "explain", "describe", "mean", "means", "say", "says"}
    return frozenset(STOPWORDS_EN) | extra


def content_terms(text: str) -> list[str]:
    """Lower-cased, stemmed content words of a text (stop words removed)."""
    stop = _stopwords()
    words = [w.lower().replace("’", "'") for w in _TOKEN.findall(text)]
    return _stemmer().stemWords([w for w in words if w not in stop and (len(w) > 1 or w.isdigit())])


@dataclass(frozen=True)
class Scored:
    """A candidate sentence (global index in the catalog) with its answer score."""

    index: int
    score: float
    passage_rank: int


class Generator(ABC):
    """Turns a question and its passages into an answer whose [n] markers resolve to citations."""

    name = "base"

    @abstractmethod
    def generate(self, question: str, qvec: np.ndarray, passages: Sequence[Passage], catalog: Catalog) -> Answer:
        """The answer, or an abstention."""


def score_sentences(question: str, qvec: np.ndarray, passages: Sequence[Passage], catalog: Catalog) -> list[Scored]:
    """Score every sentence of the passages against the question (cosine plus term coverage)."""
    q_terms = set(content_terms(question))
    seen: dict[int, Scored] = {}
    for rank, p in enumerate(passages):
        d_idx = catalog.doc_index[p.chunk.doc_id]
        base = catalog.docs[d_idx]["sent_lo"]
        for local in range(*p.chunk.sentences):
            i = base + local
            if i in seen:
                continue
            cos = float(catalog.s_vec[i] @ qvec)
            terms = content_terms(catalog.s_clean[i])
            coverage = len(q_terms & set(terms)) / len(q_terms) if q_terms else 0.0
            # Headings and fragments match a question's words but answer nothing.
            brevity = min(1.0, len(terms) / 6.0) ** 0.5
            seen[i] = Scored(i, (0.75 * cos + 0.25 * coverage) * brevity, rank)
    return sorted(seen.values(), key=lambda s: (-s.score, s.index))


class ExtractiveGenerator(Generator):
    """Selects the few best sentences, drops near-duplicates, and cites each one exactly."""

    name = "extractive"

    def __init__(self, settings: AnswerSettings) -> None:
        self.settings = settings

    def select(self, scored: list[Scored], catalog: Catalog) -> list[Scored]:
        """The sentences to answer with, by score, without near-duplicates."""
        if not scored:
            return []
        best = scored[0].score
        chosen: list[Scored] = []
        for s in scored:
            if len(chosen) >= self.settings.max_sentences or s.score < best - self.settings.relative_cutoff:
                break
            vec = catalog.s_vec[s.index]
            if any(float(vec @ catalog.s_vec[c.index]) >= self.settings.duplicate_similarity for c in chosen):
                continue
            chosen.append(s)
        return chosen

    def generate(self, question: str, qvec: np.ndarray, passages: Sequence[Passage], catalog: Catalog) -> Answer:
        scored = score_sentences(question, qvec, passages, catalog)
        support = scored[0].score if scored else 0.0
        if support < self.settings.min_support:
            return abstain(question, support)
        return compose(question, self.select(scored, catalog), catalog, support, self.name)


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
    return finish(question, " ".join(parts), citations, catalog, support, generator)


def finish(question: str, text: str, citations: list[Citation], catalog: Catalog, support: float,
           generator: str) -> Answer:
    """Label an answer from its citations (weighted by how much text each supports) and note promotion."""
    weights = [len(c.text) * max(c.score, 1e-3) for c in citations]
    label = combine([c.label for c in citations], weights)
    kinds = {catalog.docs[catalog.doc_index[c.doc_id]]["meta"].get("publisher_kind", "") for c in citations}
    reason = plain_reason(label, kinds.pop() if len(kinds) == 1 else "")
    if all(c.label == "marketing" for c in citations):
        text = f"{ONLY_PROMOTIONAL} {text}"
    return Answer(question=question, answer=text, label=label, abstained=False, citations=tuple(citations),
                  label_reason=reason, support=support, generator=generator)


_GENERATORS: dict[str, type[Generator]] = {"extractive": ExtractiveGenerator}


def register_generator(name: str, cls: type[Generator]) -> None:
    """Make a generator available by name."""
    _GENERATORS[name] = cls


def get_generator(name: str, settings: AnswerSettings) -> Generator:
    """A generator by name."""
    from .errors import InputError

    if name == "llm" and "llm" not in _GENERATORS:
        from . import generate_llm  # noqa: F401  registers itself
    try:
        cls = _GENERATORS[name]
    except KeyError:
        raise InputError(f"Unknown answer generator '{name}'; choose one of: {', '.join(sorted(_GENERATORS))}.") from None
    return cls(settings)  # type: ignore[call-arg]
