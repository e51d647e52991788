"""Load: 16 concurrent ``gradio_client`` clients asking 400 questions of the real chat page on loopback.

Every question is first asked alone (one client, one at a time): that is both the latency baseline
measured in the same run and the reference answer. Under load, each answer must be identical to
the one given alone, and none may fail. Prints p50/p95 latency alone and under load, and writes
``bench/out/load.json``.

    python -m bench.load [--clients 16] [--total 400] [--url http://127.0.0.1:7860/]

Without ``--url`` it builds (or reuses) an index of the seed corpus in ``bench/out/work/load`` and
starts ``assistant serve`` on a free loopback port for the run.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .servers import start_app, stop

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"


@dataclass
class Result:
    """One question asked: which client, how long it took, and the answer JSON or the error."""

    question: str
    client: int
    seconds: float
    answer: dict[str, Any] | None = None
    error: str = ""


@dataclass
class LoadRun:
    """All the results of one load run and its wall time."""

    results: list[Result] = field(default_factory=list)
    wall_s: float = 0.0
    timed_out: bool = False

    @property
    def errors(self) -> list[Result]:
        """Results that failed or came back without an answer."""
        return [r for r in self.results if r.error or r.answer is None]


def _client(url: str) -> Any:
    from gradio_client import Client

    return Client(url, verbose=False, analytics_enabled=False, download_files=False)


def ask(client: Any, question: str) -> tuple[dict[str, Any] | None, str]:
    """The page's answer JSON for one question, or the error it showed (an error panel or an exception)."""
    try:
        _chat, badge, _sources, _box, answer = client.predict(question, api_name="/ask")
    except Exception as exc:  # noqa: BLE001  any failure of a request is an error of the run
        return None, f"{type(exc).__name__}: {str(exc)[:300]}"
    if answer is None:
        return None, f"no answer; the page showed: {str(badge)[:300]}"
    return answer, ""


def alone(url: str, questions: Sequence[str]) -> dict[str, Result]:
    """Each distinct question asked alone, in order, by one client: the reference answers and latencies."""
    client = _client(url)
    out: dict[str, Result] = {}
    for q in dict.fromkeys(questions):
        started = time.perf_counter()
        answer, error = ask(client, q)
        out[q] = Result(q, 0, time.perf_counter() - started, answer, error)
    return out


