"""HTML for the chat page. Every string taken from a document or a user is escaped here.

These are pure functions of records and the catalog, so they are tested without a browser;
the Gradio app in ``ui.py`` only places their output.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from html import escape
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from .discern import ITEM_TITLES as BALANCE_TITLES

if TYPE_CHECKING:
    from .index import Catalog
    from .records import Answer, Citation
    from .trace import TraceMatch, TraceResult

LABEL_TEXT = {"evidence": "Evidence", "opinion": "Opinion", "marketing": "Marketing"}
VERDICT_TEXT = {"supported": "Supported", "related": "Related", "not_found": "Not found"}
KIND_TEXT = {"clinic": "clinic", "medical_society": "medical society", "venture_industry": "company or investor",
             "journal": "journal", "government": "government", "other": "other", "unknown": "not stated"}
NOT_ADVICE = ("This assistant shows what a small set of documents say, with their sources. It is not medical "
              "advice: talk to a clinician about your own care.")
ABSTAIN_LEAD = "I couldn't find this in the documents I have."
_BLANK_LINES = re.compile(r"\n[ \t\u00a0]*(?:\n[ \t\u00a0]*)+")
CONTEXT_SENTENCES = 2  # sentences of the passage shown on each side of a cited span


def e(text: object) -> str:
    """Text made safe to place in HTML, including inside attribute values."""
    return escape(str(text), quote=True)


def size_text(n: int) -> str:
    """A byte count for people: '5 MB', '200 KB'."""
    if n >= 1_000_000:
        return f"{n / 1e6:.3g} MB"
    return f"{max(n, 1000) / 1e3:.3g} KB"


def label_badge(label: str | None) -> str:
    """A coloured badge for an evidence / opinion / marketing label."""
    if label not in LABEL_TEXT:
        return '<span class="badge badge-none">No label</span>'
    return f'<span class="badge badge-{label}" data-label="{label}">{LABEL_TEXT[label]}</span>'


def verdict_badge(verdict: str, score: float) -> str:
    """A badge for a trace verdict with its score."""
    name = VERDICT_TEXT.get(verdict, "Not found")
    v = verdict if verdict in VERDICT_TEXT else "not_found"
    return f'<span class="badge verdict-{v}" data-verdict="{v}">{name} · {score:.2f}</span>'


def doc_link(doc_id: str, start: int | None = None, end: int | None = None, text: str = "Open the full document") -> str:
    """A link that opens a document, scrolled to [start, end) when given."""
    href = f"doc/{quote(doc_id, safe='')}"
    if start is not None and end is not None:
        href += f"?start={int(start)}&end={int(end)}#cited"
    return f'<a class="doc-link" href="{e(href)}" target="_blank" rel="noopener noreferrer">{e(text)}</a>'


def marked(text: str, ranges: Iterable[tuple[int, int]], cls: str = "hit") -> str:
    """``text`` escaped, with each [start, end) range wrapped in <mark>."""
    def tidy(part: str) -> str:
        return e(_BLANK_LINES.sub("\n", part))  # a passage reads better without its blank lines

    out, pos = [], 0
    for s, t in sorted((max(0, s), min(len(text), t)) for s, t in ranges):
        if s < pos or s >= t:
            continue
        out.append(tidy(text[pos:s]))
        out.append(f'<mark class="{cls}">{tidy(text[s:t])}</mark>')
        pos = t
    out.append(tidy(text[pos:]))
    return "".join(out)


def _doc(catalog: Catalog, doc_id: str) -> dict[str, Any] | None:
    i = catalog.doc_index.get(doc_id)
    return catalog.docs[i] if i is not None else None


def passage_around(catalog: Catalog, doc_id: str, start: int, end: int) -> tuple[str, int, int]:
    """The cited span with the sentences around it (within its chunk), and the span's offsets in that text."""
    d = _doc(catalog, doc_id)
    if d is None:
        return "", 0, 0
    lo, hi = start, end
    for _cid, c_start, c_end, *_ in d.get("chunks", []):
        if c_start <= start and end <= c_end:
            lo, hi = c_start, c_end
            break
    # Within the chunk, keep up to CONTEXT_SENTENCES whole sentences either side of the span.
    first, last = int(d.get("sent_lo", 0)), int(d.get("sent_hi", 0))
    inside = [i for i in range(first, last)
              if lo <= int(catalog.s_start[i]) and int(catalog.s_end[i]) <= hi]
    before = [i for i in inside if int(catalog.s_end[i]) <= start][-CONTEXT_SENTENCES:]
    after = [i for i in inside if int(catalog.s_start[i]) >= end][:CONTEXT_SENTENCES]
    lo = int(catalog.s_start[before[0]]) if before else start
    hi = int(catalog.s_end[after[-1]]) if after else end
    return d["text"][lo:hi], start - lo, end - lo


