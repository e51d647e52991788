"""Vector store backends behind one tiny interface: the embedded Chroma store or a Chroma server.

The backend is chosen by name ("embedded" or "http") from the settings. Writes go through
langchain-chroma with our own embedding object (vectors computed at ingest, never the model
again); reads go straight to the Chroma collection, so answering a question does not import
LangChain at all. Chroma's default embedding function is never attached to the collection.
"""

from __future__ import annotations

import socket
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import numpy as np

from .errors import StoreError

if TYPE_CHECKING:
    from .embed import Embedder
    from .settings import Settings

# Cosine distance, set through Chroma 1.x's collection configuration (not legacy metadata).
COLLECTION_CONFIGURATION: dict[str, Any] = {"hnsw": {"space": "cosine"}}
CONNECT_TIMEOUT_S = 5.0
REQUEST_TIMEOUT_S = 60.0
_PAGE = 10_000


class VectorStore:
    """Chunk vectors with ids and metadata; upsert, delete, list and query."""

    def __init__(self, client: Any, collection: str, embedder: Embedder | None, where: str,
                 embed_settings: Any = None) -> None:
        self.client = client
        self.name = collection
        self.where = where
        self._embedder = embedder
        self._embed_settings = embed_settings
        self._known: dict[str, np.ndarray] = {}
        self._lc: Any = None
        try:
            self.collection = client.get_or_create_collection(
                collection, configuration=COLLECTION_CONFIGURATION, embedding_function=None
            )
            self.max_batch = int(client.get_max_batch_size())
        except Exception as exc:  # noqa: BLE001  chromadb raises many types for an unusable store
            raise StoreError(self._explain(exc)) from None

    @property
    def lc(self) -> Any:
        """The langchain-chroma view of the same collection (built on first write)."""
        if self._lc is None:
            from langchain_chroma import Chroma

            from .embed import as_langchain

            if self._embedder is None:
                from .embed import get_embedder
                from .settings import EmbedSettings

                self._embedder = get_embedder(self._embed_settings or EmbedSettings())
            self._lc = self._call(
                Chroma, collection_name=self.name, embedding_function=as_langchain(self._embedder, self._known),
                client=self.client, collection_configuration=COLLECTION_CONFIGURATION,
            )
        return self._lc

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
        except Exception as exc:  # noqa: BLE001  any backend failure becomes one clear line
            raise StoreError(self._explain(exc)) from None

    def upsert(self, ids: Sequence[str], texts: Sequence[str], metadatas: Sequence[dict[str, Any]],
               vectors: np.ndarray) -> None:
        """Write chunks with vectors computed earlier, through langchain-chroma, in server-sized batches."""
        if not ids:
            return
        if not (len(ids) == len(texts) == len(metadatas) == len(vectors)):
            raise ValueError(
                f"upsert needs one text, metadata and vector per id, got {len(ids)} ids, {len(texts)} texts, "
                f"{len(metadatas)} metadatas and {len(vectors)} vectors"
            )
        lc = self.lc
        for i in range(0, len(ids), self.max_batch):
            part = slice(i, i + self.max_batch)
            self._known.clear()
            self._known.update(zip(texts[part], vectors[part]))
            try:
                self._call(lc.add_texts, list(texts[part]), metadatas=list(metadatas[part]), ids=list(ids[part]))
            finally:
                self._known.clear()

    def delete(self, ids: Sequence[str]) -> None:
        """Remove chunks by id (missing ids are ignored)."""
        ids = list(ids)
        for i in range(0, len(ids), self.max_batch):
            self._call(self.collection.delete, ids=ids[i : i + self.max_batch])

    def ids(self, doc_id: str | None = None) -> set[str]:
        """All chunk ids, or those of one document."""
        where = {"doc_id": doc_id} if doc_id else None
        out: set[str] = set()
        offset = 0
        while True:
            got = self._call(self.collection.get, where=where, include=[], limit=_PAGE, offset=offset)
            out.update(got["ids"])
            if len(got["ids"]) < _PAGE:
                return out
            offset += _PAGE

    def count(self) -> int:
        """Number of stored chunks."""
        return int(self._call(self.collection.count))

    def query(self, vector: np.ndarray, k: int) -> list[tuple[str, float]]:
        """The ``k`` nearest chunk ids with cosine similarity, best first."""
        if k <= 0:
            return []
        res = self._call(
            self.collection.query, query_embeddings=np.asarray(vector, dtype=np.float32).reshape(1, -1),
            n_results=k, include=["distances"],
        )
        return [(i, 1.0 - float(d)) for i, d in zip(res["ids"][0], res["distances"][0])]

    def drop(self) -> None:
        """Delete the whole collection (used by a rebuild)."""
        try:
            self.client.delete_collection(self.name)
        except Exception as exc:  # noqa: BLE001  chromadb's 'not found' has no stable type
            if "does not exist" not in str(exc):
                raise StoreError(self._explain(exc)) from None


