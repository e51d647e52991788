"""The int8 MiniLM (``minilm-int8``) against the float32 one (``minilm``): speed and agreement, same run.

Speed: model load, single-query embed latency (each PubMedQA question embedded by both, back to
back, alternating which goes first) and batch encode throughput (PubMedQA sentences, in blocks
that alternate between the two), wall and process CPU time.

Agreement: the cosine between the two vectors of every text embedded; Recall@1/5 of each question's
own abstract among the PubMedQA abstracts, each abstract embedded as one text (its first 256 tokens,
the embedder's limit), with both backends and with int8 questions against float32 abstracts (what
querying an index with the wrong embedder would give); and, on the seed corpus indexed once per
backend by the real ingest, the eval harness's retrieval metrics on the dev questions, how many
questions' top-5 passages and top-5 sentences change, and how many answers change.

    python -m bench.int8 [--queries 200] [--sentences 1000] [--abstracts 1000] [--quick]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from typing import Any

import numpy as np

from .common import (
    OUT,
    ROOT,
    SEED_CORPUS,
    WORK,
    fresh_dir,
    load_note,
    seed_questions,
    summary_ms,
    table,
    write_json,
)

BACKENDS = ("minilm", "minilm-int8")
PQAL = ROOT / "eval" / "data" / "pubmedqa" / "pqal.jsonl"
DEV = ROOT / "eval" / "data" / "questions_dev.jsonl"
BLOCK = 250  # texts per alternating block in the batch measurements


def pqal(limit: int) -> list[dict[str, Any]]:
    """The first ``limit`` PubMedQA records of the eval copy (question, contexts, long answer)."""
    lines = PQAL.read_text(encoding="utf-8").split("\n")
    return [json.loads(line) for line in lines if line.strip()][:limit]


def abstract(rec: dict[str, Any]) -> str:
    """An abstract as one text: its context paragraphs, then its conclusion (as bench.common writes it)."""
    return "\n\n".join([*rec["contexts"], rec["long_answer"]])


def sentences(recs: list[dict[str, Any]], n: int) -> list[str]:
    """The first ``n`` sentences of the abstracts, split as ingest splits them."""
    from assistant.chunk import split_sentences

    out: list[str] = []
    for rec in recs:
        text = abstract(rec)
        out.extend(s.clean for s in split_sentences(text, text))
        if len(out) >= n:
            break
    return out[:n]


def embedders() -> dict[str, Any]:
    """Both embedders, through the same factory the pipeline uses."""
    from assistant.embed import get_embedder
    from assistant.settings import EmbedSettings

    return {name: get_embedder(EmbedSettings(backend=name)) for name in BACKENDS}


def load_times(repeats: int) -> dict[str, dict[str, float]]:
    """Seconds to build each embedder from the bundled weights (median of ``repeats``, alternating)."""
    from assistant.embed import MiniLMEmbedder, MiniLMInt8Embedder

    classes = {cls.name: cls for cls in (MiniLMEmbedder, MiniLMInt8Embedder)}
    for name in BACKENDS:  # imports and the weight file's first read are not either backend's cost
        classes[name]()
    wall: dict[str, list[float]] = {n: [] for n in BACKENDS}
    cpu: dict[str, list[float]] = {n: [] for n in BACKENDS}
    ready: dict[str, list[float]] = {n: [] for n in BACKENDS}
    for r in range(repeats):
        for name in BACKENDS if r % 2 == 0 else BACKENDS[::-1]:
            t, c = time.perf_counter(), time.process_time()
            e = classes[name]()
            wall[name].append(time.perf_counter() - t)
            cpu[name].append(time.process_time() - c)
            # The float32 weights are memory-mapped and read on first use: load + first query is the fair total.
            e.embed_one("What is radiofrequency neurotomy?")
            ready[name].append(time.perf_counter() - t)
    def med(xs: list[float]) -> float:
        return round(statistics.median(xs), 3)

    return {n: {"wall_s": med(wall[n]), "cpu_s": med(cpu[n]), "with_first_query_s": med(ready[n]), "n": repeats}
            for n in BACKENDS}


def single_queries(emb: dict[str, Any], questions: list[str]) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """Per-query embed latency, both backends back to back per question; and the vectors."""
    for q in questions[:10]:
        for e in emb.values():
            e.embed_one(q)
    wall: dict[str, list[float]] = {n: [] for n in BACKENDS}
    cpu: dict[str, list[float]] = {n: [] for n in BACKENDS}
    vecs: dict[str, list[np.ndarray]] = {n: [] for n in BACKENDS}
    for i, q in enumerate(questions):
        for name in BACKENDS if i % 2 == 0 else BACKENDS[::-1]:
            t, c = time.perf_counter(), time.process_time()
            vecs[name].append(emb[name].embed_one(q))
            wall[name].append(time.perf_counter() - t)
            cpu[name].append(time.process_time() - c)
    out = {n: {"wall": summary_ms(wall[n]), "cpu": summary_ms(cpu[n])} for n in BACKENDS}
    return out, {n: np.vstack(v) for n, v in vecs.items()}


def batches(emb: dict[str, Any], texts: list[str]) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """Batch encode throughput (texts/s, wall and CPU) in alternating blocks; and the vectors."""
    wall = dict.fromkeys(BACKENDS, 0.0)
    cpu = dict.fromkeys(BACKENDS, 0.0)
    parts: dict[str, list[np.ndarray]] = {n: [] for n in BACKENDS}
    for b, lo in enumerate(range(0, len(texts), BLOCK)):
        block = texts[lo : lo + BLOCK]
        for name in BACKENDS if b % 2 == 0 else BACKENDS[::-1]:
            t, c = time.perf_counter(), time.process_time()
            parts[name].append(emb[name].embed(block))
            wall[name] += time.perf_counter() - t
            cpu[name] += time.process_time() - c
    out = {n: {"texts": len(texts), "wall_s": round(wall[n], 2), "cpu_s": round(cpu[n], 2),
               "per_s": round(len(texts) / wall[n], 1), "per_cpu_s": round(len(texts) / cpu[n], 1)} for n in BACKENDS}
    return out, {n: np.vstack(p) for n, p in parts.items()}


def cosines(a: np.ndarray, b: np.ndarray) -> dict[str, float]:
    """Mean, 1st percentile and minimum of the row-wise cosine of two sets of unit vectors."""
    c = (a * b).sum(1)
    return {"n": len(c), "mean": round(float(c.mean()), 4), "p1": round(float(np.percentile(c, 1)), 4),
            "min": round(float(c.min()), 4)}


def recall(q: np.ndarray, d: np.ndarray) -> tuple[dict[str, float], np.ndarray]:
    """Recall@1/5 of question i's own abstract i, and every question's top-5 abstracts."""
    top = np.argsort(-(q @ d.T), axis=1, kind="stable")[:, :5]
    own = np.arange(len(q))[:, None]
    return ({"recall@1": round(float((top[:, :1] == own).any(1).mean()), 4),
             "recall@5": round(float((top == own).any(1).mean()), 4)}, top)


def seed_index(name: str) -> Any:
    """Settings of a seed-corpus index built by the real ingest with this embedder (under bench/out/work)."""
    from assistant.ingest import ingest
    from assistant.settings import EmbedSettings, load_settings

    # Built afresh every run: an index left by an earlier run could hold vectors of earlier code.
    settings = load_settings(data_dir=fresh_dir(WORK / "int8" / name / "data"), corpus_dir=SEED_CORPUS,
                             embed=EmbedSettings(backend=name))
    report = ingest([SEED_CORPUS], settings, progress=False)
    if report.skipped:
        raise SystemExit(f"ingest skipped files: {report.skipped[:3]}")
    return settings


def seed_runs() -> dict[str, Any]:
    """Per backend: harness retrieval metrics, top-5 passages and sentences, and answers, on the dev questions."""
    from assistant import metrics as M
    from assistant.index import Index
    from assistant.pipeline import Assistant, clean_question
    from assistant.retrieve import Retriever

    dev = [json.loads(line) for line in DEV.read_text(encoding="utf-8").split("\n") if line.strip()]
    asked = seed_questions()  # answerable and unanswerable dev questions, for the answers
    runs: dict[str, Any] = {}
    for name in BACKENDS:
        settings = seed_index(name)
        index = Index.open(settings)
        cat = index.catalog
        limit = settings.answer.max_question_chars
        qv = np.vstack([index.embedder.embed_one(q["question"]) for q in dev])
        r: dict[str, Any] = {"metrics": {}, "top5": {}}
        for mode in ("hybrid", "dense"):
            ret = Retriever(index, settings.retrieve, mode)
            ranked = [ret.run(clean_question(q["question"], limit), v, top_k=10) for q, v in zip(dev, qv)]
            p_rows, d_rows = [], []
            for q, passages in zip(dev, ranked):
                refs = [M.SpanRef(p.chunk.doc_id, p.chunk.start, p.chunk.end) for p in passages]
                gold = [M.SpanRef(s["doc_id"], int(s["start"]), int(s["end"])) for s in q["gold_spans"]]
                p_rows.append(M.passage_metrics(refs, gold))
                d_rows.append(M.document_metrics([p.chunk.doc_id for p in passages], q["gold_docs"]))
            r["metrics"][mode] = {"passage": {k: round(v, 4) for k, v in M.mean_dicts(p_rows).items()},
                                  "document": {k: round(v, 4) for k, v in M.mean_dicts(d_rows).items()}}
            r["top5"][mode] = [[(p.chunk.doc_id, p.chunk.start, p.chunk.end) for p in ps[:5]] for ps in ranked]
        sims = qv @ cat.s_vec.T
        r["sentences"] = [[(cat.docs[int(cat.s_doc[i])]["doc_id"], int(cat.s_start[i]), int(cat.s_end[i]))
                           for i in np.argsort(-row, kind="stable")[:5]] for row in sims]
        assistant = Assistant(settings, index=index)
        r["answers"] = [(a.answer, a.abstained, [(c.doc_id, c.start, c.end) for c in a.citations])
                        for a in map(assistant.ask, asked)]
        if name == BACKENDS[0]:  # control: the same backend asked again must change nothing
            again = Assistant(settings, index=index)
            r["answers_again"] = [(a.answer, a.abstained, [(c.doc_id, c.start, c.end) for c in a.citations])
                                  for a in map(again.ask, asked)]
        runs[name] = r
    a, b = (runs[n] for n in BACKENDS)
    def changed(x: list, y: list) -> int:
        return sum(set(p) != set(q) for p, q in zip(x, y))

    return {
        "questions": len(dev), "asked": len(asked),
        "metrics": {n: runs[n]["metrics"] for n in BACKENDS},
        "top5_passages_changed": {m: changed(a["top5"][m], b["top5"][m]) for m in ("hybrid", "dense")},
        "top1_passage_changed": {m: sum(x[:1] != y[:1] for x, y in zip(a["top5"][m], b["top5"][m]))
                                 for m in ("hybrid", "dense")},
        "top5_sentences_changed": changed(a["sentences"], b["sentences"]),
        "answers_changed": sum(x != y for x, y in zip(a["answers"], b["answers"])),
        "answers_changed_fp32_twice": sum(x != y for x, y in zip(a["answers"], a["answers_again"])),
        "abstentions": {n: sum(x[1] for x in runs[n]["answers"]) for n in BACKENDS},
    }


def run(queries: int = 200, n_sentences: int = 1000, n_abstracts: int = 1000) -> dict[str, Any]:
    """Measure, print and write ``bench/out/int8.json``."""
    started = time.perf_counter()
    recs = pqal(max(queries, n_abstracts))
    loads = load_times(3)
    emb = embedders()
    single, qvecs = single_queries(emb, [r["question"] for r in recs[:queries]])
    texts = sentences(recs, n_sentences)
    batch, svecs = batches(emb, texts)
    docs, dvecs = batches(emb, [abstract(r) for r in recs[:n_abstracts]])
    questions = [r["question"] for r in recs[:n_abstracts]]
    allq = {n: emb[n].embed(questions) for n in BACKENDS}
    fp, q8 = BACKENDS
    r_fp, top_fp = recall(allq[fp], dvecs[fp])
    r_q8, top_q8 = recall(allq[q8], dvecs[q8])
    r_mix, _ = recall(allq[q8], dvecs[fp])
    pubmed = {"abstracts": n_abstracts, fp: r_fp, q8: r_q8, "int8 questions, float32 abstracts": r_mix,
              "top1_changed": int((top_fp[:, 0] != top_q8[:, 0]).sum()),
              "top5_set_changed": int(sum(set(x) != set(y) for x, y in zip(top_fp, top_q8)))}
    agree = {"queries": cosines(qvecs[fp], qvecs[q8]), "sentences": cosines(svecs[fp], svecs[q8]),
             "abstracts": cosines(dvecs[fp], dvecs[q8])}
    seed = seed_runs()
    result = {"load": loads, "single_query": single, "batch_sentences": batch, "batch_abstracts": docs,
              "cosine": agree, "pubmedqa_retrieval": pubmed, "seed_dev": seed,
              "seconds": round(time.perf_counter() - started, 1), "note": load_note()}

    def ratio(a: float, b: float) -> float:
        return round(a / b, 2) if b else float("nan")

    rows = [
        ["model load, s (median of 3)", loads[fp]["wall_s"], loads[q8]["wall_s"], ratio(loads[q8]["wall_s"], loads[fp]["wall_s"])],
        ["model load + first query, s", loads[fp]["with_first_query_s"], loads[q8]["with_first_query_s"],
         ratio(loads[q8]["with_first_query_s"], loads[fp]["with_first_query_s"])],
        [f"single query p50, ms ({queries} questions)", single[fp]["wall"]["p50_ms"], single[q8]["wall"]["p50_ms"],
         ratio(single[q8]["wall"]["p50_ms"], single[fp]["wall"]["p50_ms"])],
        ["single query p95, ms", single[fp]["wall"]["p95_ms"], single[q8]["wall"]["p95_ms"],
         ratio(single[q8]["wall"]["p95_ms"], single[fp]["wall"]["p95_ms"])],
        ["single query CPU p50, ms", single[fp]["cpu"]["p50_ms"], single[q8]["cpu"]["p50_ms"],
         ratio(single[q8]["cpu"]["p50_ms"], single[fp]["cpu"]["p50_ms"])],
        [f"batch, {len(texts)} sentences/s", batch[fp]["per_s"], batch[q8]["per_s"], ratio(batch[q8]["per_s"], batch[fp]["per_s"])],
        ["batch, sentences per CPU-s", batch[fp]["per_cpu_s"], batch[q8]["per_cpu_s"],
         ratio(batch[q8]["per_cpu_s"], batch[fp]["per_cpu_s"])],
        [f"batch, {n_abstracts} abstracts/s", docs[fp]["per_s"], docs[q8]["per_s"], ratio(docs[q8]["per_s"], docs[fp]["per_s"])],
    ]
    print(table("speed (same run, alternating)", ["what", fp, q8, "int8 / fp32"], rows))
    print()
    rows = [[f"cosine fp32 vs int8, {k} (n={v['n']})", *(f"{v[m]:.4f}" for m in ("mean", "p1", "min"))]
            for k, v in agree.items()]
    print(table("agreement", ["vectors", "mean", "1st pct", "min"], rows))
    print()
    rows = [[k, f"{v['recall@1']:.3f}", f"{v['recall@5']:.3f}"] for k, v in pubmed.items() if isinstance(v, dict)]
    print(table(f"PubMedQA: own abstract among {n_abstracts} (top-1 changed for {pubmed['top1_changed']}, "
                f"top-5 set for {pubmed['top5_set_changed']})", ["questions / abstracts", "R@1", "R@5"], rows))
    print()
    rows = []
    for mode in ("hybrid", "dense"):
        for level in ("passage", "document"):
            for k in ("recall@1", "recall@5", "recall@10", "mrr"):
                a, b = (seed["metrics"][n][mode][level][k] for n in BACKENDS)
                rows.append([f"{mode} {level} {k}", f"{a:.3f}", f"{b:.3f}", f"{b - a:+.3f}"])
    print(table(f"seed dev questions ({seed['questions']}), eval-harness retrieval metrics",
                ["metric", fp, q8, "change"], rows))
    print(f"top-5 passages changed: hybrid {seed['top5_passages_changed']['hybrid']}, dense "
          f"{seed['top5_passages_changed']['dense']} of {seed['questions']}; top-1 passage changed: hybrid "
          f"{seed['top1_passage_changed']['hybrid']}, dense {seed['top1_passage_changed']['dense']}; top-5 sentences "
          f"changed: {seed['top5_sentences_changed']}; answers changed: {seed['answers_changed']} of {seed['asked']} "
          f"(fp32 asked twice: {seed['answers_changed_fp32_twice']}; abstained {seed['abstentions'][fp]} / "
          f"{seed['abstentions'][q8]})")
    print(f"\ndone in {result['seconds']:.0f} s; {load_note()}")
    path = write_json("int8", result)
    print(f"JSON: {path.relative_to(OUT.parents[1])}")
    return result


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--queries", type=int, default=200, help="PubMedQA questions timed one at a time (default 200)")
    p.add_argument("--sentences", type=int, default=1000, help="PubMedQA sentences batch-encoded (default 1000)")
    p.add_argument("--abstracts", type=int, default=1000, help="PubMedQA abstracts to retrieve among (default 1000)")
    p.add_argument("--quick", action="store_true", help="50 queries, 200 sentences, 200 abstracts")
    a = p.parse_args(argv)
    if a.quick:
        a.queries, a.sentences, a.abstracts = 50, 200, 200
    run(a.queries, a.sentences, a.abstracts)


if __name__ == "__main__":
    main()