def short_answer_line(answer: Answer) -> str:
    """The short answer of a factoid question, shown above everything else, with its citation number."""
    sa = answer.short_answer
    if sa is None or answer.abstained:
        return ""
    return (f'<div class="short-answer" data-doc="{e(sa.doc_id)}" data-start="{sa.start}" data-end="{sa.end}">'
            f'<span class="short-label">Answer:</span> <strong>{e(sa.text)}</strong> <span class="n">[{sa.n}]</span></div>')


def answer_badge(answer: Answer) -> str:
    """The answer's label badge with its one-line plain reason (or the abstention note)."""
    if answer.abstained or not answer.label:
        return ('<div class="answer-label" data-abstained="true"><span class="badge badge-none">No answer</span> '
                '<span class="reason">The documents do not cover this question.</span></div>')
    return (f'<div class="answer-label" data-label="{e(answer.label)}">{label_badge(answer.label)} '
            f'<span class="reason">{e(answer.label_reason)}</span></div>')


def corroboration_line(answer: Answer) -> str:
    """Who else states the answer's lead claim, in one line, and the passages that qualify or contradict it."""
    c = answer.corroboration
    if c is None or answer.abstained:
        return ""
    quals = "".join(
        f'<li data-doc="{e(q.doc_id)}" data-start="{q.start}" data-end="{q.end}">{label_badge(q.label)} '
        f'<span class="publisher">{e(q.publisher or "Publisher not stated")}</span>: “{e(q.text)}” '
        f'{doc_link(q.doc_id, q.start, q.end, "open")}</li>' for q in c.qualified_by)
    fold = (f'<details class="qualified"><summary>Qualified by {len(c.qualified_by)} passage'
            f'{"s" if len(c.qualified_by) > 1 else ""}</summary><ul>{quals}</ul></details>') if quals else ""
    return (f'<div class="corroboration" data-documents="{c.documents}" data-publishers="{len(c.publishers)}">'
            f'<span class="corroboration-line">{e(c.summary)}</span>{fold}</div>')


REMOVED_MARKERS_NOTE = ("Numbers in brackets are the model's own, for the passages it was shown; "
                        "they are not the numbers of the sources listed with the answer.")
FALLBACK_NOTE = ("Too little of the model's answer could be checked, so the answer shown is made of "
                 "sentences taken from the documents instead.")


def removed_fold(answer: Answer) -> str:
    """A collapsed fold listing the sentences removed from a model-written answer, each with its
    reason; empty when nothing was removed. Sentences and reasons are shown as text."""
    if not answer.removed:
        return ""
    n = len(answer.removed)
    lead = (f"{n} sentence was removed because it could not be checked against the sources" if n == 1
            else f"{n} sentences were removed because they could not be checked against the sources")
    fallback = f'<p class="fallback-note">{e(FALLBACK_NOTE)}</p>' if answer.generator == "llm-fallback" else ""
    items = "".join(f'<li><div class="removed-sentence">{e(r.get("sentence", ""))}</div>'
                    f'<div class="removed-reason">{e(r.get("reason", ""))}</div></li>' for r in answer.removed)
    return (f'<details class="removed" data-count="{n}"><summary>{e(lead)}</summary>{fallback}'
            f'<ol class="removed-list">{items}</ol><p class="removed-note">{e(REMOVED_MARKERS_NOTE)}</p></details>')


def citation_card(c: Citation, catalog: Catalog) -> str:
    """One source: title, publisher, label, and the passage with the cited span highlighted."""
    context, s, t = passage_around(catalog, c.doc_id, c.start, c.end)
    body = marked(context, [(s, t)], cls="cited") if context else f'<mark class="cited">{e(c.text)}</mark>'
    publisher = e(c.publisher) if c.publisher else "Publisher not stated"
    reasons = f'<div class="why">Why this label: {e("; ".join(c.reasons))}</div>' if c.reasons else ""
    return (f'<div class="source" id="source-{c.n}" data-doc="{e(c.doc_id)}" data-start="{c.start}" '
            f'data-end="{c.end}"><div class="source-head"><span class="n">[{c.n}]</span> '
            f'<span class="title">{e(c.title)}</span> {label_badge(c.label)}</div>'
            f'<div class="publisher">{publisher}</div><blockquote class="passage">{body}</blockquote>{reasons}'
            f'<div class="links">{doc_link(c.doc_id, c.start, c.end)}</div></div>')


