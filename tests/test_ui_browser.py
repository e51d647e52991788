"""The chat page in a real browser: Debian's headless Chromium driven by Playwright.

Screenshots go to tests/artifacts/. The page must never reach beyond loopback and must
never run script taken from a user or a document.
"""

from __future__ import annotations

import re
from urllib.parse import urlparse

import pytest
import ui_support

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.timeout(600)]

WAIT_MS = 180_000
PAYLOADS = ('<script>window.__xss=1</script>', '<img src=x onerror="window.__xss=1">')
BACK_PAIN = "back pain is the third most common reason people see a doctor"
UPLOAD_TEXT = (
    "Facet joint injections for neck pain\n\n"
    "Cervical facet joint injections numbed the painful joint in 41 of 52 patients in a small clinic audit. "
    "<img src=x onerror=\"window.__xss=1\"> The audit was not randomised.\n"
)


@pytest.fixture(scope="session")
def ui_server(tmp_path_factory, seed_settings):
    yield from ui_support.session_server(tmp_path_factory, seed_settings)


@pytest.fixture
def page(browser, ui_server):
    """A fresh page on the app that records every host it contacts, every dialog and page errors."""
    context = browser.new_context(viewport={"width": 1280, "height": 1000})
    pg = context.new_page()
    pg.hosts, pg.dialogs, pg.errors = set(), [], []
    context.on("request", lambda r: pg.hosts.add(urlparse(r.url).hostname))
    pg.on("dialog", lambda d: (pg.dialogs.append(d.message), d.dismiss()))
    pg.on("pageerror", lambda e: pg.errors.append(str(e)))
    pg.goto(ui_server.url)
    pg.wait_for_selector("#question textarea", timeout=WAIT_MS)
    yield pg
    assert pg.hosts <= {"127.0.0.1"}, f"the page reached beyond loopback: {pg.hosts}"
    context.close()


def shot(pg, name: str) -> None:
    ui_support.ARTIFACTS.mkdir(parents=True, exist_ok=True)
    pg.screenshot(path=str(ui_support.ARTIFACTS / f"{name}.png"), full_page=True)


BOT, USER = "#chat [data-testid='bot']", "#chat [data-testid='user']"
# The reply is final once it no longer ends with the streaming ellipsis.
REPLY_DONE = f"""n => {{ const m = document.querySelectorAll("{BOT}"); const last = m[m.length - 1];
                       return m.length >= n + 1 && !last.innerText.trim().endsWith('…'); }}"""


def ask(pg, question: str) -> None:
    pg.get_by_role("tab", name="Ask").click()
    before = pg.locator(BOT).count()
    pg.fill("#question textarea", question)
    pg.click("#ask-btn")
    pg.wait_for_function(REPLY_DONE, arg=before, timeout=WAIT_MS)


def trace(pg, claim: str) -> None:
    pg.get_by_role("tab", name="Trace a claim").click()
    pg.fill("#claim textarea", claim)
    pg.click("#trace-btn")
    pg.wait_for_selector("#trace-results .trace, #trace-results .error-note", timeout=WAIT_MS)


def test_ask_shows_a_labelled_cited_answer(page) -> None:
    assert page.locator("#not-advice").is_visible()
    assert "not medical advice" in page.locator("#not-advice").inner_text()
    ask(page, "What is interventional spine medicine?")
    badge = page.locator("#answer-label .badge")
    assert badge.count() == 1 and badge.get_attribute("data-label") in {"evidence", "opinion", "marketing"}
    assert page.locator("#answer-label .reason").inner_text().strip()
    reply = page.locator(BOT).last.inner_text()
    assert re.search(r"\[1\]", reply)
    sources = page.locator("#sources .source")
    assert sources.count() >= 1
    first = sources.first
    assert first.locator(".title").inner_text().strip()
    assert first.locator(".badge").count() == 1
    assert first.locator("mark.cited").inner_text().strip()
    shot(page, "ask")


