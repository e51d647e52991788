"""The index kept whole on a Chroma server, so app replicas share nothing but the server.

Three collections, named after ``settings.store.collection`` (default ``spine_qa``):

    spine_qa             the chunks: text, offsets and title in metadata, the chunk vector (as in store.py)
    spine_qa_sentences   every sentence: its clean text, offsets, label, reasons and vector
    spine_qa_docs        one record per document version (text, metadata, chunk table, source card), the
                         commit record ``__state__`` and the ingest lock ``__lock__``

Records are named by content version (``<doc_id>:<version>``) and never change once written, so a
commit is one write: the ``__state__`` record names the live version of every document and carries a
generation number that every commit raises. A reader loads the versions one state names and nothing
else, so it never sees a mix. A version that a commit replaces or removes is *retired*, not deleted:
replicas still answering from the previous state keep finding its chunks until a later ingest purges it,
``retire_after_s`` later. What an interrupted ingest wrote but never committed is removed by the next one.
"""

from __future__ import annotations

import json
import os
import socket
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import numpy as np

from .errors import StoreError
from .store import COLLECTION_CONFIGURATION, open_store

if TYPE_CHECKING:
    from .settings import Settings
    from .store import VectorStore

STATE_ID = "__state__"
LOCK_ID = "__lock__"
_MARK = [[1.0]]  # records are fetched by id, never searched; Chroma still wants a vector, and never its own model
_REBUILD = "Rebuild it with 'assistant ingest --rebuild'."


def empty_state() -> dict[str, Any]:
    """The state of a server that holds no index yet."""
    return {"format": 1, "docs": {}, "generation": 0, "retired": {}, "dirty": False}