def _chroma_settings() -> Any:
    from chromadb.config import Settings as ChromaSettings

    return ChromaSettings(anonymized_telemetry=False, allow_reset=False)


def server_address(host: str, port: int) -> tuple[str, int, bool, str]:
    """Host, port, TLS flag and a printable URL from the configured host (a bare name or a URL)."""
    ssl = False
    if "://" in host:
        parts = urlsplit(host)
        ssl = parts.scheme == "https"
        host, port = parts.hostname or "", parts.port or port
    url_host = f"[{host}]" if ":" in host else host
    return host, port, ssl, f"{'https' if ssl else 'http'}://{url_host}:{port}"


def connect_http(host: str, port: int) -> Any:
    """A Chroma ``HttpClient`` for a reachable server; StoreError naming the address otherwise."""
    host, port, ssl, where = server_address(host, port)
    hint = (f"Start it with 'chroma run --host {host} --port {port} --path <folder>', "
            "or unset ASSISTANT_CHROMA_HOST to use the local store.")
    try:
        # A plain TCP connect first, with a timeout: chromadb's own client waits forever on a silent host.
        socket.create_connection((host, port), timeout=CONNECT_TIMEOUT_S).close()
    except OSError as exc:
        reason = exc.strerror or exc.__class__.__name__
        raise StoreError(f"Cannot reach the Chroma server at {where} ({reason}). {hint}") from None
    import chromadb

    try:
        client = chromadb.HttpClient(host=host, port=port, ssl=ssl, settings=_chroma_settings())
        session = getattr(getattr(client, "_server", None), "_session", None)
        if session is not None:
            import httpx

            session.timeout = httpx.Timeout(REQUEST_TIMEOUT_S, connect=CONNECT_TIMEOUT_S)
        client.heartbeat()
    except Exception as exc:  # noqa: BLE001  whatever answered is not a usable Chroma server
        raise StoreError(
            f"The Chroma server at {where} did not answer as a Chroma server should "
            f"({exc.__class__.__name__}: {str(exc)[:160]}). {hint}"
        ) from None
    return client


def _forget_client(path: Path) -> None:
    # chromadb caches a client per folder even when opening it failed, so the same process could
    # never open that folder again, not even after a rebuild deleted and recreated it.
    try:
        from chromadb.api.shared_system_client import SharedSystemClient

        SharedSystemClient._identifier_to_system.pop(str(path), None)
    except (ImportError, AttributeError):  # a chromadb without that cache has nothing to forget
        pass


def open_store(settings: Settings, embedder: Embedder | None = None) -> VectorStore:
    """The configured vector store: embedded in the data folder, or a Chroma server.

    ``embedder`` is only needed for writes; when it is not given, the configured one is
    loaded on the first write, so opening a store (and failing on a bad one) stays fast.
    """
    if settings.store_backend == "http":
        client = connect_http(settings.chroma_host, settings.chroma_port)
        where = server_address(settings.chroma_host, settings.chroma_port)[3]
    else:
        import chromadb

        path = Path(settings.data_dir) / "chroma"
        where = str(path)
        try:
            client = chromadb.PersistentClient(path=str(path), settings=_chroma_settings())
        except Exception as exc:  # noqa: BLE001  a damaged store raises many types
            _forget_client(path)
            raise StoreError(
                f"The local vector store in {path} is damaged ({exc.__class__.__name__}). "
                "Rebuild it with 'assistant ingest --rebuild'."
            ) from None
    return VectorStore(client, settings.store.collection, embedder, where, settings.embed)
