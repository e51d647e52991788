"""Faults with replicas: two replicas share one real ``chroma run`` process on loopback.

- The server is killed (SIGKILL, as by a crash) and restarted on the same port and folder while both
  replicas are answering: every request either answers exactly as before or fails with the one-line
  server error naming its address; never a different or partial answer. Afterwards both answer as before.
- An ``assistant ingest`` run as a replica is killed mid-batch, between commits, and while replacing
  changed documents; after the next run the server's three collections equal those of a clean ingest of
  the same files, and the lock the killed run held is taken over.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

import numpy as np
import pytest
from test_faults import QUESTION, SMALL, _chroma_server, _doc, _ingest_until, _write_corpus

from assistant.errors import StoreError
from assistant.settings import StoreSettings, load_settings
from bench import servers

pytestmark = [pytest.mark.slow, pytest.mark.server]

QUESTIONS = [QUESTION, "What does a spinal cord stimulator do?", "What does kyphoplasty treat?",
             "Who won the 2022 FIFA World Cup?"]


@pytest.mark.timeout(600)
def test_requests_through_a_server_crash_answer_as_before_or_fail_in_one_line(tmp_path: Path) -> None:
    from assistant.ingest import ingest
    from assistant.pipeline import Assistant

    folder = tmp_path / "corpus"
    folder.mkdir()
    for name, text in SMALL.items():
        (folder / name).write_text(text, encoding="utf-8")
    db, port = tmp_path / "db", servers.free_port()
    store = StoreSettings(refresh_s=0.2)  # the replicas also ask the server for new commits all the time

    def replica(name: str) -> Assistant:
        return Assistant(load_settings(data_dir=tmp_path / name, chroma_host="127.0.0.1", chroma_port=port,
                                       store=store))

    with _chroma_server(db, port):
        ingest([folder], load_settings(data_dir=tmp_path / "a", chroma_host="127.0.0.1", chroma_port=port,
                                       store=store), progress=False)
        a, b = replica("a"), replica("b")
        before = {q: a.ask(q).to_json() for q in QUESTIONS}
        assert {q: b.ask(q).to_json() for q in QUESTIONS} == before

        stop = threading.Event()
        outcomes: list[tuple[str, str, object]] = []

        def load(assistant: Assistant, who: str) -> None:
            i = 0
            while not stop.is_set():
                q = QUESTIONS[i % len(QUESTIONS)]
                i += 1
                try:
                    outcomes.append((who, q, assistant.ask(q).to_json()))
                except StoreError as exc:
                    outcomes.append((who, q, exc))
                time.sleep(0.01)

        workers = [threading.Thread(target=load, args=(r, n)) for r, n in ((a, "a"), (b, "b"), (a, "a"), (b, "b"))]
        for w in workers:
            w.start()
        time.sleep(1.5)
        crashed_at = len(outcomes)
    # The server was killed as by a crash (grace 0) while the four workers kept asking.
    try:
        time.sleep(1.5)
        with _chroma_server(db, port):
            time.sleep(2.0)
            stop.set()
            for w in workers:
                w.join(timeout=120)
            assert not any(w.is_alive() for w in workers)
            assert {q: a.ask(q).to_json() for q in QUESTIONS} == before
            assert {q: b.ask(q).to_json() for q in QUESTIONS} == before
    finally:
        stop.set()

    errors = [o for _, _, o in outcomes if isinstance(o, StoreError)]
    answers = [(q, o) for _, q, o in outcomes if not isinstance(o, StoreError)]
    assert crashed_at > 0 and errors, "the load never ran into the crash"
    assert all(o == before[q] for q, o in answers), "an answer differed from the one before the crash"
    for e in errors:
        assert f"127.0.0.1:{port}" in str(e) and "\n" not in str(e), str(e)
    assert {who for who, _, o in outcomes[crashed_at:] if not isinstance(o, StoreError)} == {"a", "b"}


def _collections(settings) -> dict:
    """Everything the server holds for one index: its state and its three collections."""
    from assistant.serverindex import LOCK_ID, STATE_ID, ServerIndex

    shared = ServerIndex(settings)
    state = shared.read_state()
    out = {"docs": state["docs"], "retired": state["retired"], "dirty": state["dirty"]}
    for name, col in (("chunks", shared.store.collection), ("sentences", shared.sentences),
                      ("records", shared.records)):
        got = col.get(include=["documents", "metadatas", "embeddings"])
        order = [i for i in np.argsort(got["ids"]) if got["ids"][i] != STATE_ID]
        out[name] = {"ids": [got["ids"][i] for i in order], "documents": [got["documents"][i] for i in order],
                     "metadatas": [got["metadatas"][i] for i in order]}
        if name != "records":
            out[name + "_vectors"] = np.asarray([got["embeddings"][i] for i in order], dtype=np.float32)
    out["locked"] = LOCK_ID in out["records"]["ids"]
    return out


@pytest.mark.timeout(900)
def test_an_ingest_killed_on_a_replica_leaves_the_server_equal_to_a_clean_ingest_after_the_next_run(
        tmp_path: Path) -> None:
    from assistant.ingest import ingest
    from assistant.pipeline import Assistant
    from assistant.serverindex import ServerIndex

    folder, data = tmp_path / "corpus", tmp_path / "replica"
    _write_corpus(folder, 45)
    with servers.chroma_server(tmp_path / "db") as server:
        env = {"ASSISTANT_CHROMA_HOST": server.host, "ASSISTANT_CHROMA_PORT": str(server.port),
               "ASSISTANT_STORE__COLLECTION": "killed"}
        settings = load_settings(data_dir=data, chroma_host=server.host, chroma_port=server.port,
                                 store=StoreSettings(collection="killed", retire_after_s=0))
        watch = ServerIndex(settings)

        def committed() -> int:
            return len(watch.read_state()["docs"])

        def uncommitted_records() -> bool:  # mid-batch: document versions written, the state not yet moved on
            return watch.records.count() - 2 > committed()  # less the state record and the lock

        killed = _ingest_until(folder, data, uncommitted_records, **env) == -9
        start = committed()
        killed += _ingest_until(folder, data, lambda: committed() >= start + 9, **env) == -9
        for i in range(0, 30, 3):
            (folder / f"case-{i:03d}.txt").write_text(_doc(i, edit=1), encoding="utf-8")
        for i in range(1, 30, 6):
            (folder / f"case-{i:03d}.txt").unlink()
        before = watch.read_state()["docs"]
        killed += _ingest_until(folder, data, lambda: watch.read_state()["docs"] != before, **env) == -9
        assert killed >= 2, "the ingest finished before it could be killed; make the corpus bigger"

        # The next run (in-process: the model is loaded) takes over the dead run's lock and finishes the job;
        # retire_after_s=0 purges the versions it replaced at once, as a clean ingest never had them.
        resumed = ingest([folder], settings, progress=False)
        assert not resumed.skipped
        clean_settings = load_settings(data_dir=tmp_path / "clean", chroma_host=server.host,
                                       chroma_port=server.port, store=StoreSettings(collection="clean"))
        ingest([folder], clean_settings, progress=False)

        got, want = _collections(settings), _collections(clean_settings)
        assert got["docs"] == want["docs"] and got["retired"] == want["retired"] == {}
        assert not got["dirty"] and not got["locked"] and not want["locked"]
        for name in ("chunks", "sentences", "records"):
            assert got[name] == want[name], name
        assert got["chunks"]["ids"] == sorted(c for e in want["docs"].values() for c in e["chunk_ids"])
        for name in ("chunks_vectors", "sentences_vectors"):  # batches of other sizes: float noise only
            np.testing.assert_allclose(got[name], want[name], atol=2e-5)
        q = "How was the patient with spinal stenosis treated?"
        assert Assistant(settings).ask(q).to_json()["answer"] == Assistant(clean_settings).ask(q).to_json()["answer"]
