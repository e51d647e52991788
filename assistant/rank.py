"""Ranking: a trained, explainable model of how likely a candidate sentence is the one that answers
the question, and the selection of the lead and the few sentences that add to it."""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from .candidates import (_INHERITED, Scored, _coverage_in_context, _same_block, _sentence_form, _title_terms,
                         _names_list, _speaker_terms, in_references, introduces_list, is_boilerplate, list_head, list_items)
from .question import _DIGIT, _END_PUNCT, Question, answer_kind, has_wanted
from .short import find_phrase

if TYPE_CHECKING:
    from .index import Catalog
    from .settings import AnswerSettings


RANKER_PATH = Path(__file__).with_name("ranker_model.json")
RANKER_FEATURES = (
    "score", "best_gap", "cosine", "cosine_gap", "coverage", "sentence_coverage", "answer_type", "form",
    "passage_rank", "candidate_rank", "novelty", "log_words", "no_end_punct", "boilerplate", "introduces_list",
    "follows_list_label", "has_digit", "in_references", "question_mark", "label_evidence", "label_opinion",
    "label_marketing", "coverage_x_cosine", "previous_cosine", "next_cosine", "kind_match", "cosine_rank",
    "coverage_rank", "quote_by_named",
)
RANK_POOL = 30  # the best-scoring candidates the ranker chooses among


def sentence_features(question: str, qvec: np.ndarray, scored: Sequence[Scored], catalog: Catalog) -> np.ndarray:
    """One row of explainable features per candidate sentence, in ``RANKER_FEATURES`` order.

    The candidate score and its parts (cosine, weighted term coverage in context and alone, answer
    type, form), how far each is from the best candidate, where the sentence came from (passage and
    candidate rank), how much it says beyond the question (novelty), its shape (length, closing
    punctuation, page furniture, list label or item, reference entry, question mark), its neighbours'
    cosine and its evidence/opinion/marketing label.
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
    best_score = max((sc.score for sc in scored), default=0.0)
    best_cos = float(cos.max()) if len(cos) else 0.0
    kind = answer_kind(q)
    plain_cov = np.array([q.coverage(set(catalog.s_terms_expanded[sc.index])) for sc in scored])
    cos_rank = np.argsort(np.argsort(-cos, kind="stable"), kind="stable") / RANK_POOL if len(cos) else cos
    cov_rank = np.argsort(np.argsort(-plain_cov, kind="stable"), kind="stable") / RANK_POOL if len(cos) else cos
    rows = []
    for r, sc in enumerate(scored):
        i = sc.index
        clean = catalog.s_clean[i]
        terms = set(catalog.s_terms_expanded[i])
        weights = {t: idf[t] if t in idf else idf.setdefault(t, vocab.idf(t)) for t in terms}
        total = math.fsum(weights.values()) or 1.0
        novelty = math.fsum(w for t, w in weights.items() if t not in asked) / total
        cov = _coverage_in_context(q, catalog, i)
        typed = 0.0 if q.wants is None else (1.0 if has_wanted(q, clean, catalog) else -1.0)
        label = catalog.s_label[i]
        after_label = i > 0 and catalog.s_doc[i - 1] == catalog.s_doc[i] and introduces_list(catalog, i - 1)
        rows.append([
            sc.score, best_score - sc.score, float(cos[r]), best_cos - float(cos[r]), cov, q.coverage(terms), typed,
            _sentence_form(catalog, i), min(sc.passage_rank, 8) / 8, r / RANK_POOL, novelty,
            float(np.log1p(len(clean.split()))), float(not _END_PUNCT.search(clean)),
            float(is_boilerplate(catalog, i)), float(introduces_list(catalog, i)), float(after_label),
            float(_DIGIT.search(clean) is not None), float(in_references(catalog, i)), float(clean.endswith("?")),
            float(label == "evidence"), float(label == "opinion"), float(label == "marketing"), float(cos[r]) * cov,
            float(prev_cos[r]), float(next_cos[r]),
            0.0 if not kind else (1.0 if find_phrase(kind, clean, catalog) else -1.0), float(cos_rank[r]),
            float(cov_rank[r]), float(_quoted_from(q, catalog, i)),
        ])
    return np.asarray(rows, dtype=np.float64).reshape(len(rows), len(RANKER_FEATURES))


def _fragment(clean: str) -> bool:
    """A list item that does not read alone: a few words with no closing punctuation."""
    return len(clean.split()) <= _FRAGMENT_WORDS and not _END_PUNCT.search(clean)


_FRAGMENT_WORDS = 6


def _quoted_from(q: Question, catalog: Catalog, i: int) -> bool:
    """Whether sentence i is a quote by a person the question names ("what does Dr Chin say ...")."""
    speaker = _speaker_terms(catalog, i)
    return bool(speaker) and sum(t in q.terms for t in speaker) >= max(1, len(speaker) // 2)


@dataclass(frozen=True)
class Ranker:
    """Gradient-boosted trees over ``sentence_features``: how likely a candidate is a sentence that answers.

    Trained by ``python train/ranker.py train`` on the development sets' gold sentences (see that
    script); never on a held-out set nobody has read. The trees are stored flat (every tree's nodes in
    one array, children by global index) so that all of them are walked at once for all candidates."""

    feature: np.ndarray
    threshold: np.ndarray
    left: np.ndarray
    right: np.ndarray
    value: np.ndarray
    leaf: np.ndarray
    roots: np.ndarray
    depth: int
    baseline: float

    @classmethod
    def from_dict(cls, d: dict) -> Ranker:
        """A ranker from its saved form; one trained on other features is refused with the fix."""
        if tuple(d["features"]) != RANKER_FEATURES:
            raise ValueError("ranker_model.json was trained on other features; "
                             "retrain it with: python train/ranker.py train")
        a = {k: np.asarray(d[k]) for k in ("feature", "threshold", "left", "right", "value", "leaf", "roots")}
        return cls(a["feature"].astype(np.int64), a["threshold"].astype(np.float64), a["left"].astype(np.int64),
                   a["right"].astype(np.int64), a["value"].astype(np.float64), a["leaf"].astype(bool),
                   a["roots"].astype(np.int64), int(d["depth"]), float(d["baseline"]))

    def probabilities(self, features: np.ndarray) -> np.ndarray:
        """The probability that each row's sentence answers the question."""
        n = len(features)
        if n == 0:
            return np.zeros(0)
        node = np.broadcast_to(self.roots, (n, len(self.roots))).copy()
        rows = np.arange(n)[:, None]
        for _ in range(self.depth):
            goes_left = features[rows, self.feature[node]] <= self.threshold[node]
            node = np.where(self.leaf[node], node, np.where(goes_left, self.left[node], self.right[node]))
        z = self.baseline + self.value[node].sum(axis=1)
        return 1.0 / (1.0 + np.exp(-z))