def run_load(url: str, questions: Sequence[str], clients: int = 16, total: int = 400, timeout_s: float = 1200,
             seed: int = 0) -> LoadRun:
    """``total`` questions shared out over ``clients`` threads, each with its own client, all at once."""
    rng = random.Random(seed)
    work = [questions[i % len(questions)] for i in range(total)]
    rng.shuffle(work)
    shares = [work[i::clients] for i in range(clients)]
    run = LoadRun()
    lock = threading.Lock()
    deadline = time.monotonic() + timeout_s
    ready = threading.Barrier(clients)

    def worker(k: int) -> None:
        try:
            client = _client(url)
        except Exception as exc:  # noqa: BLE001
            with lock:
                run.results.extend(Result(q, k, 0.0, None, f"client did not connect: {exc}") for q in shares[k])
            ready.abort()
            return
        try:
            ready.wait(timeout=300)  # start together, so the clients really overlap
        except threading.BrokenBarrierError:
            pass
        for q in shares[k]:
            if time.monotonic() > deadline:
                with lock:
                    run.timed_out = True
                    run.results.append(Result(q, k, 0.0, None, "not asked: the run's time limit was reached"))
                continue
            started = time.perf_counter()
            answer, error = ask(client, q)
            with lock:
                run.results.append(Result(q, k, time.perf_counter() - started, answer, error))

    threads = [threading.Thread(target=worker, args=(k,), daemon=True) for k in range(clients)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join(max(deadline - time.monotonic(), 0) + 120)
    run.wall_s = time.perf_counter() - started
    return run


def mismatches(run: LoadRun, reference: dict[str, Result]) -> list[Result]:
    """Answers under load that differ from the same question asked alone."""
    return [r for r in run.results if r.answer is not None and r.answer != reference[r.question].answer]


def pct(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100), linear interpolation; NaN for no values."""
    v = sorted(values)
    if not v:
        return float("nan")
    x = (len(v) - 1) * q / 100
    lo = int(x)
    hi = min(lo + 1, len(v) - 1)
    return v[lo] + (v[hi] - v[lo]) * (x - lo)


def summary(seconds: Sequence[float]) -> dict[str, float]:
    """Count, p50, p95 and max in milliseconds."""
    ms = [s * 1000 for s in seconds]
    return {"n": len(ms), "p50_ms": round(pct(ms, 50), 1), "p95_ms": round(pct(ms, 95), 1),
            "max_ms": round(max(ms), 1) if ms else float("nan")}


def questions_for_load(n: int = 25) -> list[str]:
    """Distinct questions: mostly answerable development questions, some the documents cannot answer."""
    def read(name: str) -> list[str]:
        lines = (ROOT / "eval" / "data" / name).read_text(encoding="utf-8").splitlines()
        return [json.loads(line)["question"] for line in lines if line.strip()]

    answerable, unanswerable = read("questions_dev.jsonl"), read("unanswerable_dev.jsonl")
    k = max(n // 5, 1)
    return answerable[:: max(len(answerable) // (n - k), 1)][: n - k] + unanswerable[:k]


# ---- running a server for the bench ------------------------------------------------------------


@contextmanager
def serve(data: Path, corpus: Path, timeout_s: float = 300) -> Iterator[str]:
    """``assistant serve`` on a free loopback port for the duration of the block; yields its URL."""
    env = {**os.environ, "ASSISTANT_DATA_DIR": str(data), "ASSISTANT_CORPUS_DIR": str(corpus)}
    try:
        server = start_app(env, OUT / "work" / "load" / "serve.log", timeout_s=timeout_s, grace_s=20)
    except RuntimeError as exc:  # a bench run ends with the message, not a traceback
        raise SystemExit(str(exc)) from None
    try:
        yield server.url
    finally:
        stop(server.proc, grace_s=20)


def _seed_index() -> tuple[Path, Path]:
    """An up-to-date index of the seed corpus for the bench (built once, then reused)."""
    from assistant.ingest import ingest
    from assistant.settings import load_settings

    data, corpus = OUT / "work" / "load" / "data", ROOT / "corpus"
    ingest([corpus], load_settings(data_dir=data, corpus_dir=corpus), progress=False)
    return data, corpus


def report(reference: dict[str, Result], run: LoadRun, clients: int, url: str) -> dict[str, Any]:
    """The figures of a run, as written to ``bench/out/load.json``."""
    ok = [r.seconds for r in run.results if not r.error and r.answer is not None]
    return {
        "url": url, "clients": clients, "questions": len(run.results), "distinct_questions": len(reference),
        "errors": len(run.errors), "different_from_alone": len(mismatches(run, reference)),
        "timed_out": run.timed_out, "wall_s": round(run.wall_s, 2),
        "throughput_per_s": round(len(ok) / run.wall_s, 2) if run.wall_s else None,
        "alone": summary([r.seconds for r in reference.values() if not r.error]),
        "under_load": summary(ok),
        "error_examples": [{"question": r.question, "error": r.error} for r in run.errors[:5]],
    }


def _machine() -> dict[str, Any]:
    import platform

    return {"cores": os.cpu_count(), "python": platform.python_version(),
            "load_avg": [round(x, 2) for x in os.getloadavg()], "when": time.strftime("%Y-%m-%d %H:%M:%S")}


def main(argv: Sequence[str] | None = None, on_result: Callable[[dict[str, Any]], None] | None = None) -> int:
    """Run the bench; exit status 1 if any question failed or differed from its answer alone."""
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--clients", type=int, default=16, help="concurrent gradio_client clients (default 16)")
    p.add_argument("--total", type=int, default=400, help="questions in all (default 400)")
    p.add_argument("--distinct", type=int, default=25, help="distinct questions, each asked total/distinct times")
    p.add_argument("--url", default="", help="a running chat page; default: start one on loopback")
    p.add_argument("--timeout", type=float, default=1200, help="stop asking after this many seconds")
    a = p.parse_args(argv)
    if a.clients <= 0 or a.total <= 0:
        p.error(f"--clients and --total must be greater than 0, got {a.clients} and {a.total}")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    questions = questions_for_load(a.distinct)

    def measure(url: str) -> dict[str, Any]:
        reference = alone(url, questions)
        run = run_load(url, questions, a.clients, a.total, a.timeout)
        return report(reference, run, a.clients, url)

    if a.url:
        result = measure(a.url)
    else:
        data, corpus = _seed_index()
        with serve(data, corpus) as url:
            result = measure(url)
    result = {"bench": "load", "machine": _machine(), **result}
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "load.json").write_text(json.dumps(result, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    alone_s, load_s = result["alone"], result["under_load"]
    print(f"load: {result['questions']} questions from {a.clients} concurrent clients "
          f"({result['distinct_questions']} distinct) in {result['wall_s']:.0f} s, "
          f"{result['throughput_per_s']} answers/s")
    print(f"  alone:      p50 {alone_s['p50_ms']:8.0f} ms   p95 {alone_s['p95_ms']:8.0f} ms")
    print(f"  under load: p50 {load_s['p50_ms']:8.0f} ms   p95 {load_s['p95_ms']:8.0f} ms   "
          f"(p50 {load_s['p50_ms'] / alone_s['p50_ms']:.1f}x alone)")
    print(f"  errors: {result['errors']}, answers different from alone: {result['different_from_alone']}; "
          f"load average {result['machine']['load_avg']}; written to {OUT / 'load.json'}")
    if on_result is not None:
        on_result(result)
    return 1 if result["errors"] or result["different_from_alone"] else 0


if __name__ == "__main__":
    raise SystemExit(main())
