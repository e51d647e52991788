"""The assembled pipeline: retrieve → answer → label, behind one object the CLI and UI share."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np

from .question import clean_question  # noqa: F401  (re-exported: the CLI, UI and eval clean input with it)
from .index import Index
from .records import Answer
from .settings import Settings, get_settings

if TYPE_CHECKING:
    from .generator import Generator
    from .retrieve import Retriever

class Assistant:
    """Opens the index once and answers questions with cited, labelled answers."""

    def __init__(self, settings: Settings | None = None, index: Index | None = None,
                 generator: str | None = None, mode: str = "hybrid") -> None:
        from .generator import get_generator
        from .retrieve import Retriever

        self.settings = settings or get_settings()
        self.index = index or Index.open(self.settings)
        self.retriever: Retriever = Retriever(self.index, self.settings.retrieve, mode)
        self.generator: Generator = get_generator(generator or self.settings.generator, self.settings)
        self._lock = threading.Lock()
        self._prepared: dict[str, tuple[np.ndarray, list[tuple[str, np.ndarray]]]] = {}

    def ask(self, question: str) -> Answer:
        """Answer one question (or abstain), with citations resolving every [n]."""
        q, qvec, parts = self.prepare(question)
        index, retriever = self.index, self.retriever  # one index for the whole answer, even if a refresh lands
        passages = retriever.run(q, qvec)
        return self._corroborated(self.generator.generate(q, qvec, passages, index.catalog, parts), index)

    def refresh(self) -> None:
        """With a Chroma server: move to another replica's newer commit, if one has landed (checked at most
        every ``refresh_s``; a request that starts later than that after a commit is answered from it)."""
        if self.index.changed():
            from .retrieve import Retriever

            index = Index.open(self.settings)
            with self._lock:
                self.index, self.retriever = index, Retriever(index, self.settings.retrieve, self.retriever.mode)

    def prepare(self, question: str) -> tuple[str, np.ndarray, list[tuple[str, np.ndarray]]]:
        """The cleaned question, its vector and its parts' (remembered for the last few questions, so the
        LangChain retriever and answer stage embed a question once between them)."""
        q = clean_question(question, self.settings.answer.max_question_chars)
        self.refresh()
        with self._lock:
            hit = self._prepared.get(q)
        if hit is None:
            hit = self._embed(q)
            with self._lock:
                self._prepared[q] = hit
                while len(self._prepared) > 32:
                    self._prepared.pop(next(iter(self._prepared)))
        return q, hit[0], hit[1]

    def answer_passages(self, question: str, passages: list, index: Index | None = None) -> Answer:
        """The answer stage alone, over passages already retrieved from ``index`` (default: the live one;
        the LangChain chain's second step)."""
        q, qvec, parts = self.prepare(question)
        index = index or self.index
        return self._corroborated(self.generator.generate(q, qvec, passages, index.catalog, parts), index)

    def _corroborated(self, answer: Answer, index: Index) -> Answer:
        """The answer with who else states its lead claim (corroborate.py)."""
        from .corroborate import corroborate

        return replace(answer, corroboration=corroborate(answer, index.catalog, index.embedder.embed_one))

    def _embed(self, q: str) -> tuple[np.ndarray, list[tuple[str, np.ndarray]]]:
        """The question's vector, and each of its parts with theirs when it asks several things (one batch)."""
        from .question import question_parts

        parts = question_parts(q)
        vecs = self.index.embedder.embed([q, *parts])
        return vecs[0], list(zip(parts, vecs[1:]))

    def stream(self, question: str) -> Iterator[str | Answer]:
        """Like ``ask``, but yield the answer's text as a model writes it, then the verified Answer last.

        Bad input raises here, before anything is yielded. A generator that cannot stream (the
        extractive one) yields only the Answer. Model-server failures raise GeneratorError while
        iterating. The streamed text is the model's draft: replace it with the final Answer.
        """
        q = clean_question(question, self.settings.answer.max_question_chars)
        return self._stream(q)

    def _stream(self, q: str) -> Iterator[str | Answer]:
        self.refresh()
        index, retriever = self.index, self.retriever
        qvec, parts = self._embed(q)
        passages = retriever.run(q, qvec)
        stream = getattr(self.generator, "stream", None)
        if stream is None:
            yield self._corroborated(self.generator.generate(q, qvec, passages, index.catalog, parts), index)
            return
        for item in stream(q, qvec, passages, index.catalog, parts=parts):
            yield self._corroborated(item, index) if isinstance(item, Answer) else item

    def as_retriever(self, k: int | None = None):  # noqa: ANN201
        """The retrieval stage as a LangChain ``BaseRetriever`` (see chain.py)."""
        from .chain import SpineQARetriever

        return SpineQARetriever(assistant=self, k=k)

    def as_chain(self):  # noqa: ANN201
        """The pipeline as a LangChain LCEL chain, retriever | answer: question in, the same Answer as ``ask``."""
        from .chain import answer_chain

        return answer_chain(self)
