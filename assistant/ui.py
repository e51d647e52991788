"""The chat page: a Gradio 6 Blocks app with Ask, Trace and Library tabs, and a document view.

Everything shown comes through ``views.py``, which escapes all document and user text.
Handlers turn ``AssistantError`` into a short message on the page; anything unexpected is
logged on the server and shown as one line, never as a traceback.
"""

from __future__ import annotations

import logging
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from . import views
from .compose import ABSTAIN_MESSAGE
from .errors import AssistantError

if TYPE_CHECKING:
    import fastapi
    import gradio as gr

    from .index import Catalog
    from .pipeline import Assistant
    from .records import Answer
    from .settings import Settings
    from .trace import TraceResult

log = logging.getLogger("assistant.ui")

EXAMPLES = (
    "What is interventional spine medicine?",
    "What is radiofrequency neurotomy?",
    "How safe was SI joint fusion when pain physicians were trained by spine surgeons?",
    "Why did the Pacific Spine and Pain Society object to the BMJ meta-analysis?",
)
TRACE_EXAMPLES = (
    "back pain is the third most common reason people see a doctor",
    "Pain physicians trained by spine surgeons had a 3.3% complication rate",
)
UNEXPECTED = "Something went wrong on our side; the details are in the server log. Please try again."
TOPICS = 3
STREAM_WORDS = 4  # words per streamed piece of an answer
STREAM_PAUSE_S = 0.03
# Questions and traces answered at once. Gradio's default is one at a time, which queued 16 users
# behind each other's streamed answers (p50 11 s vs 2.9 s under the load bench); the pipeline is
# thread-safe and the embedder serialises its own model calls.
CONCURRENT_REQUESTS = 16


class Service:
    """The pipeline behind the page: one assistant, reopened after the library changes."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._assistant: Assistant | None = None
        self._lock = threading.Lock()
        self._write_lock = threading.Lock()  # one upload or removal at a time

    def assistant(self) -> Assistant:
        """The assistant over the current index (opened on first use), moved to another replica's newer
        commit when one has landed, so every tab sees it, not only Ask."""
        with self._lock:
            if self._assistant is None:
                from .pipeline import Assistant

                self._assistant = Assistant(self.settings)
            a = self._assistant
        a.refresh()
        return a

    def catalog(self) -> Catalog | None:
        """The current catalog, or None when there is no index yet."""
        try:
            return self.assistant().index.catalog
        except AssistantError:
            return None

    def reload(self) -> None:
        """Forget the open index so the next request sees the library's changes."""
        with self._lock:
            self._assistant = None

    def ask(self, question: str) -> Iterator[str | tuple[Answer, list[str]]]:
        """Draft text as a model writes it (if it streams), then the answer with, for an abstention,
        the titles of the closest documents."""
        from .pipeline import clean_question

        clean_question(question, self.settings.answer.max_question_chars)  # refuse bad input first
        for item in self.assistant().stream(question):
            if isinstance(item, str):
                yield item
            else:
                yield item, (self.closest_topics(item.question) if item.abstained else [])

    def closest_topics(self, question: str, k: int = TOPICS) -> list[str]:
        """Titles of the documents whose best passage is nearest to the question."""
        index = self.assistant().index
        cat = index.catalog
        if not len(cat.c_id):
            return []
        sims = cat.c_vec @ index.embedder.embed_one(question)
        best: dict[int, float] = {}
        for i in np.argsort(-sims):
            best.setdefault(int(cat.c_doc[i]), float(sims[i]))
            if len(best) >= k:
                break
        return [str(cat.docs[d]["meta"].get("title") or cat.docs[d]["doc_id"]) for d in best]

    def trace(self, claim: str, top_k: int = 5) -> TraceResult:
        """The sentences that best match a claim."""
        from .trace import clean_claim, trace

        clean_claim(claim)  # refuse bad input before opening the index
        return trace(claim, self.assistant().index, top_k)


# ---- event handlers (plain functions of the service, so they can be tested without a browser) ----

def _chat(history: list[dict[str, str]], role: str, text: str) -> list[dict[str, str]]:
    # The chatbot renders its content as HTML (markdown is off), so text is escaped here.
    return [*history, {"role": role, "content": views.e(text)}]


