"""Answer: the extractive generator, which needs no language model. It ranks candidate sentences,
leads with the one that best answers the question, adds at most two that say more, and abstains when
the documents do not state what was asked."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from .candidates import Scored, introduces_list, list_items, score_sentences, _INHERITED, _coverage_in_context
from .compose import abstain, compose
from .generator import Generator, register_generator
from .question import _ASKS_QUANTITY, _HAS_NUMBER, Question
from .rank import RANK_POOL, Ranker, default_ranker, sentence_features, support_of
from .records import Answer, Passage

if TYPE_CHECKING:
    from .index import Catalog
    from .settings import AnswerSettings


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


register_generator("extractive", ExtractiveGenerator)
