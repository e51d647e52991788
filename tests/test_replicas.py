"""Stateless replicas: with a Chroma server, the server holds the whole index, and a replica's data folder
is only a cache.

- Replica A ingests the seed corpus; replica B, started with only the server's address and an empty data
  folder, prints byte-identical ``ask --json``, ``trace --json`` and ``sources --json``; so does B after
  its data folder is deleted.
- Consistency between replicas is bounded staleness: a request that starts more than ``refresh_s`` after
  another replica's ingest committed is answered from that commit or a newer one, without a restart; until
  then a replica answers wholly from the commit it has (the replaced version stays on the server), never
  from a mix of the two.
"""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import pytest

from test_store_contract import DOCS  # tests/ is on sys.path

from assistant.settings import StoreSettings, load_settings
from bench.servers import chroma_server

pytestmark = [pytest.mark.slow, pytest.mark.server]

ROOT = Path(__file__).resolve().parents[1]
QUESTIONS = ["Who was the lead investigator of the SI joint fusion trial?", "What is radiofrequency neurotomy?",
             "How long can facet joint injections relieve neck pain?", "Who won the 2022 FIFA World Cup?"]
CLAIMS = ["back pain is the third most common reason people see a doctor",
          "pain physicians can safely perform SI joint fusion"]
NEW_DOC = ("Kyphoplasty treats painful vertebral compression fractures. A balloon is inflated inside the "
           "broken vertebra and the space is filled with bone cement. Most patients in the trial walked "
           "the same day.\n")
NEW_QUESTION = "How does kyphoplasty treat a vertebral compression fracture?"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory):
    """One real ``chroma run`` on a free loopback port for this module."""
    with chroma_server(tmp_path_factory.mktemp("replicas") / "db") as s:
        yield s


def _corpus(tmp_path: Path, docs: dict[str, str]) -> Path:
    """A corpus folder holding ``docs`` (file stem -> text)."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name, text in docs.items():
        (corpus / f"{name}.txt").write_text(text, encoding="utf-8")
    return corpus


def _replica(server, data: Path, store: StoreSettings, corpus: Path | None = None):
    """Settings of a replica with its own data folder, on the module's server."""
    extra = {"corpus_dir": corpus} if corpus is not None else {}
    return load_settings(data_dir=data, chroma_host=server.host, chroma_port=server.port, store=store, **extra)


def _cli(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], data: Path, server,
         collection: str, *argv: str) -> str:
    """Run one ``assistant`` command as a replica with its own data folder; its stdout."""
    from assistant import cli
    from assistant.settings import get_settings

    monkeypatch.setenv("ASSISTANT_DATA_DIR", str(data))
    monkeypatch.setenv("ASSISTANT_CHROMA_HOST", server.host)
    monkeypatch.setenv("ASSISTANT_CHROMA_PORT", str(server.port))
    monkeypatch.setenv("ASSISTANT_STORE__COLLECTION", collection)
    get_settings.cache_clear()
    capsys.readouterr()
    code = cli.main(list(argv))
    out = capsys.readouterr()
    assert code == 0, out.err
    return out.out


