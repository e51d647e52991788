"""Ingest: read files into documents, label and embed their sentences, and commit them to the index.

Incremental: a document's version is a hash of its bytes, its manifest entry and the
pipeline version. Unchanged documents are skipped, changed ones have their chunks
replaced, removed ones have their chunks removed. One bad file is reported and skipped.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import re
import shutil
import sys
import time
import tomllib
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .chunk import make_chunks, split_sentences
from .errors import IngestError, StoreError
from .index import (
    ARTEFACT_SUFFIXES,
    DEFAULT_EMBEDDER,
    Catalog,
    Lexical,
    atomic_write,
    embedder_name,
    load_catalog,
    read_state,
    write_state,
)
from .parse import read_file
from .records import Chunk, Document, Span
from .settings import Settings

PIPELINE_VERSION = "p4"  # p4: reference-list flags kept per document; p3: chunks embedded as text; p2: trained labeller reading whole documents, cards v2
_SAFE_ID = re.compile(r"[^A-Za-z0-9._-]+")


@dataclass
class IngestReport:
    """What one ingest run did."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    chunks: int = 0
    chunks_written: int = 0
    seconds: float = 0.0

    def summary(self) -> str:
        """One human line."""
        rate = f" ({self.chunks_written / self.seconds:.0f} chunks/s)" if self.chunks_written and self.seconds else ""
        return (
            f"added {len(self.added)}, updated {len(self.updated)}, unchanged {len(self.unchanged)}, "
            f"removed {len(self.removed)}, skipped {len(self.skipped)} documents; {self.chunks} chunks in the index; "
            f"{self.chunks_written} written in {self.seconds:.1f}s{rate}"
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "added": self.added, "updated": self.updated, "unchanged": self.unchanged, "removed": self.removed,
            "skipped": [{"path": p, "reason": r} for p, r in self.skipped], "chunks": self.chunks,
            "chunks_written": self.chunks_written, "seconds": round(self.seconds, 3),
        }


def load_manifest(corpus_dir: Path) -> dict[str, dict[str, Any]]:
    """Per-document metadata from ``manifest.toml`` in the corpus folder (empty if absent)."""
    path = corpus_dir / "manifest.toml"
    if not path.exists():
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise IngestError(f"{path}: is not valid TOML ({exc}); fix the file and run ingest again.") from None
    return {str(k): dict(v) for k, v in data.items() if isinstance(v, dict)}


def doc_id_for(path: Path) -> str:
    """The document id: the file stem, with characters outside [A-Za-z0-9._-] replaced."""
    return _SAFE_ID.sub("_", path.stem).strip("._") or "document"


def discover(paths: Sequence[Path], extensions: Sequence[str]) -> tuple[list[Path], list[tuple[str, str]], list[Path]]:
    """Files to ingest, files refused with a reason, and the folders whose removals count."""
    files: list[Path] = []
    refused: list[tuple[str, str]] = []
    roots: list[Path] = []

    def consider(p: Path, root: Path | None) -> None:
        if p.is_symlink():
            # A link is followed only within its corpus folder (or, when named directly, the folder it
            # lies in): a link cannot pull in a file from elsewhere on the machine.
            fence = (root if root is not None else p.parent).resolve()
            if not p.resolve().is_relative_to(fence):
                refused.append((str(p), "a symbolic link that points outside the corpus folder; it was not followed"))
                return
        if p.suffix.lower() not in extensions:
            if root is None:
                refused.append((str(p), f"unsupported file type '{p.suffix}'; use {', '.join(extensions)}"))
            return
        files.append(p)

    for given in paths:
        if given.is_dir():
            roots.append(given)
            for p in sorted(given.rglob("*")):
                if any(part.startswith(".") for part in p.relative_to(given).parts) or not (p.is_file() or p.is_symlink()):
                    continue
                if p.name == "manifest.toml":
                    continue
                consider(p, given)
        elif given.exists() or given.is_symlink():
            consider(given, None)
        else:
            refused.append((str(given), "no such file or folder"))
    return files, refused, roots


