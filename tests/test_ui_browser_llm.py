"""The chat page with model-written answers, in a real browser: the removed sentences' fold.

A real ``assistant serve`` process runs with ``ASSISTANT_GENERATOR=llm`` against the scripted
OpenAI-compatible server (tests/scripted_llm_server.py) on loopback; Debian's headless Chromium,
driven by Playwright, asks a question whose scripted answer has two sentences that verification
removes, one carrying a ``<script>`` and the other an ``<img onerror>``. The fold must be collapsed,
list both sentences with their reasons as text, and run nothing. Screenshot: tests/artifacts/.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from urllib.parse import urlparse

import pytest
from scripted_llm_server import Reply, ScriptedLLMServer, doc_containing

from bench import servers

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.timeout(600)]

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "tests" / "artifacts"
WAIT_MS = 180_000
QUESTION = "How many patients underwent SI joint fusion in the trial published in The Spine Journal?"
KEPT = "The trial included 276 adult patients who underwent SIJ fusion with Sacrix titanium triangular implants"
ALSO_KEPT = "The randomized controlled trial was led by Dr. Kingsley R. Chin, an orthopedic spine surgeon"
SCRIPT = "<script>window.__xss=1</script>"
IMG = '<img src=x onerror="window.__xss=1">'
BAD_MARKER = f"Fusion ended leg pain {SCRIPT} for most patients [42]."
NO_MARKER = f"Most patients return to work within days {IMG}."
BOT = "#chat [data-testid='bot']"
REPLY_DONE = f"""n => {{ const m = document.querySelectorAll("{BOT}"); const last = m[m.length - 1];
                       return m.length >= n + 1 && !last.innerText.trim().endsWith('…'); }}"""


def _reply(request: dict) -> Reply:
    a, b = doc_containing(request, "276 adult patients"), doc_containing(request, "Kingsley R. Chin")
    return Reply(f"{KEPT} [{a}]. {ALSO_KEPT} [{b}]. {BAD_MARKER} {NO_MARKER}")


@pytest.fixture(scope="module")
def model_server():
    with ScriptedLLMServer(script=_reply) as server:
        yield server


@pytest.fixture(scope="module")
def llm_app(tmp_path_factory, seed_settings, model_server):
    """``assistant serve`` on a copy of the seed index, answering with the scripted model."""
    data = tmp_path_factory.mktemp("ui-llm") / "data"
    shutil.copytree(seed_settings.data_dir, data, ignore=shutil.ignore_patterns(".lock"))
    env = {**os.environ, "ASSISTANT_DATA_DIR": str(data), "ASSISTANT_GENERATOR": "llm",
           "ASSISTANT_LLM_BASE_URL": model_server.url, "ASSISTANT_LLM_MODEL": model_server.model,
           "ASSISTANT_LLM__TIMEOUT_S": "60", "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1",
           "ANONYMIZED_TELEMETRY": "False", "GRADIO_ANALYTICS_ENABLED": "False"}
    env.pop("ASSISTANT_CHROMA_HOST", None)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    app = servers.start_app(env, ARTIFACTS / "server-llm.log", timeout_s=180, grace_s=15, kill_wait_s=5)
    yield app
    servers.stop(app.proc, grace_s=15, kill_wait_s=5)


def test_removed_sentences_fold_under_the_answer_as_text(browser, llm_app, model_server) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 1100})
    pg = context.new_page()
    hosts, dialogs, errors = set(), [], []
    context.on("request", lambda r: hosts.add(urlparse(r.url).hostname))
    pg.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.goto(llm_app.url)
    pg.wait_for_selector("#question textarea", timeout=WAIT_MS)
    before = pg.locator(BOT).count()
    pg.fill("#question textarea", QUESTION)
    pg.click("#ask-btn")
    pg.wait_for_function(REPLY_DONE, arg=before, timeout=WAIT_MS)
    pg.wait_for_selector("#answer-label details.removed", state="attached", timeout=WAIT_MS)

    assert len(model_server.requests) == 1 and model_server.requests[0]["stream"] is True
    reply = pg.locator(BOT).last.inner_text()
    assert KEPT in reply and ALSO_KEPT in reply and "leg pain" not in reply and "return to work" not in reply
    fold = pg.locator("#answer-label details.removed")
    assert fold.evaluate("d => d.open") is False and not fold.locator("ol.removed-list").is_visible()
    assert fold.locator("summary").inner_text().strip() == (
        "2 sentences were removed because they could not be checked against the sources")
    pg.screenshot(path=str(ARTIFACTS / "llm-removed-fold-closed.png"), full_page=True)

    fold.locator("summary").click()
    assert fold.evaluate("d => d.open") is True and fold.locator("ol.removed-list").is_visible()
    sentences = [" ".join(t.split()) for t in fold.locator(".removed-sentence").all_inner_texts()]
    reasons = fold.locator(".removed-reason").all_inner_texts()
    assert sentences == [BAD_MARKER, NO_MARKER]  # shown as the model wrote them, tags and all, as text
    assert reasons[0].startswith("It cites [42], but the model was given only") and reasons[1] == "It cites no passage."
    assert fold.locator("script, img").count() == 0
    pg.wait_for_timeout(500)  # give a broken image's onerror time to fire
    assert pg.evaluate("window.__xss") is None and dialogs == [] and errors == []
    pg.screenshot(path=str(ARTIFACTS / "llm-removed-fold-open.png"), full_page=True)
    assert hosts <= {"127.0.0.1"}, f"the page reached beyond loopback: {hosts}"
    context.close()
