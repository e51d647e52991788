"""Train and evaluate the evidence / opinion / marketing labeller.

    python train/labeller.py loo      leave-one-document-out cross-validation on the gold set
    python train/labeller.py pubmed   the PubMedQA external check (held-out half only)
    python train/labeller.py train    fit on everything allowed and write assistant/labeller_model.json

Training data, the same in every fold and in the shipped model:
- the gold sentences of ``eval/data/labels_gold.jsonl`` (boilerplate left out), read as ingest reads them
  (markup masked, whitespace collapsed), with each document's other sentences kept for context;
- the same documents as ingest splits them: where ingest cuts a gold unit into pieces (reference-list
  entries), each piece carries the label of the gold unit it lies in;
- PubMedQA abstracts whose PubMed id is in the first half (ids sorted as numbers), every sentence
  labelled evidence. The second half is only ever scored, never trained on.
A fold leaves one seed document out entirely (its gold sentences and its ingest pieces), and only the
gold sentences of the left-out document are scored. Nothing here reads ``eval/heldout/``.

Weights: the PubMedQA sentences together weigh ``PUBMED_WEIGHT`` times the gold evidence sentences;
then classes are balanced on the weighted counts (what ``class_weight="balanced"`` does for counts).
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from assistant.cues import FEATURE_NAMES  # noqa: E402  (after the path is set)
from assistant.sections import document_features  # noqa: E402
from assistant.records import LABELS  # noqa: E402

DATA = ROOT / "eval" / "data"
GOLD = DATA / "labels_gold.jsonl"
PUBMED = DATA / "labels_pubmedqa" / "abstracts.jsonl"
CACHE = ROOT / "eval" / ".cache" / "labels"
OUT = ROOT / "eval" / "out"
MODEL_PATH = ROOT / "assistant" / "labeller_model.json"

# Hyper-parameters, chosen by leave-one-document-out cross-validation on the gold set only.
# The PubMedQA training half was itself split 250/250 to check the evidence rate while choosing them.
C = 0.3
CUE_SCALE = 1.0
EMB_SCALE = 1.0
PUBMED_WEIGHT = 1.0


@dataclass
class Doc:
    """One document's sentences in reading order; ``labels[i]`` is None where a sentence is not scored."""

    doc_id: str
    texts: list[str]
    labels: list[str | None]
    meta: dict[str, Any] = field(default_factory=dict)
    source: str = "gold"
    sections: list[str] = field(default_factory=list)


def _clean_spans(path: Path, spans: list[tuple[int, int]]) -> list[str]:
    from assistant.chunk import _WS
    from assistant.parse import read_file

    raw = read_file(path, 50_000_000)
    return [_WS.sub(" ", raw.visible[s:e]).strip() or _WS.sub(" ", raw.text[s:e]).strip() for s, e in spans]


def _manifest() -> dict[str, dict[str, Any]]:
    from assistant.ingest import load_manifest

    return load_manifest(ROOT / "corpus")


def load_gold() -> list[Doc]:
    """The five seed documents as gold units, boilerplate kept for context but not scored."""
    recs = [json.loads(line) for line in GOLD.read_text(encoding="utf-8").splitlines() if line.strip()]
    manifest = _manifest()
    docs: dict[str, list[dict[str, Any]]] = {}
    for r in recs:
        docs.setdefault(r["doc_id"], []).append(r)
    out = []
    for doc_id, rs in docs.items():
        texts = _clean_spans(ROOT / "corpus" / f"{doc_id}.txt", [(r["start"], r["end"]) for r in rs])
        labels = [None if r["label"] == "boilerplate" else r["label"] for r in rs]
        out.append(Doc(doc_id, texts, labels, manifest.get(doc_id, {}), "gold"))
    return out


def load_pieces() -> list[Doc]:
    """The seed documents as ingest splits them; a piece inside a gold unit carries that unit's label."""
    from assistant.ingest import build_document
    from assistant.settings import load_settings

    recs = [json.loads(line) for line in GOLD.read_text(encoding="utf-8").splitlines() if line.strip()]
    manifest = _manifest()
    settings = load_settings()
    out = []
    for path in sorted((ROOT / "corpus").glob("*.txt")):
        doc = build_document(path, path.read_bytes(), manifest.get(path.stem, {}), settings, "harness")
        units = [r for r in recs if r["doc_id"] == doc.doc_id]
        exact = {(r["start"], r["end"]) for r in units}
        labels: list[str | None] = []
        for s in doc.sentences:
            best, overlap = None, 0
            for r in units:
                o = min(s.end, r["end"]) - max(s.start, r["start"])
                if o > overlap:
                    best, overlap = r, o
            # Pieces identical to a gold unit are already trained on as gold; use only the differing ones.
            keep = best is not None and (s.start, s.end) not in exact and best["label"] != "boilerplate"
            labels.append(best["label"] if keep else None)
        texts = [s.clean for s in doc.sentences]
        out.append(Doc(doc.doc_id, texts, labels, manifest.get(doc.doc_id, {}), "pieces"))
    return out


