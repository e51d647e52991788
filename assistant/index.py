"""The index: per-document artefacts and a commit file on disk, chunk vectors in the store,
and a BM25 index over the same chunks.

Layout of the data folder::

    state.json              the commit point: which artefact version of each document is live
    docs/<id>-<ver>.json    text, metadata, sentences (offsets, label) and chunks of one document
    docs/<id>-<ver>.npy     its sentence vectors (float32, normalised)
    docs/<id>-<ver>.chunks.npy  its chunk vectors: each chunk's text embedded (the store holds the same)
    bm25/<fingerprint>/     the BM25 index of the live chunks
    snapshot/<stamp>.*      the live artefacts gathered into two files, with every sentence's content
                            words, so opening a large index reads two files instead of two per document
    chroma/                 the embedded vector store (absent when a Chroma server is used)

Artefacts are immutable and named by content version, and ``state.json`` is replaced
atomically after the store holds a document's new chunks, so a reader never sees a mix
of old and new chunks and an interrupted ingest is finished by the next one.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .catalog import Catalog, Joined, assemble
from .errors import StoreError
from .lexical import Lexical
from .nearest import CELLS_FROM
from .terms import Vocabulary

if TYPE_CHECKING:
    from .embed import Embedder
    from .settings import Settings
    from .store import VectorStore

STATE_FORMAT = 1
DEFAULT_EMBEDDER = "minilm|256"  # what a state entry written before embedders were recorded was built with


def embedder_name(settings: Settings) -> str:
    """The embedder a document's vectors come from, as recorded in the state: backend and token limit."""
    return f"{settings.embed.backend}|{settings.embed.max_seq_length}"
REBUILD_HINT = "Rebuild it with 'assistant ingest --rebuild'."