def build_document(path: Path, data: bytes, meta: dict[str, Any], settings: Settings, version: str) -> Document:
    """Parse one file into a document with sentences and chunks (no labels or vectors yet)."""
    raw = read_file(path, settings.ingest.max_file_bytes)
    doc_id = doc_id_for(path)
    sentences = split_sentences(raw.text, raw.visible, join_lines=raw.kind in {"md", "html", "pdf"})
    if not sentences:
        raise IngestError(f"{path.name}: no sentences found once markup is removed.")
    meta = dict(meta)
    if not meta.get("title"):
        meta["title"] = raw.html_title or _derived_title(sentences, doc_id)
        meta["title_derived"] = True
    chunks = make_chunks(doc_id, version, raw.text, sentences, settings.ingest.chunk_max_chars,
                         settings.ingest.chunk_overlap_sentences)
    return Document(doc_id=doc_id, path=str(path), sha256=hashlib.sha256(data).hexdigest(), text=raw.text,
                    encoding=raw.encoding, meta=meta, sentences=tuple(sentences), chunks=tuple(chunks))


def _derived_title(sentences: Sequence[Span], fallback: str) -> str:
    first = sentences[0].clean
    return first if len(first) <= 120 else first[:117].rsplit(" ", 1)[0] + "…"


def _version(data: bytes, meta: dict[str, Any], extra: str) -> str:
    h = hashlib.sha256(data)
    h.update(json.dumps(meta, sort_keys=True, default=str).encode())
    h.update(f"{PIPELINE_VERSION}|{extra}".encode())
    return h.hexdigest()[:16]


@contextmanager
def _locked(data_dir: Path) -> Iterator[None]:
    data_dir.mkdir(parents=True, exist_ok=True)
    with open(data_dir / ".lock", "w") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise StoreError(f"Another ingest is writing to {data_dir}; wait for it to finish.") from None
        yield


def _progress(total: int, enabled: bool) -> Any:
    if not enabled:
        return None
    from tqdm import tqdm

    return tqdm(total=total, unit="doc", file=sys.stderr, dynamic_ncols=True, leave=False)


def rebuild(settings: Settings) -> None:
    """Delete the index (local artefacts and the store's collection) so the next ingest starts clean."""
    data_dir = Path(settings.data_dir)
    with _locked(data_dir):
        from .store import open_store

        if settings.store_backend == "http":
            from .serverindex import ServerIndex

            ServerIndex(settings).drop()
        else:
            try:
                # Through Chroma, not by deleting its files: a client this process already holds on the
                # folder would go on writing to the deleted database ("attempt to write a readonly database").
                open_store(settings).drop()
            except StoreError:  # too damaged to open: start afresh
                shutil.rmtree(data_dir / "chroma", ignore_errors=True)
        for name in ("docs", "bm25", "snapshot"):
            shutil.rmtree(data_dir / name, ignore_errors=True)
        (data_dir / "state.json").unlink(missing_ok=True)


