"""Train and evaluate the answer-sentence ranker of the extractive generator.

    python eval/answer_ranker.py cv       grouped cross-validation on the development questions
    python eval/answer_ranker.py train    fit on all development questions and write assistant/ranker_model.json

Candidates are what the extractive generator ranks: the best ``RANK_POOL`` sentences by the
hand-weighted score, for each question of ``eval/data/questions_dev.jsonl``, from the seed corpus
ingested with default settings into a temporary data folder. A candidate is positive when it
overlaps a gold span (or an alternative span) of its question, or states one of its key facts.

Cross-validation holds out whole questions (7 folds, question ``k`` in fold ``k % 7``) and reports
key-fact recall of the answers the generator would compose (same length budget, same duplicate
rule) with the hand-weighted score alone and with the ranker. Nothing here reads ``eval/heldout/``.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from assistant import answer as A  # noqa: E402  (after the path and offline settings above)
from assistant import candidates as C, rank as R  # noqa: E402
from assistant.metrics import key_fact_hits  # noqa: E402

QUESTIONS = ROOT / "eval" / "data" / "questions_dev.jsonl"
MODEL_PATH = A.RANKER_PATH
FOLDS = 7
C = 0.3  # inverse regularisation; recall was flat for C in 0.03..3 in cross-validation


@dataclass
class Candidates:
    """One question's candidate sentences: features, labels, and what selection needs."""

    question: dict
    features: np.ndarray
    positive: np.ndarray
    scored: list


def collect() -> tuple[list[Candidates], object, object]:
    """Ingest the seed corpus into a temporary folder and gather every dev question's candidates."""
    from assistant.ingest import ingest
    from assistant.pipeline import Assistant
    from assistant.settings import AnswerSettings, load_settings

    tmp = Path(tempfile.mkdtemp(prefix="ranker-"))
    settings = load_settings(data_dir=tmp / "data", corpus_dir=ROOT / "corpus", answer=AnswerSettings(ranker="none"))
    ingest([ROOT / "corpus"], settings, progress=False)
    assistant = Assistant(settings)
    catalog = assistant.index.catalog
    out = []
    for line in QUESTIONS.read_text(encoding="utf-8").splitlines():
        q = json.loads(line)
        text = q["question"]
        qvec = assistant.index.embedder.embed_one(text)
        passages = assistant.retriever.run(text, qvec)
        scored = A.score_sentences(text, qvec, passages, catalog)[: A.RANK_POOL]
        spans = q["gold_spans"] + q.get("alt_spans", [])
        positive = []
        for s in scored:
            doc_id = catalog.docs[int(catalog.s_doc[s.index])]["doc_id"]
            start, end = int(catalog.s_start[s.index]), int(catalog.s_end[s.index])
            in_span = any(sp["doc_id"] == doc_id and start < sp["end"] and end > sp["start"] for sp in spans)
            positive.append(in_span or any(key_fact_hits(catalog.s_clean[s.index], q["key_facts"])))
        out.append(Candidates(q, A.sentence_features(text, qvec, scored, catalog), np.array(positive), scored))
    return out, assistant, catalog


def fit(rows: list[Candidates]) -> dict:
    from sklearn.linear_model import LogisticRegression

    x = np.vstack([r.features for r in rows])
    y = np.concatenate([r.positive for r in rows])
    mean, scale = x.mean(axis=0), x.std(axis=0)
    scale[scale == 0] = 1.0
    model = LogisticRegression(C=C, max_iter=5000).fit((x - mean) / scale, y)
    return {"features": list(A.RANKER_FEATURES), "mean": mean.tolist(), "scale": scale.tolist(),
            "coef": model.coef_[0].tolist(), "intercept": float(model.intercept_[0]), "C": C,
            "trained_on": f"{len(rows)} development questions, {int(y.sum())} positive of {len(y)} candidates"}


def hits(rows: list[Candidates], generator: A.ExtractiveGenerator, catalog: object, assistant: object) -> list[bool]:
    """Per key fact, whether the answer the generator would compose states it."""
    out = []
    for r in rows:
        qvec = assistant.index.embedder.embed_one(r.question["question"])
        chosen = generator.select(r.question["question"], qvec, r.scored, catalog)
        out += key_fact_hits(" ".join(catalog.s_clean[s.index] for s in chosen), r.question["key_facts"])
    return out


def cross_validate() -> None:
    rows, assistant, catalog = collect()
    settings = assistant.settings.answer
    plain = hits(rows, A.ExtractiveGenerator(settings), catalog, assistant)
    ranked: list[bool] = []
    for f in range(FOLDS):
        generator = A.ExtractiveGenerator(settings)
        generator.ranker = A.Ranker.from_dict(fit([r for k, r in enumerate(rows) if k % FOLDS != f]))
        ranked += hits([r for k, r in enumerate(rows) if k % FOLDS == f], generator, catalog, assistant)
    print(f"{len(rows)} questions, {len(plain)} key facts, {FOLDS} folds by question")
    print(f"key-fact recall, hand-weighted score alone: {sum(plain) / len(plain):.3f}")
    print(f"key-fact recall, ranker (held-out folds):   {sum(ranked) / len(ranked):.3f}")


def train() -> None:
    rows, _, _ = collect()
    model = fit(rows)
    MODEL_PATH.write_text(json.dumps(model, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {MODEL_PATH.relative_to(ROOT)}: {model['trained_on']}")


if __name__ == "__main__":
    {"cv": cross_validate, "train": train}[sys.argv[1] if len(sys.argv) > 1 else "cv"]()
