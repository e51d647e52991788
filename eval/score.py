"""Print the answer-quality aggregates of chosen question sets, without any per-question rows.

    python eval/score.py dev heldout heldout2          # hybrid retrieval
    python eval/score.py --mode bm25 heldout7

Only aggregates are printed, so scoring a held-out set this way does not read its misses. ``pytest
eval/`` computes the same figures (``harness.answer_metrics``) for every set and mode in its report.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parent))

import harness  # noqa: E402

COLUMNS = (
    ("key facts", "key_fact_recall"), ("precision", "citation_precision"), ("lead", "lead_accuracy"),
    ("cites", "median_citations"), ("chars", "median_answer_chars"), ("short", "short_answer_accuracy"),
    ("short prec", "short_answer_precision"), ("labels", "label_acceptable"), ("right doc", "right_doc_rate"),
    ("answered", None), ("out abst", None), ("near abst", "near_miss_abstained"),
    ("advice", "personal_advice_recognised"), ("advice fa", "personal_advice_false_alarms"),
    ("integrity", "citation_integrity"),
)


def load(split: str) -> dict[str, list[dict]]:
    folder = harness.DATA if split == "dev" else harness.HELDOUT_SETS[split]
    names = ("questions_dev.jsonl", "unanswerable_dev.jsonl") if split == "dev" else (
        "questions.jsonl", "unanswerable.jsonl")
    return {"answerable": harness.load_jsonl(folder / names[0]), "unanswerable": harness.load_jsonl(folder / names[1])}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sets", nargs="+")
    parser.add_argument("--mode", default="hybrid", choices=harness.MODES)
    args = parser.parse_args(argv)
    run = harness.Run(harness.cached_index("seed", harness.CORPUS))
    from assistant.support import SupportScorer

    scorer = SupportScorer(harness.cached_embedder())
    print("set | " + " | ".join(c for c, _ in COLUMNS))
    for split in args.sets:
        data = load(split)
        m, rows = harness.answer_metrics(run, data["answerable"], data["unanswerable"], args.mode, scorer.supports)
        cells = []
        for name, key in COLUMNS:
            if name == "answered":
                v = m["abstention"]["answered_rate"]
            elif name == "out abst":
                done, total = harness.abstained_by_kind(rows, harness.CLEARLY_OUT)
                v = f"{done}/{total}"
            else:
                v = m[key]
            cells.append(v if isinstance(v, str) else "-" if v is None else f"{v:.3f}" if isinstance(v, float) else str(v))
        print(f"{split} | " + " | ".join(cells), flush=True)
    harness.flush_embeddings()


if __name__ == "__main__":
    main()
