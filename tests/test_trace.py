"""Claim tracing: number and word matching, the CLI contract, and accuracy on the dev and held-out claims."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.trace import (
    RELATED_AT,
    SUPPORTED_AT,
    highlight_ranges,
    number_agreement,
    numbers_in,
    verdict_for,
)

ROOT = Path(__file__).resolve().parents[1]
DEV = ROOT / "eval" / "data" / "claims_dev.jsonl"
HELDOUT = ROOT / "eval" / "heldout" / "claims.jsonl"
BACK_PAIN = "back pain is the third most common reason people see a doctor"


def _load(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _file_text(doc_id: str) -> str:
    return open(ROOT / "corpus" / f"{doc_id}.txt", encoding="utf-8").read()


def same_sentence(match: dict, gold: dict) -> bool:
    """A match is the gold sentence when it is in the same document and covers most of the shorter span."""
    if match["doc_id"] != gold["doc_id"]:
        return False
    overlap = min(match["end"], gold["end"]) - max(match["start"], gold["start"])
    return overlap >= 0.5 * min(match["end"] - match["start"], gold["end"] - gold["start"])


def test_numbers_in_digits_and_words() -> None:
    assert numbers_in("276 adults, 3.3% and 1,200 visits") == [276.0, 3.3, 1200.0]
    assert numbers_in("Forty-seven physicians had zero revisions") == [47.0, 0.0]
    assert numbers_in("one of the reasons") == []


def test_number_agreement_allows_rounding_but_not_other_numbers() -> None:
    assert number_agreement([], [5.0]) == 1.0
    assert number_agreement([3.0], [3.3]) == 1.0  # "about 3%" rounds 3.3%
    assert number_agreement([3.3, 1.8], [3.3, 1.8]) == 1.0
    assert number_agreement([90.0], [3.3, 1.8]) == 0.0


def test_verdict_thresholds_are_ordered() -> None:
    assert RELATED_AT < SUPPORTED_AT
    assert verdict_for(SUPPORTED_AT) == "supported"
    assert verdict_for((SUPPORTED_AT + RELATED_AT) / 2) == "related"
    assert verdict_for(RELATED_AT - 0.01) == "not_found"


def test_highlight_ranges_mark_content_words_and_numbers() -> None:
    text = "Back pain is the third most common reason; 47 doctors agreed."
    ranges = highlight_ranges(text, {"back", "pain", "third", "doctor"}, [47.0])
    assert [text[s:t] for s, t in ranges] == ["Back", "pain", "third", "47", "doctors"]


@pytest.mark.slow
def test_back_pain_claim_traces_to_its_sentence(seed_settings) -> None:
    from assistant.index import Index
    from assistant.trace import trace

    result = trace(BACK_PAIN, Index.open(seed_settings), top_k=3)
    best = result.matches[0]
    assert result.verdict == "supported"
    assert (best.doc_id, best.start, best.end) == ("004_f4c8e879eecea6ab", 174, 282)
    assert best.text == _file_text(best.doc_id)[best.start : best.end]
    assert "third most common reason" in best.text
    words = {best.text[s:t].lower() for s, t in best.highlights}
    assert {"back", "pain", "third", "common", "reason", "doctor"} <= words


@pytest.mark.slow
def test_unrelated_claim_is_not_supported(seed_settings) -> None:
    from assistant.index import Index
    from assistant.trace import trace

    result = trace("Epidural steroid injections cure sciatica permanently in 90% of patients",
                   Index.open(seed_settings), top_k=3)
    assert result.verdict != "supported"


def _measure(path: Path, index) -> dict[str, float]:
    from assistant.trace import trace

    items = _load(path)
    found = [d for d in items if d.get("doc_id")]
    absent = [d for d in items if not d.get("doc_id")]
    top1 = top3 = supported = 0
    for d in found:
        result = trace(d["claim"], index, top_k=3).to_json()
        hits = [same_sentence(m, d) for m in result["matches"]]
        top1 += bool(hits and hits[0])
        top3 += any(hits)
        supported += result["verdict"] == "supported"
    refused = sum(trace(d["claim"], index, top_k=3).verdict != "supported" for d in absent)
    return {"n": len(found), "top1": top1 / len(found), "top3": top3 / len(found),
            "supported_recall": supported / len(found), "n_absent": len(absent),
            "absent_not_supported": refused / len(absent) if absent else float("nan")}


@pytest.mark.slow
def test_trace_accuracy_dev_and_heldout(seed_settings, capsys) -> None:
    """Top-3 accuracy: dev (used for calibration) and held-out (only measured, never tuned on)."""
    from assistant.index import Index

    index = Index.open(seed_settings)
    dev = _measure(DEV, index)
    heldout = _measure(HELDOUT, index)
    with capsys.disabled():
        for name, m in (("dev", dev), ("held-out", heldout)):
            extra = (f", not_found claims kept below 'supported' {m['absent_not_supported']:.0%} of {m['n_absent']}"
                     if m["n_absent"] else "")
            print(f"\ntrace {name}: top-1 {m['top1']:.1%}, top-3 {m['top3']:.1%} of {m['n']} claims, "
                  f"verdict 'supported' {m['supported_recall']:.1%}{extra}")
    assert dev["top3"] >= 0.9
    assert dev["absent_not_supported"] >= 0.75
    assert heldout["top3"] >= 0.85


@pytest.mark.slow
def test_cli_trace_json_contract(seed_settings, monkeypatch, capsys) -> None:
    from assistant.cli import main
    from assistant.settings import get_settings

    monkeypatch.setenv("ASSISTANT_DATA_DIR", str(seed_settings.data_dir))
    get_settings.cache_clear()
    assert main(["trace", "--json", "--top-k", "2", BACK_PAIN, "Discectomy removes part of a herniated disc"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 2
    first = json.loads(lines[0])
    assert set(first) == {"claim", "verdict", "matches"}
    assert first["claim"] == BACK_PAIN and first["verdict"] == "supported"
    assert len(first["matches"]) == 2
    for line in lines:
        for m in json.loads(line)["matches"]:
            assert set(m) == {"doc_id", "title", "label", "text", "start", "end", "score"}
            assert m["text"] == _file_text(m["doc_id"])[m["start"] : m["end"]]


@pytest.mark.parametrize("argv", [["trace", "   "], ["trace", "x" * 2001], ["trace", "--top-k", "0", "a claim"]])
def test_cli_trace_bad_input_exits_2_with_one_line(argv, capsys) -> None:
    from assistant.cli import main

    assert main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: ")


def test_number_agreement_over_the_whole_index_equals_the_one_sentence_rule(seed_assistant) -> None:
    from assistant.trace import _terms_for, number_agreement

    catalog = seed_assistant.index.catalog
    terms = _terms_for(catalog)
    for claim in ([3.3, 1.8], [276.0], [3.0], [2025.0, 47.0], [0.0]):
        alone, with_prev = terms.number_agreement(claim)
        expected = [number_agreement(claim, ns) for ns in terms.numbers]
        expected_prev = [number_agreement(claim, terms.numbers[i] + (terms.numbers[p] if p >= 0 else []))
                         for i, p in enumerate(terms.prev)]
        assert alone.tolist() == expected and with_prev.tolist() == expected_prev
