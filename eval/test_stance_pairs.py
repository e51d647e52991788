"""What the corroboration rule can and cannot tell, on 60 hand-made pairs (eval/data/stance_pairs.jsonl):
a claim sentence from a seed document and another sentence that agrees with it, qualifies it, contradicts
it or is unrelated to it, 15 of each, written by an independent annotator from the seeds only.

The rule (assistant/corroborate.py) is claim tracing's score plus word-level cues, not an entailment
model. It was written before these pairs were read; its figures here are from its first run on them.
"""

from __future__ import annotations

from collections import Counter

import harness
import pytest
import report

KINDS = ("agree", "qualify", "contradict", "unrelated")
AS_KIND = {"states": "agree", "qualifies": "qualify", "contradicts": "contradict", "related": "unrelated",
           "unrelated": "unrelated"}


@pytest.fixture(scope="module")
def judged(dev_run) -> dict:
    from assistant.corroborate import relation
    from assistant.trace import score_pair

    pairs = harness.load_jsonl(harness.DATA / "stance_pairs.jsonl")
    vecs = harness.cached_embedder().embed([t for p in pairs for t in (p["claim"]["text"], p["other"])])
    confusion: Counter = Counter()
    for k, p in enumerate(pairs):
        score = score_pair(p["claim"]["text"], p["other"], vecs[2 * k], vecs[2 * k + 1], dev_run.index.catalog)
        confusion[(p["relation"], AS_KIND[relation(p["claim"]["text"], p["other"], score)])] += 1
    per_kind = {g: {"n": sum(confusion[(g, r)] for r in KINDS), "right": confusion[(g, g)],
                    "read_as": {r: confusion[(g, r)] for r in KINDS}} for g in KINDS}
    total = sum(v["n"] for v in per_kind.values())
    out = {"pairs": total, "accuracy": round(sum(v["right"] for v in per_kind.values()) / total, 3),
           "per_kind": per_kind}
    report.record("corroboration", "stance_pairs", out)
    return out


def test_the_pairs_are_balanced(judged) -> None:
    assert judged["pairs"] == 60 and all(v["n"] == 15 for v in judged["per_kind"].values())


def test_the_rule_tells_the_four_kinds_apart_well_above_chance(judged) -> None:
    assert judged["accuracy"] >= 0.50, judged  # chance is 0.25


def test_an_unrelated_sentence_is_never_counted_as_stating_the_claim(judged) -> None:
    assert judged["per_kind"]["unrelated"]["read_as"]["agree"] == 0, judged["per_kind"]["unrelated"]


@pytest.mark.xfail(strict=True, raises=AssertionError, reason=(
    "word-level cues miss a contradiction stated without a negation or a different figure: 5 of 15 "
    "contradictions read as agreement (first run on the pairs)"))
def test_a_contradiction_is_never_counted_as_stating_the_claim(judged) -> None:
    assert judged["per_kind"]["contradict"]["read_as"]["agree"] == 0, judged["per_kind"]["contradict"]


@pytest.mark.xfail(strict=True, raises=AssertionError, reason=(
    "a paraphrase with few shared words scores below the 'supported' level: 5 of 15 agreeing sentences read as "
    "agreement, 5 as unrelated (first run on the pairs)"))
def test_most_paraphrases_are_recognised(judged) -> None:
    assert judged["per_kind"]["agree"]["right"] >= 10, judged["per_kind"]["agree"]

