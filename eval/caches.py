"""Caches for the eval harness, so a second `pytest eval/` neither re-embeds nor re-ingests.

- An embedding cache keyed by the SHA-256 of each text (``eval/.cache/embeddings``), used through an
  embedder registered as ``minilm`` for the session that returns exactly the vectors MiniLM returned.
- One data folder per corpus under ``eval/.cache/index``, named by a hash of the corpus files, the
  index-building code and the settings, so a change to any of them builds a fresh index (from cached
  vectors) instead of evaluating a stale one.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

from assistant.embed import Embedder, MiniLMEmbedder, register_embedder
from assistant.settings import Settings, load_settings

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "corpus"
CACHE = ROOT / "eval" / ".cache"
PUBMEDQA = ROOT / "eval" / "data" / "pubmedqa" / "pqal.jsonl"
STALE_AFTER_S = 3600
# Modules that only run at query time (or not in the pipeline); editing them needs no new index.
QUERY_TIME = {
    "answer.py",
    "retrieve.py",
    "pipeline.py",
    "generate_llm.py",
    "verify.py",
    "ranker_model.json",
    "cli.py",
    "ui.py",
    "views.py",
    "app.py",
    "metrics.py",
    "support.py",
    "trace.py",
    "library.py",
    "__main__.py",
    "errors.py",
}


def load_jsonl(path: Path) -> list[dict[str, Any]]:
    """The records of a JSON-lines file."""
    # split on "\n" only: str.splitlines() would also break at U+2028 inside a JSON string
    return [json.loads(line) for line in path.read_text(encoding="utf-8").split("\n") if line.strip()]


# ---------------------------------------------------------------- embedding cache


class CachedMiniLM(Embedder):
    """MiniLM with a persistent cache: a text's vector is computed once and then read from disk.

    It is registered under the name ``minilm`` for the eval session, so the settings stay the shipped
    defaults and every part of the pipeline that asks for MiniLM by name (ingest, the labeller, the
    question embedding, the support scorer) gets exactly the vectors MiniLM gives, from the cache.
    """

    name = "minilm"
    dim = 384
    cache_dir: Path = CACHE / "embeddings"

    def __init__(self, batch_size: int = 64) -> None:
        super().__init__(batch_size)
        self._model: MiniLMEmbedder | None = None
        # The registry passes only the batch size to a non-bundled class; read the token limit here.
        self.max_seq_length = load_settings().embed.max_seq_length
        self.root = self.cache_dir / f"all-MiniLM-L6-v2-{self.max_seq_length}"
        self.vectors: dict[str, np.ndarray] = {}
        self.pending: dict[str, np.ndarray] = {}
        self.hits = self.misses = 0
        _CACHES.append(self)
        for shard in sorted(self.root.glob("*.npz")) if self.root.is_dir() else []:
            try:
                with np.load(shard) as z:
                    self.vectors.update(zip(z["keys"].tolist(), z["vectors"]))
            except (OSError, ValueError, KeyError):
                shard.unlink(missing_ok=True)  # a damaged shard is only a cache miss

    @property
    def model(self) -> MiniLMEmbedder:
        if self._model is None:
            self._model = MiniLMEmbedder(self.batch_size, self.max_seq_length)
        return self._model

    @staticmethod
    def key(text: str) -> str:
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

    def embed_batch(self, texts: list[str]) -> np.ndarray:
        keys = [self.key(t) for t in texts]
        missing = [i for i, k in enumerate(keys) if k not in self.vectors]
        self.hits += len(texts) - len(missing)
        self.misses += len(missing)
        if missing:
            new = self.model.embed_batch([texts[i] for i in missing])
            for i, v in zip(missing, new):
                self.vectors[keys[i]] = self.pending[keys[i]] = np.asarray(v, dtype=np.float32)
            if len(self.pending) >= 2048:
                self.flush()
        return np.vstack([self.vectors[k] for k in keys])

    def flush(self) -> None:
        """Write the vectors computed since the last flush as a new shard."""
        if not self.pending:
            return
        self.root.mkdir(parents=True, exist_ok=True)
        keys = sorted(self.pending)
        name = hashlib.sha256("".join(keys).encode()).hexdigest()[:16]
        tmp = self.root / f".{name}.{os.getpid()}.tmp.npz"
        np.savez(tmp, keys=np.array(keys), vectors=np.vstack([self.pending[k] for k in keys]))
        os.replace(tmp, self.root / f"{name}.npz")
        self.pending.clear()


_CACHES: list[CachedMiniLM] = []
register_embedder("minilm", CachedMiniLM)


def flush_embeddings() -> dict[str, int]:
    """Write pending vectors of every caching embedder; return the session's hit and miss counts."""
    for c in _CACHES:
        c.flush()
    return {"cache_hits": sum(c.hits for c in _CACHES), "cache_misses": sum(c.misses for c in _CACHES)}


