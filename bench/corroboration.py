"""Corroboration cost per answer, beside the whole warm ``ask`` in the same run, and DISCERN balance rates.

For each question the answer is made once (timed as the whole ``ask``, corroboration included), then
``corroborate`` is timed alone on that answer, so both figures come from the same questions, same index,
same minute. The PubMedQA index also gives the share of abstracts whose card shows the DISCERN "risks"
and "uncertainty" items (and the others).

    python -m bench.corroboration [--corpus pubmedqa] [--questions 200] [--write-docs]
"""

from __future__ import annotations

import argparse
import time
from typing import Any

from .common import cycle, load_note, summary_ms, table, write_json
from .latency import build_index


def measure(settings: Any, questions: list[str], n: int) -> dict[str, Any]:
    from assistant.corroborate import corroborate
    from assistant.discern import ITEMS
    from assistant.pipeline import Assistant

    a = Assistant(settings)
    catalog = a.index.catalog
    for q in questions[:5]:  # warm up: the model, the store and the per-catalog term tables
        a.ask(q)
    asks, alone, documents, qualified, answered = [], [], [], 0, 0
    for q in cycle(questions, n):
        t0 = time.perf_counter()
        ans = a.ask(q)
        t1 = time.perf_counter()
        c = corroborate(ans, catalog, a.index.embedder.embed_one)
        t2 = time.perf_counter()
        asks.append(t1 - t0)
        if c is not None:
            alone.append(t2 - t1)
            answered += 1
            documents.append(c.documents)
            qualified += bool(c.qualified_by)
    cards = [d.get("card") or {} for d in catalog.docs]
    rates = {item: round(sum(bool((c.get("balance") or {}).get(item, {}).get("present")) for c in cards)
                         / max(len(cards), 1), 3) for item in ITEMS}
    documents.sort()
    return {"ask": summary_ms(asks), "corroborate": summary_ms(alone), "answers": answered,
            "sentences": len(catalog.s_clean), "documents": len(catalog.docs),
            "median_documents_stating": documents[len(documents) // 2] if documents else 0,
            "share_with_qualification": round(qualified / max(answered, 1), 3), "discern_rates": rates}


def write_docs(name: str, what: str, r: dict[str, Any], n: int) -> None:
    """The figures into docs/performance.md (cost) and docs/labels.md (DISCERN rates)."""
    from .docblocks import ROOT, provenance, write_block

    command = "`python -m bench.corroboration --write-docs`"
    write_block(ROOT / "docs" / "performance.md", f"corroboration-{name}", command,
                f"{provenance()} {what}: {r['documents']:,} documents, {r['sentences']:,} sentences, {n} questions "
                f"({r['answers']} answered); {load_note()}.\n\n| what | p50 | p95 |\n|---|---|---|\n"
                f"| `corroborate` alone, per answer (target ≤ 20 ms) | {r['corroborate']['p50_ms']:.1f} ms | "
                f"{r['corroborate']['p95_ms']:.1f} ms |\n| the whole warm `ask`, corroboration included, same "
                f"questions | {r['ask']['p50_ms']:.1f} ms | {r['ask']['p95_ms']:.1f} ms |")
    if name == "pubmedqa":
        rates = r["discern_rates"]
        write_block(ROOT / "docs" / "labels.md", "discern-pubmedqa", command,
                    f"{provenance()} Share of the {r['documents']:,} PubMedQA abstracts whose card shows each item:"
                    "\n\n| item | share |\n|---|---|\n" + "\n".join(f"| {k.replace('_', ' ')} | {v:.1%} |"
                                                           for k, v in rates.items()))


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--corpus", nargs="+", default=["pubmedqa"], choices=["seed", "pubmedqa"])
    p.add_argument("--questions", type=int, default=200)
    p.add_argument("--write-docs", action="store_true")
    a = p.parse_args(argv)
    for name in a.corpus:
        settings, questions, what = build_index(name, None)
        r = measure(settings, questions, a.questions)
        print(table(f"Corroboration, {what}: {r['documents']:,} documents, {r['sentences']:,} sentences",
                    ["what", "p50 ms", "p95 ms"],
                    [["corroborate alone, per answer", r["corroborate"]["p50_ms"], r["corroborate"]["p95_ms"]],
                     ["whole warm ask (corroboration included)", r["ask"]["p50_ms"], r["ask"]["p95_ms"]]]))
        print(f"answered {r['answers']}; median documents stating the lead {r['median_documents_stating']}; "
              f"answers with a qualifying passage {r['share_with_qualification']:.1%}")
        print("DISCERN items shown, share of cards: " + ", ".join(f"{k} {v:.1%}" for k, v in r["discern_rates"].items()))
        print(f"target: corroborate ≤ 20 ms per answer; {load_note()}")
        write_json(f"corroboration-{name}", {"result": r, "note": load_note()})
        if a.write_docs:
            write_docs(name, what, r, a.questions)


if __name__ == "__main__":
    main()
