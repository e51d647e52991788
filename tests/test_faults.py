"""Faults: an ingest killed mid-run, a damaged data folder, and a Chroma server that goes away.

- SIGKILL: a real ``assistant ingest`` subprocess is killed at several points (mid-batch, between
  commits, while replacing changed documents); the next ingest finishes the job, and the index is
  identical to a clean ingest of the same files: same chunk ids in the state and in Chroma, the same
  chunk texts, metadata and vectors, no duplicates, nothing missing, no stray files.
- A damaged data folder is detected before any answer, with a message naming
  ``assistant ingest --rebuild``, and that command recovers it.
- A Chroma server that stops mid-session gives a StoreError naming its address; when it is back
  (same port, same folder) the same Assistant object answers again.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path

import numpy as np
import pytest

from assistant.errors import StoreError
from assistant.settings import load_settings
from bench import servers

ROOT = Path(__file__).resolve().parents[1]
TOPICS = ["lumbar disc herniation", "facet joint arthritis", "spinal stenosis", "sacroiliac joint pain",
          "whiplash injury", "vertebral compression fracture", "sciatica", "cervical radiculopathy"]
TREATMENTS = ["physical therapy", "an epidural steroid injection", "radiofrequency neurotomy", "a nerve block",
              "spinal cord stimulation", "kyphoplasty", "a home exercise programme", "acupuncture"]


def _doc(i: int, edit: int = 0) -> str:
    topic, treatment = TOPICS[i % len(TOPICS)], TREATMENTS[(i * 3 + edit) % len(TREATMENTS)]
    return (f"Case note {i}: a patient with {topic} was treated with {treatment}. "
            f"Pain fell by {(i * 7 + edit) % 60 + 10} percent after {i % 12 + 1} weeks.\n")


def _write_corpus(folder: Path, n: int) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        (folder / f"case-{i:03d}.txt").write_text(_doc(i), encoding="utf-8")


def _state(data: Path) -> dict:
    try:
        return json.loads((data / "state.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {"docs": {}}


def _env(data: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")}
    # One torch thread: on a busy shared machine two spin-waiting threads make tiny batches ~20x slower.
    env.update(ASSISTANT_DATA_DIR=str(data), HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1",
               ANONYMIZED_TELEMETRY="False", OMP_NUM_THREADS="1", **extra)
    return env


def _ingest_until(folder: Path, data: Path, trigger: Callable[[], bool], timeout_s: float = 300,
                  **env: str) -> int | None:
    """Run ``assistant ingest`` and SIGKILL it once ``trigger()`` is true; its exit status (or -9)."""
    proc = subprocess.Popen([sys.executable, "-m", "assistant", "ingest", "--json", str(folder)], cwd=ROOT,
                            env=_env(data, ASSISTANT_INGEST__BATCH_DOCUMENTS="3", **env),
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + timeout_s
    try:
        while proc.poll() is None:
            if trigger():
                proc.send_signal(signal.SIGKILL)
                break
            if time.monotonic() > deadline:
                raise AssertionError("ingest neither finished nor reached the kill point in time")
            time.sleep(0.005)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
    assert proc.returncode in (0, -signal.SIGKILL), err[-3000:]
    return proc.returncode


def _uncommitted_artefact(data: Path) -> bool:
    """True once a document's artefacts are on disk but not yet in the committed state (mid-batch)."""
    docs = data / "docs"
    if not docs.is_dir():
        return False
    live = {e["artefact"].split("/", 1)[1] for e in _state(data)["docs"].values()}
    return any(p.name.endswith(".npy") and p.name.removesuffix(".npy").removesuffix(".chunks") not in live
               for p in docs.iterdir())


