"""Who else says so: the documents that state an answer's lead claim, grouped by publisher."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from assistant.corroborate import corroborate, relation, summary

ROOT = Path(__file__).resolve().parents[1]
KIC_1, KIC_2 = "000_184621efc1d6966c", "001_22418759c7d07ec6"
SAFETY = "Can pain physicians safely do SI joint fusion?"


def _file_text(doc_id: str) -> str:
    return (ROOT / "corpus" / f"{doc_id}.txt").read_text(encoding="utf-8")


def test_the_si_fusion_safety_answer_is_stated_by_two_posts_of_one_publisher(seed_assistant) -> None:
    ans = seed_assistant.ask(SAFETY)
    c = ans.corroboration
    assert ans.citations[0].doc_id in {KIC_1, KIC_2}
    assert c.documents == 2
    assert [(p["name"], p["kind"], sorted(p["documents"])) for p in c.publishers] == [
        ("KIC Ventures", "venture_industry", [KIC_1, KIC_2])]
    assert c.summary.startswith("Stated by 2 documents from 1 publisher (KIC Ventures, a company): "
                                "not independently corroborated.")
    other = {KIC_1, KIC_2} - {ans.citations[0].doc_id}
    assert [s.doc_id for s in c.stated_by] == list(other)


def test_the_condition_in_the_other_post_is_shown_as_a_qualification(seed_assistant) -> None:
    c = seed_assistant.ask(SAFETY).corroboration
    assert any("but only with robust, surgeon-led education" in q.text for q in c.qualified_by)
    for cited in (*c.stated_by, *c.qualified_by):  # every passage is the file's text at its offsets
        assert _file_text(cited.doc_id)[cited.start:cited.end] == cited.text and cited.n == 0


def test_a_claim_only_one_document_makes_says_so(seed_assistant) -> None:
    ans = seed_assistant.ask("What complication rate did the pain physicians achieve in SI joint fusion?")
    c = ans.corroboration
    assert "3.3%" in ans.citations[0].text and c.documents == 1 and c.stated_by == ()
    assert c.summary.startswith("Stated only by this document, from a company (KIC Ventures); no other document")


def test_an_abstention_has_no_corroboration(seed_assistant) -> None:
    ans = seed_assistant.ask("Who won the 2022 FIFA World Cup?")
    assert ans.abstained and ans.corroboration is None and ans.to_json()["corroboration"] is None


def test_ask_json_carries_the_corroboration_object(seed_settings) -> None:
    from test_cli import run

    out = run(["ask", "--json", SAFETY], seed_settings.data_dir)
    assert out.returncode == 0, out.stderr
    c = json.loads(out.stdout)["corroboration"]
    assert c["documents"] == 2 and [p["name"] for p in c["publishers"]] == ["KIC Ventures"]
    assert {"documents", "publishers", "stated_by", "qualified_by", "summary"} <= set(c)
    for q in c["qualified_by"]:
        assert _file_text(q["doc_id"])[q["start"]:q["end"]] == q["text"]


def test_documents_from_different_publishers_are_named_by_kind() -> None:
    line = summary(3, ({"name": "Pacific Spine and Pain Society", "kind": "medical_society", "documents": ["a"]},
                       {"name": "Regenexx", "kind": "clinic", "documents": ["b"]},
                       {"name": "", "kind": "unknown", "documents": ["c"]}), 0)
    assert line == ("Stated by 3 documents from 3 publishers: a medical society (Pacific Spine and Pain Society), "
                    "a clinic (Regenexx), a publisher of unstated kind (publisher not stated). Where a publisher "
                    "is not stated, the documents may not be independent.")


@pytest.mark.parametrize("sentence, score, expected", [
    ("Pain physicians trained by surgeons had a 3.3% complication rate.", 0.80, "states"),
    ("Pain physicians trained by surgeons had a 3.3% complication rate, but only in selected patients.", 0.70,
     "qualifies"),
    ("Pain physicians trained by surgeons did not have a 3.3% complication rate.", 0.70, "contradicts"),
    ("Pain physicians trained by surgeons had a 9% complication rate.", 0.60, "contradicts"),
    ("Facet injections are common.", 0.20, "unrelated"),
])
def test_how_a_sentence_stands_to_a_claim(sentence: str, score: float, expected: str) -> None:
    assert relation("Trained pain physicians had a 3.3% complication rate.", sentence, score) == expected


def test_a_citation_that_is_not_a_sentence_of_the_index_is_embedded_and_still_corroborated(seed_assistant) -> None:
    ans = seed_assistant.ask(SAFETY)
    lead = ans.citations[0]
    odd = replace(lead, start=lead.start + 1, text=lead.text[1:])  # no sentence starts there
    c = corroborate(replace(ans, citations=(odd, *ans.citations[1:])), seed_assistant.index.catalog,
                    seed_assistant.index.embedder.embed_one)
    assert c is not None and c.documents >= 1


def test_the_shortlist_scores_equal_the_full_pass_on_the_seed_index(seed_assistant) -> None:
    """score_claim_at reads only the sentences asked for, yet gives each the full pass's score: to the bit for
    the whole index, and within float32 rounding of the in-context cosine (1e-7) for a shortlist."""
    from assistant.trace import score_claim, score_claim_at

    cat = seed_assistant.index.catalog
    ids = np.arange(len(cat.s_clean))
    for i in range(len(cat.s_clean)):
        claim, cvec = cat.s_clean[i], cat.s_vec[i]
        full = score_claim(claim, cvec, cat)[0]
        near = np.argsort(-(cat.s_vec @ cvec))[:40]
        assert np.array_equal(score_claim_at(claim, cvec, cat, ids, cat.s_vec @ cvec), full)
        assert np.allclose(score_claim_at(claim, cvec, cat, near, (cat.s_vec @ cvec)[near]), full[near], rtol=0, atol=1e-7)


def test_the_shortlist_path_corroborates_every_seed_sentence_as_the_full_pass(seed_assistant) -> None:
    """On the seed index every answer is corroborated by the full pass (it holds fewer than WHOLE_UP_TO
    sentences); the shortlist path, forced down to 200 of its 297 sentences, still gives the same result
    for every sentence as the lead claim (at 120 it misses qualifications: see docs/performance.md)."""
    from assistant.compose import citation_for
    from assistant.corroborate import WHOLE_UP_TO
    from assistant.records import Answer

    cat = seed_assistant.index.catalog
    assert len(cat.s_clean) <= WHOLE_UP_TO
    for i in range(len(cat.s_clean)):
        answer = Answer("q", "a", "opinion", False, (citation_for(1, i, cat, 1.0),))
        full, short = corroborate(answer, cat), corroborate(answer, cat, k=200, whole_up_to=0)
        assert json.dumps(short.to_json()) == json.dumps(full.to_json()), i