def sources_panel(answer: Answer, catalog: Catalog | None, topics: Sequence[str] = ()) -> str:
    """Every citation of an answer as a card; for an abstention, the closest topics the corpus covers."""
    if answer.abstained:
        items = "".join(f"<li>{e(t)}</li>" for t in topics)
        more = f"<p>The closest topics the documents do cover:</p><ul class=\"topics\">{items}</ul>" if items else ""
        return f'<div class="sources abstained"><p>{e(ABSTAIN_LEAD)}</p>{more}</div>'
    if catalog is None or not answer.citations:
        return '<div class="sources empty"></div>'
    cards = "".join(citation_card(c, catalog) for c in answer.citations)
    return f'<div class="sources"><h3>Sources</h3>{cards}</div>'


def abstain_message(topics: Sequence[str]) -> str:
    """The chat reply for a question the documents do not answer (plain text)."""
    if not topics:
        return ABSTAIN_LEAD
    return f"{ABSTAIN_LEAD} The closest topics I do have: " + "; ".join(f"“{t}”" for t in topics) + "."


def trace_match_card(rank: int, m: TraceMatch) -> str:
    """One ranked span for a claim, with matching words highlighted."""
    return (f'<div class="match" data-doc="{e(m.doc_id)}" data-rank="{rank}"><div class="match-head">'
            f'<span class="n">{rank}.</span> <span class="title">{e(m.title)}</span> {label_badge(m.label)} '
            f'{verdict_badge(m.verdict, m.score)}</div><blockquote class="passage">{marked(m.text, m.highlights)}'
            f'</blockquote><div class="links">{doc_link(m.doc_id, m.start, m.end, "Open in the document")}'
            f' <span class="offsets">{e(m.doc_id)} [{m.start}:{m.end}]</span></div></div>')


def trace_panel(result: TraceResult) -> str:
    """The verdict for a claim and its ranked matches."""
    lead = {"supported": "The documents state this claim.",
            "related": "The documents discuss this, but no sentence clearly states the claim.",
            "not_found": "No sentence in the documents states this claim."}[result.verdict]
    best = result.matches[0].score if result.matches else 0.0
    cards = "".join(trace_match_card(i, m) for i, m in enumerate(result.matches, start=1))
    return (f'<div class="trace" data-verdict="{result.verdict}"><p class="claim">Claim: “{e(result.claim)}”</p>'
            f'<p>{verdict_badge(result.verdict, best)} {e(lead)}</p>{cards}</div>')


def error_panel(message: str) -> str:
    """A user-facing error as a short note."""
    return f'<div class="error-note" role="alert">{e(message)}</div>'


def library_panel(catalog: Catalog | None) -> str:
    """Each document with its source card."""
    if catalog is None or not catalog.docs:
        return '<div class="library empty"><p>No documents yet. Upload one below.</p></div>'
    out = []
    for d in catalog.docs:
        card = d.get("card") or {}
        meta = d.get("meta") or {}
        title = card.get("title") or meta.get("title") or d["doc_id"]
        publisher = card.get("publisher") or meta.get("publisher") or "not stated"
        kind = KIND_TEXT.get(str(card.get("publisher_kind") or "unknown"), str(card.get("publisher_kind")))
        kind_note = f" ({e(kind)})" if kind != KIND_TEXT["unknown"] else ""
        items = []
        for key, item in (card.get("items") or {}).items():
            present = bool((item or {}).get("present"))
            items.append(f'<li class="{"yes" if present else "no"}">{e(key.replace("_", " "))}: '
                         f'{"yes" if present else "no"}</li>')
        share = card.get("label_share") or {}
        shares = " ".join(f'{label_badge(k)} {float(v):.0%}' for k, v in share.items() if k in LABEL_TEXT)
        coi = (card.get("conflict_of_interest") or {}).get("flag")
        coi_note = '<p class="coi">The publisher promotes what it reports on.</p>' if coi else ""
        balance = []
        for key, item in (card.get("balance") or {}).items():
            present = bool(item.get("present"))
            first = (item.get("passages") or [None])[0]
            shown = doc_link(d["doc_id"], first["start"], first["end"], "show") if first else ""
            balance.append(f'<li class="{"yes" if present else "no"}" data-item="{e(key)}">'
                           f'{e(BALANCE_TITLES.get(key, key))}: {"yes" if present else "no"} {shown}</li>')
        warning = card.get("balance_warning") or ""
        balance_html = (f'<div class="balance"><span class="balance-head">Balance (DISCERN):</span>'
                        f'<ul class="items balance-items">{"".join(balance)}</ul>'
                        + (f'<p class="balance-warning">{e(warning)}</p>' if warning else "") + "</div>") if balance else ""
        out.append(f'<div class="card" data-doc="{e(d["doc_id"])}"><div class="title">{e(title)}</div>'
                   f'<div class="publisher">Publisher: {e(publisher)}{kind_note} · id {e(d["doc_id"])}</div>'
                   f'<div class="shares">Sentences: {shares}</div><ul class="items">{"".join(items)}</ul>{coi_note}{balance_html}'
                   f'<div class="links">{doc_link(d["doc_id"])}</div></div>')
    return f'<div class="library">{"".join(out)}</div>'


