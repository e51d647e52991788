"""The vector-store contract: the same assertions against the embedded store and a real Chroma server.

The server is a real ``chroma run --path <tmp> --host 127.0.0.1 --port <free>`` process that the
``chroma_server`` fixture starts once for this module and stops at the end.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from assistant.embed import Embedder
from bench import servers

DIM = 384


@pytest.fixture(scope="module")
def chroma_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, int]]:
    """One real Chroma server for this module's tests."""
    with servers.chroma_server(tmp_path_factory.mktemp("chroma-server") / "db") as server:
        yield server.host, server.port


class NeverEmbeds(Embedder):
    """A store must write the vectors it is given and never call the model; this one fails if asked."""

    name = "never"
    dim = DIM

    def embed_batch(self, texts: list[str]) -> np.ndarray:
        raise AssertionError(f"the store asked the embedder for {len(texts)} vectors it was already given")


@pytest.fixture(params=["embedded", pytest.param("server", marks=[pytest.mark.server, pytest.mark.slow])])
def backend_settings(request: pytest.FixtureRequest, tmp_path: Path):
    """Settings for one backend, with a collection of its own."""
    from assistant.settings import StoreSettings, load_settings

    store = StoreSettings(collection=f"contract_{uuid.uuid4().hex[:12]}")
    if request.param == "server":
        host, port = request.getfixturevalue("chroma_server")
        # Replaced versions are purged at once here; replicas keep them a while (tests/test_replicas.py).
        store = StoreSettings(collection=store.collection, retire_after_s=0)
        return load_settings(data_dir=tmp_path / "data", chroma_host=host, chroma_port=port, store=store)
    return load_settings(data_dir=tmp_path / "data", store=store)


@pytest.fixture
def store(backend_settings):
    from assistant.store import open_store

    return open_store(backend_settings, NeverEmbeds())


def fan(n: int) -> np.ndarray:
    """``n`` unit vectors whose cosine with e0 falls steadily from 1 towards 0."""
    angles = np.linspace(0.0, 1.4, n)
    v = np.zeros((n, DIM), dtype=np.float32)
    v[:, 0], v[:, 1] = np.cos(angles), np.sin(angles)
    return v


def put(store, ids: list[str], doc: str, vectors: np.ndarray) -> None:
    store.upsert(ids, [f"text of {i}" for i in ids], [{"doc_id": doc, "start": 0, "end": 1} for _ in ids], vectors)


def test_backend_is_the_one_configured(store, backend_settings) -> None:
    if backend_settings.store_backend == "http":
        assert store.where == f"http://127.0.0.1:{backend_settings.chroma_port}"
    else:
        assert store.where == str(Path(backend_settings.data_dir) / "chroma")
    assert store.count() == 0
    assert store.ids() == set()


def test_upsert_count_and_ids_by_document(store) -> None:
    put(store, ["a:1", "a:2", "a:3"], "a", fan(3))
    put(store, ["b:1", "b:2"], "b", fan(2))
    assert store.count() == 5
    assert store.ids() == {"a:1", "a:2", "a:3", "b:1", "b:2"}
    assert store.ids("a") == {"a:1", "a:2", "a:3"}
    assert store.ids("b") == {"b:1", "b:2"}
    assert store.ids("missing") == set()


def test_upsert_is_idempotent_and_replaces_vectors(store) -> None:
    vecs = fan(4)
    put(store, ["x:1", "x:2", "x:3", "x:4"], "x", vecs)
    put(store, ["x:1", "x:2", "x:3", "x:4"], "x", vecs)
    assert store.count() == 4
    # Point x:4 along e2, which no other vector touches: the query e2 must now find it first.
    e2 = np.eye(1, DIM, 2, dtype=np.float32)
    put(store, ["x:4"], "x", e2)
    assert store.count() == 4
    top = store.query(e2[0], 2)
    assert top[0][0] == "x:4" and top[0][1] == pytest.approx(1.0, abs=1e-4)
    assert top[1][1] == pytest.approx(0.0, abs=1e-4)


def test_delete_removes_only_the_given_ids(store) -> None:
    put(store, ["d:1", "d:2", "d:3", "d:4"], "d", fan(4))
    store.delete(["d:2", "d:4", "never-stored"])
    assert store.count() == 2
    assert store.ids("d") == {"d:1", "d:3"}
    store.delete([])
    assert store.count() == 2


