"""Whole-pipeline scale: a warm ``ask`` and a cold start at 1k, 10k and 100k chunks, embedded and through a
Chroma server, with peak RSS, beside the bare "embed the query + Chroma top-5" in the same run.

How each index is built (real PubMedQA sentences and their real MiniLM vectors; nothing random):
- the 11,408 sentences of the 1,000 abstracts, in PMID order, form one stream (``bench.scale``'s cache);
- documents are windows of that stream: pass p cuts it into windows of 40 + p % 5 sentences (about three
  abstracts) starting at (7 p) mod that length, one text file per window, until the chunker has made the number of chunks asked
  for. Passes overlap, so a sentence appears in several documents (as a claim repeated across sites does);
- the files go through the real ``ingest`` (parse, chunk, label with the trained labeller, source cards,
  commit), with one change: the embedder looks each sentence's vector up instead of running the model,
  and a chunk's vector is the normalised mean of its sentences' vectors (as ``bench.scale`` builds them).
  A text it does not know is embedded by the bundled model (counted in the output).

Each size and backend is then measured by fresh processes: one opens the index and times, question by
question and alternating which goes first, the whole warm ``Assistant.ask`` (retrieve, answer, label,
cards, corroboration) and the bare baseline, over PubMedQA questions; then fresh ``assistant ask --json``
processes time a cold start (process start to exit) with the data folder's cache in place, and, through the
server, once with an empty data folder (a new replica). The Chroma server is restarted per size, so its
peak RSS belongs to that size.

    python -m bench.scale_e2e [--sizes 1000 10000 100000] [--questions 200] [--backends embedded server]
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

from .common import OUT, ROOT, WORK, load_note, peak_rss_mib, proc_peak_rss_mib, pubmedqa_records, summary_ms, table, write_json
from .servers import chroma_server

HOME = WORK / "scale_e2e"
RECIPE = "windows40-44|shift7|v1"
WINDOW = 40
BATCH_DOCUMENTS = 256  # documents per ingest batch (and commit) while building


def plan(n_sent: int, chunks_wanted: int) -> list[tuple[int, int]]:
    """Sentence windows [lo, hi), one per document, until their chunks reach ``chunks_wanted``."""
    from .scale import sentences_and_vectors

    _, texts, _ = sentences_and_vectors()
    out: list[tuple[int, int]] = []
    total, p = 0, 0
    while total < chunks_wanted:
        length = WINDOW + p % 5
        for lo in range((7 * p) % length, n_sent - length + 1, length):
            out.append((lo, lo + length))
            total += _chunk_count(doc_text(texts, lo, lo + length))
            if total >= chunks_wanted:
                break
        p += 1
    return out


def doc_text(texts: list[str], lo: int, hi: int) -> str:
    """One document: sentences ``lo..hi`` of the stream, as a paragraph."""
    return " ".join(texts[lo:hi]) + "\n"


def _chunk_count(text: str) -> int:
    from assistant.chunk import make_chunks, split_sentences
    from assistant.settings import IngestSettings

    s = IngestSettings()
    return len(make_chunks("d", "v", text, split_sentences(text, text), s.chunk_max_chars, s.chunk_overlap_sentences))


def write_corpus(folder: Path, windows: list[tuple[int, int]], texts: list[str]) -> None:
    """``d<k>.txt`` for each window (only files whose text differs are written; others are removed)."""
    folder.mkdir(parents=True, exist_ok=True)
    names = set()
    for k, (lo, hi) in enumerate(windows):
        path = folder / f"d{k:06d}.txt"
        names.add(path.name)
        text = doc_text(texts, lo, hi)
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
    for p in folder.glob("*.txt"):
        if p.name not in names:
            p.unlink()


def _precomputed_embedder() -> type:
    from assistant.embed import Embedder, MiniLMEmbedder

    from .scale import sentences_and_vectors

    _, texts, vecs = sentences_and_vectors()
    table_ = {str(t): v for t, v in zip(texts, vecs)}
    by_head: dict[str, list[str]] = {}
    for t in sorted(table_, key=len, reverse=True):
        by_head.setdefault(t[:24], []).append(t)

    def sentences_of(text: str) -> list[np.ndarray] | None:
        """A chunk's text as the known sentences it joins (longest match first), or None."""
        out, pos = [], 0
        while pos < len(text):
            hit = next((c for c in by_head.get(text[pos : pos + 24], ()) if text.startswith(c, pos)), None)
            if hit is None:
                return None
            out.append(table_[hit])
            pos += len(hit) + 1
        return out

    class Precomputed(Embedder):
        """The stream's sentence vectors looked up; a chunk is the mean of its sentences; others embedded."""

        name = "minilm"
        dim = 384
        missed = 0

        def __init__(self, batch_size: int = 64, max_seq_length: int = 256) -> None:
            super().__init__(batch_size)
            self._model = MiniLMEmbedder(batch_size=batch_size, max_seq_length=max_seq_length)

        def embed_batch(self, texts: list[str]) -> np.ndarray:
            return self.embed(texts)

        def embed(self, texts: list[str]) -> np.ndarray:
            out = np.zeros((len(texts), self.dim), dtype=np.float32)
            unknown = []
            for i, t in enumerate(texts):
                v = table_.get(t)
                if v is None:
                    parts = sentences_of(t)
                    v = np.mean(parts, axis=0) if parts else None
                if v is None:
                    unknown.append(i)
                else:
                    out[i] = v
            if unknown:
                type(self).missed += len(unknown)
                out[unknown] = self._model.embed([texts[i] for i in unknown])
            return out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-12)

    return Precomputed