class ServerIndex:
    """The shared index on one Chroma server: read the commit, write document versions, commit, purge."""

    def __init__(self, settings: Settings, store: VectorStore | None = None) -> None:
        self.settings = settings
        self.store = store or open_store(settings)
        self.where = self.store.where
        name = settings.store.collection
        self.sentences = self._call(self.store.client.get_or_create_collection, f"{name}_sentences",
                                    configuration=COLLECTION_CONFIGURATION, embedding_function=None)
        self.records = self._call(self.store.client.get_or_create_collection, f"{name}_docs",
                                  embedding_function=None)
        self._owner = f"{socket.gethostname()}|{os.getpid()}|{uuid.uuid4().hex[:8]}"

    def _call(self, fn: Any, *args: Any, **kwargs: Any) -> Any:
        return self.store._call(fn, *args, **kwargs)

    # ---- the commit record -------------------------------------------------------------------

    def read_state(self) -> dict[str, Any]:
        """The committed state (which version of each document is live), or an empty one."""
        got = self._call(self.records.get, ids=[STATE_ID], include=["documents"])
        if not got["ids"]:
            return empty_state()
        try:
            state = json.loads(got["documents"][0])
            if not isinstance(state.get("docs"), dict):
                raise ValueError("no documents")
        except (ValueError, TypeError, AttributeError) as exc:
            raise StoreError(f"The index state on the Chroma server at {self.where} is unreadable ({exc}). "
                             f"{_REBUILD}") from None
        return {**empty_state(), **state}

    def content(self) -> str:
        """Which document versions the last commit made live, as a short hash: a cheap check for a change."""
        got = self._call(self.records.get, ids=[STATE_ID], include=["metadatas"])
        return str(got["metadatas"][0].get("content", "")) if got["ids"] else ""

    def commit(self, state: dict[str, Any]) -> None:
        """Make ``state`` the live one in one write, with the next generation number."""
        state["generation"] = int(state.get("generation", 0)) + 1
        meta = {"generation": state["generation"], "content": content_hash(state)}
        self._call(self.records.upsert, ids=[STATE_ID], embeddings=_MARK,
                   documents=[json.dumps(state, sort_keys=True)], metadatas=[meta])
        self._renew()

    # ---- document versions -------------------------------------------------------------------

    def write_document(self, record: dict[str, Any], vectors: np.ndarray) -> str:
        """Write one document version (its record and its sentences with their vectors); returns its name."""
        artefact = f"{record['doc_id']}:{record['version']}"
        sents = record["sentences"]
        ids = sentence_ids(artefact, len(sents))
        metas = [{"doc_id": record["doc_id"], "artefact": artefact, "i": i, "start": s[0], "end": s[1],
                  "label": s[3], "reasons": json.dumps(list(s[4]), ensure_ascii=False)} for i, s in enumerate(sents)]
        step = self.store.max_batch
        for b in range(0, len(ids), step):
            self._call(self.sentences.upsert, ids=ids[b : b + step], embeddings=vectors[b : b + step].astype(np.float32),
                       documents=[s[2] for s in sents[b : b + step]], metadatas=metas[b : b + step])
        head = {k: v for k, v in record.items() if k != "sentences"}
        head["n_sentences"] = len(sents)
        self._call(self.records.upsert, ids=[artefact], embeddings=_MARK,
                   documents=[json.dumps(head, ensure_ascii=False)], metadatas=[{"doc_id": record["doc_id"]}])
        return artefact

    def load(self, state: dict[str, Any]) -> tuple[list[dict[str, Any]], np.ndarray, np.ndarray]:
        """The live document versions, their sentence vectors and chunk vectors, in document-id order."""
        doc_ids = sorted(state["docs"])
        names = [state["docs"][d]["artefact"] for d in doc_ids]
        heads = self._by_id(self.records, names, ["documents"])
        arts: list[dict[str, Any]] = []
        per_doc: list[list[str]] = []
        for doc_id, name in zip(doc_ids, names):
            if name not in heads:
                raise self._incomplete(f"the record of '{doc_id}' is missing")
            art = json.loads(heads[name][0])
            per_doc.append(sentence_ids(name, int(art.pop("n_sentences"))))
            arts.append(art)
        s_ids = [i for ids in per_doc for i in ids]
        sents = self._by_id(self.sentences, s_ids, ["documents", "metadatas", "embeddings"])
        c_ids = [c[0] for a in arts for c in a["chunks"]]
        chunks = self._by_id(self.store.collection, c_ids, ["embeddings"])
        if len(sents) != len(s_ids) or len(chunks) != len(c_ids):
            raise self._incomplete(f"{len(s_ids) - len(sents)} sentences and {len(c_ids) - len(chunks)} chunks "
                                   "of the committed documents are missing")
        for art, ids in zip(arts, per_doc):
            art["sentences"] = [[int(m["start"]), int(m["end"]), text, m["label"], json.loads(m["reasons"])]
                                for text, m, _ in (sents[i] for i in ids)]
        s_vec = np.asarray([sents[i][2] for i in s_ids], dtype=np.float32).reshape(len(s_ids), -1)
        c_vec = np.asarray([chunks[c][0] for c in c_ids], dtype=np.float32).reshape(len(c_ids), -1)
        return arts, s_vec, c_vec

    def _by_id(self, collection: Any, ids: Sequence[str], include: list[str]) -> dict[str, tuple[Any, ...]]:
        out: dict[str, tuple[Any, ...]] = {}
        step = self.store.max_batch
        for b in range(0, len(ids), step):
            got = self._call(collection.get, ids=list(ids[b : b + step]), include=include)
            cols = [got[k] for k in include]
            for j, i in enumerate(got["ids"]):
                out[i] = tuple(c[j] for c in cols)
        return out

    def _incomplete(self, what: str) -> StoreError:
        return StoreError(f"The index on the Chroma server at {self.where} is incomplete: {what}. {_REBUILD}")

    # ---- retiring, purging and cleaning up -------------------------------------------------------

    def retire(self, state: dict[str, Any], entry: dict[str, Any]) -> None:
        """Mark a replaced or removed version for a later purge (replicas may still be answering from it)."""
        state.setdefault("retired", {})[entry["artefact"]] = {"at": time.time(), "chunks": entry["chunk_ids"]}

    def purge(self, state: dict[str, Any], now: float | None = None) -> bool:
        """Delete the retired versions older than ``retire_after_s``; whether the state changed."""
        now = time.time() if now is None else now
        retired = state.get("retired", {})
        live = {e["artefact"] for e in state["docs"].values()}  # a version added back is live again: kept
        due = [a for a, r in retired.items()
               if a in live or now - float(r["at"]) >= self.settings.store.retire_after_s]
        for artefact in due:
            if artefact not in live:
                self._delete_version(artefact, retired[artefact]["chunks"])
            del retired[artefact]
        return bool(due)

    def _delete_version(self, artefact: str, chunk_ids: Sequence[str]) -> None:
        self.store.delete(list(chunk_ids))
        self._call(self.sentences.delete, where={"artefact": artefact})
        self._call(self.records.delete, ids=[artefact])

    def reconcile(self, state: dict[str, Any]) -> None:
        """Delete whatever no committed or retired version owns (written by an interrupted ingest)."""
        keep = {e["artefact"] for e in state["docs"].values()} | set(state.get("retired", {}))
        live_chunks = {c for e in state["docs"].values() for c in e["chunk_ids"]}
        live_chunks |= {c for r in state.get("retired", {}).values() for c in r["chunks"]}
        self.store.delete(sorted(self.store.ids() - live_chunks))
        for collection, owner in ((self.sentences, lambda i: i.rsplit(":", 1)[0]), (self.records, lambda i: i)):
            extra = sorted(i for i in self._all_ids(collection) if i not in (STATE_ID, LOCK_ID) and owner(i) not in keep)
            for b in range(0, len(extra), self.store.max_batch):
                self._call(collection.delete, ids=extra[b : b + self.store.max_batch])

    def _all_ids(self, collection: Any) -> set[str]:
        out: set[str] = set()
        offset, page = 0, 10_000
        while True:
            got = self._call(collection.get, include=[], limit=page, offset=offset)
            out.update(got["ids"])
            if len(got["ids"]) < page:
                return out
            offset += page

    def drop(self) -> None:
        """Delete the three collections (a rebuild)."""
        self.store.drop()
        for name in (self.sentences.name, self.records.name):
            try:
                self.store.client.delete_collection(name)
            except Exception as exc:  # noqa: BLE001  chromadb's 'not found' has no stable type
                if "does not exist" not in str(exc):
                    raise StoreError(self.store._explain(exc)) from None

    # ---- one ingest at a time ----------------------------------------------------------------

    @contextmanager
    def lock(self) -> Iterator[None]:
        """Hold the server's ingest lock: one ingest at a time, whichever replica runs it."""
        for attempt in range(2):
            # ``add`` keeps an existing record, so of two replicas adding at once only one owns the lock.
            self._call(self.records.add, ids=[LOCK_ID], embeddings=_MARK, metadatas=[self._lock_meta()])
            holder = self._holder()
            if holder.get("owner") == self._owner:
                break
            if attempt == 0 and self._abandoned(holder):
                self._call(self.records.delete, ids=[LOCK_ID])
                continue
            raise StoreError(f"Another ingest (on {holder.get('host', '?')}, process {holder.get('pid', '?')}) is "
                             f"writing to the index on the Chroma server at {self.where}; wait for it to finish.")
        try:
            yield
        finally:
            try:
                if self._holder().get("owner") == self._owner:
                    self._call(self.records.delete, ids=[LOCK_ID])
            except StoreError:
                pass  # the server went away; the lock is taken over once it is seen to be abandoned

    def _lock_meta(self) -> dict[str, Any]:
        return {"owner": self._owner, "host": socket.gethostname(), "pid": os.getpid(), "renewed": time.time()}

    def _holder(self) -> dict[str, Any]:
        got = self._call(self.records.get, ids=[LOCK_ID], include=["metadatas"])
        return dict(got["metadatas"][0] or {}) if got["ids"] else {}

    def _renew(self) -> None:
        if self._holder().get("owner") == self._owner:
            self._call(self.records.upsert, ids=[LOCK_ID], embeddings=_MARK, metadatas=[self._lock_meta()])

    def _abandoned(self, holder: dict[str, Any]) -> bool:
        """A lock whose holder has died: a gone process on this machine, or no renewal for ``lock_stale_s``."""
        if time.time() - float(holder.get("renewed", 0)) > self.settings.store.lock_stale_s:
            return True
        if holder.get("host") == socket.gethostname():
            try:
                os.kill(int(holder.get("pid", 0)), 0)
            except ProcessLookupError:
                return True
            except (PermissionError, ValueError):
                return False
        return False


def content_hash(state: dict[str, Any]) -> str:
    """A short hash of which version of each document a state makes live."""
    import hashlib

    live = sorted((d, e["artefact"]) for d, e in state["docs"].items())
    return hashlib.sha256(json.dumps(live).encode()).hexdigest()[:16]


def sentence_ids(artefact: str, n: int) -> list[str]:
    """The ids of a document version's sentences in the sentences collection."""
    return [f"{artefact}:s{i:05d}" for i in range(n)]
