"""Vector store backends behind one tiny interface: the embedded Chroma store or a Chroma server.

Both are reached through langchain-chroma with our own embedding object; the backend is
chosen by name ("embedded" or "http") from the settings.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .errors import StoreError

if TYPE_CHECKING:
    from .embed import Embedder
    from .settings import Settings


class VectorStore:
    """Chunk vectors with ids and metadata; upsert, delete, list and query."""

    def __init__(self, client: Any, collection: str, embedder: Embedder, where: str) -> None:
        from langchain_chroma import Chroma

        from .embed import as_langchain

        self.where = where
        self._known: dict[str, np.ndarray] = {}
        self.embeddings = as_langchain(embedder, self._known)
        try:
            self.lc = Chroma(
                collection_name=collection,
                embedding_function=self.embeddings,
                client=client,
                collection_metadata={"hnsw:space": "cosine"},
            )
            self.collection = self.lc._collection
        except Exception as exc:  # chromadb raises many types for an unusable store
            raise StoreError(self._explain(exc)) from None

    def _explain(self, exc: BaseException) -> str:
        return (
            f"The vector store at {self.where} cannot be used ({exc.__class__.__name__}: {str(exc)[:200]}). "
            "If it is a Chroma server, check that it is running; if it is the local index, rebuild it with "
            "'assistant ingest --rebuild'."
        )

    def _call(self, fn: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except StoreError:
            raise
        except Exception as exc:
            raise StoreError(self._explain(exc)) from None

    def upsert(self, ids: Sequence[str], texts: Sequence[str], metadatas: Sequence[dict[str, Any]],
               vectors: np.ndarray) -> None:
        """Write chunks with vectors computed earlier, through langchain-chroma."""
        if not ids:
            return
        self._known.clear()
        self._known.update(zip(texts, vectors))
        try:
            self._call(self.lc.add_texts, list(texts), metadatas=list(metadatas), ids=list(ids))
        finally:
            self._known.clear()

    def delete(self, ids: Sequence[str]) -> None:
        """Remove chunks by id (missing ids are ignored)."""
        for i in range(0, len(ids), 5000):
            self._call(self.lc.delete, ids=list(ids[i : i + 5000]))

    def ids(self, doc_id: str | None = None) -> set[str]:
        """All chunk ids, or those of one document."""
        where = {"doc_id": doc_id} if doc_id else None
        out: set[str] = set()
        offset, page = 0, 10000
        while True:
            got = self._call(self.collection.get, where=where, include=[], limit=page, offset=offset)
            out.update(got["ids"])
            if len(got["ids"]) < page:
                return out
            offset += page

    def count(self) -> int:
        """Number of stored chunks."""
        return int(self._call(self.collection.count))

    def query(self, vector: np.ndarray, k: int) -> list[tuple[str, float]]:
        """The ``k`` nearest chunk ids with cosine similarity, best first."""
        if k <= 0:
            return []
        res = self._call(
            self.collection.query, query_embeddings=[vector.tolist()], n_results=k, include=["distances"]
        )
        return [(i, 1.0 - float(d)) for i, d in zip(res["ids"][0], res["distances"][0])]


def _chroma_settings() -> Any:
    from chromadb.config import Settings as ChromaSettings

    return ChromaSettings(anonymized_telemetry=False, allow_reset=False)


def open_store(settings: Settings, embedder: Embedder) -> VectorStore:
    """The configured vector store: embedded in the data folder, or a Chroma server."""
    import chromadb

    if settings.store_backend == "http":
        where = f"http://{settings.chroma_host}:{settings.chroma_port}"
        try:
            client = chromadb.HttpClient(
                host=settings.chroma_host, port=settings.chroma_port, settings=_chroma_settings()
            )
            client.heartbeat()
        except Exception as exc:
            raise StoreError(
                f"Cannot reach the Chroma server at {where} ({exc.__class__.__name__}). Start it with "
                f"'chroma run --host {settings.chroma_host} --port {settings.chroma_port} --path <folder>', "
                "or unset ASSISTANT_CHROMA_HOST to use the local store."
            ) from None
    else:
        path = Path(settings.data_dir) / "chroma"
        where = str(path)
        try:
            client = chromadb.PersistentClient(path=str(path), settings=_chroma_settings())
        except Exception as exc:
            raise StoreError(
                f"The local vector store in {path} is damaged ({exc.__class__.__name__}). "
                "Rebuild it with 'assistant ingest --rebuild'."
            ) from None
    return VectorStore(client, settings.store.collection, embedder, where)
