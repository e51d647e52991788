"""A real model writes answers through the assistant's own LLM path: SmolLM2-135M-Instruct behind a real
``python -m llama_cpp.server`` on a free loopback port, both installed by ``make llm``.

What holds whatever the model writes: every citation's text is the file's text at its offsets, every
[n] resolves, every kept sentence carries a marker, and what verification removed is listed with a
reason. The questions are ones SmolLM2 answers (temperature 0) with sentences the verifier keeps, so
the kept path is exercised too, not only removals and fallbacks.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from assistant.errors import InputError
from assistant.records import Answer

ROOT = Path(__file__).resolve().parents[1]
MARKER = re.compile(r"\[(\d+)\]")
# Development questions; SmolLM2 (one thread, temperature 0) answers the first with sentences the verifier keeps
# (copies of passage sentences) and the others with sentences it removes.
KEPT_QUESTIONS = [
    'did saftey differ betwen pain docs supervised by spine surgeons vs other clinical specialists in the SIJ fusion trial?',  # a dev question, spelt as asked
    "Who led the randomized trial of SI joint fusion performed by interventional pain physicians?",
    "In which journal was the SI joint fusion trial led by Dr. Chin published?",
]

pytestmark = [pytest.mark.slow, pytest.mark.llm]


@pytest.fixture(scope="module")
def smollm2() -> Path:
    """The SmolLM2 GGUF file; the test fails (it does not skip) when `make llm` has not run."""
    from assistant.llm_server import packaged_model, server_available

    if not server_available():
        pytest.fail("llama.cpp's server is not installed: run 'make llm'")
    try:
        return packaged_model("smollm2")
    except InputError as exc:
        pytest.fail(str(exc))


@pytest.fixture(scope="module")
def llm_assistant(seed_settings, smollm2):
    """The assistant over the seed index with ASSISTANT_GENERATOR=llm and ASSISTANT_LLM_GGUF=smollm2."""
    from assistant.llm_server import stop_shared_servers
    from assistant.pipeline import Assistant
    from assistant.settings import LLMSettings

    settings = seed_settings.model_copy(update={"generator": "llm",
                                                "llm": LLMSettings(gguf="smollm2", threads=1, timeout_s=120)})
    a = Assistant(settings)
    yield a
    stop_shared_servers()


def file_text(catalog, doc_id: str) -> str:
    path = Path(catalog.docs[catalog.doc_index[doc_id]]["path"])
    return (path if path.is_absolute() else ROOT / path).read_text(encoding="utf-8")


def assert_grounded(ans: Answer, catalog) -> None:
    """Markers resolve to citations numbered 1..K, each the file's exact text; kept sentences are cited."""
    used = sorted({int(n) for n in MARKER.findall(ans.answer)})
    assert used == [c.n for c in ans.citations] == list(range(1, len(ans.citations) + 1)), ans.answer
    for c in ans.citations:
        assert c.text == file_text(catalog, c.doc_id)[c.start:c.end]
    for r in ans.removed:
        assert r["sentence"] and r["reason"]


def kept_sentences(ans: Answer) -> list[str]:
    """The model's sentences shown in a verified answer, each with its markers."""
    return [s for s in re.split(r"(?<=\])\s+", ans.answer) if s.strip()]


def test_smollm2_answers_through_the_llm_path(llm_assistant) -> None:
    catalog = llm_assistant.index.catalog
    answers = [llm_assistant.ask(q) for q in KEPT_QUESTIONS]
    for ans in answers:
        assert ans.generator in ("llm", "llm-fallback"), ans.generator
        assert_grounded(ans, catalog)
    written = [a for a in answers if a.generator == "llm" and not a.abstained]
    assert written, [(a.generator, a.removed) for a in answers]
    for ans in written:
        for sentence in kept_sentences(ans):
            assert MARKER.search(sentence), sentence
    # The server is a real llama.cpp process on a loopback port the assistant chose.
    from assistant.llm_server import _SERVERS

    (server,) = _SERVERS.values()
    assert server.running and server.base_url.startswith("http://127.0.0.1:")
    assert llm_assistant.generator.llm.base_url == server.base_url


def test_smollm2_streams_its_words_then_the_verified_answer(llm_assistant) -> None:
    items = list(llm_assistant.stream(KEPT_QUESTIONS[0]))
    pieces, final = items[:-1], items[-1]
    assert isinstance(final, Answer) and all(isinstance(p, str) for p in pieces)
    assert len(pieces) > 3  # the model's tokens arrive one by one, before verification
    assert MARKER.search("".join(pieces)) or final.removed
    assert_grounded(final, llm_assistant.index.catalog)


def test_ask_starts_the_local_server_from_two_settings(seed_settings, smollm2, tmp_path: Path) -> None:
    env = dict(os.environ, ASSISTANT_DATA_DIR=str(seed_settings.data_dir), ASSISTANT_GENERATOR="llm",
               ASSISTANT_LLM_GGUF="smollm2", ASSISTANT_LLM__THREADS="1",
               ASSISTANT_LLM__TIMEOUT_S="300")
    env.pop("ASSISTANT_LLM_BASE_URL", None)
    proc = subprocess.run([sys.executable, "-m", "assistant", "ask", "--json", KEPT_QUESTIONS[0]], env=env,
                          capture_output=True, text=True, timeout=600, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["generator"] in ("llm", "llm-fallback")
    for c in out["citations"]:
        path = ROOT / "corpus" / f"{c['doc_id']}.txt"
        assert c["text"] == path.read_text(encoding="utf-8")[c["start"]:c["end"]]


def test_a_file_that_is_not_gguf_is_refused_at_once(seed_settings, tmp_path: Path) -> None:
    from assistant.generate_llm import LLMGenerator
    from assistant.settings import LLMSettings

    bad = tmp_path / "model.gguf"
    bad.write_bytes(b"not a model")
    with pytest.raises(InputError, match="not a GGUF model file"):
        LLMGenerator(seed_settings.answer, LLMSettings(gguf=str(bad)))
    with pytest.raises(InputError, match="names no file"):
        LLMGenerator(seed_settings.answer, LLMSettings(gguf=str(tmp_path / "missing.gguf")))