def ingest(paths: Sequence[Path] | None = None, settings: Settings | None = None, progress: bool | None = None,
           labeller: Any = None, on_document: Callable[[str], None] | None = None) -> IngestReport:
    """Bring the index in line with the given files and folders (default: the corpus folder)."""
    from .cards import CARD_VERSION
    from .label import get_labeller
    from .serverindex import ServerIndex
    from .store import open_store

    settings = settings or __import__("assistant.settings", fromlist=["get_settings"]).get_settings()
    started = time.perf_counter()
    data_dir = Path(settings.data_dir)
    paths = [Path(p) for p in (paths or [settings.corpus_dir])]
    report = IngestReport()
    files, refused, roots = discover(paths, settings.ingest.extensions)
    report.skipped.extend(refused)
    manifest: dict[str, dict[str, Any]] = {}
    for root in roots or {p.parent for p in files}:
        try:
            manifest.update(load_manifest(root))
        except IngestError as exc:
            report.skipped.append((str(root / "manifest.toml"), str(exc)))
    labeller = labeller or get_labeller(embed=settings.embed)
    labels_by = getattr(labeller, "version", labeller.name)  # a retrained labeller re-labels every document
    extra = f"{settings.embed.backend}|{settings.embed.max_seq_length}|{labels_by}|cards{CARD_VERSION}|" \
            f"{settings.ingest.chunk_max_chars}|{settings.ingest.chunk_overlap_sentences}"

    # With a Chroma server, the whole index lives there (serverindex.py); else in the data folder.
    shared = ServerIndex(settings) if settings.store_backend == "http" else None
    with (shared.lock() if shared else _locked(data_dir)):
        state = shared.read_state() if shared else read_state(data_dir)
        live = state["docs"]
        seen: dict[str, Path] = {}
        todo: list[tuple[Path, None, str, str]] = []  # bytes are read again per batch, not kept
        for path in files:
            doc_id = doc_id_for(path)
            if doc_id in seen:
                report.skipped.append((str(path), f"document id '{doc_id}' is already used by {seen[doc_id]}; rename one"))
                continue
            try:
                data = path.read_bytes()
            except OSError as exc:
                report.skipped.append((str(path), f"cannot be read ({exc.strerror or exc})"))
                continue
            seen[doc_id] = path
            version = _version(data, manifest.get(doc_id, {}), extra)
            entry = live.get(doc_id)
            if entry and entry["version"] == version and (shared or (data_dir / f"{entry['artefact']}.json").exists()):
                report.unchanged.append(doc_id)
                continue
            todo.append((path, None, doc_id, version))
        removed = [d for d, e in live.items() if d not in seen and any(
            Path(e["path"]).resolve().is_relative_to(r.resolve()) for r in roots)]
        embedder = embedder_name(settings)
        kept_other = sorted(d for d, e in live.items()
                            if d not in seen and d not in removed and e.get("embedder", DEFAULT_EMBEDDER) != embedder)
        if kept_other:
            raise StoreError(
                f"The index in {data_dir} was built with the embedder '{live[kept_other[0]].get('embedder', DEFAULT_EMBEDDER)}' "
                f"and this run uses '{embedder}': ingesting only some files would mix vectors ({len(kept_other)} "
                "document(s) left on the old one). Ingest the whole corpus, run 'assistant ingest --rebuild', "
                "or set ASSISTANT_EMBED__BACKEND back.")

        dirty = data_dir / ".dirty"
        was_dirty = bool(state.get("dirty")) if shared else dirty.exists()
        writes = bool(todo or removed or was_dirty)
        needs_store = writes or bool(shared and state.get("retired"))
        # Opened before the model loads, so an unreachable server fails in a moment; the
        # store loads the embedder itself only if it ever needs one.
        store = (shared.store if shared else open_store(settings)) if needs_store else None

        def commit() -> None:
            shared.commit(state) if shared else write_state(data_dir, state)

        if writes and shared:
            state["dirty"] = True  # the next run cleans up after this one if it dies
            commit()
        elif writes:
            dirty.touch()
        bar = _progress(len(todo), progress if progress is not None else sys.stderr.isatty())
        batch = settings.ingest.batch_documents
        for b in range(0, len(todo), batch):
            _ingest_batch(todo[b : b + batch], manifest, settings, labeller, store, state, report, bar, on_document,
                          shared)
            commit()
        if bar is not None:
            bar.close()
        for doc_id in removed:
            entry = live.pop(doc_id)
            assert store is not None
            shared.retire(state, entry) if shared else store.delete(entry["chunk_ids"])
            commit()
            report.removed.append(doc_id)
        if shared and needs_store:
            if was_dirty:
                shared.reconcile(state)
            if shared.purge(state) or writes:
                state["dirty"] = False
                commit()
        elif store is not None:
            _reconcile(store, state)
            dirty.unlink(missing_ok=True)
        live_ids = [cid for d in sorted(live) for cid in live[d]["chunk_ids"]]
        fingerprint = Catalog(c_id=live_ids).fingerprint()
        report.chunks = len(live_ids)
        if not shared and (store is not None or not (data_dir / "bm25" / fingerprint).is_dir()):
            # Something changed: build the BM25 cache now, so the first query does not. (Nothing
            # changed and the cache is there: no need to read every artefact back.)
            cat = load_catalog(data_dir, state)
            Lexical(cat, data_dir / "bm25")
        if not shared:  # with a server the data folder holds only caches, which name what they are for
            _collect_garbage(data_dir, state, fingerprint)
    report.seconds = time.perf_counter() - started
    return report


