"""Retrieve: hybrid search that fuses dense (Chroma) and BM25 hits by reciprocal rank, then diversifies."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .records import Passage

if TYPE_CHECKING:
    from .index import Index
    from .settings import RetrieveSettings

MODES = ("hybrid", "dense", "bm25")


def rrf(rankings: list[list[int]], k: int) -> dict[int, float]:
    """Reciprocal-rank fusion: each list adds 1 / (k + rank) to the items it ranks (rank from 1)."""
    if k <= 0:
        raise ValueError(f"rrf k must be greater than 0, got {k}")
    scores: dict[int, float] = {}
    for ranking in rankings:
        for rank, item in enumerate(ranking, start=1):
            scores[item] = scores.get(item, 0.0) + 1.0 / (k + rank)
    return scores


def mmr(candidates: list[int], relevance: dict[int, float], vectors: np.ndarray, top_k: int, lam: float) -> list[int]:
    """Maximal marginal relevance: trade relevance against similarity to what is already chosen."""
    if not candidates:
        return []
    rel = np.array([relevance[c] for c in candidates], dtype=np.float64)
    rel = (rel - rel.min()) / (rel.max() - rel.min()) if rel.max() > rel.min() else np.ones_like(rel)
    vecs = vectors[candidates]
    sims = vecs @ vecs.T
    chosen: list[int] = []
    left = list(range(len(candidates)))
    while left and len(chosen) < top_k:
        if chosen:
            redundancy = sims[np.ix_(left, chosen)].max(axis=1)
            scores = lam * rel[left] - (1 - lam) * redundancy
        else:
            scores = rel[left]
        best = left[int(np.argmax(scores))]
        chosen.append(best)
        left.remove(best)
    return [candidates[i] for i in chosen]


class Retriever:
    """Finds the passages most likely to answer a question."""

    def __init__(self, index: Index, settings: RetrieveSettings, mode: str = "hybrid") -> None:
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, got {mode!r}")
        self.index = index
        self.settings = settings
        self.mode = mode

    def run(self, question: str, qvec: np.ndarray | None = None, top_k: int | None = None) -> list[Passage]:
        """The top passages for a question, best first."""
        top_k = top_k or self.settings.top_k
        n = self.settings.candidates
        dense: list[tuple[int, float]] = []
        lexical: list[tuple[int, float]] = []
        if self.mode in ("hybrid", "dense"):
            if qvec is None:
                qvec = self.index.embedder.embed_one(question)
            dense = self.index.dense(qvec, n)
        if self.mode in ("hybrid", "bm25"):
            lexical = self.index.lexical.search(question, n)
        d_rank = {c: r for r, (c, _) in enumerate(dense, start=1)}
        l_rank = {c: r for r, (c, _) in enumerate(lexical, start=1)}
        fused = rrf([[c for c, _ in dense], [c for c, _ in lexical]], self.settings.rrf_k)
        ordered = sorted(fused, key=lambda c: (-fused[c], c))
        if self.mode == "hybrid" and self.settings.mmr_lambda < 1.0:
            ordered = mmr(ordered, fused, self.index.catalog.c_vec, top_k, self.settings.mmr_lambda)
        cat = self.index.catalog
        return [
            Passage(chunk=_chunk(cat, c), score=fused[c], dense_rank=d_rank.get(c), bm25_rank=l_rank.get(c))
            for c in ordered[:top_k]
        ]


def _chunk(cat, i: int):  # noqa: ANN001, ANN202
    from .records import Chunk

    d = cat.docs[int(cat.c_doc[i])]
    lo = int(cat.c_lo[i]) - d["sent_lo"]
    hi = int(cat.c_hi[i]) - d["sent_lo"]
    _, start, end, _, _ = d["chunks"][_local_chunk(d, cat.c_id[i])]
    return Chunk(id=cat.c_id[i], doc_id=d["doc_id"], start=start, end=end, text=d["text"][start:end], sentences=(lo, hi))


def _local_chunk(d: dict, cid: str) -> int:
    return int(cid.rsplit(":", 1)[1])
