"""Bad input to ``ask`` and ``trace``, through the real CLI (subprocesses) and the Python API.

Every input gets a clear refusal (exit status 2, one line on stderr, no traceback; InputError from
the API) or a normal, fully cited answer, and the process goes on serving: the same ``Assistant``
answers the next question exactly as it would have anyway.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from assistant.errors import InputError
from assistant.records import LABELS

ROOT = Path(__file__).resolve().parents[1]
ASSISTANT = [sys.executable, "-m", "assistant"]
GOOD = "What is radiofrequency neurotomy?"

# Refused before anything heavy is loaded. (argv cannot carry NUL; the API cases below do.)
REFUSED_CLI = {
    "empty": "",
    "whitespace only": " \t\n  ",
    "control characters only": "\x01\x02\x1b\x7f\x0b",
    "100,000 characters": "x" * 100_000,
}
REFUSED_API = {
    **REFUSED_CLI,
    "NUL only": "\x00\x00\x00",
    "over the limit by one": "a" * 2001,
    "not text (None)": None,
    "not text (bytes)": b"What is back pain?",
    "not text (int)": 42,
}
# Odd but answerable input: a normal answer (or a plain abstention), never an error.
ODD = {
    "non-English": "¿Qué es la neurotomía por radiofrecuencia?",
    "CJK and RTL": "什么是射频神经切断术？ ما هو الألم",
    "emoji": "😀 back pain 🔥🔥 what helps? 👍🏽",
    "SQL metacharacters": "' OR 1=1; DROP TABLE chunks; -- epidural",
    "shell metacharacters": "$(rm -rf /) `id` && echo $HOME | cat /etc/passwd > /tmp/x; spinal cord stimulation",
    "HTML and script": "<script>alert(document.cookie)</script><img src=x onerror=alert(1)> facet joint",
    "control characters inside": "epidural\x1b[31m steroid\x07 injections\x08",
    "format characters": "radio\u200bfrequency\u202e neurotomy\ufeff",
    "percent and braces": "%s %d {0} {question} ${x} %(name)s",
    "just under the limit": ("lumbar disc herniation " * 100)[:2000],
}
ODD_API = {
    **ODD,
    "NUL inside": "radiofrequency\x00 neurotomy",
    "lone surrogate": "lumbar \udcff pain",
}


def _run(args: list[str], env: dict[str, str], timeout: float = 240) -> subprocess.CompletedProcess[str]:
    return subprocess.run(ASSISTANT + args, capture_output=True, text=True, env=env, cwd=ROOT, timeout=timeout,
                          check=False)


def _env(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")}
    env.update(ASSISTANT_DATA_DIR=str(data_dir), HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1",
               ANONYMIZED_TELEMETRY="False", PYTHONIOENCODING="utf-8")
    return env


def _one_clear_line(stderr: str) -> str:
    lines = stderr.strip().splitlines()
    assert "Traceback" not in stderr, stderr
    assert len(lines) == 1, stderr
    assert lines[0].startswith("error: ")
    return lines[0]


def _assert_well_formed(ans: dict) -> None:
    assert {"question", "answer", "label", "abstained", "citations"} <= set(ans)
    if ans["abstained"]:
        assert ans["label"] is None and ans["citations"] == []
        return
    assert ans["label"] in LABELS
    markers = {int(n) for n in re.findall(r"\[(\d+)\]", ans["answer"])}
    assert markers == {c["n"] for c in ans["citations"]} and markers
    for c in ans["citations"]:
        text = (ROOT / "corpus" / f"{c['doc_id']}.txt").read_text(encoding="utf-8")
        assert text[c["start"] : c["end"]] == c["text"]


# ---- the CLI ------------------------------------------------------------------------------------


@pytest.mark.slow
def test_cli_refuses_bad_questions_and_claims_with_one_line_and_status_2(tmp_path: Path) -> None:
    """All refusals run side by side: they must not need the model or even an index."""
    env = _env(tmp_path / "no-index-here")
    cases = [(cmd, name, text) for cmd in ("ask", "trace") for name, text in REFUSED_CLI.items()]
    procs = [subprocess.Popen(ASSISTANT + [cmd, text], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              env=env, cwd=ROOT) for cmd, _, text in cases]
    # A missing index is bad input too (exit 2, one line), not a crash.
    procs.append(subprocess.Popen(ASSISTANT + ["ask", GOOD], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  text=True, env=env, cwd=ROOT))
    cases.append(("ask", "no index", GOOD))
    for (cmd, name, _), proc in zip(cases, procs):
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 2, (cmd, name, proc.returncode, err)
        line = _one_clear_line(err)
        assert out == ""
        if name == "100,000 characters":
            assert "100,000 characters" in line and "limit" in line
        elif name == "no index":
            assert "assistant ingest" in line
        else:
            assert "empty" in line, line
    assert not (tmp_path / "no-index-here").exists(), "a refused question must not create a data folder"


@pytest.mark.slow
def test_cli_answers_odd_questions_normally_and_keeps_going(seed_settings, seed_assistant, tmp_path: Path) -> None:
    """One real ``assistant ask --json`` process gets every odd question, then a normal one."""
    data = tmp_path / "index"
    shutil.copytree(seed_settings.data_dir, data)  # its own copy: the session index is open in this process
    from fixtures.served import GUARD

    questions = list(ODD.values()) + [GOOD]
    netlog = tmp_path / "blocked.log"  # the whole process runs under the network guard, imports included
    proc = _run(["ask", "--json", *questions], {**_env(data), "PYTHONPATH": str(GUARD), "NETGUARD_LOG": str(netlog)})
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "Traceback" not in proc.stderr
    answers = [json.loads(line) for line in proc.stdout.splitlines()]
    assert len(answers) == len(questions)
    for name, ans in zip(list(ODD) + ["good"], answers):
        _assert_well_formed(ans)
        assert "\x1b" not in ans["question"] and "\x07" not in ans["question"], name
    # The last, ordinary question is answered exactly as when asked alone.
    assert answers[-1] == seed_assistant.ask(GOOD).to_json()
    html = answers[list(ODD).index("HTML and script")]
    assert html["question"].startswith("<script>"), "the question is data: kept as typed, escaped by the UI"
    assert not netlog.exists(), netlog.read_text()[:3000]


# ---- the Python API -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def baseline(seed_assistant):
    return seed_assistant.ask(GOOD).to_json()


@pytest.mark.slow
@pytest.mark.parametrize("name", list(REFUSED_API))
def test_api_refuses_bad_input_and_the_same_object_keeps_serving(name: str, seed_assistant, baseline) -> None:
    with pytest.raises(InputError) as err:
        seed_assistant.ask(REFUSED_API[name])  # type: ignore[arg-type]
    message = str(err.value)
    assert message and "\n" not in message and len(message) < 300
    assert seed_assistant.ask(GOOD).to_json() == baseline


@pytest.mark.slow
def test_api_answers_odd_input_and_the_same_object_keeps_serving(seed_assistant, baseline) -> None:
    for name, question in ODD_API.items():
        ans = seed_assistant.ask(question).to_json()
        _assert_well_formed(ans)
        json.dumps(ans, ensure_ascii=False).encode("utf-8")  # printable as the CLI prints it
        assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f\ud800-\udfff]", ans["question"]), name
    assert seed_assistant.ask(GOOD).to_json() == baseline


@pytest.mark.slow
def test_control_characters_are_blanks_not_part_of_the_question(seed_assistant) -> None:
    plain = seed_assistant.ask("radiofrequency neurotomy").to_json()
    assert seed_assistant.ask("radiofrequency\x00neurotomy\x1b").to_json() == plain
    assert seed_assistant.ask("  radiofrequency \t\n neurotomy  ").to_json() == plain


@pytest.mark.slow
def test_trace_refuses_bad_claims_and_traces_odd_ones(seed_assistant) -> None:
    from assistant.trace import trace

    index = seed_assistant.index
    for name, claim in REFUSED_API.items():
        with pytest.raises(InputError):
            trace(claim, index)  # type: ignore[arg-type]
    good = trace("Radiofrequency neurotomy relieves facet joint pain.", index).to_json()
    for name, claim in ODD_API.items():
        result = trace(claim, index).to_json()
        assert result["verdict"] in {"supported", "partial", "not_found", "related", "contradicted"} or \
            isinstance(result["verdict"], str), name
        for m in result["matches"]:
            text = (ROOT / "corpus" / f"{m['doc_id']}.txt").read_text(encoding="utf-8")
            assert text[m["start"] : m["end"]] == m["text"]
    assert trace("Radiofrequency neurotomy relieves facet joint pain.", index).to_json() == good
    with pytest.raises(InputError, match="greater than 0"):
        trace(GOOD, index, top_k=0)


@pytest.mark.slow
def test_cli_trace_in_process_prints_json_for_odd_claims(seed_settings, monkeypatch, capsys) -> None:
    """The ``trace`` command's own code path (in this process, so the model is not loaded twice)."""
    from assistant import cli
    from assistant.settings import get_settings

    monkeypatch.setenv("ASSISTANT_DATA_DIR", str(seed_settings.data_dir))
    get_settings.cache_clear()
    claims = [ODD["SQL metacharacters"], ODD["HTML and script"], ODD["emoji"]]
    assert cli.main(["trace", "--json", *claims]) == 0
    out = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [o["claim"] for o in out] == [" ".join(c.split()) for c in claims]
    assert cli.main(["trace", "--top-k", "0", GOOD]) == 2
    assert "greater than 0" in capsys.readouterr().err


