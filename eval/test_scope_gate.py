"""The scope gate on questions it was not trained on: out-of-scope questions refused, answerable ones not.

The annotated set (``eval/data/scope_annotated.jsonl``, by an independent annotator from the seeds
only) trains the gate on its even-numbered lines; its odd-numbered lines, the test half, are scored
here in aggregate only. The off-topic development set trains the gate, so its figure is in-sample.
"""

from __future__ import annotations

import harness
import report


def _test_half() -> tuple[list[str], list[str]]:
    items = harness.load_jsonl(harness.DATA / "scope_annotated.jsonl")[1::2]
    return [q["question"] for q in items if q["in_scope"]], [q["question"] for q in items if not q["in_scope"]]


def test_out_of_scope_questions_of_the_test_half_are_refused(dev_run) -> None:
    _, outside = _test_half()
    abstained = sum(a.abstained for a in dev_run.answers(outside, "hybrid"))
    report.record("abstention", "scope_annotated_test_out_of_scope", {"abstained": abstained, "questions": len(outside)})
    assert abstained >= 0.9 * len(outside), f"abstained on {abstained}/{len(outside)}"


def test_answerable_questions_of_the_test_half_are_rarely_refused(dev_run) -> None:
    inside, _ = _test_half()
    refused = sum(a.abstained for a in dev_run.answers(inside, "hybrid"))
    report.record("abstention", "scope_annotated_test_answerable", {"refused": refused, "questions": len(inside)})
    assert refused <= 0.05 * len(inside), f"refused {refused}/{len(inside)} answerable questions"


def test_the_off_topic_development_set_is_refused(dev_run) -> None:
    """In-sample: the gate was trained on these 20 questions."""
    questions = [q["question"] for q in harness.load_jsonl(harness.DATA / "offtopic_dev.jsonl")]
    abstained = sum(a.abstained for a in dev_run.answers(questions, "hybrid"))
    report.record("abstention", "offtopic_dev", {"abstained": abstained, "questions": len(questions)})
    assert abstained >= 0.85 * len(questions), f"abstained on {abstained}/{len(questions)}"
