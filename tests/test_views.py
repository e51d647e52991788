"""The chat page's HTML: every document and user string is escaped, spans are marked where they belong."""

from __future__ import annotations

from html.parser import HTMLParser

import numpy as np
import pytest

from assistant import views
from assistant.index import Catalog
from assistant.records import Answer, Citation
from assistant.settings import load_settings

EVIL = '<script>window.__xss=1</script><img src=x onerror="window.__xss=1">'
TEXT = f"Intro line.\n\nFirst sentence here. {EVIL} is cited. Last one."


def _catalog() -> Catalog:
    start = TEXT.index(EVIL)
    spans = [(0, 11), (13, 33), (start, start + len(EVIL) + 10), (start + len(EVIL) + 11, len(TEXT))]
    doc = {"doc_id": "d1", "text": TEXT, "meta": {"title": f"Title {EVIL}", "publisher": EVIL},
           "chunks": [["d1:v:0", 0, len(TEXT), 0, 4]], "sent_lo": 0, "sent_hi": 4,
           "card": {"title": f"Title {EVIL}", "publisher": EVIL, "publisher_kind": "clinic",
                    "items": {"references": {"present": True, "passage": None}},
                    "label_share": {"evidence": 0.5, "opinion": 0.25, "marketing": 0.25},
                    "conflict_of_interest": {"flag": True, "passage": None}}}
    cat = Catalog(docs=[doc], doc_index={"d1": 0})
    cat.s_doc = np.zeros(4, dtype=np.int32)
    cat.s_start = np.array([s for s, _ in spans])
    cat.s_end = np.array([e for _, e in spans])
    return cat


def _citation() -> Citation:
    start = TEXT.index(EVIL)
    end = start + len(EVIL) + 10
    return Citation(n=1, doc_id="d1", title=f"Title {EVIL}", publisher=EVIL, label="opinion",
                    text=TEXT[start:end], start=start, end=end, score=0.9, reasons=(EVIL,))


def _no_markup_from_data(html: str) -> None:
    assert "<script" not in html and "<img" not in html and "onerror=\"" not in html


def test_marked_escapes_and_marks_ranges() -> None:
    out = views.marked("a <b> c", [(2, 5)])
    assert out == 'a <mark class="hit">&lt;b&gt;</mark> c'
    assert views.marked("x\n\n\ny", []) == "x\ny"


def test_citation_card_escapes_everything_and_marks_the_span() -> None:
    html = views.citation_card(_citation(), _catalog())
    _no_markup_from_data(html)
    assert '<mark class="cited">&lt;script&gt;' in html
    assert "First sentence here." in html and "Last one." in html  # the passage around the span
    assert 'href="doc/d1?start=' in html and 'target="_blank"' in html


def test_answer_badge_and_abstention() -> None:
    answer = Answer(question="q", answer="a [1]", label="marketing", abstained=False, citations=(_citation(),),
                    label_reason=f"Because {EVIL}")
    badge = views.answer_badge(answer)
    _no_markup_from_data(badge)
    assert 'data-label="marketing"' in badge
    abstained = Answer(question="q", answer="none", label=None, abstained=True)
    panel = views.sources_panel(abstained, None, [f"Topic {EVIL}"])
    _no_markup_from_data(panel)
    assert "I couldn&#x27;t find this" in panel and "<li>Topic &lt;script&gt;" in panel
    assert views.abstain_message([]) == views.ABSTAIN_LEAD


class _Text(HTMLParser):
    """The text inside elements of one class, as a browser would show it."""

    def __init__(self, cls: str) -> None:
        super().__init__()
        self.cls, self.depth, self.found, self.tags = cls, 0, [], []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        self.tags.append((tag, dict(attrs)))
        if self.depth:
            self.depth += 1
        elif self.cls in (dict(attrs).get("class") or "").split():
            self.depth = 1
            self.found.append("")

    def handle_endtag(self, tag: str) -> None:
        self.depth = max(0, self.depth - 1)

    def handle_data(self, data: str) -> None:
        if self.depth:
            self.found[-1] += data