def _ingest_batch(batch: list[tuple[Path, None, str, str]], manifest: dict[str, dict[str, Any]], settings: Settings,
                  labeller: Any, store: Any, state: dict[str, Any], report: IngestReport, bar: Any,
                  on_document: Callable[[str], None] | None, shared: Any = None) -> None:
    from .embed import get_embedder

    docs: list[tuple[Document, str]] = []
    for path, _, doc_id, version in batch:
        try:
            data = path.read_bytes()  # read again here so a large corpus is never all in memory at once
            docs.append((build_document(path, data, manifest.get(doc_id, {}), settings, version), version))
        except OSError as exc:
            report.skipped.append((str(path), f"cannot be read ({exc.strerror or exc})"))
        except IngestError as exc:
            report.skipped.append((str(path), str(exc)))
    if not docs:
        return
    texts = [s.clean for d, _ in docs for s in d.sentences]
    chunk_texts = [chunk_text(d, c) for d, _ in docs for c in d.chunks]
    # One call, so the embedder batches sentences and chunks together by length.
    both = get_embedder(settings.embed).embed(texts + chunk_texts)
    vectors, c_vectors = both[: len(texts)], both[len(texts) :]
    # The labeller reads one document at a time (a sentence's place in it matters), and reuses
    # these vectors only when they come from the embedder it was trained with.
    reuse = getattr(labeller, "embedder", "") == settings.embed.backend
    data_dir = Path(settings.data_dir)
    pos = cpos = 0
    written: list[tuple[Document, str, str, np.ndarray]] = []
    for doc, version in docs:
        n, m = len(doc.sentences), len(doc.chunks)
        vec, cvec = vectors[pos : pos + n], c_vectors[cpos : cpos + m]
        labs = labeller.label([s.clean for s in doc.sentences], vec if reuse else None, doc.meta)
        pos += n
        cpos += m
        record = _record(doc, version, labs)
        artefact = shared.write_document(record, vec) if shared else _write_artefacts(record, vec, cvec, data_dir)
        written.append((doc, version, artefact, cvec))
    # One store write per batch: Chroma's cost per call dwarfs its cost per chunk.
    _upsert_chunks(store, written)
    stale: list[str] = []
    for doc, version, artefact, _ in written:
        old = state["docs"].get(doc.doc_id)
        new_ids = [c.id for c in doc.chunks]
        if old and shared:
            shared.retire(state, old)  # replicas may still answer from it: purged later
        elif old:
            stale.extend(sorted(set(old["chunk_ids"]) - set(new_ids)))
        state["docs"][doc.doc_id] = {"version": version, "path": doc.path, "artefact": artefact, "chunk_ids": new_ids,
                                     "embedder": embedder_name(settings)}
        (report.updated if old else report.added).append(doc.doc_id)
        report.chunks_written += len(doc.chunks)
    if stale:  # chunks of an earlier version; leftovers of an interrupted run are found by _reconcile
        store.delete(stale)
    for doc, *_ in written:
        if bar is not None:
            bar.update(1)
            bar.set_postfix(chunks=report.chunks_written,
                            rate=f"{report.chunks_written / max(bar.format_dict['elapsed'], 1e-6):.0f}/s")
        if on_document is not None:
            on_document(doc.doc_id)