def cached_embedder(settings: Settings | None = None) -> Embedder:
    """The embedder the eval settings select (the caching MiniLM unless the backend was changed)."""
    from assistant.embed import get_embedder

    return get_embedder((settings or eval_settings(CACHE / "unused", CORPUS)).embed)


# ---------------------------------------------------------------- cached indexes


def eval_settings(data_dir: Path, corpus_dir: Path) -> Settings:
    """The configured settings (defaults unless ASSISTANT_* says otherwise) on this data folder and corpus."""
    return load_settings(data_dir=data_dir, corpus_dir=corpus_dir, chroma_host="")


def _code_hash() -> str:
    h = hashlib.sha256()
    pkg = ROOT / "assistant"
    for p in sorted(pkg.rglob("*")):
        if (
            p.is_file()
            and p.suffix in {".py", ".json", ".toml"}
            and p.name not in QUERY_TIME
            and "__pycache__" not in p.parts
        ):
            h.update(p.relative_to(pkg).as_posix().encode())
            h.update(p.read_bytes())
    return h.hexdigest()


def _corpus_hash(corpus_dir: Path) -> str:
    h = hashlib.sha256()
    for p in sorted(corpus_dir.rglob("*")):
        if p.is_file() and not any(part.startswith(".") for part in p.relative_to(corpus_dir).parts):
            h.update(p.relative_to(corpus_dir).as_posix().encode())
            h.update(hashlib.sha256(p.read_bytes()).digest())
    return h.hexdigest()


@contextmanager
def file_lock(path: Path, timeout: float = 1800) -> Iterator[None]:
    """An exclusive lock between processes (another `pytest eval/` in the same checkout waits)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w") as fh:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise TimeoutError(f"{path} stayed locked for {timeout:.0f}s") from None
                time.sleep(1.0)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


@dataclass
class BuiltIndex:
    """A ready index: its settings and how it was obtained."""

    name: str
    settings: Settings
    key: str
    reused: bool
    seconds: float
    report: dict[str, Any] = field(default_factory=dict)


def cached_index(name: str, corpus_dir: Path) -> BuiltIndex:
    """Ingest ``corpus_dir`` into ``eval/.cache/index/<name>-<key>``, reusing it when nothing changed."""
    from assistant.ingest import ingest

    started = time.perf_counter()
    probe = eval_settings(CACHE / "probe", corpus_dir)
    settings_json = probe.model_dump_json(exclude={"data_dir", "corpus_dir", "llm", "serve"})
    key = hashlib.sha256(f"{_corpus_hash(corpus_dir)}|{_code_hash()}|{settings_json}".encode()).hexdigest()[
        :16
    ]
    root = CACHE / "index"
    data_dir = root / f"{name}-{key}"
    settings = eval_settings(data_dir, corpus_dir)
    with file_lock(root / f".{name}.lock"):
        done = data_dir / ".complete"
        reused = done.exists()
        report: dict[str, Any] = {}
        if not reused:
            shutil.rmtree(data_dir, ignore_errors=True)
            rep = ingest([corpus_dir], settings, progress=False)
            flush_embeddings()
            if rep.skipped:
                raise RuntimeError(f"ingest of {corpus_dir} skipped files: {rep.skipped[:3]}")
            report = rep.to_json()
            done.write_text(json.dumps(report))
        else:
            report = json.loads(done.read_text() or "{}")
            os.utime(data_dir)  # in use: keep it from looking stale to a session on other code
        # Indexes superseded by a code, data or settings change go, once no session can still be reading them.
        for old in root.glob(f"{name}-*"):
            if old != data_dir and old.is_dir() and time.time() - old.stat().st_mtime > STALE_AFTER_S:
                shutil.rmtree(old, ignore_errors=True)
    return BuiltIndex(name, settings, key, reused, time.perf_counter() - started, report)


def write_pubmedqa_corpus(dest: Path) -> list[dict[str, Any]]:
    """Write each PubMedQA abstract (its CONTEXTS joined) to ``dest/<PMID>.txt``; return the items."""
    items = load_jsonl(PUBMEDQA)
    dest.mkdir(parents=True, exist_ok=True)
    want = {f"{it['pmid']}.txt": "\n\n".join(it["contexts"]) + "\n" for it in items}
    for p in dest.iterdir():
        if p.name not in want:
            p.unlink()
    for fname, text in want.items():
        p = dest / fname
        if not p.exists() or p.read_text(encoding="utf-8") != text:
            p.write_text(text, encoding="utf-8")
    return items