def test_citation_link_opens_the_document_at_the_highlighted_span(page) -> None:
    ask(page, "What is radiofrequency neurotomy?")
    first = page.locator("#sources .source").first
    cited = " ".join(first.locator("mark.cited").inner_text().split())
    with page.expect_popup() as info:
        first.locator("a.doc-link").click()
    doc = info.value
    doc.wait_for_selector("mark#cited")
    mark = doc.locator("mark#cited")
    assert " ".join(mark.inner_text().split()) == cited
    assert mark.is_visible()
    box, height = mark.bounding_box(), doc.viewport_size["height"]
    assert box is not None and 0 <= box["y"] < height, "the document did not scroll to the cited span"
    assert doc.evaluate("window.__xss") is None
    shot(doc, "document-view")
    doc.close()


def test_example_question_runs_when_clicked(page) -> None:
    before = page.locator(BOT).count()
    page.get_by_role("button", name=re.compile("radiofrequency neurotomy")).first.click()
    page.wait_for_function(REPLY_DONE, arg=before, timeout=WAIT_MS)
    assert "radiofrequency neurotomy" in page.locator(USER).last.inner_text()
    assert page.locator("#sources .source").count() >= 1


def test_abstention_is_friendly_and_lists_closest_topics(page) -> None:
    ask(page, "How much does a discectomy cost in Canada?")
    assert "I couldn't find this in the documents I have" in page.locator(BOT).last.inner_text()
    assert page.locator("#sources .abstained ul.topics li").count() >= 1
    assert page.locator("#answer-label .badge-none").count() == 1
    shot(page, "abstention")


def test_trace_ranks_the_right_sentence_first(page) -> None:
    trace(page, BACK_PAIN)
    first = page.locator("#trace-results .match").first
    assert first.get_attribute("data-doc") == "004_f4c8e879eecea6ab"
    assert "third most common reason" in first.locator("blockquote").inner_text()
    assert first.locator(".badge[data-verdict='supported']").count() == 1
    assert first.locator(".badge[data-label]").count() == 1
    hits = {h.lower() for h in first.locator("mark.hit").all_inner_texts()}
    assert {"back", "pain", "third", "doctor"} <= hits
    shot(page, "trace")


@pytest.mark.parametrize("payload", PAYLOADS)
def test_payloads_are_shown_as_text_and_never_run(page, payload) -> None:
    ask(page, payload)
    assert page.locator(USER).last.inner_text().strip() == payload
    trace(page, payload)
    assert payload in page.locator("#trace-results .claim").inner_text()
    page.wait_for_timeout(500)  # give a broken image's onerror time to fire
    assert page.evaluate("window.__xss") is None
    assert page.dialogs == [] and page.errors == []
    shot(page, f"payload-{PAYLOADS.index(payload)}")


def test_upload_trace_and_remove_a_document(page, ui_server, tmp_path) -> None:
    src = tmp_path / "Facet joints (audit) ..txt"
    src.write_text(UPLOAD_TEXT, encoding="utf-8")
    page.get_by_role("tab", name="Library").click()
    page.wait_for_selector("#library .card", timeout=WAIT_MS)
    page.locator("#upload input[type=file]").set_input_files(str(src))
    page.wait_for_selector("#upload :text('Facet')", timeout=WAIT_MS)
    page.click("#add-btn")
    page.wait_for_selector("#library-status .ok-note, #library-status .error-note", timeout=WAIT_MS)
    status = page.locator("#library-status").inner_text()
    assert "Added Facet_joints_audit" in status, status
    assert (ui_support_corpus := ui_server.corpus / "Facet_joints_audit.txt").exists()
    assert page.locator("#library .card[data-doc='Facet_joints_audit']").count() == 1
    shot(page, "library-after-upload")

    trace(page, "facet joint injections numbed the painful joint in 41 of 52 patients")
    first = page.locator("#trace-results .match").first
    assert first.get_attribute("data-doc") == "Facet_joints_audit"
    with page.expect_popup() as info:
        page.locator("#trace-results .match a.doc-link").first.click()
    doc = info.value
    doc.wait_for_selector("mark#cited")
    assert 'onerror="window.__xss=1"' in doc.locator(".text").inner_text()
    doc.wait_for_timeout(300)
    assert doc.evaluate("window.__xss") is None
    doc.close()

    page.get_by_role("tab", name="Library").click()
    page.locator("#remove-choice input").click()
    page.get_by_role("option", name=re.compile("Facet_joints_audit")).click()
    page.click("#remove-btn")
    page.wait_for_selector("#library-status :text('Removed')", timeout=WAIT_MS)
    page.wait_for_selector("#library .card[data-doc='Facet_joints_audit']", state="detached", timeout=10_000)
    assert not ui_support_corpus.exists()
    assert page.evaluate("window.__xss") is None and page.dialogs == []


