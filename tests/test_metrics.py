"""The eval metrics on small cases worked out by hand."""

from __future__ import annotations

import math

import pytest

from assistant.metrics import (
    SpanRef,
    abstention_scores,
    alce_citation_scores,
    citation_integrity,
    citation_precision,
    cited_sentences,
    confusion_matrix,
    document_metrics,
    key_fact_hits,
    key_fact_recall,
    lead_citation,
    lead_is_gold,
    macro_f1,
    median,
    mean_dicts,
    ndcg_at_k,
    ndcg_binary,
    passage_metrics,
    read_source,
    recall_at_k,
    short_answer_hit,
    reciprocal_rank,
    split_sentences,
)

# ---------------------------------------------------------------- retrieval


def test_recall_at_k_counts_relevant_items_in_the_top_k() -> None:
    ranked = ["a", "b", "c", "d"]
    assert recall_at_k(ranked, {"b", "d"}, 1) == 0.0
    assert recall_at_k(ranked, {"b", "d"}, 2) == 0.5
    assert recall_at_k(ranked, {"b", "d"}, 10) == 1.0
    with pytest.raises(ValueError, match="k must be greater than 0, got 0"):
        recall_at_k(ranked, {"a"}, 0)
    with pytest.raises(ValueError):
        recall_at_k(ranked, set(), 1)


def test_reciprocal_rank_is_one_over_the_first_hit() -> None:
    assert reciprocal_rank(["a", "b", "c"], {"c", "b"}) == 0.5
    assert reciprocal_rank(["a", "b", "c"], {"z"}) == 0.0
    assert reciprocal_rank(["a", "b", "c"], {"c"}, k=2) == 0.0


def test_ndcg_matches_a_hand_computed_value() -> None:
    # Relevant at ranks 2 and 3 out of 2 relevant: DCG = 1/log2(3) + 1/log2(4); IDCG = 1 + 1/log2(3).
    expected = (1 / math.log2(3) + 0.5) / (1 + 1 / math.log2(3))
    assert ndcg_binary(["x", "a", "b"], {"a", "b"}) == pytest.approx(expected)
    assert ndcg_binary(["a", "b"], {"a", "b"}) == pytest.approx(1.0)
    # a repeat gains nothing: gains 1, 0, 1
    assert ndcg_binary(["a", "a", "b"], {"a", "b"}) == pytest.approx(1.5 / (1 + 1 / math.log2(3)))
    assert ndcg_at_k([0, 0], [1], 10) == 0.0
    assert ndcg_at_k([1], [], 10) == 0.0


def test_passage_metrics_credit_each_gold_span_once() -> None:
    gold = [SpanRef("d1", 100, 150), SpanRef("d2", 0, 40)]
    passages = [
        SpanRef("d3", 0, 500),  # irrelevant
        SpanRef("d1", 90, 300),  # covers span 0
        SpanRef("d1", 140, 400),  # covers span 0 again: no new gain
        SpanRef("d2", 40, 90),  # touches span 1 only at its end offset: no overlap
        SpanRef("d2", 10, 20),  # covers span 1
    ]
    m = passage_metrics(passages, gold, ks=(1, 2, 5))
    assert m["recall@1"] == 0.0
    assert m["recall@2"] == 0.5
    assert m["recall@5"] == 1.0
    assert m["mrr"] == 0.5
    dcg = 1 / math.log2(3) + 1 / math.log2(6)
    assert m["ndcg@10"] == pytest.approx(dcg / (1 + 1 / math.log2(3)))


def test_document_metrics_dedupe_passages_by_document() -> None:
    m = document_metrics(["d2", "d2", "d1", "d3"], ["d1"], ks=(1, 2))
    assert m["recall@1"] == 0.0
    assert m["recall@2"] == 1.0  # d2, d1 after dropping the repeat
    assert m["mrr"] == 0.5
    assert m["ndcg@10"] == pytest.approx(1 / math.log2(3))


def test_mean_dicts() -> None:
    assert mean_dicts([{"a": 1.0}, {"a": 0.0}]) == {"a": 0.5}
    assert mean_dicts([]) == {}