def ask_events(service: Service, question: str, history: list[dict[str, str]] | None
               ) -> Iterator[tuple[Any, ...]]:
    """Stream one answer into the chat: (chat, state, badge, sources, cleared question box, answer JSON)."""
    history = list(history or [])
    shown = _chat(history, "user", question if isinstance(question, str) else "")
    working = _chat(shown, "assistant", "Searching the documents…")
    yield working, history, "", "", "", None
    answer, topics, draft = None, [], ""
    try:
        for item in service.ask(question):
            if isinstance(item, str):
                draft += item
                yield _chat(shown, "assistant", draft + " …"), history, "", "", "", None
            else:
                answer, topics = item
    except AssistantError as exc:
        final = _chat(shown, "assistant", f"⚠ {exc}")
        yield final, final, views.error_panel(str(exc)), "", "", None
        return
    except Exception:
        log.exception("ask failed")
        final = _chat(shown, "assistant", UNEXPECTED)
        yield final, final, views.error_panel(UNEXPECTED), "", "", None
        return
    if answer is None:  # the pipeline ended without an answer: treat it as a failure, not a crash
        final = _chat(shown, "assistant", UNEXPECTED)
        yield final, final, views.error_panel(UNEXPECTED), "", "", None
        return
    catalog = service.catalog()
    # The short answer comes first, then the label; the fold sits right under the answer.
    badge = (views.short_answer_line(answer) + views.answer_badge(answer) + views.corroboration_line(answer)
             + views.removed_fold(answer))
    sources = views.sources_panel(answer, catalog, topics)
    text = answer.answer
    if answer.abstained:
        # A plain abstention lists the closest topics; a near miss or a request for advice keeps its own words.
        text = views.abstain_message(topics) if answer.answer == ABSTAIN_MESSAGE else answer.answer
    words = text.split(" ")
    # The extractive generator writes the whole answer at once; show it arriving a few words at a time.
    for n in range(STREAM_WORDS, len(words) if not draft else 0, STREAM_WORDS):
        yield _chat(shown, "assistant", " ".join(words[:n]) + " …"), history, "", "", "", None
        time.sleep(STREAM_PAUSE_S)
    final = _chat(shown, "assistant", text)
    payload = answer.to_json()
    payload["closest_topics"] = topics
    yield final, final, badge, sources, "", payload


def trace_event(service: Service, claim: str) -> tuple[str, dict[str, Any] | None]:
    """The trace panel for a claim and its JSON."""
    try:
        result = service.trace(claim)
    except AssistantError as exc:
        return views.error_panel(str(exc)), None
    except Exception:
        log.exception("trace failed")
        return views.error_panel(UNEXPECTED), None
    payload = result.to_json()
    for m, out in zip(result.matches, payload["matches"]):
        out.update(verdict=m.verdict, highlights=[list(h) for h in m.highlights])
    return views.trace_panel(result), payload


def library_event(service: Service) -> tuple[str, Any]:
    """The library panel and the list of removable documents."""
    import gradio as gr

    catalog = service.catalog()
    docs = catalog.docs if catalog else []
    choices = [(f"{d['meta'].get('title') or d['doc_id']} · {d['doc_id']}", d["doc_id"]) for d in docs]
    return views.library_panel(catalog), gr.Dropdown(choices=choices, value=None)


def upload_event(service: Service, file: str | None, progress: Any = None) -> tuple[str, str, Any, None]:
    """Add an uploaded file: (status, library panel, removable ids, cleared upload box)."""
    from .library import add_upload

    def step(frac: float, msg: str) -> None:
        if progress is not None:
            progress(frac, desc=msg)

    status = ""
    if not file:
        status = views.error_panel("Choose a .txt, .md, .html or .pdf file first.")
    else:
        path = Path(file)
        original = path.name  # Gradio keeps the uploaded file's own name
        try:
            with service._write_lock:
                doc_id, report = add_upload(path, original, service.settings, step)
                service.reload()
            status = f'<div class="ok-note">Added {views.e(doc_id)}: {views.e(report.summary())}</div>'
        except AssistantError as exc:
            status = views.error_panel(str(exc))
        except Exception:
            log.exception("upload failed")
            status = views.error_panel(UNEXPECTED)
    panel, ids = library_event(service)
    return status, panel, ids, None


