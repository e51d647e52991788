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


def test_the_cell_ordered_copy_finds_exactly_what_reading_the_index_rows_finds(seed_assistant) -> None:
    vecs = np.asarray(seed_assistant.index.catalog.s_vec)
    cells = build(vecs)
    kept = Cells.from_arrays(cells.to_arrays(), vecs[cells.order])
    for i in range(len(vecs)):
        for k in (5, 30):
            assert np.array_equal(nearest(kept, vecs, vecs[i], k), nearest(cells, vecs, vecs[i], k))


def test_a_large_snapshot_keeps_its_cells_vectors_in_cell_order_and_opens_without_them(
        small_corpus, monkeypatch) -> None:
    """With cells forced on for a small index: the snapshot holds the cells and their vectors in cell order,
    memory-mapped when it is read back; a snapshot that has lost them still opens, reading every vector."""
    from pathlib import Path

    from assistant import index as index_module
    from assistant.ingest import ingest
    from assistant.settings import load_settings

    monkeypatch.setattr(index_module, "CELLS_FROM", 0)
    settings = load_settings()
    ingest([small_corpus], settings, progress=False)
    data = Path(settings.data_dir)
    state = index_module.read_state(data)
    written = index_module.load_catalog(data, state)
    assert sorted(p.name.split(".", 1)[1] for p in (data / "snapshot").iterdir()) == [
        "cells.npy", "cells.npz", "chunks.npy", "json", "npy", "terms.npz"]
    read = index_module.load_catalog(data, state)
    assert isinstance(read.cells.vecs, np.memmap) and isinstance(written.cells.vecs, np.memmap)
    assert np.array_equal(read.cells.vecs, np.asarray(read.s_vec)[read.cells.order])
    assert np.array_equal(read.cells.order, written.cells.order)
    (cells_npy,) = (data / "snapshot").glob("*.cells.npy")
    cells_npy.unlink()  # a cache only: without it the cells are not used, and nothing fails
    assert index_module.load_catalog(data, state).cells is None
