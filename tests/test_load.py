"""Load: 16 concurrent ``gradio_client`` clients ask 400 questions of the real chat page on loopback.

Zero errors, and every answer identical to the same question asked alone. Bounded: 400 questions,
a time limit, loopback only (the server runs under the network guard). ``python -m bench.load``
runs the same code and reports p50/p95 latency in ``bench/out/load.json``.
"""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from fixtures.served import Served, session_server

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # bench/ is a top-level package next to tests/
    sys.path.insert(0, str(ROOT))

from bench.load import alone, mismatches, questions_for_load, run_load, summary  # noqa: E402

pytestmark = [pytest.mark.slow, pytest.mark.timeout(1800)]
CLIENTS, TOTAL, TIME_LIMIT_S = 16, 400, 1200


@pytest.fixture(scope="session")
def app(tmp_path_factory, seed_settings) -> Iterator[Served]:
    yield from session_server(tmp_path_factory, seed_settings)


def test_16_clients_400_questions_no_errors_and_answers_as_when_asked_alone(app: Served) -> None:
    questions = questions_for_load(20)
    reference = alone(app.url, questions)
    assert not [r for r in reference.values() if r.error], [r.error for r in reference.values() if r.error]
    assert sum(not r.answer["abstained"] for r in reference.values()) >= len(reference) // 2

    run = run_load(app.url, questions, clients=CLIENTS, total=TOTAL, timeout_s=TIME_LIMIT_S)
    assert not run.timed_out, f"the run passed its {TIME_LIMIT_S} s limit"
    assert len(run.results) == TOTAL
    assert Counter(r.client for r in run.results) == dict.fromkeys(range(CLIENTS), TOTAL // CLIENTS)
    assert not run.errors, [(r.question, r.error) for r in run.errors[:5]]
    different = mismatches(run, reference)
    assert not different, [(r.question, r.answer) for r in different[:3]]
    under, base = summary([r.seconds for r in run.results]), summary([r.seconds for r in reference.values()])
    print(f"\n{TOTAL} questions, {CLIENTS} clients, {run.wall_s:.0f} s: p50 {under['p50_ms']:.0f} ms, "
          f"p95 {under['p95_ms']:.0f} ms under load; p50 {base['p50_ms']:.0f} ms alone")
    assert app.blocked() == "", "the app tried to reach the network:\n" + app.blocked()[:3000]
    assert app.proc.poll() is None, "the server died under load"
