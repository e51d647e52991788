"""Answers on the dev questions: key facts, right document, citation integrity, abstention, labels and
ALCE citation recall/precision, for the extractive generator over each retrieval mode.

Dev data may be tuned on, so these are regression guards; the bars that matter are asserted on the
held-out set in ``test_heldout.py``. The model-written generator needs an endpoint and is measured
against a scripted model in ``test_llm_vs_extractive.py``.
"""

from __future__ import annotations

import harness
import pytest

pytestmark = pytest.mark.slow


def test_every_mode_answers(dev_answers) -> None:
    for mode in harness.MODES:
        m, rows = dev_answers[mode]
        assert m["n_answerable"] >= 60 and m["n_unanswerable"] >= 15
        assert len(rows) == m["n_answerable"] + m["n_unanswerable"]


@pytest.mark.parametrize("mode", harness.MODES)
def test_citation_integrity_is_total(dev_answers, mode: str) -> None:
    """Every cited text equals the file on disk at its offsets and every [n] resolves, in every mode."""
    m, rows = dev_answers[mode]
    broken = [(r["id"], r["integrity_problems"]) for r in rows if r.get("integrity_problems")]
    assert m["citation_integrity"] == 1.0 and m["answers_intact"] == 1.0, broken[:5]
    assert m["citations"] > 0


@pytest.mark.xfail(strict=True, raises=AssertionError, reason="dev key-fact recall 0.842 < 0.85 with the ranker retrained "
                   "on the annotated training sets (0.868 before; leaving a document out, its lead rose 0.513 -> 0.548)")
def test_hybrid_key_facts(dev_answers) -> None:
    got = dev_answers["hybrid"][0]["key_fact_recall"]
    assert got >= 0.85, f"dev key-fact recall {got:.3f}"


def test_hybrid_right_document(dev_answers) -> None:
    got = dev_answers["hybrid"][0]["right_doc_rate"]
    assert got >= 0.90, f"dev right-document rate {got:.3f}"


def test_hybrid_abstains_on_clearly_out_of_corpus_questions(dev_answers) -> None:
    m, rows = dev_answers["hybrid"]
    done, total = harness.abstained_by_kind(rows, harness.CLEARLY_OUT)
    assert total >= 6 and done / total >= 5 / 6 - 1e-9, f"abstained on {done}/{total} clearly out-of-corpus"
    a = m["abstention"]
    assert a["abstained_answerable"] == 0, f"abstained on {a['abstained_answerable']} answerable questions"


@pytest.mark.xfail(strict=True, raises=AssertionError,
                   reason="dev near-miss questions are often answered with related sentences: abstained on 2/9 "
                          "(measured at the release of the lead-first answer stage)")
def test_hybrid_abstains_on_near_miss_questions(dev_answers) -> None:
    _, rows = dev_answers["hybrid"]
    done, total = harness.abstained_by_kind(rows, {"near_miss"})
    assert total >= 4 and done / total >= 5 / 6 - 1e-9, f"abstained on {done}/{total} near-miss questions"


def test_hybrid_labels(dev_answers) -> None:
    got = dev_answers["hybrid"][0]["label_acceptable"]
    assert got >= 0.85, f"dev answers with an acceptable label {got:.3f}"


def test_extractive_citations_support_their_sentences(dev_answers) -> None:
    """An extractive answer quotes its sources, so the support scorer must find nearly all of it supported."""
    m = dev_answers["hybrid"][0]
    assert m["alce_citation_recall"] >= 0.95, m["alce_citation_recall"]
    assert m["alce_citation_precision"] >= 0.95, m["alce_citation_precision"]
