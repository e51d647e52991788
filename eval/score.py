"""Print the answer-quality aggregates of chosen question sets, without any per-question rows.

    python eval/score.py dev heldout heldout2          # hybrid retrieval
    python eval/score.py --mode bm25 heldout7
    python eval/score.py --write-docs                  # every set; rewrites the figure blocks of the docs

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
ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "eval"), str(ROOT)]

import harness  # noqa: E402

from bench.docblocks import provenance, write_block  # noqa: E402

COLUMNS = (
    ("key facts", "key_fact_recall"), ("precision", "citation_precision"), ("lead", "lead_accuracy"),
    ("cites", "median_citations"), ("chars", "median_answer_chars"), ("short", "short_answer_accuracy"),
    ("short prec", "short_answer_precision"), ("labels", "label_acceptable"), ("right doc", "right_doc_rate"),
    ("answered", None), ("out abst", None), ("near abst", "near_miss_abstained"),
    ("advice", "personal_advice_recognised"), ("advice fa", "personal_advice_false_alarms"),
    ("integrity", "citation_integrity"),
)


def load(split: str) -> dict[str, list[dict]]:
    folder = harness.set_folder(split)
    names = ("questions_dev.jsonl", "unanswerable_dev.jsonl") if split == "dev" else (
        "questions.jsonl", "unanswerable.jsonl")
    return {"answerable": harness.load_jsonl(folder / names[0]), "unanswerable": harness.load_jsonl(folder / names[1])}


def _cell(v, name: str = "") -> str:
    if name in ("cites", "chars") and isinstance(v, float):
        return f"{v:g}"
    return v if isinstance(v, str) else "-" if v is None else f"{v:.3f}" if isinstance(v, float) else str(v)


def score(run: harness.Run, split: str, mode: str, supports) -> dict[str, str]:
    """The printed aggregates of one set, as cells by column name."""
    data = load(split)
    m, rows = harness.answer_metrics(run, data["answerable"], data["unanswerable"], mode, supports)
    cells = {}
    for name, key in COLUMNS:
        if name == "answered":
            v = m["abstention"]["answered_rate"]
        elif name == "out abst":
            done, total = harness.abstained_by_kind(rows, harness.CLEARLY_OUT)
            v = f"{done}/{total}"
        else:
            v = m[key]
        cells[name] = _cell(v, name)
    return cells


STATUS_WORDS = {"trained": "read, trained on", "decided": "unread, used for decisions", "unread": "unread"}
DOC_COLUMNS = ("key facts", "precision", "lead", "cites", "chars", "short", "labels", "near abst", "advice",
               "integrity")


def _set_name(split: str) -> str:
    if split.startswith("train"):
        return "training " + split.removeprefix("train")
    return "dev" if split == "dev" else "held-out " + (split.removeprefix("heldout") or "1")


def _set_number(split: str) -> int:
    """A set's number, newest first within its status: held-out n, then training n, then dev."""
    if split.startswith("heldout"):
        return -int(split.removeprefix("heldout") or 1)
    return 100 - int(split.removeprefix("train")) if split.startswith("train") else 1000


def write_docs(table: dict[str, dict[str, str]], mode: str) -> None:
    """Rewrite the answer-figure blocks of docs/answers.md and README.md from one run of every set."""
    command = "`python eval/score.py --write-docs`"
    order = sorted(table, key=lambda s: (("unread", "decided", "trained").index(harness.SET_STATUS.get(s, "unread")),
                                         _set_number(s)))
    head = "| set | status | " + " | ".join(DOC_COLUMNS) + " |\n|" + "---|" * (len(DOC_COLUMNS) + 2)
    rows = [f"| {_set_name(s)} | {STATUS_WORDS[harness.SET_STATUS.get(s, 'unread')]} | "
            + " | ".join(table[s][c] for c in DOC_COLUMNS) + " |" for s in order]
    write_block(ROOT / "docs" / "answers.md", "answers", command,
                f"{provenance()} {mode.capitalize()} retrieval, extractive answers; near abst is the share of near misses refused, advice the share of "
                "requests for personal advice recognised.\n\n" + head + "\n" + "\n".join(rows))
    unread = [s for s in order if harness.SET_STATUS.get(s, "unread") != "trained"]
    names = " / ".join(_set_name(s).removeprefix("held-out ") for s in unread)

    def line(what: str, col: str) -> str:
        return f"| {what}, held-out sets {names} | " + " / ".join(table[s][col] for s in unread) + " |"

    write_block(ROOT / "README.md", "answers", command,
                f"| answers ({provenance()[:-1].lower()}) | figure |\n|---|---|\n"
                + "\n".join([line("the first sentence is a right one", "lead"),
                              line("share of citations that are right", "precision"),
                              line("key facts stated", "key facts"),
                              line("citations per answer (median)", "cites"),
                              "| citation text equals the file at its offsets, every set | "
                              + ("100%" if all(t["integrity"] == "1.000" for t in table.values()) else "not all") + " |"]))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sets", nargs="*")
    parser.add_argument("--mode", default="hybrid", choices=harness.MODES)
    parser.add_argument("--write-docs", action="store_true", help="score every set and rewrite the docs' figure blocks")
    args = parser.parse_args(argv)
    sets = list(args.sets) or (["dev", *harness.HELDOUT_SETS, *harness.TRAIN_SETS] if args.write_docs else [])
    if not sets:
        parser.error("name the sets to score (dev, heldout, heldout2, ...), or give --write-docs")
    run = harness.Run(harness.cached_index("seed", harness.CORPUS))
    from assistant.support import SupportScorer

    scorer = SupportScorer(harness.cached_embedder())
    print("set | " + " | ".join(c for c, _ in COLUMNS))
    table = {}
    for split in sets:
        table[split] = score(run, split, args.mode, scorer.supports)
        print(f"{split} | " + " | ".join(table[split].values()), flush=True)
    harness.flush_embeddings()
    if args.write_docs:
        write_docs(table, args.mode)
        print("wrote the figure blocks of docs/answers.md and README.md")

if __name__ == "__main__":
    main()