def _snapshot(settings) -> dict:
    """Everything that makes up the index: the committed state, the store's contents and the files."""
    from assistant.store import open_store

    data = Path(settings.data_dir)
    state = _state(data)
    store = open_store(settings)
    got = store.collection.get(include=["documents", "metadatas", "embeddings"])
    order = np.argsort(got["ids"])
    return {
        "docs": state["docs"],
        "ids": [got["ids"][i] for i in order],
        "count": store.count(),
        "documents": [got["documents"][i] for i in order],
        "metadatas": [got["metadatas"][i] for i in order],
        "embeddings": np.asarray(got["embeddings"], dtype=np.float32)[order],
        "files": sorted(p.name for p in (data / "docs").iterdir()),
        "stray": sorted(str(p.relative_to(data)) for p in data.rglob("*")
                        if p.name.endswith(".tmp") or p.name == ".dirty"),
    }


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_sigkill_mid_ingest_then_rerun_equals_a_clean_ingest(tmp_path: Path) -> None:
    from assistant.ingest import ingest

    folder, data = tmp_path / "corpus", tmp_path / "data"
    _write_corpus(folder, 60)
    killed = 0

    # 1. Mid-batch: artefacts written, the store and the state not yet updated.
    killed += _ingest_until(folder, data, lambda: _uncommitted_artefact(data)) == -9
    # 2. Between commits, some way in (plus a little jitter so the exact point varies).
    start = len(_state(data)["docs"])
    jitter = time.monotonic() + 0.05
    killed += _ingest_until(folder, data, lambda: len(_state(data)["docs"]) >= start + 15
                            and time.monotonic() > jitter) == -9
    # 3. The corpus changes (edits, removals, additions), and the run replacing them is killed too.
    for i in range(0, 30, 3):
        (folder / f"case-{i:03d}.txt").write_text(_doc(i, edit=1), encoding="utf-8")
    for i in range(1, 30, 6):
        (folder / f"case-{i:03d}.txt").unlink()
    for i in range(60, 66):
        (folder / f"case-{i:03d}.txt").write_text(_doc(i), encoding="utf-8")
    before = _state(data)["docs"]
    killed += _ingest_until(folder, data, lambda: _state(data)["docs"] != before) == -9
    assert killed >= 2, "the ingest finished before it could be killed; make the corpus bigger"

    # The next ingest finishes the job (here in-process: the model is already loaded).
    settings = load_settings(data_dir=data)
    resumed = ingest([folder], settings, progress=False)
    assert not resumed.skipped
    clean_settings = load_settings(data_dir=tmp_path / "clean")
    clean = ingest([folder], clean_settings, progress=False)
    assert sorted(clean.added) == sorted(p.stem for p in folder.glob("*.txt"))

    got, want = _snapshot(settings), _snapshot(clean_settings)
    assert got["docs"] == want["docs"]
    assert got["ids"] == want["ids"] == sorted({c for e in want["docs"].values() for c in e["chunk_ids"]})
    assert got["count"] == len(got["ids"]), "duplicate chunks in the store"
    assert got["documents"] == want["documents"] and got["metadatas"] == want["metadatas"]
    # Vectors of the same text in batches of other sizes differ only by float noise.
    np.testing.assert_allclose(got["embeddings"], want["embeddings"], atol=2e-5)
    assert got["files"] == want["files"]
    assert got["stray"] == [] and want["stray"] == []

    from assistant.pipeline import Assistant

    q = "How was the patient with spinal stenosis treated?"
    assert Assistant(settings).ask(q).to_json()["answer"] == Assistant(clean_settings).ask(q).to_json()["answer"]


# ---- a damaged data folder ------------------------------------------------------------------------

SMALL = {
    "neurotomy.txt": "Radiofrequency neurotomy heats the medial branch nerves to relieve facet joint pain. "
                     "Relief usually lasts nine to twelve months.\n",
    "stimulator.txt": "A spinal cord stimulator sends mild electrical pulses to the spinal cord. "
                      "A trial period comes before the permanent implant.\n",
    "kyphoplasty.txt": "Kyphoplasty treats painful vertebral compression fractures with a balloon and bone cement.\n",
}
QUESTION = "How long does relief from radiofrequency neurotomy last?"


@pytest.fixture(scope="module")
def small_index(tmp_path_factory: pytest.TempPathFactory):
    """A small, healthy index to copy and damage: (corpus folder, data folder, the healthy answer)."""
    from assistant.ingest import ingest
    from assistant.pipeline import Assistant

    root = tmp_path_factory.mktemp("small-index")
    folder = root / "corpus"
    folder.mkdir()
    for name, text in SMALL.items():
        (folder / name).write_text(text, encoding="utf-8")
    settings = load_settings(data_dir=root / "data")
    ingest([folder], settings, progress=False)
    answer = Assistant(settings).ask(QUESTION).to_json()
    assert not answer["abstained"]
    return folder, root / "data", answer


def _artefact(data: Path, suffix: str) -> Path:
    entry = _state(data)["docs"]["neurotomy"]
    return data / f"{entry['artefact']}{suffix}"


def _wipe_collection(data: Path) -> None:
    from assistant.store import open_store

    store = open_store(load_settings(data_dir=data))
    store.delete(sorted(store.ids()))


DAMAGE: dict[str, Callable[[Path], None]] = {
    "garbage state.json": lambda d: (d / "state.json").write_bytes(b"\x00\xffnot json{"),
    "state.json of the wrong shape": lambda d: (d / "state.json").write_text("[1, 2, 3]"),
    "state.json with a broken entry": lambda d: (d / "state.json").write_text(
        json.dumps({"format": 1, "docs": {"neurotomy": {"artefact": 5, "chunk_ids": None}}})),
    "deleted artefact": lambda d: _artefact(d, ".json").unlink(),
    "deleted vectors": lambda d: _artefact(d, ".npy").unlink(),
    "truncated artefact": lambda d: _artefact(d, ".json").write_bytes(_artefact(d, ".json").read_bytes()[:50]),
    "mismatched vectors": lambda d: np.save(_artefact(d, ".npy"), np.zeros((1, 384), dtype=np.float32)),
    "deleted docs folder": lambda d: shutil.rmtree(d / "docs"),
    "deleted chroma folder": lambda d: shutil.rmtree(d / "chroma"),
    "corrupted chroma database": lambda d: (d / "chroma" / "chroma.sqlite3").write_bytes(b"garbage" * 1000),
    "emptied vector collection": _wipe_collection,
}


