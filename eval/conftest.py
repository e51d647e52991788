"""Session fixtures for `pytest eval/`: cached indexes of the seed corpus and of PubMedQA, the pipeline
runs every test file shares, and the report written when the session ends.

Nothing here is autouse, so other files in eval/ (the labeller's and the LLM generator's) are unaffected.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
sys.path[:0] = [str(Path(__file__).resolve().parent), str(Path(__file__).resolve().parents[1])]  # eval/, and train/ beside it

import harness  # noqa: E402  (after the path is set)
import report  # noqa: E402


@pytest.fixture(scope="session")
def dev_run() -> harness.Run:
    """The real pipeline over the seed corpus (index cached in eval/.cache)."""
    with report.timed("seed index"):
        built = harness.cached_index("seed", harness.CORPUS)
    report.record(
        "indexes",
        "seed",
        {
            "reused": built.reused,
            "seconds": round(built.seconds, 1),
            "key": built.key,
            "chunks": built.report.get("chunks"),
        },
    )
    report.record(
        "settings",
        "pipeline",
        built.settings.model_dump(
            mode="json", include={"generator", "ingest", "embed", "retrieve", "answer"}
        ),
    )
    return harness.Run(built)


@pytest.fixture(scope="session")
def pubmed_run() -> harness.Run:
    """The real pipeline over the 1,000 PubMedQA abstracts, one .txt file per PMID (index cached)."""
    corpus = harness.CACHE / "pubmedqa-corpus"
    with harness.file_lock(harness.CACHE / ".pubmedqa-corpus.lock"):
        harness.write_pubmedqa_corpus(corpus)
    with report.timed("pubmedqa index"):
        built = harness.cached_index("pubmedqa", corpus)
    report.record(
        "indexes",
        "pubmedqa",
        {
            "reused": built.reused,
            "seconds": round(built.seconds, 1),
            "key": built.key,
            "chunks": built.report.get("chunks"),
        },
    )
    return harness.Run(built)


@pytest.fixture(scope="session")
def support_scorer():
    """The shipped citation-support scorer, embedding through the cache."""
    from assistant.support import SupportScorer

    return SupportScorer(harness.cached_embedder())


@pytest.fixture(scope="session")
def dev_data() -> dict[str, list[dict]]:
    """The development questions (tuning allowed)."""
    return {
        "answerable": harness.load_jsonl(harness.DATA / "questions_dev.jsonl"),
        "unanswerable": harness.load_jsonl(harness.DATA / "unanswerable_dev.jsonl"),
    }


def _heldout(split: str) -> dict[str, list[dict]]:
    folder = harness.HELDOUT_SETS[split]
    out = {
        "answerable": harness.load_jsonl(folder / "questions.jsonl"),
        "unanswerable": harness.load_jsonl(folder / "unanswerable.jsonl"),
    }
    if (folder / "claims.jsonl").exists():
        out["claims"] = harness.load_jsonl(folder / "claims.jsonl")
    return out


@pytest.fixture(scope="session")
def heldout_data() -> dict[str, list[dict]]:
    """The first independently written held-out set (never tuned on)."""
    return _heldout("heldout")


@pytest.fixture(scope="session")
def heldout_sets() -> dict[str, dict[str, list[dict]]]:
    """Every independently written held-out set, by split name."""
    return {split: _heldout(split) for split in harness.HELDOUT_SETS}


@pytest.fixture(scope="session")
def dev_answers(dev_run, dev_data, support_scorer) -> dict[str, tuple[dict, list[dict]]]:
    """Answer metrics and per-question rows on the dev set, per retrieval mode (extractive generator)."""
    return _answers("dev", dev_run, dev_data, support_scorer)


@pytest.fixture(scope="session")
def heldout_answers(dev_run, heldout_sets, support_scorer) -> dict[str, dict[str, tuple[dict, list[dict]]]]:
    """Per held-out set, answer metrics and per-question rows per retrieval mode (extractive generator)."""
    return {split: _answers(split, dev_run, data, support_scorer) for split, data in heldout_sets.items()}


def _answers(split: str, run: harness.Run, data: dict, scorer) -> dict[str, tuple[dict, list[dict]]]:
    out = {}
    for mode in harness.MODES:
        with report.timed(f"{split} answers {mode}"):
            metrics, rows = harness.answer_metrics(
                run, data["answerable"], data["unanswerable"], mode, scorer.supports
            )
        out[mode] = (metrics, rows)
        report.record(f"{split}_answers", mode, metrics)
        report.record_rows(f"answers_{split}_{mode}", rows)
    report.record(f"{split}_answers", "weak_hybrid", harness.weak_answers(out["hybrid"][1]))
    return out


def pytest_sessionstart(session: pytest.Session) -> None:
    """Start the clocks for the runtime line of the report."""
    session.config._eval_started = (time.perf_counter(), time.process_time())  # type: ignore[attr-defined]


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Write eval/out/report.md, metrics.json and the plots from whatever this session measured."""
    cache = harness.flush_embeddings()
    if report.RESULTS:
        wall, cpu = session.config._eval_started  # type: ignore[attr-defined]
        report.record("runtime", "seconds", round(time.perf_counter() - wall, 1))
        report.record("runtime", "cpu_seconds", round(time.process_time() - cpu, 1))
        report.record("runtime", "tests", session.testscollected)
        for k, v in cache.items():
            report.record("runtime", k, v)
        report.write()