def document_page(doc: dict[str, Any], start: int | None, end: int | None) -> str:
    """A standalone page with a document's full text, the span [start, end) marked and scrolled to."""
    text = doc["text"]
    title = (doc.get("meta") or {}).get("title") or doc["doc_id"]
    if start is not None and end is not None and 0 <= start < end <= len(text):
        body = (f'{e(text[:start])}<mark id="cited">{e(text[start:end])}</mark>{e(text[end:])}')
    else:
        body = e(text)
    return ("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>{e(title)}</title><style>{DOC_CSS}</style></head><body><main>"
            f"<h1>{e(title)}</h1><p class=\"meta\">{e(doc['doc_id'])}</p><div class=\"text\">{body}</div>"
            "</main></body></html>")


DOC_CSS = """
body{font-family:system-ui,sans-serif;margin:0;background:#f7f7f5;color:#1f2733}
main{max-width:46rem;margin:0 auto;padding:1.5rem}
h1{font-size:1.4rem} .meta{color:#5c6675;font-size:.85rem}
.text{white-space:pre-wrap;line-height:1.55;background:#fff;padding:1rem 1.25rem;border:1px solid #e2e0da;border-radius:8px}
mark#cited{background:#ffe58a;padding:.1em 0;outline:2px solid #e0b400;scroll-margin-top:40vh}
"""

APP_CSS = """
.badge{display:inline-block;padding:.1em .55em;border-radius:999px;font-size:.8rem;font-weight:600;color:#fff;vertical-align:middle}
.badge-evidence{background:#1b7f3b}.badge-opinion{background:#b86e00}.badge-marketing{background:#b0245a}
.badge-none{background:#6b7280}
.verdict-supported{background:#1b7f3b}.verdict-related{background:#b86e00}.verdict-not_found{background:#6b7280}
.short-answer{font-size:1.15rem;margin:.25rem 0}.short-answer .short-label{color:#555}
.answer-label{margin:.25rem 0 .5rem}.answer-label .reason{margin-left:.4rem}
.not-advice{background:#fff7e0;border:1px solid #f0d68a;border-radius:8px;padding:.5rem .75rem;font-size:.9rem}
.source,.match,.card{border:1px solid var(--border-color-primary);border-radius:8px;padding:.6rem .8rem;margin:.5rem 0}
.source-head .title,.match-head .title,.card .title{font-weight:600}
.publisher,.offsets,.why{color:var(--body-text-color-subdued);font-size:.85rem}
blockquote.passage{margin:.4rem 0;padding:.4rem .6rem;border-left:3px solid #c9c4b8;white-space:pre-line}
mark.cited{background:#ffe58a;color:#1f2733}mark.hit{background:#cfe8ff;color:#1f2733}
.error-note{background:#fdecec;border:1px solid #f3b3b3;border-radius:8px;padding:.5rem .75rem}
.card ul.items{display:flex;flex-wrap:wrap;gap:.2rem 1.2rem;list-style:none;margin:.3rem 0;padding:0;font-size:.85rem}
.card li.yes::before{content:'✓ ';color:#1b7f3b}.card li.no::before{content:'– '}.card li.no{color:var(--body-text-color-subdued)}
.ok-note{background:#e8f5ec;border:1px solid #a8d5b5;border-radius:8px;padding:.5rem .75rem}
.corroboration{margin:.25rem 0 .5rem;font-size:.9rem}.corroboration details{margin-top:.2rem}.corroboration li{margin:.25rem 0}
.balance-head{font-size:.85rem;font-weight:600}.balance-warning{background:#fff7e0;border:1px solid #f0d68a;border-radius:8px;padding:.3rem .6rem;font-size:.85rem;margin:.3rem 0}
details.removed{margin:.25rem 0 .5rem;border:1px solid var(--border-color-primary);border-radius:8px;padding:.4rem .75rem}
details.removed summary{cursor:pointer;font-size:.9rem}
details.removed ol{margin:.4rem 0;padding-left:1.4rem}details.removed li{margin:.3rem 0}
.removed-sentence{white-space:pre-line;border-left:3px solid #c9c4b8;padding-left:.5rem}
.removed-reason,.removed-note,.fallback-note{color:var(--body-text-color-subdued);font-size:.85rem}
"""
