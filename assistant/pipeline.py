"""The assembled pipeline: retrieve → answer → label, behind one object the CLI and UI share."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from typing import TYPE_CHECKING

import numpy as np

from .errors import InputError
from .index import Index
from .records import Answer
from .settings import Settings, get_settings

if TYPE_CHECKING:
    from .generator import Generator
    from .retrieve import Retriever

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
# Lone surrogates (a non-UTF-8 byte in argv arrives as one) crash the tokenizer; show them as U+FFFD.
_SURROGATE = re.compile(r"[\ud800-\udfff]")


def clean_question(text: str, limit: int, what: str = "question") -> str:
    """A question with control characters removed; raises InputError if empty or too long."""
    if not isinstance(text, str):
        raise InputError(f"The {what} must be text, got {type(text).__name__}.")
    if len(text) > limit:
        raise InputError(f"The {what} is {len(text):,} characters long; the limit is {limit:,}. Shorten it.")
    text = " ".join(_CONTROL.sub(" ", _SURROGATE.sub("\ufffd", text)).split())
    if not text:
        raise InputError(f"The {what} is empty; type a {what} about spine or pain care.")
    return text


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

    def ask(self, question: str) -> Answer:
        """Answer one question (or abstain), with citations resolving every [n]."""
        q = clean_question(question, self.settings.answer.max_question_chars)
        qvec, parts = self._embed(q)
        passages = self.retriever.run(q, qvec)
        return self.generator.generate(q, qvec, passages, self.index.catalog, parts)

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
        qvec, parts = self._embed(q)
        passages = self.retriever.run(q, qvec)
        stream = getattr(self.generator, "stream", None)
        if stream is None:
            yield self.generator.generate(q, qvec, passages, self.index.catalog, parts)
        else:
            yield from stream(q, qvec, passages, self.index.catalog, parts=parts)

    def as_chain(self):  # noqa: ANN201
        """The same pipeline as a LangChain runnable: question in, Answer out."""
        from langchain_core.runnables import RunnableLambda

        return RunnableLambda(self.ask, name="spine_qa")