# ---------------------------------------------------------------- answers


def test_key_facts_match_any_alternative_case_and_quote_insensitively() -> None:
    answer = "The trial enrolled 276 adults; Dr. Chin’s group used SACRIX implants."
    facts = [["two hundred", "276"], ["sacrix"], ["chin's"], ["bioactive glass"]]
    assert key_fact_hits(answer, facts) == [True, True, True, False]
    assert key_fact_recall(answer, facts) == 0.75
    assert key_fact_recall("a\u00a0b", [["a b"]]) == 1.0  # non-breaking space
    with pytest.raises(ValueError):
        key_fact_recall(answer, [])


def test_abstention_precision_recall_and_answered_rate() -> None:
    abstained = [True, True, False, True, False]
    answerable = [False, False, False, True, True]
    s = abstention_scores(abstained, answerable)
    assert s["precision"] == pytest.approx(2 / 3)
    assert s["recall"] == pytest.approx(2 / 3)
    assert s["answered_rate"] == 0.5
    assert (s["abstained_unanswerable"], s["unanswerable"], s["abstained_answerable"], s["answerable"]) == (
        2,
        3,
        1,
        2,
    )
    assert abstention_scores([False], [True])["precision"] == 1.0  # no abstentions, none wrong
    with pytest.raises(ValueError):
        abstention_scores([True], [True, False])


# ---------------------------------------------------------------- labels


def test_confusion_matrix_and_macro_f1() -> None:
    labels = ["evidence", "opinion", "marketing"]
    y_true = ["evidence", "evidence", "opinion", "marketing", "marketing"]
    y_pred = ["evidence", "opinion", "opinion", "marketing", "evidence"]
    assert confusion_matrix(y_true, y_pred, labels) == [[1, 1, 0], [0, 1, 0], [1, 0, 1]]
    # F1: evidence 2*1/(2+1+1)=0.5, opinion 2*1/(2+1+0)=2/3, marketing 2*1/(2+0+1)=2/3
    assert macro_f1(y_true, y_pred, labels) == pytest.approx((0.5 + 2 / 3 + 2 / 3) / 3)
    assert macro_f1(["evidence"], ["evidence"], labels) == pytest.approx(1 / 3)  # absent classes score 0


# ---------------------------------------------------------------- citations


def test_split_sentences_keeps_abbreviations_together() -> None:
    assert split_sentences("Chin et al. found 276 patients. It worked.") == [
        "Chin et al. found 276 patients.",
        "It worked.",
    ]


def test_cited_sentences_attach_markers_to_the_sentence_they_follow() -> None:
    answer = "Only promotional sources state this. Alpha is good. [1] Beta was 3.3%. [2][3] Gamma is uncited."
    got = cited_sentences(answer, ["Only promotional sources state this."])
    assert got == [("Alpha is good.", [1]), ("Beta was 3.3%.", [2, 3]), ("Gamma is uncited.", [])]
    assert cited_sentences("Alpha [1]. Beta [2].") == [("Alpha", [1]), ("Beta", [2])]
    assert cited_sentences("First. Second [1]") == [("First.", []), ("Second", [1])]


def _supports(sentence: str, passages: list[str]) -> bool:
    """A toy judge: every word of the sentence appears in the passages."""
    have = set(" ".join(passages).lower().split())
    return bool(passages) and set(sentence.lower().rstrip(".").split()) <= have


def test_alce_recall_and_precision_by_hand() -> None:
    passages = {1: "a b", 2: "c d", 3: "a b c", 4: "z"}
    sentences = [
        ("a b", [1]),  # supported by its only citation: recall 1, 1 relevant
        ("a b c d", [1, 2]),  # needs both: 2 relevant
        ("a b", [1, 3]),  # each alone supports: both relevant
        ("a b", [1, 4]),  # 4 alone fails and 1 still supports: 4 irrelevant
        ("q", [4]),  # unsupported: its citation earns nothing
        ("a", []),  # no citation: unsupported
    ]
    s = alce_citation_scores(sentences, passages, _supports)
    assert s["recall"] == pytest.approx(4 / 6)
    assert s["citations"] == 8
    assert s["precision"] == pytest.approx((1 + 2 + 2 + 1 + 0) / 8)
    assert alce_citation_scores([], passages, _supports)["recall"] == 0.0
    # an unresolvable marker is an empty passage
    assert alce_citation_scores([("a b", [9])], passages, _supports)["recall"] == 0.0