def atomic_write(path: Path, data: bytes) -> None:
    """Write a file so that readers see the old or the new content, never a part."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def read_state(data_dir: Path) -> dict[str, Any]:
    """The committed state, or an empty one for a new data folder."""
    path = data_dir / "state.json"
    if not path.exists():
        return {"format": STATE_FORMAT, "docs": {}}
    try:
        state = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(state, dict) or state.get("format") != STATE_FORMAT or not isinstance(
                state.get("docs"), dict):
            raise ValueError("unknown format")
        if not all(isinstance(e, dict) and isinstance(e.get("artefact"), str) and isinstance(e.get("version"), str)
                   and isinstance(e.get("chunk_ids"), list) for e in state["docs"].values()):
            raise ValueError("a document entry is malformed")
        return state
    except (ValueError, OSError) as exc:
        raise StoreError(f"The index state file {path} is unreadable ({exc}). {REBUILD_HINT}") from None


def write_state(data_dir: Path, state: dict[str, Any]) -> None:
    """Commit a new state."""
    atomic_write(data_dir / "state.json", json.dumps(state, indent=1, sort_keys=True).encode("utf-8"))


SNAPSHOT_FORMAT = 6  # 6: content words joined, with their counts; 5: with cells for a large index; 4: with each sentence's added terms; 3: reference-list flags (ingest p4)
ARTEFACT_SUFFIXES = (".json", ".npy", ".chunks.npy")


def _read_artefact(data_dir: Path, doc_id: str,
                   entry: dict[str, Any]) -> tuple[dict[str, Any], np.ndarray, np.ndarray]:
    base = data_dir / entry["artefact"]
    try:
        # Not with_suffix: a document id may contain dots ("guide.v2"), and the version follows it.
        art = json.loads(base.with_name(f"{base.name}.json").read_text(encoding="utf-8"))
        vec = np.load(base.with_name(f"{base.name}.npy"), allow_pickle=False)
        cvec = np.load(base.with_name(f"{base.name}.chunks.npy"), allow_pickle=False)
    except (OSError, ValueError) as exc:
        raise StoreError(
            f"The index in {data_dir} is damaged: document '{doc_id}' cannot be read ({exc.__class__.__name__}). "
            f"{REBUILD_HINT}"
        ) from None
    if vec.shape[0] != len(art["sentences"]) or cvec.shape[0] != len(art["chunks"]):
        raise StoreError(f"The index in {data_dir} is damaged: '{doc_id}' has mismatched vectors. {REBUILD_HINT}")
    return art, vec, cvec


def _artefact_stamp(data_dir: Path, state: dict[str, Any]) -> str | None:
    """Names, sizes and modification times of the live artefacts: the snapshot is valid only for these
    exact files. None when one is missing (the full read then reports it)."""
    h = hashlib.sha256(f"{SNAPSHOT_FORMAT}".encode())
    for doc_id in sorted(state["docs"]):
        base = data_dir / state["docs"][doc_id]["artefact"]
        for suffix in ARTEFACT_SUFFIXES:
            try:
                st = os.stat(base.with_name(base.name + suffix))
            except OSError:
                return None
            h.update(f"{doc_id}|{base.name}{suffix}|{st.st_size}|{st.st_mtime_ns}\n".encode())
    return h.hexdigest()


def _read_snapshot(data_dir: Path, stamp: str, doc_ids: list[str]) -> Catalog | None:
    """The catalog from the snapshot named ``stamp`` if it is whole and holds exactly ``doc_ids``, else None."""
    folder = data_dir / "snapshot"
    try:
        head = _loads((folder / f"{stamp}.json").read_bytes())
        # Memory-mapped: opening reads no vector, and a question reads only the rows it touches.
        vecs = np.load(folder / f"{stamp}.npy", allow_pickle=False, mmap_mode="r")
        cvecs = np.load(folder / f"{stamp}.chunks.npy", allow_pickle=False, mmap_mode="r")
        arts, terms = head["docs"], head["terms"]
        if (vecs.shape[0] != len(terms) or sum(len(a["sentences"]) for a in arts) != len(terms)
                or cvecs.shape[0] != sum(len(a["chunks"]) for a in arts) or [a.get("doc_id") for a in arts] != doc_ids):
            return None
        additions = {int(i): (x, y) for i, x, y in head["additions"]}
        if not all(isinstance(t, str) for t in terms[:1]):
            return None
    except (OSError, ValueError, KeyError, TypeError):
        return None  # absent or unreadable: a cache only, so the artefacts are read instead
    cat = assemble(arts, vecs, cvecs)
    cat._terms, cat._additions = Joined(terms), additions
    cat._vocab = Vocabulary.from_counts(head["df"], int(head["n"]))
    cat.cells = _read_cells(folder / f"{stamp}.cells.npz", len(terms))
    return cat


def _read_cells(path: Path, n: int) -> Any:
    """The snapshot's cells (``nearest.py``), or None: absent (a small index) or unreadable, every vector is
    compared instead."""
    if n < CELLS_FROM or not path.exists():
        return None
    from .nearest import Cells

    try:
        with np.load(path, allow_pickle=False) as z:
            cells = Cells.from_arrays(z)
    except (OSError, ValueError, KeyError):
        return None
    return cells if len(cells.order) == n else None


def _loads(data: bytes) -> Any:
    """JSON from bytes, with orjson (a dependency of chromadb) when it is there: about twice as fast on a
    large snapshot."""
    try:
        import orjson
    except ImportError:  # pragma: no cover
        return json.loads(data)
    return orjson.loads(data)


def _write_snapshot(data_dir: Path, stamp: str, cat: Catalog) -> None:
    """All files are named by the stamp, so any set on disk belongs together; older sets are removed. Besides
    the documents and vectors it keeps what opening would otherwise work out over every sentence: content
    words, and the words short forms and names add (``Catalog.term_additions``, only where they add any)."""
    folder = data_dir / "snapshot"
    additions = cat.term_additions()
    cat._additions = {i: xy for i, xy in enumerate(additions) if xy[0] or xy[1]}
    head = {"docs": cat.docs, "terms": [" ".join(t) for t in cat.s_terms], "df": cat.vocab.df, "n": cat.vocab.n,
            "additions": [[i, x, y] for i, (x, y) in cat._additions.items()]}
    try:
        for suffix, array in ((".npy", cat.s_vec), (".chunks.npy", cat.c_vec)):
            buf = io.BytesIO()
            np.save(buf, array, allow_pickle=False)
            atomic_write(folder / f"{stamp}{suffix}", buf.getvalue())
        if len(cat.s_clean) >= CELLS_FROM:
            from .nearest import build

            cat.cells = build(cat.s_vec)
            buf = io.BytesIO()
            np.savez(buf, **cat.cells.to_arrays())
            atomic_write(folder / f"{stamp}.cells.npz", buf.getvalue())
        atomic_write(folder / f"{stamp}.json", json.dumps(head, ensure_ascii=False).encode("utf-8"))
        for p in folder.iterdir():
            if not p.name.startswith(stamp):
                p.unlink(missing_ok=True)
    except OSError:
        pass  # a read-only data folder still opens, only more slowly


def load_catalog(data_dir: Path, state: dict[str, Any]) -> Catalog:
    """Read the live artefacts named by ``state`` into one catalog (from the snapshot when it is current)."""
    stamp = _artefact_stamp(data_dir, state)
    doc_ids = sorted(state["docs"])
    cat = _read_snapshot(data_dir, stamp, doc_ids) if stamp else None
    if cat is None:
        read = [_read_artefact(data_dir, d, state["docs"][d]) for d in doc_ids]
        dim = read[0][1].shape[1] if read else 384
        all_vecs, c_vecs = ((np.vstack([r[k].astype(np.float32, copy=False) for r in read]) if read
                             else np.zeros((0, dim), dtype=np.float32)) for k in (1, 2))
        cat = assemble([a for a, _, _ in read], all_vecs, c_vecs)
        if stamp is not None:
            _write_snapshot(data_dir, stamp, cat)
    return cat


def single_threaded_blas() -> None:
    """Keep numpy's BLAS on one thread (torch's own threads are untouched).

    A query multiplies small matrices (MMR over ~50 candidates): a second OpenBLAS thread costs
    more to wake and spin than it saves (4.5 ms CPU instead of 0.4 ms for a 48x384 product here)
    and competes with the model for the cores.
    """
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - comes with scikit-learn
        return
    threadpool_limits(limits=1, user_api="blas")


class Index:
    """The live index: catalog, lexical index, and the vector store (opened on first dense query)."""

    def __init__(self, settings: Settings, state: dict[str, Any], catalog: Catalog) -> None:
        self.settings = settings
        self.data_dir = Path(settings.data_dir)
        self.state = state
        self.catalog = catalog
        self.lexical = Lexical(catalog, self.data_dir / "bm25")
        self.shared: Any = None  # the ServerIndex this index was loaded from, with a Chroma server
        self.content = ""  # with a Chroma server: which versions this index holds (serverindex.content_hash)
        self._checked = time.monotonic()
        self._store: VectorStore | None = None
        single_threaded_blas()

    @classmethod
    def open(cls, settings: Settings) -> Index:
        """Open the index in the configured data folder (or on the Chroma server), checking it is whole."""
        if settings.store_backend == "http":
            return cls._open_shared(settings)
        data_dir = Path(settings.data_dir)
        if not data_dir.is_dir():
            raise StoreError(
                f"No index found in {data_dir.resolve()}. Build one with 'assistant ingest' "
                "(or set ASSISTANT_DATA_DIR to the folder that holds it)."
            )
        state = read_state(data_dir)
        if not state["docs"]:
            raise StoreError(f"The index in {data_dir.resolve()} is empty. Add documents with 'assistant ingest PATH'.")
        _check_embedder(settings, state, str(data_dir.resolve()))
        if settings.store_backend == "embedded" and not (data_dir / "chroma").is_dir():
            raise StoreError(f"The index in {data_dir.resolve()} is damaged: its vector store folder is missing. "
                             f"{REBUILD_HINT}")
        return cls(settings, state, load_catalog(data_dir, state))

    @classmethod
    def _open_shared(cls, settings: Settings) -> Index:
        """Everything from the Chroma server; the data folder only caches it (snapshot and BM25), keyed by
        the committed versions, so it may be empty or deleted at any time."""
        from .serverindex import ServerIndex, content_hash

        shared = ServerIndex(settings)
        state = shared.read_state()
        if not state["docs"]:
            raise StoreError(f"The index on the Chroma server at {shared.where} is empty. Add documents with "
                             "'assistant ingest PATH'.")
        _check_embedder(settings, state, f"the Chroma server at {shared.where}")
        data_dir = Path(settings.data_dir)
        key = json.dumps([SNAPSHOT_FORMAT, shared.where, settings.store.collection,
                          sorted((d, e["artefact"]) for d, e in state["docs"].items())])
        stamp = hashlib.sha256(key.encode()).hexdigest()
        cat = _read_snapshot(data_dir, stamp, sorted(state["docs"]))
        if cat is None:
            cat = assemble(*shared.load(state))
            _write_snapshot(data_dir, stamp, cat)
        index = cls(settings, state, cat)
        index.shared, index._store = shared, shared.store
        index.content = content_hash(state)
        return index

    def changed(self) -> bool:
        """With a Chroma server: whether a commit has changed the live documents since this index was loaded
        (asked of the server at most every ``refresh_s``). Always False for the local index."""
        if self.shared is None or time.monotonic() - self._checked < self.settings.store.refresh_s:
            return False
        content = self.shared.content()
        self._checked = time.monotonic()
        return content != self.content


    @property
    def embedder(self) -> Embedder:
        from .embed import get_embedder

        return get_embedder(self.settings.embed)

    @property
    def store(self) -> VectorStore:
        if self._store is None:
            from .store import open_store

            store = open_store(self.settings, self.embedder)
            # A store emptied under the index (a wiped server, a replaced folder) would quietly turn
            # every answer into keyword-only search; say so instead.
            if self.catalog.c_id and store.count() == 0:
                raise StoreError(f"The vector store at {store.where} holds none of the index's "
                                 f"{len(self.catalog.c_id)} chunks. {REBUILD_HINT}")
            self._store = store
        return self._store

    def dense(self, vector: np.ndarray, k: int) -> list[tuple[int, float]]:
        """Chunk indexes and cosine similarities from the vector store; uncommitted chunks are ignored."""
        hits = self.store.query(vector, k)
        idx = self.catalog.chunk_index
        return [(idx[cid], score) for cid, score in hits if cid in idx]


def _check_embedder(settings: Settings, state: dict[str, Any], where: str) -> None:
    built = {e.get("embedder", DEFAULT_EMBEDDER) for e in state["docs"].values()}
    if built != {embedder_name(settings)}:
        raise StoreError(
            f"The index in {where} was built with the embedder {' and '.join(sorted(built))} "
                f"(backend|token limit), but the settings select {embedder_name(settings)}: questions would be "
                "embedded differently from the documents. Set ASSISTANT_EMBED__BACKEND (and "
                "ASSISTANT_EMBED__MAX_SEQ_LENGTH) back, or re-embed with 'assistant ingest --rebuild'.")

