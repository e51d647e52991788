"""The evidence / opinion / marketing labeller, measured: leave-one-document-out cross-validation on the
hand-labelled gold set, the PubMedQA external check on the held-out half, and documents it has never seen.

Writes eval/out/labels.json. See train/labeller.py for the training data and the fixed PubMedQA split.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from train import labeller as LH
import numpy as np
import pytest

pytestmark = pytest.mark.slow

OUT = LH.OUT / "labels.json"
FIXTURES = LH.ROOT / "tests" / "fixtures" / "labels"
RESULTS: dict[str, Any] = {}


def _write() -> None:
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(RESULTS, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


@pytest.fixture(scope="module")
def emb() -> LH.Embeddings:
    return LH.Embeddings()


def test_leave_one_document_out_macro_f1(emb: LH.Embeddings) -> None:
    result = LH.loo(verbose=False, emb=emb)
    print("\n" + LH.format_report(result))
    RESULTS.update({
        "macro_f1": result["macro_f1"],
        "n_scored": result["n_scored"],
        **{f"f1_{k}": v for k, v in result["per_class_f1"].items()},
        "confusion": {"labels": result["confusion"]["rows_gold_cols_predicted"],
                      "matrix": result["confusion"]["matrix"]},
        "accuracy_per_left_out_document": result["accuracy_per_document"],
        "loo_errors": result["errors"],
        "method": "leave-one-document-out over the 5 seed documents; gold sentences only (boilerplate "
                  "excluded); PubMedQA training half used in every fold, never scored here",
    })
    _write()
    m = np.array(result["confusion"]["matrix"])
    assert m.sum() == result["n_scored"] == 219
    assert result["macro_f1"] >= 0.75, LH.format_report(result)


def test_pubmedqa_held_out_half_reads_as_evidence() -> None:
    """Abstracts shown as PubMed shows structured abstracts (section label lines, never scored)."""
    r = LH.pubmed_check(verbose=True)
    bare = LH.pubmed_check(verbose=True, headings="none")
    RESULTS.update({
        "pubmedqa_abstracts": r["abstracts"],
        "pubmedqa_sentences": r["sentences"],
        "pubmedqa_evidence_rate": r["evidence_rate"],
        "pubmedqa_results_sentences": r["results_sentences"],
        "pubmedqa_results_not_evidence": len(r["results_not_evidence"]),
        "pubmedqa_counts": r["counts"],
        "pubmedqa_bare_evidence_rate": bare["evidence_rate"],
        "pubmedqa_bare_results_not_evidence": len(bare["results_not_evidence"]),
        "pubmedqa_split": "ids sorted as numbers: first 500 train, last 500 checked here",
        "pubmedqa_not_evidence_examples": r["not_evidence"][:40],
    })
    _write()
    assert r["abstracts"] == 500
    assert r["evidence_rate"] >= 0.95
    assert r["results_not_evidence"] == [], r["results_not_evidence"][:5]
    # Bare paragraphs lose the section labels; reported, and guarded against a collapse.
    assert bare["evidence_rate"] >= 0.90


def test_the_shipped_model_is_what_the_training_script_writes(tmp_path: Path) -> None:
    shipped = json.loads(LH.MODEL_PATH.read_text(encoding="utf-8"))
    fresh = LH.train(tmp_path / "model.json")
    assert shipped["feature_names"] == fresh["feature_names"]
    assert np.allclose(shipped["coef"], fresh["coef"], atol=1e-4)
    assert np.allclose(shipped["intercept"], fresh["intercept"], atol=1e-4)


def _label_file(name: str) -> list[tuple[str, str, tuple[str, ...]]]:
    from assistant.ingest import build_document
    from assistant.label import get_labeller
    from assistant.settings import load_settings

    path = FIXTURES / name
    doc = build_document(path, path.read_bytes(), {}, load_settings(), "test")
    texts = [s.clean for s in doc.sentences]
    return [(t, r.label, r.reasons) for t, r in zip(texts, get_labeller().label(texts))]


def _by_text(rows: list[tuple[str, str, tuple[str, ...]]], start: str) -> tuple[str, tuple[str, ...]]:
    hits = [(lab, why) for t, lab, why in rows if t.startswith(start)]
    assert hits, f"no sentence starts with {start!r}: {[t for t, _, _ in rows]}"
    return hits[0]


def test_unseen_clinic_page_reads_as_marketing_with_reasons() -> None:
    rows = _label_file("clinic_page.txt")
    for t, lab, why in rows:
        print(f"  {lab:9} | {t[:70]} | {'; '.join(why)}")
    call, why = _by_text(rows, "Call (555)")
    assert call == "marketing" and any("phone" in w for w in why) and any("act" in w for w in why)
    assert _by_text(rows, "Our exclusive SpineFlex®")[0] == "marketing"
    assert _by_text(rows, "Summit Spine & Joint Center, 1200")[0] == "marketing"
    bullets = ["Relief in as little", "No downtime", "Get back to", "Covered by most"]
    assert sum(_by_text(rows, b)[0] == "marketing" for b in bullets) >= 3
    lab, why = _by_text(rows, "I think every patient")
    assert lab == "opinion" and any("own experience" in w or "belief" in w for w in why)
    assert not [t for t, lab, _ in rows if lab == "evidence"]
    RESULTS["unseen_clinic_page"] = {t: lab for t, lab, _ in rows}
    _write()


def test_second_unseen_clinic_page_html() -> None:
    """Written after the list-of-selling-points feature was added, and labelled on the first try."""
    rows = _label_file("clinic_page_2.html")
    assert _by_text(rows, "Lakeside Pain Institute is proud")[0] == "marketing"
    assert _by_text(rows, "Our team uses the ClearPath™")[0] == "marketing"
    assert _by_text(rows, "Schedule your appointment")[0] == "marketing"
    assert _by_text(rows, "Call 1-800")[0] == "marketing"
    bullets = ["Minimal scarring", "Walk out the same day", "Return to work"]
    assert sum(_by_text(rows, b)[0] == "marketing" for b in bullets) >= 2
    assert not [t for t, lab, _ in rows if lab == "evidence"]
    RESULTS["unseen_clinic_page_2"] = {t: lab for t, lab, _ in rows}
    _write()


def test_unseen_research_abstract_reads_as_evidence() -> None:
    rows = _label_file("research_abstract.txt")
    for t, lab, why in rows:
        print(f"  {lab:9} | {t[:70]} | {'; '.join(why)}")
    assert len(rows) == 5
    assert all(lab == "evidence" for _, lab, _ in rows), rows
    _, why = _by_text(rows, "At 12 months, 58%")
    assert any("58%" in w or "12 patients" in w for w in why)
    RESULTS["unseen_research_abstract"] = {t: lab for t, lab, _ in rows}
    _write()