def test_query_returns_nearest_first_with_cosine_similarity(store) -> None:
    vecs = fan(8)
    ids = [f"q:{i}" for i in range(8)]
    order = [5, 2, 7, 0, 3, 6, 1, 4]  # written out of order on purpose
    put(store, [ids[i] for i in order], "q", vecs[order])
    query = np.eye(1, DIM, 0, dtype=np.float32)[0]
    hits = store.query(query, 5)
    assert [h[0] for h in hits] == ids[:5]
    assert [h[1] for h in hits] == pytest.approx([float(v[0]) for v in vecs[:5]], abs=1e-4)
    assert [h[0] for h in store.query(query, 50)] == ids  # k beyond the collection returns everything
    assert store.query(query, 0) == []


def test_writes_are_split_into_batches_the_backend_accepts(store) -> None:
    store.max_batch = 3
    ids = [f"m:{i:02d}" for i in range(10)]
    put(store, ids, "m", fan(10))
    assert store.ids("m") == set(ids)
    store.delete(ids[:7])
    assert store.ids() == set(ids[7:])


def test_a_reopened_store_sees_the_same_chunks(store, backend_settings) -> None:
    from assistant.store import open_store

    put(store, ["r:1", "r:2"], "r", fan(2))
    again = open_store(backend_settings, NeverEmbeds())
    assert again.count() == 2
    assert again.ids("r") == {"r:1", "r:2"}


def test_drop_empties_the_collection(store, backend_settings) -> None:
    from assistant.store import open_store

    put(store, ["z:1"], "z", fan(1))
    store.drop()
    store.drop()  # dropping twice is harmless
    assert open_store(backend_settings, NeverEmbeds()).count() == 0


def test_upsert_rejects_mismatched_lengths(store) -> None:
    with pytest.raises(ValueError, match="one text, metadata and vector per id"):
        store.upsert(["a", "b"], ["t"], [{"doc_id": "a"}], fan(2))


DOCS = {
    "facet": "Facet joint injections place a small dose of anaesthetic into the joints of the spine. "
             "In a trial of 120 patients, pain fell by half at three months.",
    "nerve": "Radiofrequency neurotomy heats the small nerves that carry pain from the facet joints. "
             "Relief often lasts nine to fourteen months.",
    "rest": "Bed rest is no longer advised for acute low back pain. Staying active speeds recovery.",
}


@pytest.mark.slow
def test_ingest_is_idempotent_and_answers_through_the_real_pipeline(backend_settings, tmp_path: Path) -> None:
    from assistant.index import read_state
    from assistant.ingest import ingest
    from assistant.pipeline import Assistant
    from assistant.store import open_store

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name, text in DOCS.items():
        (corpus / f"{name}.txt").write_text(text, encoding="utf-8")

    def live_ids() -> set[str]:
        if backend_settings.store_backend == "http":  # the server holds the whole index (serverindex.py)
            from assistant.serverindex import ServerIndex

            state = ServerIndex(backend_settings).read_state()
        else:
            state = read_state(Path(backend_settings.data_dir))
        return {cid for e in state["docs"].values() for cid in e["chunk_ids"]}

    first = ingest([corpus], backend_settings, progress=False)
    assert sorted(first.added) == sorted(DOCS) and not first.skipped
    store = open_store(backend_settings)
    assert store.ids() == live_ids() and store.count() == first.chunks == first.chunks_written

    again = ingest([corpus], backend_settings, progress=False)
    assert sorted(again.unchanged) == sorted(DOCS)
    assert again.chunks_written == 0 and not again.added and not again.updated
    assert store.ids() == live_ids() and store.count() == first.chunks

    (corpus / "rest.txt").write_text("Gentle walking is encouraged for acute low back pain.", encoding="utf-8")
    (corpus / "facet.txt").unlink()
    changed = ingest([corpus], backend_settings, progress=False)
    assert changed.updated == ["rest"] and changed.removed == ["facet"]
    assert store.ids() == live_ids()
    assert store.ids("facet") == set()

    answer = Assistant(backend_settings).ask("How long does relief from radiofrequency neurotomy last?")
    assert not answer.abstained
    cited = answer.citations[0]
    text = (corpus / f"{cited.doc_id}.txt").read_text(encoding="utf-8")
    assert text[cited.start : cited.end] == cited.text
    assert any(c.doc_id == "nerve" for c in answer.citations)