def settings_for(backend: str, size: int, port: int = 0, data: Path | None = None) -> Any:
    """The assistant's settings for one size's index (its own collection on the server)."""
    from assistant.settings import IngestSettings, StoreSettings, load_settings

    store = StoreSettings(collection=f"e2e_{size}")
    ingest = IngestSettings(batch_documents=BATCH_DOCUMENTS)
    if backend == "server":
        return load_settings(data_dir=data or HOME / f"{size}" / "replica-a", chroma_host="127.0.0.1",
                             chroma_port=port, store=store, ingest=ingest)
    return load_settings(data_dir=data or HOME / f"{size}" / "embedded", store=store, ingest=ingest)


def build(backend: str, size: int, windows: list[tuple[int, int]], port: int = 0) -> dict[str, Any]:
    """Ingest one size's corpus through the real ingest path (vectors looked up); skipped when current."""
    from assistant.embed import register_embedder
    from assistant.ingest import ingest

    settings = settings_for(backend, size, port)
    folder = HOME / f"{size}" / "corpus"
    emb = _precomputed_embedder()
    register_embedder("minilm", emb)
    try:
        t = time.perf_counter()
        report = ingest([folder], settings, progress=False)
        seconds = time.perf_counter() - t
    finally:
        from assistant.embed import MiniLMEmbedder

        register_embedder("minilm", MiniLMEmbedder)
    written = report.chunks_written
    return {"documents": len(windows), "chunks": report.chunks, "chunks_written": written,
            "seconds": round(seconds, 1), "chunks_per_s": round(written / seconds, 1) if written else None,
            "embedded_by_model": emb.missed, "skipped": len(report.skipped)}


def child(backend: str, size: int, port: int, questions: int) -> None:
    """In this fresh process: open the index, then time warm asks beside the baseline; print JSON."""
    from assistant.pipeline import Assistant

    settings = settings_for(backend, size, port)
    qs = [rec["QUESTION"] for _, rec in pubmedqa_records(questions)]
    t = time.perf_counter()
    assistant = Assistant(settings)
    index = assistant.index
    embedder, store = index.embedder, index.store
    opened = time.perf_counter() - t

    def baseline(q: str) -> None:
        store.query(embedder.embed_one(q), 5)

    for q in qs[:3]:
        assistant.ask(q)
        baseline(q)
    asks, bases, abstained = [], [], 0
    for i, q in enumerate(qs):
        pair = [("base", baseline), ("ask", assistant.ask)]
        for kind, fn in (reversed(pair) if i % 2 else pair):
            t = time.perf_counter()
            out = fn(q)
            (asks if kind == "ask" else bases).append(time.perf_counter() - t)
            abstained += kind == "ask" and out.abstained
    cat = index.catalog
    print(json.dumps({"open_s": round(opened, 2), "ask": summary_ms(asks), "baseline": summary_ms(bases),
                      "abstained": abstained, "chunks": len(cat.c_id), "sentences": len(cat.s_clean),
                      "documents": len(cat.docs), "peak_rss_mib": round(peak_rss_mib())}))


_COLD = ("import sys, time; t = time.perf_counter(); from assistant.cli import main; rc = main(['ask', '--json', "
         "sys.argv[1]]); from bench.common import peak_rss_mib; "
         "print(round(peak_rss_mib()), file=sys.stderr); sys.exit(rc)")


