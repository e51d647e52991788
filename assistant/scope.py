"""Scope: whether the documents speak to a question at all, before any sentence is quoted.

A question about heart rates put to a spine corpus still retrieves its nearest sentences, and they
still share a word or two with it. The gate is a small logistic model over six features that say
how close the documents come to the question, each relative to the corpus it is asked of:

- ``support``: the answer stage's support (best sentence score, scaled by term coverage);
- ``best_score``: the best candidate sentence's score;
- ``best_cosine``: the highest cosine between the question and a candidate sentence;
- ``best_coverage``: the largest idf-weighted share of the question's terms one candidate covers;
- ``absent_share``: the idf-weighted share of the question's terms the corpus never uses;
- ``passage_cosine``: the cosine between the question and the best retrieved passage.

It is trained by ``train/scope.py`` on questions from the read sets (in scope) and medical questions
outside spine care, PubMedQA's among them (out of scope for the seed corpus, in scope for an index of
PubMedQA's own abstracts), with the threshold chosen by cross-validation so that almost no answerable
question is refused. The fitted weights are in ``scope_model.json``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from .candidates import Scored, _coverage_in_context
from .question import Question
from .support import Calibration

if TYPE_CHECKING:
    from .index import Catalog
    from .records import Passage

FEATURES = ("support", "best_score", "best_cosine", "best_coverage", "absent_share", "passage_cosine")
MODEL_PATH = Path(__file__).with_name("scope_model.json")
_POOL = 6  # the best candidates by score whose cosine and coverage count


def scope_features(q: Question, qvec: np.ndarray, scored: Sequence[Scored], passages: Sequence[Passage],
                   catalog: Catalog, support: float) -> np.ndarray:
    """The gate's six features for one question (see the module docstring), in ``FEATURES`` order."""
    pool = list(scored[:_POOL])
    best_score = max((s.score for s in pool), default=0.0)
    idx = np.fromiter((s.index for s in pool), dtype=np.int64, count=len(pool))
    best_cos = float(np.max(catalog.s_vec[idx] @ qvec)) if len(idx) else 0.0
    best_cov = max((_coverage_in_context(q, catalog, s.index) for s in pool), default=0.0)
    rows = [catalog.chunk_index[p.chunk.id] for p in passages if p.chunk.id in catalog.chunk_index]
    p_cos = float(np.max(catalog.c_vec[rows] @ qvec)) if rows else 0.0
    return np.array([support, best_score, best_cos, best_cov, q.absent_share, p_cos], dtype=np.float64)


class ScopeGate:
    """In scope when the fitted model's probability is at least its threshold."""

    def __init__(self, model: Calibration) -> None:
        if tuple(model.features) != FEATURES:
            raise ValueError(f"the scope model's features {model.features} are not {FEATURES}: retrain it "
                             "with `python -m train.scope`")
        self.model = model

    def probability(self, features: np.ndarray) -> float:
        """The probability that the documents speak to the question."""
        return float(self.model.probability(features)[0])

    def in_scope(self, features: np.ndarray) -> bool:
        return self.probability(features) >= self.model.threshold


def load_model(path: Path = MODEL_PATH) -> Calibration:
    """The fitted gate from its JSON file."""
    d = json.loads(path.read_text(encoding="utf-8"))
    return Calibration(tuple(d["mean"]), tuple(d["scale"]), tuple(d["coef"]), float(d["intercept"]),
                       float(d["threshold"]), tuple(d["features"]))


def save_model(model: Calibration, path: Path = MODEL_PATH, **provenance: object) -> None:
    """Write a fitted gate, with how it was fitted, as JSON."""
    d = {"features": list(model.features), "mean": list(model.mean), "scale": list(model.scale),
         "coef": list(model.coef), "intercept": model.intercept, "threshold": model.threshold, **provenance}
    path.write_text(json.dumps(d, indent=1) + "\n", encoding="utf-8")


@lru_cache(maxsize=1)
def default_gate() -> ScopeGate:
    """The shipped gate."""
    return ScopeGate(load_model())
