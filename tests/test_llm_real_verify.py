"""The verifier on real model output: replies SmolLM2-135M-Instruct and Qwen2.5-Coder-0.5B-Instruct wrote
to development questions (tests/fixtures/llm_real/replies.jsonl, written by make_fixtures.py there from
the replies ``pytest eval/ -m llm`` cached), checked against the passages each model was shown.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.verify import PromptPassage, split_claims, support_scorer, verify

ROOT = Path(__file__).resolve().parents[1]
REPLIES = [json.loads(line) for line in
           (ROOT / "tests" / "fixtures" / "llm_real" / "replies.jsonl").read_text(encoding="utf-8").splitlines()]


def reply(model: str, question_start: str) -> dict:
    return next(r for r in REPLIES if r["model"] == model and r["question"].startswith(question_start))


def shown(catalog, spans: list[dict]) -> list[PromptPassage]:
    """The passages of a fixture, rebuilt from its chunks' offsets in the seed index."""
    out = []
    for s in spans:
        d = catalog.docs[catalog.doc_index[s["doc_id"]]]
        out.append(PromptPassage(s["n"], tuple(i for i in range(d["sent_lo"], d["sent_hi"])
                                               if catalog.s_start[i] >= s["start"] and catalog.s_end[i] <= s["end"])))
    return out


def file_text(catalog, doc_id: str) -> str:
    path = Path(catalog.docs[catalog.doc_index[doc_id]]["path"])
    return (path if path.is_absolute() else ROOT / path).read_text(encoding="utf-8")


def test_a_marker_opening_a_line_cites_that_line() -> None:
    # Qwen 0.5B writes "[n] sentence" one per line; the marker was read as a late marker of the line before.
    claims = split_claims(reply("qwen05", "What were the complication and revision rates")["raw"])
    assert [c.markers for c in claims] == [(1,), (2,), (3,)]
    assert claims[0].text.startswith("The study revealed no significant difference in safety")
    assert claims[1].text.startswith("Most surgical revisions were successfully handled")
    both = split_claims(reply("qwen05", "In what kind of facility")["raw"])
    assert both[0].markers == (1,) and both[1].markers == (2, 3)


def test_prompt_tags_the_model_copies_are_not_claims() -> None:
    raw = reply("smollm2", "How many patients underwent SI joint fusion")["raw"]
    assert "<document id=" in raw
    claims = split_claims(raw)
    assert claims and not any("<document" in c.raw or "</document" in c.raw for c in claims)


@pytest.mark.slow
def test_every_real_reply_verifies_to_exact_citations(seed_assistant) -> None:
    catalog = seed_assistant.index.catalog
    scorer = support_scorer()
    kept = 0
    for r in REPLIES:
        v = verify(r["question"], r["raw"], shown(catalog, r["passages"]), catalog, 1.0, scorer)
        assert all(x["reason"] for x in v.removed)
        if v.answer is None:
            continue
        kept += 1
        for c in v.answer.citations:
            assert c.text == file_text(catalog, c.doc_id)[c.start:c.end]
    assert kept  # some real answers survive verification


@pytest.mark.slow
def test_real_fabrications_are_removed(seed_assistant) -> None:
    catalog = seed_assistant.index.catalog
    scorer = support_scorer()
    cases = [("smollm2", "What were the complication and revision rates", "3.3% of patients had a revision rate of 0.8%"),
             ("smollm2", "wat year was the chin et al", "published in 2019"),
             ("smollm2", "In what kind of facility", "a facility that was not designed for surgical procedures")]
    for model, question, fabricated in cases:
        r = reply(model, question)
        assert fabricated in r["raw"]
        v = verify(r["question"], r["raw"], shown(catalog, r["passages"]), catalog, 1.0, scorer)
        assert any(fabricated in x["sentence"] for x in v.removed)
        assert v.answer is None or fabricated not in v.answer.answer


@pytest.mark.slow
def test_qwen_line_numbered_answer_keeps_its_true_first_line(seed_assistant) -> None:
    catalog = seed_assistant.index.catalog
    r = reply("qwen05", "What were the complication and revision rates")
    v = verify(r["question"], r["raw"], shown(catalog, r["passages"]), catalog, 1.0, support_scorer())
    # Line 2 is a word-for-word copy of a sentence of passage [1] that Qwen numbered "[2]": kept, and
    # re-cited to that sentence. Line 3 ("Why This Matters [n]", a heading) is removed.
    assert v.answer is not None
    assert v.answer.answer.startswith("The study revealed no significant difference in safety")
    assert "Most surgical revisions were successfully handled" in v.answer.answer
    assert [x["sentence"] for x in v.removed] == ["[3] Why This Matters [n]"]
    texts = [c.text for c in v.answer.citations]
    assert any(t.startswith("Most surgical revisions were successfully handled") for t in texts)
    for c in v.answer.citations:
        assert c.text == file_text(catalog, c.doc_id)[c.start:c.end]


@pytest.mark.slow
def test_an_uncited_word_for_word_copy_is_kept_and_an_uncited_paraphrase_is_not(seed_assistant) -> None:
    catalog = seed_assistant.index.catalog
    r = reply("smollm2", "did saftey differ")
    v = verify(r["question"], r["raw"], shown(catalog, r["passages"]), catalog, 1.0, support_scorer())
    removed = [x["sentence"] for x in v.removed]
    copy = "276 adult patients underwent SIJ fusion utilizing Sacrix® titanium triangular implants"
    assert copy in r["raw"] and not any(copy in s for s in removed)
    r = reply("smollm2", "Who led the randomized trial")
    v = verify(r["question"], r["raw"], shown(catalog, r["passages"]), catalog, 1.0, support_scorer())
    assert v.answer is None and v.removed[0]["reason"] == "It cites no passage."


@pytest.mark.slow
def test_a_quoted_copy_after_a_lead_in_is_kept(seed_assistant) -> None:
    catalog = seed_assistant.index.catalog
    r = reply("smollm2", "My pain doctor wants to do my SI joint fusion")
    quoted = 'The document states: "A transformational study has just been published in The Spine Journal'
    assert quoted in r["raw"]
    v = verify(r["question"], r["raw"], shown(catalog, r["passages"]), catalog, 1.0, support_scorer())
    assert not any(x["sentence"].startswith(quoted) for x in v.removed)


@pytest.mark.slow
def test_a_heading_and_its_sentence_copied_as_one_line_are_kept(seed_assistant) -> None:
    # Qwen 0.5B wrote the heading "Credentialing:" and the sentence under it as one line numbered [1];
    # the index keeps them as two consecutive sentences (of the passage it numbered [4]), so the line is a
    # word-for-word copy of both. Its other line, a fragment no sentence states, is still removed.
    catalog = seed_assistant.index.catalog
    r = reply("qwen05", "What does the article recommend about credentialing")
    merged = "[1] Credentialing: With practice expansion, formal, surgeon-led training is not just recommended"
    assert r["raw"].startswith(merged)
    v = verify(r["question"], r["raw"], shown(catalog, r["passages"]), catalog, 1.0, support_scorer())
    assert [x["sentence"] for x in v.removed] == ["[2][3] Proctoring protocols: emphasizing supervision in early cases."]
    assert v.answer is not None and v.answer.answer.startswith("Credentialing: With practice expansion")
    texts = [c.text for c in v.answer.citations]
    assert texts[0] == "Credentialing:" and texts[1].startswith("With practice expansion, formal, surgeon-led")
    for c in v.answer.citations:
        assert c.text == file_text(catalog, c.doc_id)[c.start:c.end]