def load_pubmed(half: str, headings: str = "all") -> list[Doc]:
    """PubMedQA abstracts of one half ('train': the first 500 ids; 'check': the last 500), one doc each.

    ``headings``: "all" reads every abstract as PubMed shows a structured abstract, each section
    opening with its label ("RESULTS") on a line of its own; "none" gives the bare paragraphs;
    "alternate" does the first for every other abstract (training sees both forms). Label lines
    are context only, never scored."""
    from assistant.chunk import split_sentences

    items = [json.loads(line) for line in PUBMED.read_text(encoding="utf-8").splitlines() if line.strip()]
    items.sort(key=lambda it: int(it["pmid"]))
    mid = len(items) // 2
    chosen = items[:mid] if half == "train" else items[mid:]
    docs = []
    for k, it in enumerate(chosen):
        texts, sections = [], []
        labels: list[str | None] = []
        for ctx, sec in zip(it["contexts"], it["sections"]):
            if headings == "all" or (headings == "alternate" and k % 2 == 0):
                texts.append(sec)
                sections.append("")
                labels.append(None)
            for s in split_sentences(ctx, ctx, join_lines=True):
                texts.append(s.clean)
                sections.append(sec)
                labels.append("evidence")
        docs.append(Doc(f"pmid:{it['pmid']}", texts, labels, {}, "pubmed", sections))
    return docs


class Embeddings:
    """MiniLM sentence vectors, cached on disk by text hash (the cache is not part of the repo)."""

    def __init__(self) -> None:
        CACHE.mkdir(parents=True, exist_ok=True)
        self.path = CACHE / "minilm.npz"
        self.vecs: dict[str, np.ndarray] = {}
        if self.path.exists():
            try:
                with np.load(self.path) as z:
                    self.vecs = dict(zip(z["keys"].tolist(), z["vecs"]))
            except (OSError, ValueError, KeyError):
                self.vecs = {}

    def save(self) -> None:
        """Write the cache atomically, so an interrupted run leaves the old one whole."""
        tmp = self.path.with_suffix(".tmp.npz")
        np.savez(tmp, keys=np.array(list(self.vecs)), vecs=np.vstack(list(self.vecs.values())))
        tmp.replace(self.path)

    @staticmethod
    def key(text: str) -> str:
        return hashlib.sha1(text.encode("utf-8")).hexdigest()

    def prefetch(self, docs: list[Doc]) -> None:
        """Compute every missing vector of these documents in one pass, and save the cache once."""
        self.get([t for d in docs for t in d.texts])

    def get(self, texts: list[str]) -> np.ndarray:
        """Vectors for texts, computing and saving the missing ones."""
        missing = list(dict.fromkeys(t for t in texts if self.key(t) not in self.vecs))
        if missing:
            from assistant.embed import get_embedder
            from assistant.settings import EmbedSettings

            for t, v in zip(missing, get_embedder(EmbedSettings()).embed(missing)):
                self.vecs[self.key(t)] = v
            self.save()
        return np.vstack([self.vecs[self.key(t)] for t in texts]) if texts else np.zeros((0, 384), np.float32)


def design(doc: Doc, emb: Embeddings) -> tuple[np.ndarray, np.ndarray]:
    """Cue/context features and sentence vectors of every sentence of a document."""
    feats, _ = document_features(doc.texts, doc.meta)
    return feats, emb.get(doc.texts)


def stack(docs: list[Doc], emb: Embeddings,
          scored_only: bool = True) -> tuple[np.ndarray, np.ndarray, list[str], list[str]]:
    """Rows of labelled sentences: features, vectors, labels and sources."""
    F, E, y, src = [], [], [], []
    for d in docs:
        f, e = design(d, emb)
        keep = [i for i, lab in enumerate(d.labels) if lab is not None or not scored_only]
        if not keep:
            continue
        F.append(f[keep])
        E.append(e[keep])
        y += [d.labels[i] for i in keep]  # type: ignore[misc]
        src += [d.source] * len(keep)
    return np.vstack(F), np.vstack(E), y, src


