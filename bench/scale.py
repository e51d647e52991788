"""Scale: Chroma query latency and peak memory at 1k, 10k and 100k chunks, embedded and as a server.

How the collection is built (nothing is copied or perturbed):
- the 11,408 sentences of the 1,000 PubMedQA abstracts are embedded once with the bundled
  MiniLM (the vectors the PubMedQA ingest stored, when that index exists, else embedded here);
- in PMID order they form one stream; every run of 1 to 9 consecutive sentences is a chunk
  (9 x 11,408 - 36 = 102,636 distinct chunks), whose vector is the normalised mean of its
  sentences' vectors, exactly how ingest derives chunk vectors;
- a seeded shuffle picks 100,000 of them; the 1k and 10k collections are its first 1,000
  and 10,000.
Queries are the 1,000 PubMedQA questions, embedded once, asking for the top 24 (what the
pipeline's dense search asks for). Each backend and size is queried from a fresh child process,
so its peak RSS is that of a process serving that collection; the server is restarted per size.

    python -m bench.scale [--sizes 1000 10000 100000] [--queries 1000]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

from .common import (
    WORK,
    abstract_text,
    load_note,
    peak_rss_mib,
    proc_peak_rss_mib,
    pubmedqa_index,
    pubmedqa_records,
    summary_ms,
    table,
    write_json,
)
from .servers import chroma_server

SCALE = Path(os.environ.get("SPINE_QA_SCALE_DIR", WORK / "scale"))
MAX_WINDOW = 9
K = 24
RECIPE = f"windows1-{MAX_WINDOW}|seed0|v1"


def sentences_and_vectors() -> tuple[list[str], list[str], np.ndarray]:
    """PMID, text and vector of every sentence of the 1,000 abstracts, in PMID order (cached)."""
    cache = SCALE / "sentences.npz"
    if cache.exists():
        z = np.load(cache, allow_pickle=False)
        return list(z["pmids"]), list(z["texts"]), z["vectors"]
    from assistant.chunk import split_sentences

    pmids, texts, vecs = [], [], []
    data = pubmedqa_index(1000)
    state = json.loads((data / "state.json").read_text()) if (data / "state.json").exists() else {"docs": {}}
    records = pubmedqa_records()
    missing: list[int] = []
    for pmid, rec in records:
        entry = state["docs"].get(pmid)
        if entry:
            art = json.loads((data / entry["artefact"]).with_suffix(".json").read_text(encoding="utf-8"))
            v = np.load((data / entry["artefact"]).with_suffix(".npy"))
            sents = [s[2] for s in art["sentences"]]
        else:
            text = abstract_text(rec)
            sents = [s.clean for s in split_sentences(text, text, join_lines=True)]
            v = np.zeros((len(sents), 384), dtype=np.float32)
            missing.extend(range(len(texts), len(texts) + len(sents)))
        pmids += [pmid] * len(sents)
        texts += sents
        vecs.append(v)
    vectors = np.vstack(vecs).astype(np.float32)
    if missing:  # no PubMedQA index yet: embed the sentences here, once
        from assistant.embed import get_embedder
        from assistant.settings import EmbedSettings

        vectors[missing] = get_embedder(EmbedSettings()).embed([texts[i] for i in missing])
    SCALE.mkdir(parents=True, exist_ok=True)
    np.savez(cache, pmids=np.array(pmids), texts=np.array(texts), vectors=vectors)
    return pmids, texts, vectors


def question_vectors(n: int) -> np.ndarray:
    """The first ``n`` PubMedQA questions, embedded once (cached)."""
    cache = SCALE / f"questions-{n}.npy"
    if cache.exists():
        return np.load(cache)
    from assistant.embed import get_embedder
    from assistant.settings import EmbedSettings

    q = get_embedder(EmbedSettings()).embed([rec["QUESTION"] for _, rec in pubmedqa_records(n)])
    SCALE.mkdir(parents=True, exist_ok=True)
    np.save(cache, q)
    return q


def windows(n_sent: int, total: int) -> list[tuple[int, int]]:
    """A seeded choice of ``total`` sentence windows [lo, hi) of length 1..MAX_WINDOW."""
    all_w = [(s, s + length) for length in range(1, MAX_WINDOW + 1) for s in range(n_sent - length + 1)]
    if total > len(all_w):
        raise SystemExit(f"only {len(all_w):,} windows available, asked for {total:,}")
    pick = np.random.default_rng(0).permutation(len(all_w))[:total]
    return [all_w[i] for i in pick]


def collection_name(size: int) -> str:
    return f"scale_{size}"


def build(client: Any, size: int, pmids: list[str], texts: list[str], vecs: np.ndarray,
          chosen: list[tuple[int, int]]) -> float | None:
    """Create (or reuse) the collection of the first ``size`` chosen windows; returns build seconds or None."""
    from assistant.store import COLLECTION_CONFIGURATION

    name = collection_name(size)
    tag = hashlib.sha256(f"{RECIPE}|{size}".encode()).hexdigest()[:12]
    if name in {c.name for c in client.list_collections()}:
        col = client.get_collection(name)
        if col.count() == size and (col.metadata or {}).get("recipe") == tag:
            return None
        client.delete_collection(name)
    col = client.create_collection(name, configuration=COLLECTION_CONFIGURATION, metadata={"recipe": tag},
                                   embedding_function=None)
    csum = np.vstack([np.zeros((1, vecs.shape[1])), np.cumsum(vecs, axis=0, dtype=np.float64)])
    batch = int(client.get_max_batch_size())
    t = time.perf_counter()
    for b in range(0, size, batch):
        part = chosen[b : min(b + batch, size)]
        lo = np.array([w[0] for w in part])
        hi = np.array([w[1] for w in part])
        means = (csum[hi] - csum[lo]) / (hi - lo)[:, None]
        means /= np.linalg.norm(means, axis=1, keepdims=True)
        col.add(ids=[f"w{h - lo_}-{lo_}" for lo_, h in part], embeddings=means.astype(np.float32),
                documents=[" ".join(texts[lo_:h]) for lo_, h in part],
                metadatas=[{"doc_id": pmids[lo_], "start": int(lo_), "end": int(h)} for lo_, h in part])
    return time.perf_counter() - t


def child(backend: str, size: int, queries: int, port: int) -> None:
    """Query one collection from this fresh process and print JSON with latencies and peak RSS."""
    import chromadb
    from chromadb.config import Settings

    qv = np.load(SCALE / f"questions-{queries}.npy")
    settings = Settings(anonymized_telemetry=False)
    if backend == "server":
        client = chromadb.HttpClient(host="127.0.0.1", port=port, settings=settings)
    else:
        client = chromadb.PersistentClient(path=str(SCALE / "embedded"), settings=settings)
    col = client.get_collection(collection_name(size))
    t = time.perf_counter()
    col.query(query_embeddings=qv[:1], n_results=K, include=["distances"])
    first = time.perf_counter() - t
    for v in qv[:20]:  # warm
        col.query(query_embeddings=v[None, :], n_results=K, include=["distances"])
    times = []
    for v in qv:
        t = time.perf_counter()
        col.query(query_embeddings=v[None, :], n_results=K, include=["distances"])
        times.append(time.perf_counter() - t)
    print(json.dumps({"first_query_s": first, **summary_ms(times), "peak_rss_mib": peak_rss_mib()}))


def run_child(backend: str, size: int, queries: int, port: int = 0) -> dict[str, Any]:
    out = subprocess.run([sys.executable, "-m", "bench.scale", "--child", backend, "--sizes", str(size),
                          "--queries", str(queries), "--port", str(port)],
                         capture_output=True, text=True, check=False, cwd=Path(__file__).resolve().parents[1])
    if out.returncode != 0:
        raise RuntimeError(f"scale child failed: {out.stderr[-1500:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def plot(results: dict[str, dict[int, dict[str, Any]]], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.4, 4.2), dpi=120)
    for backend, marker, color in (("embedded", "o", "C0"), ("server", "s", "C1")):
        sizes = sorted(results.get(backend, {}))
        if not sizes:
            continue
        ax.plot(sizes, [results[backend][s]["p50_ms"] for s in sizes], marker=marker, color=color, label=f"{backend} p50")
        ax.plot(sizes, [results[backend][s]["p95_ms"] for s in sizes], marker=marker, color=color, linestyle="--",
                alpha=0.6, label=f"{backend} p95")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("chunks in the collection")
    ax.set_ylabel(f"Chroma query, top {K} (ms)")
    ax.set_title("Chroma query latency against collection size", fontsize=10)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def run(sizes: tuple[int, ...] = (1000, 10000, 100000), queries: int = 1000,
        backends: tuple[str, ...] = ("embedded", "server")) -> dict[str, Any]:
    import chromadb
    from chromadb.config import Settings

    from .common import OUT

    pmids, texts, vecs = sentences_and_vectors()
    question_vectors(queries)
    chosen = windows(len(texts), max(sizes))
    settings = Settings(anonymized_telemetry=False)
    results: dict[str, dict[int, dict[str, Any]]] = {}
    builds: dict[str, dict[int, float | None]] = {}
    for backend in backends:
        results[backend], builds[backend] = {}, {}
        if backend == "embedded":
            client = chromadb.PersistentClient(path=str(SCALE / "embedded"), settings=settings)
            for size in sizes:
                builds[backend][size] = build(client, size, pmids, texts, vecs, chosen)
            del client
            for size in sizes:
                results[backend][size] = run_child(backend, size, queries)
        else:
            with chroma_server(SCALE / "server", timeout_s=120, grace_s=15) as server:
                client = chromadb.HttpClient(host=server.host, port=server.port, settings=settings)
                for size in sizes:
                    builds[backend][size] = build(client, size, pmids, texts, vecs, chosen)
            for size in sizes:  # a fresh server per size, so its peak memory is that size's
                with chroma_server(SCALE / "server", timeout_s=120, grace_s=15) as server:
                    r = run_child(backend, size, queries, server.port)
                    r["server_peak_rss_mib"] = proc_peak_rss_mib(server.proc.pid)
                    results[backend][size] = r
    rows = []
    for backend in backends:
        for size in sizes:
            r = results[backend][size]
            b = builds[backend][size]
            rows.append([backend, f"{size:,}", r["p50_ms"], r["p95_ms"], round(r["peak_rss_mib"]),
                         round(r.get("server_peak_rss_mib", 0)) or "", "reused" if b is None else round(size / b)])
    print(table(f"Chroma query (top {K}) over PubMedQA sentence windows, {queries} queries per size",
                ["backend", "chunks", "p50 ms", "p95 ms", "client peak RSS MiB", "server peak RSS MiB",
                 "build chunks/s"], rows))
    print(load_note())
    OUT.mkdir(parents=True, exist_ok=True)
    plot(results, OUT / "scale.png")
    payload = {"k": K, "queries": queries, "recipe": RECIPE, "sentences": len(texts),
               "results": {b: {str(s): r for s, r in v.items()} for b, v in results.items()},
               "build_s": {b: {str(s): v for s, v in d.items()} for b, d in builds.items()},
               "plot": str((OUT / "scale.png").relative_to(OUT.parents[1])), "note": load_note()}
    write_json("scale", payload)
    return payload


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 100000])
    p.add_argument("--queries", type=int, default=1000, help="PubMedQA questions used as queries (max 1000)")
    p.add_argument("--backends", nargs="+", default=["embedded", "server"], choices=["embedded", "server"])
    p.add_argument("--child", choices=["embedded", "server"], help=argparse.SUPPRESS)
    p.add_argument("--port", type=int, default=0, help=argparse.SUPPRESS)
    a = p.parse_args(argv)
    if a.child:
        child(a.child, a.sizes[0], a.queries, a.port)
    else:
        run(tuple(a.sizes), a.queries, tuple(a.backends))


if __name__ == "__main__":
    main()
