"""The eval harness: runs of the real pipeline over cached indexes, and the metrics over those runs.

Everything goes through the real pipeline (``assistant.ingest.ingest``, ``assistant.retrieve.Retriever``,
``assistant.pipeline.Assistant``); ``caches.py`` keeps the embeddings and indexes between sessions.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
from caches import (  # noqa: F401  re-exported for the test files
    CACHE,
    CORPUS,
    PUBMEDQA,
    ROOT,
    BuiltIndex,
    cached_embedder,
    cached_index,
    file_lock,
    flush_embeddings,
    load_jsonl,
    write_pubmedqa_corpus,
)

from assistant import metrics as M
from assistant.records import Answer

DATA = ROOT / "eval" / "data"
HELDOUT = ROOT / "eval" / "heldout"
# Held-out sets, each written independently from the five documents and never tuned on: the first
# one (whose misses were read while developing), a second one scored only at releases, and a third,
# added when the second had been scored several times.
HELDOUT_SETS = {"heldout": HELDOUT, "heldout2": ROOT / "eval" / "heldout2", "heldout3": ROOT / "eval" / "heldout3",
                "heldout4": ROOT / "eval" / "heldout4", "heldout5": ROOT / "eval" / "heldout5",
                "heldout6": ROOT / "eval" / "heldout6", "heldout7": ROOT / "eval" / "heldout7",
                "heldout8": ROOT / "eval" / "heldout8", "heldout9": ROOT / "eval" / "heldout9",
                "heldout10": ROOT / "eval" / "heldout10", "heldout11": ROOT / "eval" / "heldout11",
                "heldout12": ROOT / "eval" / "heldout12", "heldout13": ROOT / "eval" / "heldout13"}
# Training sets written by independent annotators from the five documents, for the answer ranker: read from the start.
TRAIN_SETS = {name: ROOT / "eval" / "data" / "annotated" / name for name in ("train1", "train2", "train3")}


def set_folder(split: str) -> Path:
    """The folder of a question set by name: dev, a held-out set or an annotated training set."""
    return DATA if split == "dev" else {**HELDOUT_SETS, **TRAIN_SETS}[split]


# What each set can still tell: "trained" sets' misses have been read and the answer ranker trains on them;
# "decided" sets are unread, but their aggregates were used to choose between changes; "unread" sets have
# been scored only at the start of a piece of work and at its release.
SET_STATUS = {"dev": "trained", "heldout": "trained", "heldout2": "trained", "heldout3": "trained",
              "heldout5": "trained", "heldout4": "decided", "heldout6": "decided", "heldout7": "decided",
              "heldout8": "decided", "heldout9": "decided", "heldout10": "unread", "heldout11": "unread",
              "heldout12": "unread", "heldout13": "unread",
              "train1": "trained", "train2": "trained", "train3": "trained"}
OUT = ROOT / "eval" / "out"
MODES = ("hybrid", "dense", "bm25")
RANK_DEPTH = 10


# ---------------------------------------------------------------- runs


@dataclass
class Run:
    """The pipeline over one index: one Assistant per retrieval mode, sharing the index."""

    built: BuiltIndex

    @cached_property
    def index(self):
        from assistant.index import Index

        return Index.open(self.built.settings)

    def assistant(self, mode: str):
        from assistant.pipeline import Assistant

        cache = self.__dict__.setdefault("_assistants", {})
        if mode not in cache:
            cache[mode] = Assistant(self.built.settings, index=self.index, mode=mode)
        return cache[mode]

    def query_vectors(self, questions: Sequence[str]) -> np.ndarray:
        """Question vectors, exactly as the pipeline computes them (one per question)."""
        emb = self.index.embedder
        return np.vstack([emb.embed_one(q) for q in questions]) if questions else np.zeros((0, 384))

    def rankings(
        self, questions: Sequence[str], mode: str, depth: int = RANK_DEPTH, qvecs: np.ndarray | None = None
    ) -> list[list[Any]]:
        """The top ``depth`` passages per question from ``Retriever(index, settings.retrieve, mode)``."""
        from assistant.pipeline import clean_question

        retriever = self.assistant(mode).retriever
        qvecs = self.query_vectors(questions) if qvecs is None else qvecs
        limit = self.built.settings.answer.max_question_chars
        return [retriever.run(clean_question(q, limit), v, top_k=depth) for q, v in zip(questions, qvecs)]

    def answers(self, questions: Sequence[str], mode: str) -> list[Answer]:
        """``Assistant.ask`` for each question."""
        a = self.assistant(mode)
        return [a.ask(q) for q in questions]

    def file_text(self, doc_id: str) -> str:
        """The source file of a document, read fresh from disk (a PDF's text from the index)."""
        d = self.index.catalog.docs[self.index.catalog.doc_index[doc_id]]
        path = Path(d["path"])
        return d["text"] if path.suffix.lower() == ".pdf" else M.read_source(path)


# ---------------------------------------------------------------- metrics over runs


def spans(items: Sequence[dict[str, Any]]) -> list[M.SpanRef]:
    return [M.SpanRef(s["doc_id"], int(s["start"]), int(s["end"])) for s in items]


def retrieval_metrics(run: Run, questions: Sequence[dict[str, Any]], mode: str) -> dict[str, Any]:
    """Passage- and document-level Recall@k, MRR and nDCG@10 for one retrieval mode, plus misses."""
    ranked = run.rankings([q["question"] for q in questions], mode)
    p_rows, d_rows, misses = [], [], []
    for q, passages in zip(questions, ranked):
        refs = [M.SpanRef(p.chunk.doc_id, p.chunk.start, p.chunk.end) for p in passages]
        p_rows.append(M.passage_metrics(refs, spans(q["gold_spans"])))
        d_rows.append(M.document_metrics([p.chunk.doc_id for p in passages], q["gold_docs"]))
        if p_rows[-1]["recall@5"] < 1.0:
            misses.append(
                {
                    "id": q["id"],
                    "passage_recall@5": round(p_rows[-1]["recall@5"], 3),
                    "top_docs": M.dedupe(p.chunk.doc_id for p in passages[:5]),
                }
            )
    return {
        "n": len(questions),
        "passage": M.mean_dicts(p_rows),
        "document": M.mean_dicts(d_rows),
        "passage_misses@5": misses,
    }


def _answer_passages(ans: Answer) -> dict[int, str]:
    return {c.n: c.text for c in ans.citations}


def answer_metrics(
    run: Run,
    answerable: Sequence[dict[str, Any]],
    unanswerable: Sequence[dict[str, Any]],
    mode: str,
    supports: Any,
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Key facts, right document, integrity, abstention, labels and ALCE citation scores for one mode."""
    from assistant.compose import ABSTAIN_MESSAGE, ONLY_PROMOTIONAL
    from assistant.records import LABELS

    meta = [ABSTAIN_MESSAGE, ONLY_PROMOTIONAL]
    # A request for personal advice is answered (what the documents say, after the plain notice that
    # the assistant cannot advise); it is scored apart from the questions that must abstain.
    advice = [q for q in unanswerable if q.get("kind") == "personal_advice"]
    unanswerable = [q for q in unanswerable if q.get("kind") != "personal_advice"]
    a_ans = run.answers([q["question"] for q in answerable], mode)
    u_ans = run.answers([q["question"] for q in unanswerable], mode)
    v_ans = run.answers([q["question"] for q in advice], mode)
    # The passages the generator was given, to tell a retrieval miss from a sentence-selection miss.
    handed = run.rankings([q["question"] for q in answerable], mode, depth=run.built.settings.retrieve.top_k)
    rows: list[dict[str, Any]] = []
    misses_retrieved = misses_not_retrieved = 0
    kf, right, all_gold, integrity_ok, label_ok, y_true, y_pred, alce = [], [], [], [], [], [], [], []
    n_cit = n_exact = n_markers = n_resolved = 0
    precision, lead, n_cites, chars, short_given, short_ok, factoid_ok, factoid_n = [], [], [], [], 0, 0, 0, 0
    for q, ans, passages in zip(answerable, a_ans, handed):
        hits = M.key_fact_hits("" if ans.abstained else ans.answer, q["key_facts"])
        refs = [M.SpanRef(p.chunk.doc_id, p.chunk.start, p.chunk.end) for p in passages]
        k = max(len(refs), 1)
        gold_retrieved = M.passage_metrics(refs, spans(q["gold_spans"]), ks=(k,))[f"recall@{k}"] == 1.0
        if not all(hits):
            misses_retrieved += gold_retrieved
            misses_not_retrieved += not gold_retrieved
        ok_docs = set(q["gold_docs"]) | {s["doc_id"] for s in q.get("alt_spans", [])}
        cited = {c.doc_id for c in ans.citations}
        check = M.citation_integrity(ans.answer, [c.to_json() for c in ans.citations], run.file_text)
        n_cit += check["citations"]
        n_exact += check["exact"]
        n_markers += check["markers"]
        n_resolved += check["resolved"]
        integrity_ok.append(not check["problems"])
        kf.append(sum(hits) / len(hits))
        right.append(bool(cited & ok_docs))
        all_gold.append(set(q["gold_docs"]) <= cited)
        gold = spans(q["gold_spans"] + q.get("alt_spans", []))
        cjson = [c.to_json() for c in ans.citations]
        short = ans.short_answer.text if ans.short_answer else None
        if q.get("answer_type") not in (None, "none"):
            factoid_n += 1
            factoid_ok += M.short_answer_hit(short, q["key_facts"], q.get("short_answer"))
        if not ans.abstained:
            precision.append(M.citation_precision(
                [M.SpanRef(c.doc_id, c.start, c.end) for c in ans.citations], gold))
            lead.append(M.lead_is_gold(ans.answer, cjson, gold))
            n_cites.append(len(ans.citations))
            chars.append(len(ans.answer))
            if short:
                short_given += 1
                short_ok += M.short_answer_hit(short, q["key_facts"], q.get("short_answer"))
            acceptable = ans.label in q["acceptable_labels"]
            label_ok.append(acceptable)
            y_pred.append(ans.label)
            y_true.append(ans.label if acceptable else q["acceptable_labels"][0])
            alce.append(
                M.alce_citation_scores(M.cited_sentences(ans.answer, meta), _answer_passages(ans), supports)
            )
        rows.append(
            {
                "id": q["id"],
                "question": q["question"],
                "abstained": ans.abstained,
                "answer": ans.answer,
                "label": ans.label,
                "acceptable_labels": q["acceptable_labels"],
                "key_facts_missed": [f for f, h in zip(q["key_facts"], hits) if not h],
                "cited_docs": sorted(cited),
                "gold_docs": q["gold_docs"],
                "right_doc": right[-1],
                "gold_retrieved": gold_retrieved,
                "support": round(ans.support, 4),
                "precision": precision[-1] if not ans.abstained else None,
                "lead_gold": lead[-1] if not ans.abstained else None,
                "short_answer": short,
                "personal_advice": ans.personal_advice,
                "integrity_problems": check["problems"],
                "citations": [
                    {"n": c.n, "doc_id": c.doc_id, "start": c.start, "end": c.end} for c in ans.citations
                ],
            }
        )
    for q, ans in zip(unanswerable, u_ans):
        check = M.citation_integrity(ans.answer, [c.to_json() for c in ans.citations], run.file_text)
        n_cit += check["citations"]
        n_exact += check["exact"]
        n_markers += check["markers"]
        n_resolved += check["resolved"]
        integrity_ok.append(not check["problems"])
        rows.append(
            {
                "id": q["id"],
                "question": q["question"],
                "kind": q.get("kind"),
                "abstained": ans.abstained,
                "answer": ans.answer,
                "support": round(ans.support, 4),
                "cited_docs": sorted({c.doc_id for c in ans.citations}),
            }
        )
    for q, ans in zip(advice, v_ans):
        check = M.citation_integrity(ans.answer, [c.to_json() for c in ans.citations], run.file_text)
        n_cit += check["citations"]
        n_exact += check["exact"]
        n_markers += check["markers"]
        n_resolved += check["resolved"]
        integrity_ok.append(not check["problems"])
        rows.append(
            {
                "id": q["id"],
                "question": q["question"],
                "kind": q.get("kind"),
                "abstained": ans.abstained,
                "personal_advice": ans.personal_advice,
                "answer": ans.answer,
                "support": round(ans.support, 4),
                "cited_docs": sorted({c.doc_id for c in ans.citations}),
            }
        )
    near = [a.abstained for q, a in zip(unanswerable, u_ans) if q.get("kind") == "near_miss"]
    abst = M.abstention_scores(
        [a.abstained for a in a_ans] + [a.abstained for a in u_ans],
        [True] * len(a_ans) + [False] * len(u_ans),
    )
    labels = list(LABELS)
    out = {
        "n_answerable": len(answerable),
        "n_unanswerable": len(unanswerable),
        "key_fact_recall": float(np.mean(kf)) if kf else 0.0,
        "right_doc_rate": float(np.mean(right)) if right else 0.0,
        "all_gold_docs_rate": float(np.mean(all_gold)) if all_gold else 0.0,
        "citation_integrity": (n_exact + n_resolved) / (n_cit + n_markers) if n_cit + n_markers else 1.0,
        "answers_intact": float(np.mean(integrity_ok)) if integrity_ok else 1.0,
        "citations": n_cit,
        "markers": n_markers,
        "abstention": abst,
        "label_acceptable": float(np.mean(label_ok)) if label_ok else 0.0,
        "label_macro_f1": M.macro_f1(y_true, y_pred, labels) if y_true else 0.0,
        "label_confusion": {"labels": labels, "matrix": M.confusion_matrix(y_true, y_pred, labels)},
        "alce_citation_recall": float(np.mean([a["recall"] for a in alce])) if alce else 0.0,
        "alce_citation_precision": float(np.mean([a["precision"] for a in alce])) if alce else 0.0,
        "mean_citations": float(np.mean([len(a.citations) for a in a_ans if not a.abstained] or [0])),
        "citation_precision": float(np.mean(precision)) if precision else 0.0,
        "lead_accuracy": float(np.mean(lead)) if lead else 0.0,
        "median_citations": M.median(n_cites),
        "median_answer_chars": M.median(chars),
        "short_answers_given": short_given,
        "short_answer_precision": short_ok / short_given if short_given else 0.0,
        "short_answer_accuracy": factoid_ok / factoid_n if factoid_n else None,
        "factoid_questions": factoid_n,
        "personal_advice_recognised": (sum(a.personal_advice for a in v_ans) / len(v_ans)) if v_ans else None,
        "personal_advice_false_alarms": sum(a.personal_advice for a in a_ans),
        "near_miss_abstained": (sum(near) / len(near)) if near else None,
        "key_fact_misses_gold_retrieved": misses_retrieved,
        "key_fact_misses_gold_not_retrieved": misses_not_retrieved,
    }
    return out, rows


def weak_answers(rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """The answers that missed something, with what went wrong, for the report."""
    out = []
    for r in rows:
        problems = []
        if "key_facts_missed" in r:
            if r["abstained"]:
                problems.append("abstained on an answerable question")
            else:
                if r["key_facts_missed"]:
                    where = (
                        "gold sentences were retrieved" if r["gold_retrieved"] else "gold not all retrieved"
                    )
                    problems.append(
                        "missed key facts "
                        + "; ".join(" / ".join(f) for f in r["key_facts_missed"])
                        + f" ({where})"
                    )
                if not r["right_doc"]:
                    problems.append(f"cited {r['cited_docs']} not {r['gold_docs']}")
                if r["label"] not in r["acceptable_labels"]:
                    problems.append(f"label {r['label']} not in {r['acceptable_labels']}")
            if r["integrity_problems"]:
                problems.append("integrity: " + "; ".join(r["integrity_problems"]))
        elif r.get("kind") == "personal_advice":
            if not r.get("personal_advice"):
                problems.append("a request for personal advice was not recognised")
        elif not r["abstained"]:
            problems.append(f"answered an unanswerable ({r.get('kind')}) question from {r['cited_docs']}")
        if problems:
            out.append(
                {
                    "id": r["id"],
                    "question": r["question"],
                    "problems": problems,
                    "answer": r["answer"][:300],
                    "support": r["support"],
                }
            )
    return out


# The "clearly out-of-corpus (dosing, prices, sports)" questions; near-misses are scored apart.
CLEARLY_OUT = frozenset({"dosing", "cost", "off_topic"})


def abstained_by_kind(rows: list[dict[str, Any]], kinds: set[str] | frozenset[str]) -> tuple[int, int]:
    """How many answer rows of the given unanswerable kinds abstained, and how many there are."""
    picked = [r for r in rows if r.get("kind") in kinds]
    return sum(r["abstained"] for r in picked), len(picked)
