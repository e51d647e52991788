"""Nearest sentences by vector without reading every vector: an inverted file over the sentence vectors.

The vectors are grouped into about sqrt(n) cells by a few rounds of k-means (seeded, so the same vectors
always give the same cells). A query compares itself with the cells' centres, reads the sentences of the
closest cells until it holds ``reads`` times as many as it wants, and keeps the nearest of those by exact
cosine. It is approximate: a sentence whose cell is not among the closest is missed, however near it is.

The cells are built when the snapshot is written, and only for an index of at least ``CELLS_FROM``
sentences; a smaller one is scanned whole, which costs less than a millisecond per 10,000 sentences.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

CELLS_FROM = 100_000  # sentences; below this one pass over every vector is cheap enough
ROUNDS = 6  # k-means rounds: the cells need only be good enough to find near neighbours together
SAMPLE_PER_CELL = 32  # the centres are fitted on this many sentences per cell, not on all of them
READS = 8  # a query reads this many times as many sentences as it keeps


@dataclass(frozen=True)
class Cells:
    """The cells of an index's sentence vectors."""

    centres: np.ndarray  # (cells, dim) float32, normalised
    order: np.ndarray  # sentence ids, grouped by cell
    bounds: np.ndarray  # cell c holds order[bounds[c] : bounds[c + 1]]

    def to_arrays(self) -> dict[str, np.ndarray]:
        """The arrays to save (``np.savez``)."""
        return {"centres": self.centres, "order": self.order, "bounds": self.bounds}

    @classmethod
    def from_arrays(cls, z) -> Cells:  # noqa: ANN001  (an NpzFile or a mapping of arrays)
        """Cells saved by ``to_arrays``."""
        return cls(np.asarray(z["centres"]), np.asarray(z["order"]), np.asarray(z["bounds"]))


def _assign(vecs: np.ndarray, centres: np.ndarray, block: int = 16384) -> np.ndarray:
    out = np.empty(len(vecs), dtype=np.int32)
    for b in range(0, len(vecs), block):
        out[b : b + block] = np.argmax(np.asarray(vecs[b : b + block]) @ centres.T, axis=1)
    return out


def _normalised(x: np.ndarray) -> np.ndarray:
    return (x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)).astype(np.float32)


def build(vecs: np.ndarray, seed: int = 0) -> Cells:
    """Cells for normalised sentence vectors (spherical k-means on a sample, then every vector assigned)."""
    n = len(vecs)
    k = max(1, int(round(np.sqrt(n))))
    rng = np.random.default_rng(seed)
    sample = np.asarray(vecs[np.sort(rng.choice(n, min(n, SAMPLE_PER_CELL * k), replace=False))], dtype=np.float32)
    centres = sample[rng.choice(len(sample), k, replace=False)].copy()
    for _ in range(ROUNDS):
        assign = _assign(sample, centres)
        idx = np.argsort(assign, kind="stable")
        cells, starts = np.unique(assign[idx], return_index=True)
        centres[cells] = _normalised(np.add.reduceat(sample[idx], starts, axis=0))  # an empty cell keeps its centre
    assign = _assign(vecs, centres)
    order = np.argsort(assign, kind="stable").astype(np.int32)
    bounds = np.searchsorted(assign[order], np.arange(k + 1)).astype(np.int64)
    return Cells(centres, order, bounds)


def nearest(cells: Cells, vecs: np.ndarray, query: np.ndarray, k: int, reads: int = READS) -> np.ndarray:
    """About the ``k`` sentences nearest ``query`` by cosine: the nearest among those of the closest cells."""
    picked, held = [], 0
    for c in np.argsort(-(cells.centres @ query)):
        lo, hi = int(cells.bounds[c]), int(cells.bounds[c + 1])
        if hi > lo:
            picked.append(cells.order[lo:hi])
            held += hi - lo
        if held >= reads * k:
            break
    ids = np.sort(np.concatenate(picked)) if picked else np.zeros(0, dtype=np.int64)
    if len(ids) <= k:
        return ids.astype(np.int64)
    cos = vecs[ids] @ query
    return np.sort(ids[np.argpartition(-cos, k - 1)[:k]]).astype(np.int64)
