"""The chat page's flows through ``gradio_client`` against the running server, plus its document view."""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
from pathlib import Path

import pytest
import ui_support

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]

ENDPOINTS = {"/ask", "/trace", "/upload", "/remove", "/library"}
BACK_PAIN = "back pain is the third most common reason people see a doctor"
PAYLOADS = ('<script>window.__xss=1</script>', '<img src=x onerror="window.__xss=1">')
UPLOAD_TEXT = ("Lumbar traction audit\n\nMechanical lumbar traction eased leg pain in 18 of 30 patients in a "
               "six-week audit at one clinic. <script>alert(1)</script>\n")


@pytest.fixture(scope="session")
def ui_server(tmp_path_factory, seed_settings):
    yield from ui_support.session_server(tmp_path_factory, seed_settings)


@pytest.fixture(scope="session")
def client(ui_server):
    from gradio_client import Client

    return Client(ui_server.url, verbose=False, analytics_enabled=False, download_files=False)


def _file_text(doc_id: str) -> str:
    return open(ui_support.CORPUS / f"{doc_id}.txt", encoding="utf-8").read()


def _get(url: str) -> tuple[int, dict[str, str], str]:
    try:
        with urllib.request.urlopen(url, timeout=30) as r:
            return r.status, dict(r.headers), r.read().decode("utf-8")
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read().decode("utf-8")


def test_endpoints_have_stable_names(client) -> None:
    api = client.view_api(print_info=False, return_format="dict")
    assert ENDPOINTS <= set(api["named_endpoints"])


def test_ask_streams_a_labelled_answer_with_exact_citations(client) -> None:
    job = client.submit("What is interventional spine medicine?", api_name="/ask")
    chat, badge, sources, box, answer = job.result()
    assert len(job.outputs()) >= 3, "the answer should arrive in several pieces"
    assert box == ""
    assert answer["label"] in {"evidence", "opinion", "marketing"} and not answer["abstained"]
    assert answer["citations"]
    for c in answer["citations"]:
        assert c["text"] == _file_text(c["doc_id"])[c["start"] : c["end"]]
        assert f"[{c['n']}]" in answer["answer"]
        assert f'id="source-{c["n"]}"' in sources
    assert f'data-label="{answer["label"]}"' in badge
    assert 'class="cited"' in sources and 'href="doc/' in sources
    reply = chat[-1]["content"]
    reply = reply[0]["text"] if isinstance(reply, list) else reply
    assert "[1]" in str(reply)


def test_abstention_names_the_closest_topics(client) -> None:
    _, badge, sources, _, answer = client.predict("How much does a discectomy cost in Canada?", api_name="/ask")
    assert answer["abstained"] and answer["label"] is None
    assert answer["closest_topics"]
    assert "I couldn&#x27;t find this in the documents I have" in sources or "I couldn't find" in sources
    assert "badge-none" in badge


def test_bad_question_is_a_message_not_a_traceback(client) -> None:
    chat, badge, *_ = client.predict("   ", api_name="/ask")
    assert "error-note" in badge and "empty" in badge
    assert "Traceback" not in json.dumps(chat)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_payloads_come_back_escaped(client, payload) -> None:
    chat, badge, sources, _, _ = client.predict(payload, api_name="/ask")
    everything = json.dumps(chat) + badge + sources
    assert "<script" not in everything and "<img" not in everything
    html, data = client.predict(payload, api_name="/trace")
    assert "<script" not in html and "<img" not in html
    assert "&lt;" in html and data["claim"] == payload


def test_trace_puts_the_right_sentence_first(client) -> None:
    html, data = client.predict(BACK_PAIN, api_name="/trace")
    assert data["verdict"] == "supported"
    best = data["matches"][0]
    assert (best["doc_id"], best["start"], best["end"]) == ("004_f4c8e879eecea6ab", 174, 282)
    assert best["text"] == _file_text(best["doc_id"])[best["start"] : best["end"]]
    assert [best["text"][s:t].lower() for s, t in best["highlights"]][:2] == ["back", "pain"]
    assert re.search(r'class="match" data-doc="([^"]+)"', html).group(1) == "004_f4c8e879eecea6ab"