def remove_event(service: Service, doc_id: str | None) -> tuple[str, str, Any]:
    """Remove a document: (status, library panel, removable ids)."""
    from .library import remove_document

    if not doc_id:
        status = views.error_panel("Pick a document to remove first.")
    else:
        try:
            with service._write_lock:
                remove_document(doc_id, service.settings)
                service.reload()
            status = f'<div class="ok-note">Removed {views.e(doc_id)}.</div>'
        except AssistantError as exc:
            status = views.error_panel(str(exc))
        except Exception:
            log.exception("remove failed")
            status = views.error_panel(UNEXPECTED)
    panel, ids = library_event(service)
    return status, panel, ids


def build_blocks(service: Service) -> gr.Blocks:
    """The Gradio Blocks app; its events have stable API names for ``gradio_client``."""
    import gradio as gr

    with gr.Blocks(title="spine-qa · grounded answers about spine and pain care", analytics_enabled=False) as demo:
        gr.HTML(f'<div class="header"><h1>spine-qa</h1><p>Answers about spine and pain care, each resting on '
                f'the exact passages it cites.</p><div class="not-advice" id="not-advice" role="note">'
                f'{views.e(views.NOT_ADVICE)}</div></div>', js_on_load=None)
        with gr.Tabs():
            with gr.Tab("Ask", id="ask"):
                history = gr.State([])
                chat = gr.Chatbot(label="Answers", elem_id="chat", height=360, render_markdown=False,
                                  sanitize_html=True, allow_tags=False, latex_delimiters=[], feedback_options=None,
                                  buttons=["copy"])
                badge = gr.HTML(elem_id="answer-label", js_on_load=None)
                with gr.Row():
                    question = gr.Textbox(label="Your question", elem_id="question", scale=5, max_lines=4,
                                          placeholder="e.g. What is radiofrequency neurotomy?")
                    ask_btn = gr.Button("Ask", variant="primary", elem_id="ask-btn", scale=1)
                examples = gr.Examples([[q] for q in EXAMPLES], inputs=[question], label="Try a question",
                                       api_visibility="undocumented")
                sources = gr.HTML(elem_id="sources", js_on_load=None)
                with gr.Accordion("This answer as JSON", open=False):
                    answer_json = gr.JSON(label="Answer", elem_id="answer-json")
            with gr.Tab("Trace a claim", id="trace"):
                gr.Markdown("Paste a claim (a sentence from anywhere) to find the sentences in the documents "
                            "that state it.")
                claim = gr.Textbox(label="Claim", elem_id="claim", lines=2, max_lines=6)
                trace_btn = gr.Button("Trace", variant="primary", elem_id="trace-btn")
                gr.Examples([[c] for c in TRACE_EXAMPLES], inputs=[claim], label="Try a claim",
                            api_visibility="undocumented")
                trace_out = gr.HTML(elem_id="trace-results", js_on_load=None)
                with gr.Accordion("This trace as JSON", open=False):
                    trace_json = gr.JSON(label="Trace", elem_id="trace-json")
            with gr.Tab("Library", id="library"):
                with gr.Row():
                    with gr.Column():
                        upload = gr.File(label=f"Add a document (.txt, .md, .html or .pdf, up to "
                                               f"{views.size_text(service.settings.serve.max_upload_bytes)})",
                                         file_types=[".txt", ".md", ".html", ".htm", ".pdf"], type="filepath",
                                         elem_id="upload", height=140)
                        add_btn = gr.Button("Add to library", variant="primary", elem_id="add-btn")
                    with gr.Column():
                        remove_choice = gr.Dropdown(label="Remove a document", choices=[], elem_id="remove-choice",
                                                    allow_custom_value=True)  # the handler checks the id
                        remove_btn = gr.Button("Remove", variant="stop", elem_id="remove-btn")
                status = gr.HTML(elem_id="library-status", js_on_load=None)
                library = gr.HTML(elem_id="library", js_on_load=None)

        def do_ask(q: str, h: list[dict[str, str]]) -> Iterator[tuple[Any, ...]]:
            yield from ask_events(service, q, h)

        def do_trace(c: str) -> tuple[str, dict[str, Any] | None]:
            return trace_event(service, c)

        def do_library() -> tuple[str, Any]:
            return library_event(service)

        def do_upload(f: str | None, progress: gr.Progress = gr.Progress()) -> tuple[str, str, Any, None]:  # noqa: B008
            return upload_event(service, f, progress)

        def do_remove(d: str | None) -> tuple[str, str, Any]:
            return remove_event(service, d)

        ask_outputs = [chat, history, badge, sources, question, answer_json]
        gr.on([ask_btn.click, question.submit], do_ask, [question, history], ask_outputs, api_name="ask",
              show_progress="minimal", concurrency_limit=CONCURRENT_REQUESTS)
        examples.load_input_event.then(do_ask, [question, history], ask_outputs, api_visibility="undocumented",
                                       show_progress="minimal")
        gr.on([trace_btn.click, claim.submit], do_trace, [claim], [trace_out, trace_json], api_name="trace",
              concurrency_limit=CONCURRENT_REQUESTS)
        add_btn.click(do_upload, [upload], [status, library, remove_choice, upload], api_name="upload")
        remove_btn.click(do_remove, [remove_choice], [status, library, remove_choice], api_name="remove")
        demo.load(do_library, None, [library, remove_choice], api_name="library")
    return demo