def weights(y: list[str], src: list[str], pubmed_weight: float) -> np.ndarray:
    """Per-sentence weights: PubMedQA as a block, then classes balanced on the weighted counts."""
    y_arr, s_arr = np.array(y), np.array(src)
    w = np.ones(len(y))
    pub = s_arr == "pubmed"
    if pub.any():
        gold_ev = ((y_arr == "evidence") & ~pub).sum()
        w[pub] = pubmed_weight * max(gold_ev, 1) / pub.sum()
    totals = {lab: w[y_arr == lab].sum() for lab in LABELS}
    for lab in LABELS:
        if totals[lab] > 0:
            w[y_arr == lab] *= w.sum() / (len(LABELS) * totals[lab])
    return w


@dataclass
class Params:
    C: float = C
    cue_scale: float = CUE_SCALE
    emb_scale: float = EMB_SCALE
    pubmed_weight: float = PUBMED_WEIGHT
    use_embedding: bool = True


def fit(F: np.ndarray, E: np.ndarray, y: list[str], src: list[str], p: Params) -> dict[str, Any]:
    """A fitted logistic regression as plain arrays (the shipped model format)."""
    from sklearn.linear_model import LogisticRegression

    X = np.hstack([F * p.cue_scale, E * p.emb_scale]) if p.use_embedding else F * p.cue_scale
    lr = LogisticRegression(C=p.C, max_iter=5000, solver="lbfgs")
    lr.fit(X, np.array(y), sample_weight=weights(y, src, p.pubmed_weight))
    order = [list(lr.classes_).index(lab) for lab in LABELS]
    return {
        "labels": list(LABELS),
        "feature_names": list(FEATURE_NAMES),
        "cue_scale": p.cue_scale,
        "emb_scale": p.emb_scale if p.use_embedding else 0.0,
        "embedder": "minilm" if p.use_embedding else "",
        "embedding_dim": int(E.shape[1]) if p.use_embedding else 0,
        "coef": lr.coef_[order].tolist(),
        "intercept": lr.intercept_[order].tolist(),
    }


def predict(model: dict[str, Any], F: np.ndarray, E: np.ndarray) -> np.ndarray:
    """Class probabilities, computed as the shipped labeller computes them."""
    from assistant.label import model_probabilities

    return model_probabilities(model, F, E)


def loo(p: Params | None = None, verbose: bool = True, gold: list[Doc] | None = None,
        pieces: list[Doc] | None = None, pubmed: list[Doc] | None = None, emb: Embeddings | None = None
        ) -> dict[str, Any]:
    """Leave-one-document-out cross-validation; scores only gold sentences of the left-out document."""
    from sklearn.metrics import confusion_matrix, f1_score

    p = p or Params()
    emb = emb or Embeddings()
    gold = gold if gold is not None else load_gold()
    pieces = pieces if pieces is not None else load_pieces()
    pubmed = pubmed if pubmed is not None else _pubmed_train()
    y_true: list[str] = []
    y_pred: list[str] = []
    rows: list[dict[str, Any]] = []
    per_doc = {}
    emb.prefetch(gold + pieces + pubmed)
    for held in gold:
        train = [d for d in gold + pieces if d.doc_id != held.doc_id] + pubmed
        F, E, y, src = stack(train, emb)
        model = fit(F, E, y, src, p)
        f, e = design(held, emb)
        probs = predict(model, f, e)
        idx = [i for i, lab in enumerate(held.labels) if lab is not None]
        pred = [LABELS[int(k)] for k in probs[idx].argmax(1)]
        gold_l = [held.labels[i] for i in idx]
        y_true += gold_l  # type: ignore[arg-type]
        y_pred += pred
        per_doc[held.doc_id] = round(float(np.mean([a == b for a, b in zip(gold_l, pred)])), 3)
        rows += [{"doc_id": held.doc_id, "text": held.texts[i], "gold": g, "pred": pr}
                 for i, g, pr in zip(idx, gold_l, pred)]
    macro = float(f1_score(y_true, y_pred, labels=list(LABELS), average="macro"))
    per_class = f1_score(y_true, y_pred, labels=list(LABELS), average=None)
    cm = confusion_matrix(y_true, y_pred, labels=list(LABELS))
    result = {
        "macro_f1": round(macro, 4),
        "per_class_f1": {lab: round(float(v), 4) for lab, v in zip(LABELS, per_class)},
        "confusion": {"rows_gold_cols_predicted": list(LABELS), "matrix": cm.tolist()},
        "accuracy_per_document": per_doc,
        "n_scored": len(y_true),
        "params": p.__dict__,
        "errors": [r for r in rows if r["gold"] != r["pred"]],
    }
    if verbose:
        print(format_report(result))
    return result