# ---- the chat page (real ``assistant serve``, through gradio_client) -----------------------------


@pytest.fixture(scope="session")
def app(tmp_path_factory, seed_settings):
    from fixtures.served import session_server

    yield from session_server(tmp_path_factory, seed_settings)


@pytest.fixture(scope="module")
def client(app):
    from gradio_client import Client

    return Client(app.url, verbose=False, analytics_enabled=False, download_files=False)


def _page_text(*parts: object) -> str:
    return json.dumps(parts, ensure_ascii=False)


@pytest.mark.slow
def test_ui_refuses_bad_input_with_a_message_and_keeps_serving(app, client) -> None:
    first = client.predict(GOOD, api_name="/ask")[-1]
    assert first and not first["abstained"]
    refused = {**REFUSED_API, "not text (None)": None}
    refused.pop("not text (bytes)")  # not JSON: the client cannot send it
    refused.pop("not text (int)")
    for name, text in refused.items():
        chat, badge, sources, _box, answer = client.predict(text, api_name="/ask")
        assert answer is None, name
        assert "error-note" in badge and ("empty" in badge or "limit" in badge or "text" in badge), (name, badge)
        assert "Traceback" not in _page_text(chat, badge, sources), name
        html, data = client.predict(text, api_name="/trace")
        assert data is None and "error-note" in html and "Traceback" not in html, name
    assert client.predict(GOOD, api_name="/ask")[-1] == first, "the same server answers as before"
    assert app.proc.poll() is None


