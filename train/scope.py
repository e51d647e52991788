"""Train and cross-validate the scope gate: whether the documents speak to a question at all.

    python -m train.scope cv       cross-validation, printed as a table
    python -m train.scope train    fit on every training group and write assistant/scope_model.json

Examples, each a question put to an index through the real pipeline (hybrid retrieval):

- in scope: the answerable questions of the development sets (``eval/data`` and the held-out sets
  whose misses have been read: 1, 2, 3 and 5) over the seed index, and PubMedQA's questions over the
  index of PubMedQA's own 1,000 abstracts;
- out of scope: those sets' off-topic questions, the annotated set's, the 20 medical questions outside spine care of
  ``eval/data/offtopic_dev.jsonl``, and PubMedQA's questions over the seed index (studies of
  mitochondria or of colorectal surgery that five spine documents do not answer).

PubMedQA items and the annotated set (``eval/data/scope_annotated.jsonl``, 80 answerable and 40 out
of scope, by an independent annotator) are split by position: even-numbered items train, odd-numbered
items are test halves, scored only in aggregate by the final gate. Cross-validation leaves one
training group out at a time (each development set with its off-topic questions, the off-topic set,
the annotated training half, PubMedQA's training half in both roles), so every fold figure is on
questions the fold never saw. Held-out 4, 6,
7, 8 and 9 are never used here. The threshold is the highest probability that keeps the folds'
refusals of answerable questions at or under ``MAX_FALSE_REFUSAL`` on each corpus.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "eval")]

import harness  # noqa: E402

from assistant import scope  # noqa: E402
from assistant.support import Calibration, fit_calibration  # noqa: E402

DEV_SETS = ("dev", "heldout", "heldout2", "heldout3", "heldout5", "train1", "train2", "train3")
MAX_FALSE_REFUSAL = 0.01
C = 0.03  # chosen by the cross-validation below: every weight has the sign its feature implies


@dataclass
class Group:
    """Questions of one origin, with their features and whether each is in scope."""

    name: str
    x: np.ndarray
    y: np.ndarray
    half: str = ""  # "train" or "test" for the groups split in two (PubMedQA's, the annotated set)


def features(run: harness.Run, questions: list[str]) -> np.ndarray:
    """The gate's features for each question, exactly as ``ExtractiveGenerator.generate`` computes them."""
    a = run.assistant("hybrid")
    rows = []
    for question in questions:
        q, qvec, parts = a.prepare(question)
        passages = a.retriever.run(q, qvec)
        rows.append(a.generator.scope_features(q, qvec, passages, run.index.catalog, parts))
    return np.vstack(rows) if rows else np.zeros((0, len(scope.FEATURES)))


def _set_questions(name: str) -> tuple[list[str], list[str]]:
    if name == "dev":
        ans = harness.load_jsonl(harness.DATA / "questions_dev.jsonl")
        un = harness.load_jsonl(harness.DATA / "unanswerable_dev.jsonl")
    else:
        ans = harness.load_jsonl(harness.set_folder(name) / "questions.jsonl")
        un = harness.load_jsonl(harness.set_folder(name) / "unanswerable.jsonl")
    return [q["question"] for q in ans], [q["question"] for q in un if q.get("kind") == "off_topic"]


def groups() -> list[Group]:
    """Every group of examples (features computed through the cached seed and PubMedQA indexes)."""
    seed = harness.Run(harness.cached_index("seed", harness.CORPUS))
    out: list[Group] = []
    for name in DEV_SETS:
        inside, outside = _set_questions(name)
        x = features(seed, inside + outside)
        out.append(Group(name, x, np.r_[np.ones(len(inside)), np.zeros(len(outside))]))
    off = [q["question"] for q in harness.load_jsonl(harness.DATA / "offtopic_dev.jsonl")]
    out.append(Group("offtopic_dev", features(seed, off), np.zeros(len(off))))
    annotated = harness.load_jsonl(harness.DATA / "scope_annotated.jsonl")
    for half, sl in (("train", slice(0, None, 2)), ("test", slice(1, None, 2))):
        items_ = annotated[sl]
        out.append(Group(f"scope_annotated-{half}", features(seed, [q["question"] for q in items_]),
                         np.array([float(q["in_scope"]) for q in items_]), half))
    corpus = harness.CACHE / "pubmedqa-corpus"
    with harness.file_lock(harness.CACHE / ".pubmedqa-corpus.lock"):
        items = harness.write_pubmedqa_corpus(corpus)
    pubmed = harness.Run(harness.cached_index("pubmedqa", corpus))
    for half, sl in (("train", slice(0, None, 2)), ("test", slice(1, None, 2))):
        qs = [it["question"] for it in items[sl]]
        out.append(Group(f"pubmedqa-{half} on PubMedQA", features(pubmed, qs), np.ones(len(qs)), half))
        out.append(Group(f"pubmedqa-{half} on seeds", features(seed, qs), np.zeros(len(qs)), half))
    return out


def _fit(train: list[Group]) -> Calibration:
    x = np.vstack([g.x for g in train])
    y = np.concatenate([g.y for g in train])
    # Balance the classes, and the seed corpus against PubMedQA, so that 500 PubMedQA questions do not
    # drown the 150 spine questions: each group weighs as much as any other.
    w = np.concatenate([np.full(len(g.y), 1.0 / len(g.y)) for g in train])
    reps = np.maximum(1, np.round(w / w.min())).astype(int)  # LogisticRegression's fit in fit_calibration
    cal = fit_calibration(np.repeat(x, reps, axis=0), np.repeat(y, reps), C)  # takes no weights; repeat rows
    return Calibration(cal.mean, cal.scale, cal.coef, cal.intercept, 0.5, scope.FEATURES)