def format_report(result: dict[str, Any]) -> str:
    """The macro-F1 and the confusion matrix as text."""
    lines = [f"leave-one-document-out macro-F1: {result['macro_f1']:.3f}  (n={result['n_scored']})",
             "per-class F1: " + ", ".join(f"{k} {v:.3f}" for k, v in result["per_class_f1"].items()),
             "confusion (rows gold, columns predicted):",
             f"{'':>10} " + " ".join(f"{lab:>10}" for lab in LABELS)]
    for lab, row in zip(LABELS, result["confusion"]["matrix"]):
        lines.append(f"{lab:>10} " + " ".join(f"{v:>10}" for v in row))
    lines.append("accuracy per left-out document: " + ", ".join(
        f"{k[:3]} {v:.2f}" for k, v in result["accuracy_per_document"].items()))
    return "\n".join(lines)


def _pubmed_train() -> list[Doc]:
    return load_pubmed("train", headings="alternate")


def pubmed_check(labeller: Any = None, verbose: bool = True, headings: str = "all") -> dict[str, Any]:
    """Label every sentence of the held-out half's abstracts, one abstract at a time, as ingest would."""
    from assistant.label import get_labeller

    labeller = labeller or get_labeller("trained")
    emb = Embeddings()
    docs = load_pubmed("check", headings=headings)
    emb.prefetch(docs)
    counts: Counter[str] = Counter()
    results_bad: list[dict[str, str]] = []
    n_results = 0
    others: list[dict[str, str]] = []
    for d in docs:
        labs = labeller.label(d.texts, emb.get(d.texts))
        for text, sec, lab, gold in zip(d.texts, d.sections, labs, d.labels):
            if gold is None:
                continue
            counts[lab.label] += 1
            if sec == "RESULTS":
                n_results += 1
                if lab.label != "evidence":
                    results_bad.append({"doc": d.doc_id, "text": text, "label": lab.label})
            if lab.label != "evidence":
                others.append({"doc": d.doc_id, "section": sec, "text": text, "label": lab.label,
                               "reasons": list(lab.reasons)})
    total = sum(counts.values())
    result = {
        "abstracts": len(docs), "sentences": total, "counts": dict(counts),
        "evidence_rate": round(counts["evidence"] / max(total, 1), 4),
        "results_sentences": n_results, "results_not_evidence": results_bad, "not_evidence": others,
    }
    if verbose:
        print(f"PubMedQA held-out half: {len(docs)} abstracts, {total} sentences, evidence rate "
              f"{result['evidence_rate']:.3%}; counts {dict(counts)}; RESULTS sentences {n_results}, "
              f"of them not evidence: {len(results_bad)}")
    return result


def train(path: Path = MODEL_PATH, p: Params | None = None) -> dict[str, Any]:
    """Fit on all gold documents, their ingest pieces and the PubMedQA training half; write the model."""
    p = p or Params()
    emb = Embeddings()
    docs = load_gold() + load_pieces() + _pubmed_train()
    emb.prefetch(docs)
    F, E, y, src = stack(docs, emb)
    model = fit(F, E, y, src, p)
    model["trained_on"] = {
        "gold_sentences": sum(1 for s in src if s == "gold"),
        "ingest_pieces": sum(1 for s in src if s == "pieces"),
        "pubmedqa_sentences": sum(1 for s in src if s == "pubmed"),
        "pubmedqa_split": "PubMed ids in the first half (sorted as numbers); "
                          "the second half is never trained on",
        "params": p.__dict__,
        "script": "python train/labeller.py train",
    }
    model["coef"] = [[round(v, 6) for v in row] for row in model["coef"]]
    model["intercept"] = [round(v, 6) for v in model["intercept"]]
    path.write_text(json.dumps(model, separators=(",", ":")) + "\n", encoding="utf-8")
    print(f"wrote {path} ({path.stat().st_size // 1024} KiB) from {len(y)} sentences: {dict(Counter(y))}")
    return model


def main(argv: list[str]) -> int:
    cmd = argv[1] if len(argv) > 1 else "loo"
    if cmd == "loo":
        result = loo()
        OUT.mkdir(parents=True, exist_ok=True)
        (OUT / "labels_loo_dev.json").write_text(json.dumps(result, indent=1, ensure_ascii=False))
        for r in result["errors"]:
            print(f"  {r['doc_id'][:3]} gold={r['gold'][:4]} pred={r['pred'][:4]} | {r['text'][:110]}")
    elif cmd == "pubmed":
        pubmed_check()
    elif cmd == "train":
        train()
    else:
        print(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