def test_a_replica_with_an_empty_data_folder_prints_what_the_ingesting_replica_prints(
        server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    _cli(monkeypatch, capsys, a, server, "seed", "ingest", "--json", str(ROOT / "corpus"))
    commands = [["ask", "--json", *QUESTIONS], ["trace", "--json", *CLAIMS], ["sources", "--json"]]
    from_a = [_cli(monkeypatch, capsys, a, server, "seed", *c) for c in commands]
    assert len(from_a[0].splitlines()) == len(QUESTIONS) and len(from_a[2].splitlines()) == 5
    assert any(json.loads(line)["citations"] for line in from_a[0].splitlines())

    assert not b.exists()
    from_b = [_cli(monkeypatch, capsys, b, server, "seed", *c) for c in commands]
    assert from_b == from_a
    # B's folder holds caches only (a snapshot and BM25), never the index itself.
    assert not (b / "state.json").exists() and not (b / "docs").exists() and not (b / "chroma").exists()
    assert {p.name for p in b.iterdir()} <= {"snapshot", "bm25"}

    shutil.rmtree(b)  # a cache can go at any time
    assert [_cli(monkeypatch, capsys, b, server, "seed", *c) for c in commands] == from_a


def test_an_ingest_on_one_replica_reaches_another_within_refresh_s(server, tmp_path: Path) -> None:
    from assistant.ingest import ingest
    from assistant.pipeline import Assistant

    corpus = _corpus(tmp_path, DOCS)
    store = StoreSettings(collection="fresh", refresh_s=1.0)
    a_settings = _replica(server, tmp_path / "a", store, corpus)
    b_settings = _replica(server, tmp_path / "b", store)
    ingest([corpus], a_settings, progress=False)
    b = Assistant(b_settings)
    before = b.ask(NEW_QUESTION).to_json()
    assert not any("kyphoplasty" in c["text"].lower() for c in before["citations"])
    old_neurotomy = b.ask(QUESTIONS[1]).to_json()
    # A replica that has not looked again yet (its check is not due), to see what it answers meanwhile.
    lagging = Assistant(b_settings.model_copy(update={"store": StoreSettings(collection="fresh", refresh_s=3600)}))
    assert lagging.ask(QUESTIONS[1]).to_json() == old_neurotomy

    # A adds a document and rewrites another; B is not restarted.
    (corpus / "kyphoplasty.txt").write_text(NEW_DOC, encoding="utf-8")
    edited = next(p for p in sorted(corpus.glob("*.txt")) if "neurotomy" in p.read_text(encoding="utf-8").lower())
    edited.write_text(edited.read_text(encoding="utf-8").replace("neurotomy", "ablation"), encoding="utf-8")
    report = ingest([corpus], a_settings, progress=False)
    committed = time.monotonic()
    assert report.added == ["kyphoplasty"] and report.updated == [edited.stem]

    # Until its check is due, a replica answers wholly from the commit it has: the replaced version's chunks
    # are still on the server, so its dense search finds them, not a mix of old and new.
    assert lagging.ask(QUESTIONS[1]).to_json() == old_neurotomy
    # A request that starts more than refresh_s after the commit is answered from it.
    time.sleep(max(0.0, committed + store.refresh_s + 0.05 - time.monotonic()))
    after = b.ask(NEW_QUESTION).to_json()
    assert any(c["doc_id"] == "kyphoplasty" for c in after["citations"])
    # ... exactly as a replica that starts afresh answers.
    c = Assistant(_replica(server, tmp_path / "c", store))
    assert after == c.ask(NEW_QUESTION).to_json()
    assert b.ask(QUESTIONS[1]).to_json() == c.ask(QUESTIONS[1]).to_json() != old_neurotomy


def test_replaced_versions_are_purged_once_retired_long_enough(server, tmp_path: Path) -> None:
    from assistant.ingest import ingest
    from assistant.serverindex import ServerIndex

    corpus = _corpus(tmp_path, {"kyphoplasty": NEW_DOC})
    settings = _replica(server, tmp_path / "a", StoreSettings(collection="purge", retire_after_s=0.5))
    ingest([corpus], settings, progress=False)
    shared = ServerIndex(settings)
    first = shared.read_state()["docs"]["kyphoplasty"]
    (corpus / "kyphoplasty.txt").write_text(NEW_DOC.replace("same day", "next day"), encoding="utf-8")
    ingest([corpus], settings, progress=False)
    state = shared.read_state()
    assert list(state["retired"]) == [first["artefact"]]
    assert set(first["chunk_ids"]) <= shared.store.ids()  # still there for replicas on the old commit
    time.sleep(0.6)
    ingest([corpus], settings, progress=False)  # nothing changed; the next ingest purges what is due
    assert shared.read_state()["retired"] == {}
    live = shared.read_state()["docs"]["kyphoplasty"]
    assert shared.store.ids() == set(live["chunk_ids"])
    assert shared.records.get(ids=[first["artefact"]])["ids"] == []
    assert all(i.startswith(live["artefact"]) for i in shared.sentences.get(include=[])["ids"])


def test_only_one_replica_ingests_at_a_time(server, tmp_path: Path) -> None:
    from assistant.errors import StoreError
    from assistant.serverindex import ServerIndex

    settings = _replica(server, tmp_path / "a", StoreSettings(collection="locked"))
    first, second = ServerIndex(settings), ServerIndex(settings)
    with first.lock():
        with pytest.raises(StoreError, match="Another ingest .* is writing to the index on the Chroma server"):
            with second.lock():
                pass
    with second.lock():  # released
        pass


def test_a_document_removed_and_added_back_is_not_purged(server, tmp_path: Path) -> None:
    from assistant.ingest import ingest
    from assistant.serverindex import ServerIndex

    corpus = _corpus(tmp_path, {"kyphoplasty": NEW_DOC, "rest": DOCS["rest"]})
    settings = _replica(server, tmp_path / "a", StoreSettings(collection="again"))
    ingest([corpus], settings, progress=False)
    shared = ServerIndex(settings)
    entry = shared.read_state()["docs"]["kyphoplasty"]
    (corpus / "kyphoplasty.txt").unlink()
    assert ingest([corpus], settings, progress=False).removed == ["kyphoplasty"]
    (corpus / "kyphoplasty.txt").write_text(NEW_DOC, encoding="utf-8")  # the same version again
    assert ingest([corpus], settings, progress=False).added == ["kyphoplasty"]
    # Its old retirement is long due now; the purge must keep it, as it is live again.
    ingest([corpus], settings.model_copy(update={"store": StoreSettings(collection="again", retire_after_s=0)}),
           progress=False)
    state = shared.read_state()
    assert state["docs"]["kyphoplasty"] == entry and state["retired"] == {}
    assert set(entry["chunk_ids"]) <= shared.store.ids()
    assert shared.records.get(ids=[entry["artefact"]])["ids"] == [entry["artefact"]]


def test_the_chat_pages_trace_and_library_see_another_replicas_ingest_without_an_ask(server, tmp_path: Path) -> None:
    from assistant.ingest import ingest
    from assistant.ui import Service

    corpus = _corpus(tmp_path, DOCS)
    store = StoreSettings(collection="tracetab", refresh_s=1.0)
    a_settings = _replica(server, tmp_path / "a", store, corpus)
    ingest([corpus], a_settings, progress=False)
    page = Service(_replica(server, tmp_path / "b", store))
    claim = "A balloon is inflated inside the broken vertebra and the space is filled with bone cement."
    assert all(m.doc_id != "kyphoplasty" for m in page.trace(claim).matches)
    assert "kyphoplasty" not in page.catalog().doc_index

    (corpus / "kyphoplasty.txt").write_text(NEW_DOC, encoding="utf-8")
    ingest([corpus], a_settings, progress=False)
    committed = time.monotonic()
    time.sleep(max(0.0, committed + store.refresh_s + 0.05 - time.monotonic()))
    best = page.trace(claim).matches[0]
    assert best.doc_id == "kyphoplasty" and best.text == claim
    assert "kyphoplasty" in page.catalog().doc_index