def cold(backend: str, size: int, port: int, question: str, runs: int, data: Path | None = None) -> dict[str, Any]:
    """Wall time of fresh ``assistant ask --json`` processes, start to exit, and their peak RSS."""
    import os

    s = settings_for(backend, size, port, data)
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")}
    env.update(ASSISTANT_DATA_DIR=str(s.data_dir), ASSISTANT_STORE__COLLECTION=s.store.collection,
               HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", ANONYMIZED_TELEMETRY="False")
    if backend == "server":
        env.update(ASSISTANT_CHROMA_HOST="127.0.0.1", ASSISTANT_CHROMA_PORT=str(port))
    walls, rss = [], []
    for _ in range(runs):
        t = time.perf_counter()
        out = subprocess.run([sys.executable, "-c", _COLD, question], env=env, cwd=ROOT, capture_output=True,
                             text=True, check=False)
        walls.append(time.perf_counter() - t)
        if out.returncode != 0:
            raise RuntimeError(f"cold ask failed: {out.stderr[-1500:]}")
        rss.append(int(out.stderr.strip().splitlines()[-1]))
    return {"runs": runs, "median_s": round(statistics.median(walls), 2), "max_s": round(max(walls), 2),
            "peak_rss_mib": max(rss)}


def run_child(backend: str, size: int, port: int, questions: int) -> dict[str, Any]:
    out = subprocess.run([sys.executable, "-m", "bench.scale_e2e", "--child", backend, "--sizes", str(size),
                          "--port", str(port), "--questions", str(questions)], cwd=ROOT, capture_output=True,
                         text=True, check=False)
    if out.returncode != 0:
        raise RuntimeError(f"scale_e2e child failed: {out.stderr[-2000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def measure(backend: str, size: int, questions: int, cold_runs: int, port: int = 0) -> dict[str, Any]:
    """One backend at one size: warm asks, cold starts (and, through the server, a new replica's first start)."""
    r = run_child(backend, size, port, questions)
    q = pubmedqa_records(1)[0][1]["QUESTION"]
    r["cold"] = cold(backend, size, port, q, cold_runs)
    if backend == "server":
        fresh = HOME / f"{size}" / "replica-new"
        shutil.rmtree(fresh, ignore_errors=True)
        r["first_start_empty_folder"] = cold(backend, size, port, q, 1, data=fresh)
        shutil.rmtree(fresh, ignore_errors=True)
    r["ratio_p95"] = round(r["ask"]["p95_ms"] / r["baseline"]["p95_ms"], 2)
    r["ratio_p50"] = round(r["ask"]["p50_ms"] / r["baseline"]["p50_ms"], 2)
    return r


def run(sizes: tuple[int, ...], questions: int, backends: tuple[str, ...], cold_runs: int) -> dict[str, Any]:
    from .scale import sentences_and_vectors

    _, texts, _ = sentences_and_vectors()
    results: dict[str, dict[int, dict[str, Any]]] = {b: {} for b in backends}
    builds: dict[str, dict[int, dict[str, Any]]] = {b: {} for b in backends}
    for size in sizes:
        windows = plan(len(texts), size)
        write_corpus(HOME / f"{size}" / "corpus", windows, texts)
        for backend in backends:
            if backend == "embedded":
                builds[backend][size] = build(backend, size, windows)
                results[backend][size] = measure(backend, size, questions, cold_runs)
                continue
            db = HOME / "server-db"
            with chroma_server(db, timeout_s=120, grace_s=15) as server:
                builds[backend][size] = build(backend, size, windows, server.port)
            with chroma_server(db, timeout_s=120, grace_s=15) as server:  # fresh: its peak RSS is this size's
                r = measure(backend, size, questions, cold_runs, server.port)
                r["server_peak_rss_mib"] = round(proc_peak_rss_mib(server.proc.pid))
                results[backend][size] = r
            print(f"  {backend} {size:,}: {json.dumps(results[backend][size])}", flush=True)
    rows = []
    for backend in backends:
        for size in sizes:
            r, b = results[backend][size], builds[backend][size]
            first = r.get("first_start_empty_folder", {}).get("median_s", "")
            rows.append([backend, f"{r['chunks']:,}", f"{r['sentences']:,}", r["ask"]["p50_ms"], r["ask"]["p95_ms"],
                         r["baseline"]["p50_ms"], r["baseline"]["p95_ms"], r["ratio_p95"], r["cold"]["median_s"], first,
                         r["peak_rss_mib"], r["cold"]["peak_rss_mib"], r.get("server_peak_rss_mib", ""),
                         b["chunks_per_s"] or "reused"])
    print(table(f"Whole warm ask over PubMedQA sentence windows, {questions} questions per size "
                "(targets at 100k: p95 ratio <= 2, cold start <= 8 s, peak RSS <= 3 GB)",
                ["backend", "chunks", "sentences", "ask p50", "ask p95", "base p50", "base p95", "p95 ratio",
                 "cold s", "new replica s", "warm RSS MiB", "cold RSS MiB", "server RSS MiB", "build chunks/s"], rows))
    print(load_note())
    payload = {"recipe": RECIPE, "questions": questions, "batch_documents": BATCH_DOCUMENTS,
               "results": {b: {str(s): r for s, r in v.items()} for b, v in results.items()},
               "build": {b: {str(s): r for s, r in v.items()} for b, v in builds.items()}, "note": load_note()}
    write_json("scale_e2e", payload)
    return payload


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 100000])
    p.add_argument("--questions", type=int, default=200, help="PubMedQA questions timed per size (max 1000)")
    p.add_argument("--backends", nargs="+", default=["embedded", "server"], choices=["embedded", "server"])
    p.add_argument("--cold-runs", type=int, default=3, help="fresh 'assistant ask' processes per size")
    p.add_argument("--child", choices=["embedded", "server"], help=argparse.SUPPRESS)
    p.add_argument("--port", type=int, default=0, help=argparse.SUPPRESS)
    a = p.parse_args(argv)
    if a.child:
        child(a.child, a.sizes[0], a.port, a.questions)
    else:
        OUT.mkdir(parents=True, exist_ok=True)
        run(tuple(a.sizes), a.questions, tuple(a.backends), a.cold_runs)


if __name__ == "__main__":
    main()