@lru_cache(maxsize=1)
def default_ranker() -> Ranker:
    """The shipped sentence ranker, loaded once per process."""
    return Ranker.from_dict(json.loads(RANKER_PATH.read_text(encoding="utf-8")))


def rank(question: str, qvec: np.ndarray, scored: Sequence[Scored], catalog: Catalog,
         ranker: Ranker | None) -> list[tuple[Scored, float]]:
    """The best ``RANK_POOL`` candidates with how likely each answers, most likely first. Without a
    ranker the candidate score stands in for the probability."""
    pool = list(scored[:RANK_POOL])
    if not pool:
        return []
    p = ranker.probabilities(sentence_features(question, qvec, pool, catalog)) if ranker else np.array(
        [s.score for s in pool])
    order = sorted(range(len(pool)), key=lambda j: (-p[j], pool[j].index))
    return [(replace(pool[j], probability=float(p[j])), float(p[j])) for j in order]


def select(question: str, ranked: Sequence[tuple[Scored, float]], catalog: Catalog,
           settings: AnswerSettings) -> list[Scored]:
    """The lead and at most ``max_sentences - 1`` more, in the order they answer.

    The lead is the likeliest candidate that is not page furniture (a byline, heading, navigation,
    form text or reference stub); a reference-list entry answers only a question about a publication. Each further sentence must be likely in its own right
    (``min_rank_probability``) and against the lead (``follow_ratio``), must not restate a chosen one
    (``duplicate_similarity``), must name something the chosen ones do not, and must fit the length
    budget. A list label brings its items, and the sentence that continues a chosen one in its
    paragraph may come with it; each counts as one sentence with what it continues."""
    q = Question.parse(question, catalog)
    # A reference entry says who wrote what, where and when: it answers only such a factoid question.
    cites_ok = q.asks_source and answer_kind(q) in ("journal", "title", "date", "name")
    allowed = [(s, p) for s, p in ranked if not is_boilerplate(catalog, s.index) and (
        cites_ok or not in_references(catalog, s.index))]
    if not allowed:
        return []
    lead_p = allowed[0][1]
    chosen: list[Scored] = []
    said: set[str] = set(q.terms)
    used = 0

    def take(s: Scored) -> None:
        nonlocal used
        chosen.append(s)
        said.update(catalog.s_terms_expanded[s.index])
        used += len(catalog.s_clean[s.index])

    points = 0
    for s, p in allowed:
        if points >= settings.max_sentences:
            break
        if chosen:
            if p < max(settings.min_rank_probability, settings.follow_ratio * lead_p):
                break
            if any(s.index == c.index for c in chosen):
                continue
            vec = catalog.s_vec[s.index]
            if max(float(catalog.s_vec[c.index] @ vec) for c in chosen) >= settings.duplicate_similarity:
                continue
            if not (set(catalog.s_terms_expanded[s.index]) - said):
                continue  # says nothing the answer does not already say
            if used + len(catalog.s_clean[s.index]) > settings.max_answer_chars:
                continue
        head = list_head(catalog, s.index)
        if head is not None and all(c.index != head for c in chosen) and (
                _fragment(catalog.s_clean[s.index]) or _names_list(q, catalog, head)):
            # An item too short to stand alone ("Less blood loss"), or one of a list the question
            # names ("the two groups": "Groups:"), is quoted with its label and list.
            s = Scored(head, s.score, s.passage_rank, s.probability)
        take(s)
        points += 1
        if introduces_list(catalog, s.index):
            # A list's label says little alone: its items come with it, while they fit.
            for i in list_items(catalog, s.index):
                if used + len(catalog.s_clean[i]) > settings.max_answer_chars and len(chosen) > 1:
                    break
                if all(c.index != i for c in chosen):
                    take(Scored(i, _INHERITED * s.score, s.passage_rank, _INHERITED * s.probability))
    return chosen


def reading_runs(chosen: Sequence[Scored], catalog: Catalog) -> list[Scored]:
    """The chosen sentences in the order they answer, except that a chosen sentence that continues
    one placed before it (the next sentence of its paragraph, or an item of its list) follows it
    directly, so adjacent sentences of one passage read together and the lead stays first."""
    out: list[Scored] = []
    by_index = {s.index: s for s in chosen}
    placed: set[int] = set()
    for s in chosen:
        if s.index in placed:
            continue
        out.append(s)
        placed.add(s.index)
        items = set(list_items(catalog, s.index)) if introduces_list(catalog, s.index) else set()
        j = s.index
        while j + 1 in by_index and j + 1 not in placed and (j + 1 in items or _same_block(catalog, j, j + 1)):
            j += 1
            out.append(by_index[j])
            placed.add(j)
    return out


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
