"""Ranking: a trained, explainable model of how likely a candidate sentence is the one that answers
the question, and the selection of the lead and the few sentences that add to it."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from .candidates import Scored, _sentence_form, _title_terms
from .question import _END_PUNCT, _DIGIT, Question, has_wanted

if TYPE_CHECKING:
    from .index import Catalog


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
