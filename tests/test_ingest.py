"""Incremental ingest on the real embedded Chroma store and the bundled model."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from fixtures.small_corpus import SMALL

from assistant.index import Index, read_state
from assistant.ingest import ingest
from assistant.settings import load_settings
from assistant.store import open_store

pytestmark = pytest.mark.slow



def _store_ids(settings) -> set[str]:
    from assistant.embed import get_embedder

    return open_store(settings, get_embedder(settings.embed)).ids()


def _state_ids(settings) -> set[str]:
    return {cid for e in read_state(Path(settings.data_dir))["docs"].values() for cid in e["chunk_ids"]}


def test_a_second_ingest_of_an_unchanged_corpus_writes_nothing(small_corpus: Path) -> None:
    settings = load_settings()
    first = ingest([small_corpus], settings, progress=False)
    assert sorted(first.added) == sorted(Path(n).stem for n in SMALL)
    assert first.chunks > 0 and first.chunks_written == first.chunks
    second = ingest([small_corpus], settings, progress=False)
    assert second.added == second.updated == second.removed == []
    assert sorted(second.unchanged) == sorted(first.added)
    assert second.chunks_written == 0 and second.chunks == first.chunks
    assert _store_ids(settings) == _state_ids(settings)


def test_a_changed_file_has_all_its_chunks_replaced(small_corpus: Path) -> None:
    settings = load_settings()
    ingest([small_corpus], settings, progress=False)
    doc = small_corpus / SMALL[1]
    before = {c for c in _state_ids(settings) if c.startswith(doc.stem)}
    doc.write_text(doc.read_text(encoding="utf-8") + "\nA new closing sentence about spinal cord stimulators.\n",
                   encoding="utf-8")
    report = ingest([small_corpus], settings, progress=False)
    assert report.updated == [doc.stem] and report.unchanged == [Path(SMALL[0]).stem]
    after = {c for c in _state_ids(settings) if c.startswith(doc.stem)}
    assert after and not (after & before), "old and new chunks of one document must never mix"
    assert _store_ids(settings) == _state_ids(settings)
    answer = _ask(settings, "What about spinal cord stimulators?")
    assert any("spinal cord stimulators" in c.text for c in answer.citations)


def test_a_removed_file_has_its_chunks_removed(small_corpus: Path) -> None:
    settings = load_settings()
    ingest([small_corpus], settings, progress=False)
    (small_corpus / SMALL[0]).unlink()
    report = ingest([small_corpus], settings, progress=False)
    assert report.removed == [Path(SMALL[0]).stem]
    assert not any(c.startswith(Path(SMALL[0]).stem) for c in _store_ids(settings))
    assert _store_ids(settings) == _state_ids(settings)


def test_a_bad_file_is_reported_and_the_rest_are_ingested(small_corpus: Path) -> None:
    (small_corpus / "binary.txt").write_bytes(b"\x00\x01\x02 not text \x00" * 50)
    (small_corpus / "empty.md").write_text("", encoding="utf-8")
    report = ingest([small_corpus], load_settings(), progress=False)
    reasons = dict(report.skipped)
    assert "binary" in reasons[str(small_corpus / "binary.txt")]
    assert "empty" in reasons[str(small_corpus / "empty.md")]
    assert sorted(report.added) == sorted(Path(n).stem for n in SMALL)


def test_a_document_without_a_manifest_entry_gets_a_title_from_its_text(tmp_path: Path) -> None:
    d = tmp_path / "c"
    d.mkdir()
    (d / "my-notes.md").write_text("# Facet joint injections\n\nFacet joint injections can relieve neck pain.\n",
                                   encoding="utf-8")
    settings = load_settings()
    ingest([d], settings, progress=False)
    doc = Index.open(settings).catalog.docs[0]
    assert doc["doc_id"] == "my-notes" and doc["meta"]["title"] == "Facet joint injections"


def test_artefacts_keep_the_file_text_so_offsets_can_be_checked(small_corpus: Path) -> None:
    settings = load_settings()
    ingest([small_corpus], settings, progress=False)
    for doc in Index.open(settings).catalog.docs:
        original = Path(doc["path"]).read_text(encoding="utf-8")
        assert doc["text"] == original
        for start, end, *_ in doc["sentences"]:
            assert original[start:end].strip() == original[start:end] != ""
    state = json.loads((Path(settings.data_dir) / "state.json").read_text())
    assert set(state["docs"]) == {Path(n).stem for n in SMALL}


def _ask(settings, question: str):
    from assistant.pipeline import Assistant

    return Assistant(settings).ask(question)


def _catalog_view(cat) -> tuple:
    return (cat.c_id, cat.s_clean, cat.s_label, cat.s_start.tolist(), cat.s_end.tolist(), cat.s_vec.tobytes(),
            cat.c_vec.tobytes(), [d["doc_id"] for d in cat.docs], list(cat.s_terms), dict(cat.vocab.df), cat.vocab.n)


def test_the_index_opens_from_one_snapshot_that_equals_the_artefacts(small_corpus: Path) -> None:
    from assistant import index as index_module

    settings = load_settings()
    ingest([small_corpus], settings, progress=False)
    data = Path(settings.data_dir)
    state = read_state(data)
    snaps = sorted(p.name.split(".", 1)[1] for p in (data / "snapshot").iterdir())
    assert snaps == ["chunks.npy", "json", "npy"]
    from_snapshot = index_module.load_catalog(data, state)
    assert from_snapshot._terms is not None  # content words came from the snapshot, not recomputed
    shutil.rmtree(data / "snapshot")
    from_artefacts = index_module.load_catalog(data, state)  # and writes the snapshot again
    assert _catalog_view(from_snapshot) == _catalog_view(from_artefacts)
    assert len(list((data / "snapshot").iterdir())) == 3


def test_a_garbage_snapshot_is_ignored_and_a_changed_corpus_replaces_it(small_corpus: Path) -> None:
    settings = load_settings()
    ingest([small_corpus], settings, progress=False)
    data = Path(settings.data_dir)
    healthy = Index.open(settings).catalog
    for p in (data / "snapshot").iterdir():
        # As a new file (the index only ever replaces files): rewriting a memory-mapped snapshot in place
        # under the live catalog above would be a bus error, not garbage.
        tmp = p.with_name(p.name + ".tmp")
        tmp.write_bytes(b"\x00garbage")
        tmp.replace(p)
    assert _catalog_view(Index.open(settings).catalog) == _catalog_view(healthy)
    (small_corpus / SMALL[0]).unlink()
    ingest([small_corpus], settings, progress=False)
    names = {p.name.split(".", 1)[0] for p in (data / "snapshot").iterdir()}
    assert len(names) == 1  # the old snapshot is gone
    assert {d["doc_id"] for d in Index.open(settings).catalog.docs} == {Path(SMALL[1]).stem}


def test_a_chunk_vector_is_its_own_text_embedded(small_corpus: Path) -> None:
    import numpy as np

    from assistant.embed import get_embedder

    settings = load_settings()
    ingest([small_corpus], settings, progress=False)
    cat = Index.open(settings).catalog
    texts = [" ".join(cat.s_clean[int(cat.c_lo[i]) : int(cat.c_hi[i])]) for i in range(len(cat.c_id))]
    fresh = get_embedder(settings.embed).embed(texts)
    agreement = np.sum(fresh * cat.c_vec, axis=1)
    assert agreement.min() > 0.999, agreement.min()
    # and not the mean of its sentence vectors, which a multi-sentence chunk would not match this closely
    mean = np.stack([cat.s_vec[int(cat.c_lo[i]) : int(cat.c_hi[i])].mean(axis=0) for i in range(len(cat.c_id))])
    mean /= np.linalg.norm(mean, axis=1, keepdims=True)
    assert np.sum(mean * cat.c_vec, axis=1).min() < 0.99