def chunk_text(doc: Document, c: Chunk) -> str:
    """What a chunk's vector embeds: its sentences as read (markup and page noise left out)."""
    return " ".join(s.clean for s in doc.sentences[c.sentences[0] : c.sentences[1]])


def _record(doc: Document, version: str, labels: list[Any]) -> dict[str, Any]:
    """What the index keeps of a document version: text, metadata, labelled sentences, chunks, card."""
    from .cards import build_card
    from .sections import reference_list

    record = {
        "doc_id": doc.doc_id, "path": doc.path, "sha256": doc.sha256, "version": version, "encoding": doc.encoding,
        "meta": doc.meta, "text": doc.text,
        "sentences": [[s.start, s.end, s.clean, lab.label, list(lab.reasons)] for s, lab in zip(doc.sentences, labels)],
        "chunks": [[c.id, c.start, c.end, c.sentences[0], c.sentences[1]] for c in doc.chunks],
    }
    record["card"] = build_card(doc, [lab.label for lab in labels])
    # Which sentences belong to the document's list of references, kept so that questions need not run the
    # labeller's cues again (candidates.in_references).
    record["refs"] = [i for i, f in enumerate(reference_list([s.clean for s in doc.sentences])) if f]
    return record


def _write_artefacts(record: dict[str, Any], vec: np.ndarray, cvec: np.ndarray, data_dir: Path) -> str:
    """Write a document's immutable artefacts (record, sentence and chunk vectors); returns their name."""
    artefact = f"docs/{record['doc_id']}-{record['version']}"
    for suffix, array in ((".chunks.npy", cvec), (".npy", vec)):
        buf = __import__("io").BytesIO()
        np.save(buf, array.astype(np.float32))
        atomic_write(data_dir / f"{artefact}{suffix}", buf.getvalue())
    atomic_write(data_dir / f"{artefact}.json", json.dumps(record, ensure_ascii=False).encode("utf-8"))
    return artefact


def _upsert_chunks(store: Any, written: list[tuple[Document, str, str, np.ndarray]]) -> None:
    """Write the chunks of several documents, with their vectors, to the store in one call."""
    ids: list[str] = []
    texts: list[str] = []
    metas: list[dict[str, Any]] = []
    vecs: list[np.ndarray] = []
    for doc, _, _, cvec in written:
        vecs.append(cvec)
        ids.extend(c.id for c in doc.chunks)
        texts.extend(c.text for c in doc.chunks)
        metas.extend(_chunk_meta(doc, c) for c in doc.chunks)
    if ids:
        store.upsert(ids, texts, metas, np.vstack(vecs))


def _chunk_meta(doc: Document, c: Chunk) -> dict[str, Any]:
    return {"doc_id": doc.doc_id, "start": c.start, "end": c.end, "title": doc.title, "version": c.id.split(":")[1]}


def _reconcile(store: Any, state: dict[str, Any]) -> None:
    """Remove store chunks no committed document owns (left by an interrupted run)."""
    live = {cid for e in state["docs"].values() for cid in e["chunk_ids"]}
    extra = store.ids() - live
    if extra:
        store.delete(sorted(extra))


def _collect_garbage(data_dir: Path, state: dict[str, Any], fingerprint: str) -> None:
    keep = {e["artefact"].split("/", 1)[1] + suffix for e in state["docs"].values() for suffix in ARTEFACT_SUFFIXES}
    docs_dir = data_dir / "docs"
    if docs_dir.is_dir():
        for p in docs_dir.iterdir():
            if p.name.startswith(".") or p.name not in keep:
                p.unlink(missing_ok=True)
    bm25_dir = data_dir / "bm25"
    if bm25_dir.is_dir():
        for p in bm25_dir.iterdir():
            if p.name != fingerprint:
                shutil.rmtree(p, ignore_errors=True)