@pytest.mark.slow
def test_ui_answers_odd_input_and_escapes_it(app, client) -> None:
    first = client.predict(GOOD, api_name="/ask")[-1]
    # A lone surrogate is not valid UTF-8, so it cannot travel in a request at all.
    odd = {k: v for k, v in ODD_API.items() if k != "lone surrogate"}
    for name, text in odd.items():
        chat, badge, sources, _box, answer = client.predict(text, api_name="/ask")
        assert answer is not None, (name, badge)
        _assert_well_formed(answer)
        page = _page_text(chat, badge, sources)
        assert "<script" not in page and "<img" not in page and "Traceback" not in page, name
        html, data = client.predict(text, api_name="/trace")
        assert data is not None and "<script" not in html and "<img" not in html, name
        for m in data["matches"]:
            assert (ROOT / "corpus" / f"{m['doc_id']}.txt").read_text(encoding="utf-8")[m["start"] : m["end"]] \
                == m["text"]
    assert client.predict(GOOD, api_name="/ask")[-1] == first
    assert app.blocked() == ""


@pytest.mark.slow
def test_ui_upload_names_are_sanitised_and_nothing_lands_outside_the_corpus(app, client, tmp_path: Path) -> None:
    """Hostile names are stored under a safe name inside the corpus folder; pathological text is quick."""
    from gradio_client import handle_file

    from assistant.ingest import doc_id_for

    root = app.corpus.parent

    def tree() -> set[Path]:
        return {p for p in root.rglob("*") if not p.is_relative_to(app.data) and p.name != "serve.log"}

    before = tree()
    uploads = {
        "..\\..\\..\\etc\\évil notes.md": "Heat wraps eased acute low back pain in a small trial.",
        "$(reboot);<b>.txt": "Walking programmes reduced chronic low back pain in adults.",
        # 90,000 blank lines once took minutes to mask; now they are indexed at once.
        "blank-lines.txt": "Yoga helped chronic neck pain." + "\n" * 90_000 + "Tai chi helped too.",
    }
    stored = []
    for original, text in uploads.items():
        src = tmp_path / original
        src.write_text(text, encoding="utf-8")
        listed = set(app.corpus.iterdir())
        status, *_ = client.predict(handle_file(str(src)), api_name="/upload")
        assert "Added" in status, (original, status)
        new = set(app.corpus.iterdir()) - listed
        assert len(new) == 1, new
        path = new.pop()
        assert re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*\.(?:md|txt)", path.name), path.name
        stored.append(path)
    assert tree() - before == set(stored), "an upload wrote outside the corpus folder"
    for path in stored:
        status, *_ = client.predict(doc_id_for(path), api_name="/remove")
        assert "Removed" in status, status
    assert tree() == before