def _texts(html: str, cls: str) -> tuple[list[str], list]:
    parser = _Text(cls)
    parser.feed(html)
    return parser.found, parser.tags


REMOVED = ({"sentence": f"Fusion cured everyone {EVIL} [7].", "reason": "It cites [7], but the model was given only "
            "6 passages."}, {"sentence": "Most patients return to work within days.", "reason": f"It cites {EVIL}."})


def test_removed_fold_shows_each_sentence_and_reason_as_text() -> None:
    answer = Answer(question="q", answer="a [1]", label="evidence", abstained=False, citations=(_citation(),),
                    removed=REMOVED, generator="llm")
    html = views.removed_fold(answer)
    _no_markup_from_data(html)
    assert html.startswith('<details class="removed" data-count="2"><summary>') and html.endswith("</details>")
    assert "&lt;script&gt;window.__xss=1&lt;/script&gt;" in html
    sentences, tags = _texts(html, "removed-sentence")
    assert sentences == [r["sentence"] for r in REMOVED]  # the text a reader sees is exactly what was removed
    assert _texts(html, "removed-reason")[0] == [r["reason"] for r in REMOVED]
    assert [t for t, _ in tags].count("li") == 2 and {t for t, _ in tags} <= {"details", "summary", "ol", "li", "div", "p"}
    assert "open" not in tags[0][1]  # collapsed until the reader opens it
    assert _texts(html, "removed")[0][0].startswith(
        "2 sentences were removed because they could not be checked against the sources")
    assert "fallback-note" not in html


def test_removed_fold_singular_fallback_and_empty() -> None:
    fallback = Answer(question="q", answer="a [1]", label="evidence", abstained=False, removed=REMOVED[:1],
                      generator="llm-fallback")
    html = views.removed_fold(fallback)
    assert "1 sentence was removed because it could not be checked against the sources" in html
    assert 'class="fallback-note"' in html
    assert views.removed_fold(Answer(question="q", answer="a", label="evidence", abstained=False)) == ""


def test_ask_shows_the_fold_under_the_answer() -> None:
    from assistant import ui

    answer = Answer(question="q", answer="Kept sentence. [1]", label="evidence", abstained=False,
                    citations=(_citation(),), label_reason="why", removed=REMOVED, generator="llm")

    class Service:
        settings = load_settings()

        def ask(self, question: str):
            yield "Kept sentence [3]. "
            yield answer, []

        def catalog(self) -> None:
            return None

    *_, (chat, _state, badge, _sources, _box, payload) = ui.ask_events(Service(), "q", [])
    assert badge.startswith(views.answer_badge(answer)) and badge.endswith(views.removed_fold(answer))
    assert payload["removed"] == list(REMOVED) and chat[-1]["content"] == "Kept sentence. [1]"


def test_library_and_document_page_escape_card_and_text() -> None:
    cat = _catalog()
    _no_markup_from_data(views.library_panel(cat))
    assert "publisher promotes" in views.library_panel(cat)
    start = TEXT.index(EVIL)
    page = views.document_page(cat.docs[0], start, start + 5)
    _no_markup_from_data(page)
    assert '<mark id="cited">&lt;scri</mark>' in page
    assert "<mark" not in views.document_page(cat.docs[0], 5, 2)  # a bad range marks nothing


def test_trace_panel_escapes_claim_and_span() -> None:
    from assistant.trace import TraceMatch, TraceResult

    m = TraceMatch(doc_id="d1", title=EVIL, publisher="", label="evidence", text=EVIL, start=0, end=len(EVIL),
                   score=0.7, cosine=0.7, term_overlap=0.5, verdict="supported", highlights=((1, 7),))
    html = views.trace_panel(TraceResult(claim=EVIL, verdict="supported", matches=(m,)))
    _no_markup_from_data(html)
    assert '<mark class="hit">script</mark>' in html and 'data-verdict="supported"' in html


@pytest.mark.parametrize("n, text", [(5_000_000, "5 MB"), (200_000, "200 KB"), (1_500_000, "1.5 MB")])
def test_size_text(n: int, text: str) -> None:
    assert views.size_text(n) == text