def test_upload_refuses_a_file_whose_content_does_not_match_its_type(page, ui_server, tmp_path) -> None:
    fake = tmp_path / "report.pdf"
    fake.write_text("not really a PDF", encoding="utf-8")
    page.get_by_role("tab", name="Library").click()
    page.locator("#upload input[type=file]").set_input_files(str(fake))
    page.wait_for_selector("#upload :text('report')", timeout=WAIT_MS)
    page.click("#add-btn")
    page.wait_for_selector("#library-status .error-note", timeout=WAIT_MS)
    assert "not a PDF" in page.locator("#library-status").inner_text()
    assert not (ui_server.corpus / "report.pdf").exists()
    shot(page, "library-refused")


def test_a_factoid_answer_shows_its_short_answer_and_the_lead_first(page) -> None:
    ask(page, "How many patients were in the SI joint fusion trial?")
    short = page.locator("#answer-label .short-answer")
    assert short.count() == 1 and short.locator("strong").inner_text() == "276 adult patients"
    reply = " ".join(page.locator(BOT).last.inner_text().split())
    # The reply opens with the short answer, then quotes the lead sentence it was taken from.
    assert reply.startswith("276 adult patients. [1] 276 adult patients underwent SIJ fusion"), reply[:120]
    assert "276 adult patients underwent SIJ fusion" in page.locator("#sources .source").first.inner_text()
    shot(page, "short-answer")


def test_a_list_answer_opens_with_the_label_and_first_item_as_one_highlighted_passage(page) -> None:
    ask(page, "What components made up the structured training given to the IPM physicians?")
    reply = " ".join(page.locator(BOT).last.inner_text().split())
    assert reply.startswith("Training Included: Didactic instruction and webinars [1]"), reply[:120]
    cited = " ".join(page.locator("#sources .source").first.locator("mark.cited").inner_text().split())
    assert cited == "Training Included: Didactic instruction and webinars"
    shot(page, "list-answer")


def test_a_request_for_personal_advice_says_so_before_the_documents(page) -> None:
    ask(page, "Should I have the SI joint fusion my pain doctor offers?")
    reply = page.locator(BOT).last.inner_text()
    assert reply.startswith("I can't advise you on your own care") and "[1]" in reply
    shot(page, "personal-advice")


def test_an_answer_says_who_else_states_it_and_the_library_shows_balance(page) -> None:
    ask(page, "Can pain physicians safely do SI joint fusion?")
    line = page.locator("#answer-label .corroboration, .corroboration").first
    line.wait_for(timeout=WAIT_MS)
    assert line.get_attribute("data-documents") == "2" and line.get_attribute("data-publishers") == "1"
    assert line.locator(".corroboration-line").inner_text().startswith(
        "Stated by 2 documents from 1 publisher (KIC Ventures, a company)")
    line.locator("details.qualified summary").click()
    qualified = line.locator("details.qualified li").first
    assert "but only with robust, surgeon-led education" in qualified.inner_text()
    shot(page, "corroboration")
    page.get_by_role("tab", name="Library").click()
    page.wait_for_selector("#library .card .balance", timeout=WAIT_MS)
    clinic = page.locator("#library .card[data-doc='004_f4c8e879eecea6ab']")
    assert clinic.locator(".balance-warning").inner_text() == (
        "This page describes benefits of treatment but names no risks.")
    assert clinic.locator("li[data-item='risks']").get_attribute("class") == "no"
    assert clinic.locator("li[data-item='benefits']").get_attribute("class") == "yes"
    assert page.locator("#library .card[data-doc='003_42a00124516789bb'] .balance-warning").count() == 0
    clinic.scroll_into_view_if_needed()
    shot(page, "library-balance")