def _with_threshold(cal: Calibration, t: float) -> Calibration:
    return Calibration(cal.mean, cal.scale, cal.coef, cal.intercept, round(float(t), 4), cal.features)


def folds(gs: list[Group]) -> list[tuple[str, list[Group]]]:
    """Leave one group out of the training groups: each development set, the off-topic set, the annotated
    set's training half, and PubMedQA's training half (both its roles at once). Test halves are never in
    a fold."""
    train_pool = [g for g in gs if g.half != "test"]
    out: list[tuple[str, list[Group]]] = []
    for g in train_pool:
        if g.name.startswith("pubmedqa-"):
            continue
        out.append((g.name, [g]))
    out.append(("pubmedqa-train", [g for g in train_pool if g.name.startswith("pubmedqa-")]))
    return out


def _counts(p: np.ndarray, y: np.ndarray, t: float) -> list[int]:
    """Answerable, refused, out of scope, abstained."""
    return [int((y == 1).sum()), int(((y == 1) & (p < t)).sum()), int((y == 0).sum()), int(((y == 0) & (p < t)).sum())]


def cross_validate(gs: list[Group]) -> tuple[float, list[tuple[str, int, int, int, int]]]:
    """The threshold chosen on the folds' out-of-fold probabilities, and per fold: answerable, refused,
    out of scope, abstained."""
    train_pool = [g for g in gs if g.half != "test"]
    rows = []
    seed_in, pubmed_in = [], []
    for name, test in folds(gs):
        cal = _fit([g for g in train_pool if g not in test])
        p = np.concatenate([cal.probability(g.x) for g in test])
        y = np.concatenate([g.y for g in test])
        rows.append((name, p, y))
        (pubmed_in if name == "pubmedqa-train" else seed_in).append(p[y == 1])
    # For each corpus, the highest threshold that refuses at most MAX_FALSE_REFUSAL of its answerable
    # questions (a probability below the threshold is refused); the gate takes the lowest of them, so
    # that 500 PubMedQA questions cannot buy a threshold that refuses spine questions.
    t = min(float(np.sort(np.concatenate(ps))[int(MAX_FALSE_REFUSAL * sum(map(len, ps)))])
            for ps in (seed_in, pubmed_in))
    return t, [(name, *_counts(p, y, t)) for name, p, y in rows]


def test_halves(gs: list[Group], cal: Calibration) -> list[tuple[str, int, int, int, int]]:
    """The fitted gate on the test halves nobody trained or chose a threshold on (aggregates only)."""
    halves: dict[str, list[Group]] = {}
    for g in gs:
        if g.half == "test":
            halves.setdefault(g.name.split(" on ")[0], []).append(g)
    return [(name, *_counts(np.concatenate([cal.probability(g.x) for g in hs]),
                            np.concatenate([g.y for g in hs]), cal.threshold)) for name, hs in halves.items()]


def cached_groups() -> list[Group]:
    """``groups()``, kept in eval/.cache keyed by the answer stage's source and the sets' contents."""
    import hashlib
    import json

    h = hashlib.sha256()
    for p in sorted((ROOT / "assistant").glob("*.py")) + sorted((ROOT / "eval" / "data").glob("*.jsonl")):
        h.update(p.read_bytes())
    for name in DEV_SETS[1:]:
        h.update((harness.set_folder(name) / "questions.jsonl").read_bytes())
        h.update((harness.set_folder(name) / "unanswerable.jsonl").read_bytes())
    path = harness.CACHE / f"scope-groups-{h.hexdigest()[:16]}.json"
    if path.exists():
        return [Group(d["name"], np.asarray(d["x"]).reshape(-1, len(scope.FEATURES)), np.asarray(d["y"]),
                      d["half"]) for d in json.loads(path.read_text())]
    gs = groups()
    path.write_text(json.dumps([{"name": g.name, "x": g.x.tolist(), "y": g.y.tolist(), "half": g.half}
                                for g in gs]))
    return gs


def main(argv: list[str]) -> None:
    cmd = argv[0] if argv else "cv"
    gs = cached_groups()
    t, rows = cross_validate(gs)
    print(f"threshold {t:.4f} (refuses at most {MAX_FALSE_REFUSAL:.0%} of each corpus's answerable questions "
          "out of fold)")
    print("leave-one-group-out fold | answerable | refused | out of scope | abstained")
    for row in rows:
        print(" | ".join(map(str, row)))
    cal = _with_threshold(_fit([g for g in gs if g.half != "test"]), t)
    print("test half (final gate) | answerable | refused | out of scope | abstained")
    for row in test_halves(gs, cal):
        print(" | ".join(map(str, row)))
    if cmd == "train":
        scope.save_model(cal, fitted_on=[g.name for g in gs if g.half != "test"],
                         threshold_from="leave-one-group-out cross-validation, at most "
                         f"{MAX_FALSE_REFUSAL:.0%} of each corpus's answerable questions refused", c=C)
        print("coef", dict(zip(scope.FEATURES, cal.coef)), "intercept", cal.intercept)
        print(f"wrote {scope.MODEL_PATH.relative_to(ROOT)}")


if __name__ == "__main__":
    main(sys.argv[1:])