def test_citation_integrity_reads_the_file_and_resolves_markers(tmp_path) -> None:
    path = tmp_path / "d.txt"
    path.write_text("Héllo world.\nSecond line ’here’.", encoding="utf-8")
    text = read_source(path)
    good = {"n": 1, "doc_id": "d", "text": "world.", "start": 6, "end": 12}
    second = {"n": 2, "doc_id": "d", "text": "’here’", "start": 25, "end": 31}
    assert text[25:31] == "’here’"
    ok = citation_integrity("Hi [1] and [2].", [good, second], lambda d: read_source(tmp_path / f"{d}.txt"))
    assert ok["problems"] == [] and ok["exact"] == 2 and ok["resolved"] == 2
    shifted = dict(good, start=5, end=11)
    bad = citation_integrity("Hi [1] [3].", [shifted], lambda d: read_source(tmp_path / f"{d}.txt"))
    assert bad["exact"] == 0
    assert any("[3] has no citation" in p for p in bad["problems"])
    assert any("does not match" in p for p in bad["problems"])
    missing = citation_integrity(
        "[1]", [dict(good, doc_id="nope")], lambda d: read_source(tmp_path / f"{d}.txt")
    )
    assert "unreadable" in missing["problems"][0]


def test_read_source_decodes_windows_1252_and_universal_newlines(tmp_path) -> None:
    path = tmp_path / "w.txt"
    path.write_bytes("caf\xe9 \x93quote\x94\r\nnext".encode("latin-1"))
    assert read_source(path) == "café “quote”\nnext"


# ---------------------------------------------------------------- answer precision


GOLD = [SpanRef("a", 100, 200), SpanRef("b", 0, 50)]


def test_citation_precision_is_the_share_of_citations_on_a_gold_span() -> None:
    on_gold, touching, elsewhere = SpanRef("a", 150, 160), SpanRef("b", 49, 80), SpanRef("a", 200, 260)
    assert citation_precision([on_gold], GOLD) == 1.0
    assert citation_precision([on_gold, touching, elsewhere, SpanRef("c", 100, 200)], GOLD) == 0.5
    assert citation_precision([], GOLD) == 0.0  # an answer that cites nothing is not precise


def _cite(n: int, doc: str, start: int, end: int) -> dict:
    return {"n": n, "doc_id": doc, "start": start, "end": end}


def test_the_lead_is_the_citation_of_the_first_marker_not_citation_one() -> None:
    cites = [_cite(1, "a", 0, 10), _cite(2, "a", 120, 180)]
    assert lead_citation("The answer. [2] More. [1]", cites)["n"] == 2
    assert lead_is_gold("The answer. [2] More. [1]", cites, GOLD)
    assert not lead_is_gold("Other first. [1] The answer. [2]", cites, GOLD)
    assert lead_citation("No markers at all.", cites) is None
    assert not lead_is_gold("A marker [7] that resolves to nothing.", cites, GOLD)


def test_a_short_answer_hits_when_it_states_the_expected_phrase_or_a_key_fact() -> None:
    facts = [["276", "two hundred seventy-six"]]
    assert short_answer_hit("276 patients", facts)
    assert short_answer_hit("The Spine Journal", [["Spine J"]], expected="spine journal")
    assert not short_answer_hit("Dr. Kingsley R. Chin", facts)
    assert not short_answer_hit(None, facts) and not short_answer_hit("", facts)


def test_median_of_odd_even_and_empty_lists() -> None:
    assert median([5, 1, 3]) == 3
    assert median([4, 1, 3, 2]) == 2.5
    assert median([]) == 0.0