def document_response(service: Service, doc_id: str, start: int | None, end: int | None) -> tuple[int, str]:
    """Status and HTML of the document view."""
    catalog = service.catalog()
    i = catalog.doc_index.get(doc_id) if catalog else None
    if catalog is None or i is None:
        return 404, views.error_panel(f"There is no document '{doc_id}' in the library.")
    return 200, views.document_page(catalog.docs[i], start, end)


def create_app(settings: Settings) -> fastapi.FastAPI:
    """The web app: the Gradio page at / and the document view at /doc/{doc_id}."""
    import gradio as gr
    from fastapi import FastAPI
    from fastapi.responses import HTMLResponse

    service = Service(settings)
    app = FastAPI(title="spine-qa", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.service = service

    @app.get("/doc/{doc_id}", response_class=HTMLResponse)
    def document(doc_id: str, start: int | None = None, end: int | None = None) -> HTMLResponse:
        code, body = document_response(service, doc_id, start, end)
        # Document text is escaped already; the policy is a second line of defence (no scripts at all).
        headers = {"Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'",
                   "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer"}
        return HTMLResponse(body, status_code=code, headers=headers)

    theme = gr.themes.Default(primary_hue="teal", font=["system-ui", "sans-serif"],
                              font_mono=["ui-monospace", "monospace"])
    blocks = build_blocks(service)
    return gr.mount_gradio_app(app, blocks, path="/", theme=theme, css=views.APP_CSS, footer_links=["api"],
                               max_file_size=settings.serve.max_upload_bytes, show_error=False)


def _warm_up(service: Service) -> None:
    # Load the model and index, and work out the catalog's per-sentence words (content words and
    # the long forms of short forms) and which sentences hold each word, before the first question,
    # so the first answer is quick.
    try:
        index = service.assistant().index
        index.embedder.embed_one("warm up")
        index.catalog.term_sentences  # and, through it, s_terms_expanded
    except AssistantError as exc:
        print(f"note: {exc} You can also add documents in the Library tab.", file=sys.stderr)
    except Exception:
        log.exception("warm-up failed")


def serve(settings: Settings, host: str | None = None, port: int | None = None) -> None:
    """Start the chat page and block until interrupted."""
    import uvicorn

    from .errors import InputError

    host = host or settings.serve.host
    port = settings.serve.port if port is None else port
    if not 0 < port < 65536:
        raise InputError(f"--port must be between 1 and 65535, got {port}.")
    import socket

    with socket.socket() as probe:  # say so in one line, rather than uvicorn's log, when the port is taken
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise InputError(f"Cannot listen on {host}:{port} ({exc.strerror}); pick another port with --port.") \
                from None
    app = create_app(settings)
    threading.Thread(target=_warm_up, args=(app.state.service,), daemon=True).start()
    print(f"spine-qa is running: open http://{host}:{port}/ in your browser (Ctrl+C stops it).", flush=True)
    uvicorn.run(app, host=host, port=port, log_level="warning")
