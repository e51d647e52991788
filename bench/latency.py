"""Warm ``ask`` latency next to the bare baseline "embed the query + Chroma top-5", same run, same index.

Each question is timed both ways, one right after the other (alternating which goes first), so
a change in machine load falls on both. A second table splits ``ask`` into its stages.

    python -m bench.latency [--questions 200] [--corpus seed pubmedqa] [--write-docs]

``--write-docs`` writes each measured corpus's figures into its block of docs/performance.md.
"""

from __future__ import annotations

import argparse
import json
import time
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from .common import (
    OUT,
    SEED_CORPUS,
    WORK,
    cycle,
    load_note,
    pubmedqa_index,
    seed_questions,
    summary_ms,
    table,
    write_json,
    write_pubmedqa_corpus,
)

TARGET_RATIO = 1.5


def build_index(name: str, labeller_name: str | None, docs: int = 1000) -> tuple[Any, list[str], str]:
    """Settings for an index of the named corpus (built or brought up to date first) and its questions."""
    from assistant.ingest import ingest
    from assistant.label import get_labeller
    from assistant.settings import load_settings

    if name == "seed":
        corpus, questions, data = SEED_CORPUS, seed_questions(), WORK / "seed" / "data"
        what = f"seed corpus ({len(list(corpus.glob('*.*'))) - 1} documents), {len(questions)} dev questions"
    else:
        corpus, questions = write_pubmedqa_corpus(WORK / f"pubmedqa-{docs}", docs)
        data = pubmedqa_index(docs)
        what = f"PubMedQA ({docs} abstracts), their {len(questions)} questions"
    settings = load_settings(data_dir=data, corpus_dir=corpus)
    labeller = get_labeller(labeller_name) if labeller_name else get_labeller()
    report = ingest([corpus], settings, progress=False, labeller=labeller)
    if report.skipped:
        raise SystemExit(f"ingest skipped files: {report.skipped[:3]}")
    return settings, questions, what


class Timer:
    """Wraps callables on live objects and records how long each call took, by stage name."""

    def __init__(self) -> None:
        self.times: dict[str, list[float]] = defaultdict(list)
        self.active = True  # record only while True (the baseline shares the embedder)
        self._undo: list[Callable[[], None]] = []

    def wrap(self, obj: Any, attr: str, stage: str) -> None:
        fn = getattr(obj, attr)

        def timed(*args: Any, **kwargs: Any) -> Any:
            t = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                if self.active:
                    self.times[stage].append(time.perf_counter() - t)

        setattr(obj, attr, timed)
        self._undo.append(lambda: obj.__dict__.pop(attr, None))

    def restore(self) -> None:
        for undo in reversed(self._undo):
            undo()


def measure(settings: Any, questions: list[str], n: int) -> dict[str, Any]:
    """Warm latency of ask and of the baseline over ``n`` questions (cycled if fewer)."""
    from assistant.pipeline import Assistant

    assistant = Assistant(settings)
    index = assistant.index
    embedder, store = index.embedder, index.store

    def baseline(q: str) -> None:
        store.query(embedder.embed_one(q), 5)

    for q in questions[:3]:  # warm: model, store, BM25 and caches
        assistant.ask(q)
        baseline(q)
    asks, bases, ask_cpu, base_cpu = [], [], [], []
    abstained = 0
    timer = Timer()
    timer.wrap(embedder, "embed_one", "embed query")
    timer.wrap(index, "dense", "dense (Chroma)")
    timer.wrap(index.lexical, "search", "BM25")
    timer.wrap(assistant.retriever, "run", "retrieve (dense+BM25+fusion+MMR)")
    timer.wrap(assistant.generator, "generate", "answer + label")
    try:
        for i, q in enumerate(cycle(questions, n)):
            pair = [("base", baseline), ("ask", assistant.ask)]
            if i % 2:
                pair.reverse()
            for kind, fn in pair:
                timer.active = kind == "ask"
                t, c = time.perf_counter(), time.process_time()
                out = fn(q)
                dt, dc = time.perf_counter() - t, time.process_time() - c
                (asks if kind == "ask" else bases).append(dt)
                (ask_cpu if kind == "ask" else base_cpu).append(dc)
                if kind == "ask" and out.abstained:
                    abstained += 1
    finally:
        timer.restore()
    stages = dict(timer.times)
    ask, base = summary_ms(asks), summary_ms(bases)
    a_cpu, b_cpu = summary_ms(ask_cpu), summary_ms(base_cpu)
    return {"ask": ask, "baseline": base, "ratio_p50": round(ask["p50_ms"] / base["p50_ms"], 3),
            # CPU time of this process (all threads) per question: less swayed by other work than wall time
            "ask_cpu": a_cpu, "baseline_cpu": b_cpu, "ratio_cpu_p50": round(a_cpu["p50_ms"] / b_cpu["p50_ms"], 3),
            "abstained": abstained, "chunks": len(index.catalog.c_id),
            "stages": {k: summary_ms(v) for k, v in stages.items()}}


