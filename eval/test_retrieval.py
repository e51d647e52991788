"""Retrieval on the dev questions: passage- and document-level Recall@k, MRR and nDCG@10, per mode.

BM25 only, dense only and hybrid run side by side through ``Retriever(index, settings.retrieve, mode)``.
The floors sit a little under the measured figures so a regression fails; hybrid must not fall behind
both single retrievers.
"""

from __future__ import annotations

import harness
import pytest
import report

pytestmark = pytest.mark.slow

# Floors for hybrid on the dev set (measured values are in eval/out/report.md).
FLOORS = {
    ("passage", "recall@10"): 0.85,
    ("passage", "mrr"): 0.60,
    ("document", "recall@1"): 0.80,
    ("document", "recall@5"): 0.97,
}


@pytest.fixture(scope="module")
def dev_retrieval(dev_run, dev_data) -> dict[str, dict]:
    out = {mode: harness.retrieval_metrics(dev_run, dev_data["answerable"], mode) for mode in harness.MODES}
    for mode, m in out.items():
        report.record("dev_retrieval", mode, m)
    return out


def test_every_mode_is_measured(dev_retrieval) -> None:
    for mode in harness.MODES:
        m = dev_retrieval[mode]
        assert m["n"] >= 60
        for level in ("passage", "document"):
            assert set(m[level]) == {"recall@1", "recall@5", "recall@10", "mrr", "ndcg@10"}
            assert all(0.0 <= v <= 1.0 for v in m[level].values())


@pytest.mark.parametrize(("level", "metric"), sorted(FLOORS))
def test_hybrid_meets_its_floor(dev_retrieval, level: str, metric: str) -> None:
    got = dev_retrieval["hybrid"][level][metric]
    assert got >= FLOORS[level, metric], f"hybrid {level} {metric} = {got:.3f} < {FLOORS[level, metric]}"


def test_hybrid_does_not_fall_behind_both_baselines(dev_retrieval) -> None:
    for metric in ("recall@5", "mrr", "ndcg@10"):
        h = dev_retrieval["hybrid"]["passage"][metric]
        best = max(dev_retrieval["dense"]["passage"][metric], dev_retrieval["bm25"]["passage"][metric])
        worst = min(dev_retrieval["dense"]["passage"][metric], dev_retrieval["bm25"]["passage"][metric])
        assert h >= worst, f"hybrid passage {metric} {h:.3f} is below both dense and BM25"
        assert h >= best - 0.05, (
            f"hybrid passage {metric} {h:.3f} trails the best single retriever ({best:.3f})"
        )
