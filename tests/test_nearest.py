"""The inverted file that finds a claim's nearest sentences in a large index (assistant/nearest.py)."""

from __future__ import annotations

import numpy as np

from assistant.nearest import Cells, build, nearest


def test_cells_group_every_sentence_once_and_the_same_way_each_time(seed_assistant) -> None:
    vecs = seed_assistant.index.catalog.s_vec
    cells = build(vecs)
    assert sorted(cells.order.tolist()) == list(range(len(vecs)))
    assert cells.bounds[0] == 0 and cells.bounds[-1] == len(vecs) and np.all(np.diff(cells.bounds) >= 0)
    again = build(vecs)
    assert np.array_equal(again.order, cells.order) and np.array_equal(again.centres, cells.centres)
    saved = Cells.from_arrays(cells.to_arrays())
    assert np.array_equal(saved.bounds, cells.bounds)


def test_a_sentence_finds_itself_and_reading_every_cell_is_the_exact_top_k(seed_assistant) -> None:
    vecs = seed_assistant.index.catalog.s_vec
    cells = build(vecs)
    for i in range(len(vecs)):
        assert i in nearest(cells, vecs, vecs[i], 10)  # its own cell is the one whose centre is closest
        exact = np.sort(np.argsort(-(vecs @ vecs[i]), kind="stable")[:10])
        assert np.array_equal(nearest(cells, vecs, vecs[i], 10, reads=len(vecs)), exact)
