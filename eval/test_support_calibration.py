"""The citation-support scorer against the hand-labelled (sentence, cited passage) pairs.

Cross-validated agreement (accuracy and AUROC on held-out folds), accuracy per kind of pair, a
calibration curve, and a check that the constants shipped in ``assistant/support.py`` are the ones
a refit on all pairs gives.
"""

from __future__ import annotations

from collections import defaultdict

import harness
import numpy as np
import pytest
import report

from assistant.metrics import read_source
from assistant.support import CALIBRATION, FEATURES, fit_calibration

pytestmark = pytest.mark.slow
FOLDS, REPEATS = 5, 10


@pytest.fixture(scope="module")
def pairs(support_scorer):
    rows = harness.load_jsonl(harness.DATA / "support_pairs.jsonl")
    texts: dict[str, str] = {}
    for r in rows:
        if r["doc_id"] not in texts:
            texts[r["doc_id"]] = read_source(harness.CORPUS / f"{r['doc_id']}.txt")
    x = support_scorer.features_many(
        [(r["sentence"], [texts[r["doc_id"]][r["start"] : r["end"]]]) for r in rows]
    )
    y = np.array([bool(r["supported"]) for r in rows], dtype=int)
    return rows, x, y


@pytest.fixture(scope="module")
def cross_validated(pairs) -> dict:
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import StratifiedKFold

    rows, x, y = pairs
    probs = np.zeros((REPEATS, len(y)))
    for rep in range(REPEATS):
        for train, test in StratifiedKFold(FOLDS, shuffle=True, random_state=rep).split(x, y):
            probs[rep, test] = fit_calibration(x[train], y[train]).probability(x[test])
    acc = float(np.mean([((p >= 0.5) == y).mean() for p in probs]))
    auroc = float(np.mean([roc_auc_score(y, p) for p in probs]))
    p = probs.mean(axis=0)
    by_kind: dict[str, list[bool]] = defaultdict(list)
    for r, pp in zip(rows, probs.T):
        by_kind[r["kind"]] += [bool(v >= 0.5) == bool(r["supported"]) for v in pp]
    edges = np.linspace(0, 1, 6)
    which = np.clip(np.digitize(p, edges) - 1, 0, 4)
    curve = {"mean_predicted": [], "fraction_supported": [], "count": []}
    for b in range(5):
        sel = which == b
        if sel.any():
            curve["mean_predicted"].append(round(float(p[sel].mean()), 4))
            curve["fraction_supported"].append(round(float(y[sel].mean()), 4))
            curve["count"].append(int(sel.sum()))
    shipped = CALIBRATION.probability(x)
    result = {
        "n": len(y),
        "n_supported": int(y.sum()),
        "features": list(FEATURES),
        "folds": FOLDS,
        "repeats": REPEATS,
        "cv_accuracy": acc,
        "cv_auroc": auroc,
        "threshold": CALIBRATION.threshold,
        "train_accuracy": float(((shipped >= CALIBRATION.threshold) == y).mean()),
        "train_auroc": float(roc_auc_score(y, shipped)),
        "by_kind": {
            k: {"accuracy": round(float(np.mean(v)), 3), "n": len(v) // REPEATS}
            for k, v in sorted(by_kind.items())
        },
        "coefficients": dict(zip(FEATURES, CALIBRATION.coef)),
        "calibration_curve": curve,
    }
    for k, v in result.items():
        report.record("support", k, v)
    return result


def test_agreement_with_hand_labels(cross_validated) -> None:
    assert cross_validated["cv_accuracy"] >= 0.80, cross_validated["cv_accuracy"]
    assert cross_validated["cv_auroc"] >= 0.85, cross_validated["cv_auroc"]


def test_wrong_citations_are_caught(cross_validated) -> None:
    assert cross_validated["by_kind"]["wrong_citation"]["accuracy"] >= 0.9
    assert cross_validated["by_kind"]["verbatim"]["accuracy"] >= 0.9


def test_shipped_constants_match_a_refit(pairs) -> None:
    """The constants in the package are the fit on all pairs (re-fit and paste them if features change)."""
    _, x, y = pairs
    refit = fit_calibration(x, y)
    np.testing.assert_allclose(refit.probability(x), CALIBRATION.probability(x), atol=0.02)
    assert CALIBRATION.features == FEATURES


def test_scores_are_probabilities(support_scorer) -> None:
    passage = "276 adult patients underwent SIJ fusion utilizing Sacrix titanium triangular implants."
    s = support_scorer.score("276 adults had SI joint fusion with Sacrix implants.", [passage])
    assert 0.0 <= s <= 1.0
    assert support_scorer.score("276 adults had SI joint fusion with Sacrix implants.", []) == 0.0