@pytest.mark.slow
@pytest.mark.parametrize("damage", list(DAMAGE))
def test_a_damaged_data_folder_is_detected_with_the_rebuild_command(damage: str, small_index, tmp_path: Path,
                                                                    monkeypatch, capsys) -> None:
    from assistant import cli
    from assistant.pipeline import Assistant
    from assistant.settings import get_settings

    _, healthy, _ = small_index
    data = tmp_path / "damaged"
    shutil.copytree(healthy, data)
    DAMAGE[damage](data)
    settings = load_settings(data_dir=data)
    with pytest.raises(StoreError) as err:
        Assistant(settings).ask(QUESTION)
    assert "assistant ingest --rebuild" in str(err.value), str(err.value)
    monkeypatch.setenv("ASSISTANT_DATA_DIR", str(data))
    get_settings.cache_clear()
    assert cli.main(["ask", QUESTION]) == 2
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and "assistant ingest --rebuild" in lines[0] and "Traceback" not in captured.err


@pytest.mark.slow
@pytest.mark.parametrize("damage", ["garbage state.json", "deleted chroma folder", "corrupted chroma database"])
def test_ingest_rebuild_recovers_a_damaged_folder(damage: str, small_index, tmp_path: Path, monkeypatch,
                                                  capsys) -> None:
    from assistant import cli
    from assistant.pipeline import Assistant
    from assistant.settings import get_settings

    folder, healthy, answer = small_index
    data = tmp_path / "damaged"
    shutil.copytree(healthy, data)
    DAMAGE[damage](data)
    monkeypatch.setenv("ASSISTANT_DATA_DIR", str(data))
    get_settings.cache_clear()
    assert cli.main(["ingest", "--rebuild", str(folder)]) == 0, capsys.readouterr().err
    capsys.readouterr()
    assert Assistant(load_settings(data_dir=data)).ask(QUESTION).to_json() == answer


@pytest.mark.slow
def test_a_damaged_bm25_cache_is_rebuilt_silently(small_index, tmp_path: Path) -> None:
    from assistant.pipeline import Assistant

    _, healthy, answer = small_index
    data = tmp_path / "damaged"
    shutil.copytree(healthy, data)
    for p in (data / "bm25").rglob("*"):
        if p.is_file():
            p.write_bytes(b"\x00garbage")
    assert Assistant(load_settings(data_dir=data)).ask(QUESTION).to_json() == answer


# ---- a Chroma server that goes away --------------------------------------------------------------


def _chroma_server(path: Path, port: int) -> AbstractContextManager[servers.Server]:
    """A real ``chroma run`` on loopback, up once its heartbeat answers; killed afterwards, as by a crash."""
    log = path.parent / f"chroma-{port}-{time.monotonic_ns()}.log"  # one log a start: it starts twice on one port
    return servers.chroma_server(path, port=port, timeout_s=90, grace_s=0, env=_env(path), log=log)


@pytest.mark.slow
@pytest.mark.server
def test_the_same_assistant_serves_again_when_the_chroma_server_returns(tmp_path: Path) -> None:
    from assistant.ingest import ingest
    from assistant.pipeline import Assistant

    folder = tmp_path / "corpus"
    folder.mkdir()
    for name, text in SMALL.items():
        (folder / name).write_text(text, encoding="utf-8")
    db, port = tmp_path / "db", servers.free_port()
    settings = load_settings(data_dir=tmp_path / "data", chroma_host="127.0.0.1", chroma_port=port)
    with _chroma_server(db, port):
        ingest([folder], settings, progress=False)
        assistant = Assistant(settings)
        first = assistant.ask(QUESTION).to_json()
        assert not first["abstained"]
    # The server is gone (killed, as by a crash): a clear error naming it, every time, quickly.
    for _ in range(2):
        started = time.monotonic()
        with pytest.raises(StoreError) as err:
            assistant.ask(QUESTION)
        assert f"127.0.0.1:{port}" in str(err.value) and "\n" not in str(err.value)
        assert time.monotonic() - started < 30
    # Back on the same port with the same folder: the same object answers as before.
    with _chroma_server(db, port):
        assert assistant.ask(QUESTION).to_json() == first
        assert assistant.ask("What does a spinal cord stimulator do?").citations


@pytest.mark.slow
def test_rebuild_in_a_process_that_has_the_store_open(small_index, tmp_path: Path) -> None:
    """A long-running process (the chat page, a notebook) rebuilds the index it is answering from."""
    from assistant.ingest import ingest, rebuild
    from assistant.pipeline import Assistant

    folder, healthy, answer = small_index
    data = tmp_path / "data"
    shutil.copytree(healthy, data)
    settings = load_settings(data_dir=data)
    assert Assistant(settings).ask(QUESTION).to_json() == answer  # the store is now open in this process
    rebuild(settings)
    report = ingest([folder], settings, progress=False)
    assert sorted(report.added) == sorted(Path(n).stem for n in SMALL)
    assert Assistant(settings).ask(QUESTION).to_json() == answer
