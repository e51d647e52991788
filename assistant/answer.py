"""Answer: the extractive generator, which needs no language model. It ranks candidate sentences,
leads with the one that best answers the question, adds at most two that say more, and abstains when
the documents do not state what was asked."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from .candidates import Scored, _coverage_in_context, is_boilerplate, score_sentences
from .compose import abstain, compose
from .generator import Generator, register_generator
from .question import Question, answer_kind, asks_personal_advice, number_phrase, specific_fact
from .rank import Ranker, default_ranker, rank, reading_runs, select, support_of
from .records import Answer, Passage
from .scope import default_gate, scope_features

if TYPE_CHECKING:
    from .index import Catalog
    from .settings import AnswerSettings


class ExtractiveGenerator(Generator):
    """Leads with the sentence that best answers, adds the few that say more, and cites each exactly."""

    name = "extractive"

    def __init__(self, settings: AnswerSettings) -> None:
        self.settings = settings
        self.ranker: Ranker | None = default_ranker() if settings.ranker == "trained" else None

    def select(self, question: str, qvec: np.ndarray, scored: list[Scored], catalog: Catalog) -> list[Scored]:
        """The sentences to answer with, the lead first (see ``rank.select``)."""
        return select(question, rank(question, qvec, scored, catalog, self.ranker), catalog, self.settings)

    def answer_each_part(self, chosen: list[Scored], parts: Sequence[tuple[str, np.ndarray]],
                         passages: Sequence[Passage], catalog: Catalog) -> list[Scored]:
        """The sentences chosen for the whole question, plus the best sentence for each of its parts
        that none of the sentences chosen for that part is among ("... and what journal was it in?"),
        the weakest chosen ones making room, within the length budget."""
        have = {s.index for s in chosen}
        extra: list[Scored] = []
        for part, vec in parts:
            picked = self.select(part, vec, score_sentences(part, vec, passages, catalog), catalog)
            # A part is answered already when a sentence chosen for it is in the answer.
            if picked and not any(s.index in have for s in picked):
                extra.append(picked[0])
                have.add(picked[0].index)
        if not extra:
            return chosen
        cap = max(self.settings.max_sentences, 1 + len(extra))
        lead, rest = chosen[:1], chosen[1: max(1, cap - len(extra))]

        def length(sentences: list[Scored]) -> int:
            return sum(len(catalog.s_clean[s.index]) for s in sentences)

        # The parts' answers must fit the length budget too: the weakest of the rest make room first.
        while rest and length(lead + rest + extra) > self.settings.max_answer_chars:
            rest.pop()
        return lead + rest + extra

    def states_needed(self, q: Question, chosen: Sequence[Scored], catalog: Catalog) -> bool:
        """Whether a question about a price or a dose is answered by a core sentence that states one,
        and a question after a specific figure (a duration, a rate, a count) by a core sentence that
        states one and covers at least ``min_count_coverage`` of the question's weighted terms.

        Only sentences within ``core_cutoff`` of the best count: a passing mention of a fee in a
        sentence chosen to round out the answer must never make it an answer about price."""
        best = max((s.score for s in chosen), default=0.0)
        core = [s.index for s in chosen if s.score >= best - self.settings.core_cutoff]
        # A figure must be stated about what was asked: "how many trials were in the
        # meta-analysis" is not answered by the 276 patients of another study.
        if specific_fact(q) is not None and not any(self.states_figure(q, i, catalog) for i in core):
            return False
        return q.needs is None or any(q.needs.search(catalog.s_clean[i]) for i in core)

    def states_figure(self, q: Question, i: int, catalog: Catalog) -> bool:
        """Whether sentence i states the figure a question asks for (a duration, a rate, a count) about
        what was asked: it has one, and it covers ``min_count_coverage`` of the question's weighted terms."""
        fact = specific_fact(q)
        return fact is not None and bool(fact[1].search(catalog.s_clean[i])) and (
            _coverage_in_context(q, catalog, i) >= self.settings.min_count_coverage)

    def lead_with_the_figure(self, q: Question, chosen: list[Scored], scored: Sequence[Scored],
                             catalog: Catalog) -> list[Scored]:
        """For a question after a specific figure (how long, a rate, a count), the lead is a sentence that
        states one about what was asked: when the chosen lead does not, the likeliest chosen sentence or
        best candidate that does (covering ``min_count_coverage`` of the question's weighted terms) leads
        instead. A sentence of the right shape about something else (another treatment's duration) never
        answers the question."""
        if specific_fact(q) is None or not chosen or self.states_figure(q, chosen[0].index, catalog):
            return chosen
        better = next((s for s in _with_best(chosen, scored, _SUPPORT_POOL)
                       if self.states_figure(q, s.index, catalog) and not is_boilerplate(catalog, s.index)), None)
        if better is None:
            return chosen
        rest = [c for c in chosen if c.index != better.index]
        return [better, *rest][: self.settings.max_sentences]

    def _candidates(self, question: str, qvec: np.ndarray, passages: Sequence[Passage], catalog: Catalog,
                    parts: Sequence[tuple[str, np.ndarray]] = ()) -> tuple[list[Scored], list[Scored], float]:
        """Every scored candidate, the sentences chosen to answer with, and their support."""
        scored = score_sentences(question, qvec, passages, catalog)
        chosen = self.answer_each_part(self.select(question, qvec, scored, catalog), parts, passages, catalog)
        # Support is judged on the best candidates as well as on the few sentences quoted, so that a
        # short answer is not refused for covering less of the question than its neighbours do.
        return scored, chosen, support_of(question, _with_best(chosen, scored, _SUPPORT_POOL), catalog)

    def in_scope(self, q: Question, qvec: np.ndarray, scored: Sequence[Scored], passages: Sequence[Passage],
                 catalog: Catalog, support: float) -> bool:
        """Whether the documents speak to the question: the learned scope gate (``scope.py``), or with
        ``answer.scope = "support"`` the support threshold alone."""
        if support < self.settings.min_support:
            return False
        if self.settings.scope == "support":
            return True
        return default_gate().in_scope(scope_features(q, qvec, scored, passages, catalog, support))

    def scope_features(self, question: str, qvec: np.ndarray, passages: Sequence[Passage], catalog: Catalog,
                       parts: Sequence[tuple[str, np.ndarray]] = ()) -> np.ndarray:
        """The scope gate's features for a question, as ``generate`` computes them (for training)."""
        scored, _, support = self._candidates(question, qvec, passages, catalog, parts)
        return scope_features(Question.parse(question, catalog), qvec, scored, passages, catalog, support)

    def generate(self, question: str, qvec: np.ndarray, passages: Sequence[Passage], catalog: Catalog,
                 parts: Sequence[tuple[str, np.ndarray]] = ()) -> Answer:
        scored, chosen, support = self._candidates(question, qvec, passages, catalog, parts)
        q = Question.parse(question, catalog)
        advice = asks_personal_advice(question)
        if not self.in_scope(q, qvec, scored, passages, catalog, support):
            return abstain(question, support, advice=advice)
        chosen = self.lead_with_the_figure(q, chosen, scored, catalog)
        if not self.states_needed(q, chosen, catalog):
            # A price or a dose nobody states is simply not in the documents; a figure about something
            # they do discuss is a near miss, and the reply names what they discuss.
            fact = None if q.needs is not None else specific_fact(q)
            topic = _topic(chosen, catalog) if fact else ""
            return abstain(question, support, advice=advice, topic=topic, what=fact[0] if fact else "")
        return compose(question, reading_runs(chosen, catalog), catalog, support, self.name,
                       kind=answer_kind(q), advice=advice, within=number_phrase(q) if answer_kind(q) == "number" else None)


_SUPPORT_POOL = 6  # the best candidates by score that support is judged on besides the quoted sentences


def _with_best(chosen: Sequence[Scored], scored: Sequence[Scored], n: int) -> list[Scored]:
    have = {s.index for s in chosen}
    return [*chosen, *(s for s in scored[:n] if s.index not in have)]


def _topic(chosen: Sequence[Scored], catalog: Catalog) -> str:
    """What the lead's document is about, in its own title's words, for a near miss's reply."""
    for s in chosen:
        if not is_boilerplate(catalog, s.index):
            title = str(catalog.docs[int(catalog.s_doc[s.index])]["meta"].get("title", "")).strip()
            return f"“{title}”" if title else ""
    return ""


register_generator("extractive", ExtractiveGenerator)