def test_document_view_marks_the_span_and_forbids_scripts(ui_server) -> None:
    status, headers, body = _get(f"{ui_server.url}doc/004_f4c8e879eecea6ab?start=174&end=282")
    assert status == 200
    assert "default-src 'none'" in headers.get("content-security-policy", "")
    cited = re.search(r'<mark id="cited">(.*?)</mark>', body, re.DOTALL)
    assert cited and "third most common reason" in cited.group(1)
    assert _get(f"{ui_server.url}doc/no_such_doc")[0] == 404
    assert _get(f"{ui_server.url}doc/..%2F..%2Fetc%2Fpasswd")[0] == 404


def test_library_lists_every_document_with_its_card(client) -> None:
    html, _choices = client.predict(api_name="/library")
    for doc_id in ("000_184621efc1d6966c", "004_f4c8e879eecea6ab"):
        assert f'data-doc="{doc_id}"' in html
    assert "Sentences:" in html


def test_upload_trace_and_remove(client, ui_server, tmp_path) -> None:
    from gradio_client import handle_file

    src = tmp_path / "../traction audit!.md".replace("/", "_")
    src.write_text(UPLOAD_TEXT, encoding="utf-8")
    status, library, _, _ = client.predict(handle_file(str(src)), api_name="/upload")
    assert "Added" in status, status
    stored = [p.name for p in ui_server.corpus.iterdir() if "traction" in p.name]
    assert stored == ["traction_audit.md"], stored
    assert 'data-doc="traction_audit"' in library

    html, data = client.predict("lumbar traction eased leg pain in 18 of 30 patients", api_name="/trace")
    assert data["matches"][0]["doc_id"] == "traction_audit"
    assert "<script" not in html
    status_code, _, body = _get(f"{ui_server.url}doc/traction_audit")
    assert status_code == 200 and "&lt;script&gt;alert(1)&lt;/script&gt;" in body  # the file's markup is text
    status, _, _ = client.predict("traction_audit", api_name="/remove")
    assert "Removed" in status, status
    assert not (ui_server.corpus / "traction_audit.md").exists()
    _html, data = client.predict("lumbar traction eased leg pain in 18 of 30 patients", api_name="/trace")
    assert all(m["doc_id"] != "traction_audit" for m in data["matches"])


def _upload_status(client, path: Path) -> str:
    """Our handler's status line, or the message of Gradio's own refusal (type or size) before it runs."""
    from gradio_client import handle_file
    from gradio_client.exceptions import AppError

    try:
        status, *_ = client.predict(handle_file(str(path)), api_name="/upload")
    except (AppError, ValueError) as exc:  # ValueError: the client checks the size limit before sending
        return str(exc)
    return status


def test_upload_refuses_wrong_content_and_oversized_files(client, ui_server, tmp_path) -> None:
    before = sorted(p.name for p in ui_server.corpus.iterdir())
    fake = tmp_path / "scan.pdf"
    fake.write_text("plain text pretending to be a PDF", encoding="utf-8")
    assert "not a PDF" in _upload_status(client, fake)
    binary = tmp_path / "notes.txt"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)
    assert "binary" in _upload_status(client, binary)
    exe = tmp_path / "run.sh"
    exe.write_text("echo hi", encoding="utf-8")
    assert re.search(r"not a supported file type|invalid file type", _upload_status(client, exe), re.IGNORECASE)
    big = tmp_path / "big.txt"
    big.write_text("word " * (ui_support.MAX_UPLOAD_BYTES // 4), encoding="utf-8")
    status = _upload_status(client, big)
    assert re.search(r"limit|too large|exceeds", status, re.IGNORECASE), status
    import httpx  # the server refuses it too, whatever the client does

    r = httpx.post(f"{ui_server.url}gradio_api/upload", files={"files": ("big.txt", big.read_bytes())}, timeout=60)
    assert r.status_code >= 400, r.text[:200]
    assert sorted(p.name for p in ui_server.corpus.iterdir()) == before


def test_remove_unknown_document_is_a_message(client) -> None:
    status, _, _ = client.predict("no_such_doc", api_name="/remove")
    assert "error-note" in status and "no document" in status.lower()


def test_warm_up_prepares_the_catalog_before_the_first_question(seed_settings) -> None:
    from assistant.ui import Service, _warm_up

    service = Service(seed_settings)
    _warm_up(service)
    memo = service.assistant().index.catalog.memo
    assert "s_terms_expanded" in memo
    assert len(memo["s_terms_expanded"]) == len(service.assistant().index.catalog.s_clean)
    assert "term_sentences" in memo and memo["term_sentences"]["discectomi"]