def run(n: int = 200, corpora: tuple[str, ...] = ("seed", "pubmedqa"), labeller: str | None = None,
        docs: int = 1000) -> dict[str, Any]:
    results = {}
    for name in corpora:
        settings, questions, what = build_index(name, labeller, docs)
        r = measure(settings, questions, n)
        r["corpus"] = what
        r["questions_timed"] = n
        results[name] = r
        print(table(
            f"Warm ask latency, {what}: {n} questions timed, {r['chunks']:,} chunks ({r['abstained']} abstained)",
            ["what", "p50 ms", "p95 ms", "vs baseline p50"],
            [["baseline: embed query + Chroma top-5", r["baseline"]["p50_ms"], r["baseline"]["p95_ms"], 1.0],
             ["assistant ask (extractive)", r["ask"]["p50_ms"], r["ask"]["p95_ms"], r["ratio_p50"]],
             ["CPU time: baseline", r["baseline_cpu"]["p50_ms"], r["baseline_cpu"]["p95_ms"], 1.0],
             ["CPU time: assistant ask", r["ask_cpu"]["p50_ms"], r["ask_cpu"]["p95_ms"], r["ratio_cpu_p50"]]]
            + [[f"  stage: {k}", v["p50_ms"], v["p95_ms"], ""] for k, v in r["stages"].items()],
        ))
        print()
    print(f"target: ask p50 at most {TARGET_RATIO}x the baseline p50; {load_note()}")
    for name, r in results.items():
        write_json(f"latency-{name}", {"target_ratio": TARGET_RATIO, "result": r, "note": load_note()})
    # latency.json gathers the latest result of every corpus (runs of one corpus keep the other's).
    merged = {}
    for name in ("seed", "pubmedqa"):
        path = OUT / f"latency-{name}.json"
        if path.exists():
            got = json.loads(path.read_text(encoding="utf-8"))
            merged[name] = {**got["result"], "machine": got["machine"], "note": got["note"]}
    write_json("latency", {"target_ratio": TARGET_RATIO, "results": merged})
    return results


def write_docs(results: dict[str, Any]) -> None:
    """Write each measured corpus's warm-ask figures into its block of docs/performance.md."""
    from .docblocks import ROOT, provenance, write_block

    for name, r in results.items():
        rows = [["warm `ask`, p50 / p95", f"{r['ask']['p50_ms']:.1f} / {r['ask']['p95_ms']:.1f} ms"],
                ["baseline in the same run: embed the query + Chroma top-5, p50 / p95",
                 f"{r['baseline']['p50_ms']:.1f} / {r['baseline']['p95_ms']:.1f} ms"],
                ["ratio of the p50s, wall / process CPU (target ≤ " f"{TARGET_RATIO}x)",
                 f"{r['ratio_p50']:.2f}x / {r['ratio_cpu_p50']:.2f}x"]]
        rows += [[f"stage: {k}, p50", f"{v['p50_ms']:.2f} ms"] for k, v in r["stages"].items()]
        body = (f"{provenance()} {r['corpus']}, {r['chunks']:,} chunks, {r['questions_timed']} questions timed "
                f"(`python -m bench.latency --corpus {name} --questions {r['questions_timed']} --write-docs`); "
                f"{load_note()}.\n\n| what | figure |\n|---|---|\n" + "\n".join(f"| {a} | {b} |" for a, b in rows))
        write_block(ROOT / "docs" / "performance.md", f"latency-{name}", "`python -m bench.latency --write-docs`", body)
        if name == "seed":
            write_block(ROOT / "README.md", "latency-seed", "`python -m bench.latency --write-docs`",
                        f"| warm `ask`, seed corpus ({provenance()[:-1].lower()}) | figure |\n|---|---|\n"
                        f"| p50, beside the bare embed + Chroma top-5 in the same run | {r['ask']['p50_ms']:.1f} ms "
                        f"({r['baseline']['p50_ms']:.1f} ms, {r['ratio_p50']:.2f}x; "
                        "[performance](docs/performance.md#figures)) |")


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--questions", type=int, default=200, help="questions timed per corpus (default 200)")
    p.add_argument("--corpus", nargs="+", default=["seed", "pubmedqa"], choices=["seed", "pubmedqa"])
    p.add_argument("--docs", type=int, default=1000, help="PubMedQA abstracts (default 1000)")
    p.add_argument("--labeller", default=None, help="labeller by name (default: the assistant's default)")
    p.add_argument("--write-docs", action="store_true", help="write the figures into docs/performance.md")
    a = p.parse_args(argv)
    results = run(a.questions, tuple(a.corpus), a.labeller, a.docs)
    if a.write_docs:
        write_docs(results)


if __name__ == "__main__":
    main()
