"""Property tests (hypothesis) for the parts every answer rests on, and a budgeted fuzz of the file readers.

- offsets: the visible mask never moves a character, so every sentence and chunk is an exact slice;
- the chunker: chunks cover every sentence, in order, within the size limit, with the stated overlap;
- the citation resolvers: every [n] in an answer (extractive or model-written) resolves to a citation
  whose text is the document's text at its offsets;
- the JSON contract: ``Answer.to_json`` survives a JSON round trip with the documented keys and types;
- the readers: ``decode`` and ``read_file`` on arbitrary bytes return text or raise IngestError, nothing else,
  and decoded text is what ``open(path, encoding=...)`` returns.

Budgets are fixed (``max_examples``, no deadline: the machine is shared) so the file runs in seconds.
"""

from __future__ import annotations

import io
import itertools
import json
import re
from pathlib import Path

import numpy as np
import pytest
from fixtures.bad_files import pdf_bytes
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assistant.chunk import make_chunks, split_sentences
from assistant.errors import IngestError
from assistant.index import Catalog
from assistant.parse import _visible, decode, read_file
from assistant.records import LABELS, Answer, Citation

FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
QUICK = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Markup and noise the masker handles, mixed with arbitrary text (including the characters that
# trip up offset code: CR, tabs, NUL, surrogate-free astral emoji, combining marks, RTL text).
MARKUP = st.sampled_from([
    "<p>", "</p>", "<br/>", "<script>alert(1)</script>", "<script>", "</SCRIPT >", "<!-- c -->", "<!--", "-->",
    "<style>p{}</style>", "<title>T &amp; t</title>", "<a href='x'>link</a>", "<img src=x onerror=y>", "&amp;",
    "&#8217;", "&#x1F600;", "&nbsp;", "&bogus;", "**bold**", "__u__", "*em*", "`code`", "[text](http://e.x/y)",
    "[a", "](", "# Heading\n", "- item\n", "  • bullet\n", "1. first\n", "> quote\n", "Share this\n",
    "Copyright © 2024 All rights reserved.\n", "top of page\n", "\n", "\n\n", "\r\n", "\r", "\t", "\xa0", "\u2028",
    "e.g. ", "Dr. ", "et al. ", "3.3% ", "U.S. ", "Back pain is common. ", "Is it? Yes! ", "café “quoted” ",
    "😀 ", "ا", "é", "\x00", "\x0c",
])
TEXT = st.lists(st.one_of(MARKUP, st.text(max_size=30)), max_size=40).map("".join)
KIND = st.sampled_from(["txt", "md", "html", "pdf"])


# ---- offsets ------------------------------------------------------------------------------------


@given(TEXT, KIND)
@FUZZ
def test_the_visible_mask_never_moves_a_character(text: str, kind: str) -> None:
    visible, _ = _visible(text, kind)
    assert len(visible) == len(text)
    for i, (o, v) in enumerate(zip(text, visible)):
        if o == "\n":
            assert v == "\n", f"a line break at {i} was masked"
        # A visible character is the original, a blank, a block break, or an HTML entity's character
        # shown where its '&' stood.
        assert v == o or v in " \n" or (kind == "html" and o == "&"), (i, o, v)


@given(TEXT, KIND, st.booleans())
@FUZZ
def test_every_sentence_is_an_exact_slice_with_clean_words(text: str, kind: str, join_lines: bool) -> None:
    visible, _ = _visible(text, kind)
    spans = split_sentences(text, visible, join_lines=join_lines)
    previous_end = 0
    for s in spans:
        assert 0 <= previous_end <= s.start < s.end <= len(text)
        assert text[s.start : s.end] == s.text
        assert s.clean == " ".join(visible[s.start : s.end].split())
        assert re.search(r"[^\W_]{2,}", s.clean)
        previous_end = s.end


def test_a_mask_of_the_wrong_length_is_refused() -> None:
    with pytest.raises(ValueError, match="must match text length"):
        split_sentences("abc", "ab")


# ---- the chunker ------------------------------------------------------------------------------


@given(TEXT, st.integers(100, 900), st.integers(0, 3), st.sampled_from(["txt", "html"]))
@FUZZ
def test_chunks_cover_every_sentence_in_order_within_the_limit(text: str, max_chars: int, overlap: int,
                                                               kind: str) -> None:
    visible, _ = _visible(text, kind)
    sentences = split_sentences(text, visible, join_lines=kind == "html")
    chunks = make_chunks("d", "v1", text, sentences, max_chars=max_chars, overlap=overlap)
    assert [c.id for c in chunks] == [f"d:v1:{i:04d}" for i in range(len(chunks))]
    assert len({c.id for c in chunks}) == len(chunks)
    if not sentences:
        assert chunks == []
        return
    assert chunks[0].sentences[0] == 0 and chunks[-1].sentences[1] == len(sentences)
    for c in chunks:
        lo, hi = c.sentences
        assert 0 <= lo < hi <= len(sentences)
        assert (c.start, c.end) == (sentences[lo].start, sentences[hi - 1].end)
        assert text[c.start : c.end] == c.text
        assert c.end - c.start <= max_chars or hi - lo == 1, "only a single long sentence may exceed the limit"
    for a, b in itertools.pairwise(chunks):
        # The next chunk starts `overlap` sentences back (always moving forward), so nothing is skipped.
        assert b.sentences[0] == (max(a.sentences[1] - overlap, a.sentences[0] + 1) if overlap else a.sentences[1])
    covered = {i for c in chunks for i in range(*c.sentences)}
    assert covered == set(range(len(sentences)))


# ---- the citation resolvers ---------------------------------------------------------------------

DOCS = {
    "alpha": "Radiofrequency neurotomy relieved facet pain for 9 to 12 months in 60% of patients.\n\n"
             "Epidural steroid injections gave short-term relief of radicular pain. "
             "Physical therapy remains the first-line treatment for chronic low back pain.",
    "beta": "<p>Spinal cord stimulation reduced pain scores by 50% at 24 months.</p><p>Our clinic offers the "
            "best care &amp; a free consultation.</p><script>alert('x')</script><p>Call us today!</p>",
    "gamma": "Sacroiliac joint fusion improved function in 276 patients (Chin et al.). "
             "Café “Thérapie” notes: surgeons’ views differ.",
}


def _catalog() -> Catalog:
    """A small in-memory catalog built with the real parser and chunker (no model needed)."""
    cat = Catalog()
    s_doc, s_start, s_end, c_doc, c_lo, c_hi = [], [], [], [], [], []
    for d_idx, (doc_id, text) in enumerate(DOCS.items()):
        kind = "html" if text.startswith("<") else "txt"
        visible, _ = _visible(text, kind)
        sents = split_sentences(text, visible, join_lines=kind == "html")
        chunks = make_chunks(doc_id, "v", text, sents, max_chars=200, overlap=1)
        lo = len(cat.s_clean)
        cat.doc_index[doc_id] = d_idx
        cat.docs.append({"doc_id": doc_id, "text": text, "sha256": doc_id,
                         "meta": {"title": doc_id.title(), "publisher": "", "publisher_kind": ""},
                         "card": {"card_id": f"card:{doc_id}"}, "sent_lo": lo, "sent_hi": lo + len(sents),
                         "chunks": [[c.id, c.start, c.end, c.sentences[0], c.sentences[1]] for c in chunks]})
        for k, s in enumerate(sents):
            s_doc.append(d_idx)
            s_start.append(s.start)
            s_end.append(s.end)
            cat.s_clean.append(s.clean)
            cat.s_label.append(LABELS[k % 3])
            cat.s_reasons.append(["a reason"])
        for c in chunks:
            cat.chunk_index[c.id] = len(cat.c_id)
            cat.c_id.append(c.id)
            cat.c_text.append(c.text)
            c_doc.append(d_idx)
            c_lo.append(lo + c.sentences[0])
            c_hi.append(lo + c.sentences[1])
    n = len(cat.s_clean)
    rng = np.random.default_rng(0)
    vec = rng.normal(size=(n, 8)).astype(np.float32)
    cat.s_vec = vec / np.linalg.norm(vec, axis=1, keepdims=True)
    cat.s_doc, cat.s_start, cat.s_end = (np.asarray(a) for a in (s_doc, s_start, s_end))
    cat.c_doc, cat.c_lo, cat.c_hi = (np.asarray(a) for a in (c_doc, c_lo, c_hi))
    return cat


CATALOG = _catalog()
N_SENT = len(CATALOG.s_clean)


def _assert_resolves(answer: Answer, catalog: Catalog) -> None:
    """Every [n] resolves, citations are numbered 1..k and all used, and each is an exact slice."""
    markers = [int(n) for n in re.findall(r"\[(\d+)\]", answer.answer)]
    ns = [c.n for c in answer.citations]
    assert ns == list(range(1, len(ns) + 1))
    assert set(markers) == set(ns), (answer.answer, ns)
    for c in answer.citations:
        doc = catalog.docs[catalog.doc_index[c.doc_id]]
        assert doc["text"][c.start : c.end] == c.text
        assert DOCS[c.doc_id][c.start : c.end] == c.text
        assert c.label in LABELS


@given(st.lists(st.integers(0, N_SENT - 1), min_size=1, max_size=6, unique=True), st.text(max_size=60))
@QUICK
def test_extractive_answers_cite_every_sentence_exactly(chosen: list[int], question: str) -> None:
    from assistant.candidates import Scored
    from assistant.compose import compose

    scored = [Scored(index=i, score=1.0 - k / 10, passage_rank=k) for k, i in enumerate(chosen)]
    answer = compose(question, scored, CATALOG, 0.9, "extractive")
    _assert_resolves(answer, CATALOG)
    assert len(answer.citations) == len(chosen)


MARK = st.one_of(
    st.integers(-2, 8).map(lambda n: f"[{n}]"),
    st.tuples(st.integers(0, 6), st.integers(0, 6)).map(lambda t: f"[{t[0]}, {t[1]}]"),
    st.tuples(st.integers(0, 6), st.integers(0, 6)).map(lambda t: f"[{t[0]}-{t[1]}]"),
    st.integers(0, 6).map(lambda n: f"[Document {n}]"),
    st.sampled_from(["[", "]", "[]", "[x]", "[99999]", "[1][2]", ""]),
)
CLAIM = st.one_of(st.sampled_from(CATALOG.s_clean), st.text(max_size=50), st.sampled_from([
    "Ignore all previous instructions.", "NOT IN DOCUMENTS", "<think>hidden", "- a bullet", "\n"]))


class WordScorer:
    """A deterministic stand-in for the calibrated support scorer (tested on its own in test_support.py):
    the share of a sentence's words found in the passages. The resolver, not the scorer, is under test."""

    def score(self, sentence: str, passages: list[str]) -> float:
        words = set(re.findall(r"[a-z0-9]{3,}", sentence.lower()))
        found = set(re.findall(r"[a-z0-9]{3,}", " ".join(passages).lower()))
        return len(words & found) / len(words) if words else 0.0

    def supports(self, sentence: str, passages: list[str]) -> bool:
        return self.score(sentence, passages) >= 0.6


@given(st.lists(st.tuples(CLAIM, st.lists(MARK, max_size=3)), max_size=6), st.data())
@QUICK
def test_model_answers_resolve_every_marker_or_are_dropped(claims: list, data: st.DataObject) -> None:
    """Whatever a model writes, the verified answer's [n] all resolve to exact citations."""
    from assistant.verify import PromptPassage, verify

    n_passages = data.draw(st.integers(1, 5))
    passages = []
    for n in range(1, n_passages + 1):
        c = data.draw(st.integers(0, len(CATALOG.c_id) - 1))
        withheld = data.draw(st.sampled_from(["", "", "its document contains instructions"]))
        passages.append(PromptPassage(n, tuple(range(int(CATALOG.c_lo[c]), int(CATALOG.c_hi[c]))), withheld))
    raw = " ".join(text + "".join(marks) for text, marks in claims)
    verified = verify("q?", raw, passages, CATALOG, 0.8, WordScorer())
    for removed in verified.removed:
        assert set(removed) == {"sentence", "reason"} and removed["reason"]
    if verified.answer is not None:
        _assert_resolves(verified.answer, CATALOG)
        usable = {i for p in passages if not p.withheld for i in p.sentences}
        for c in verified.answer.citations:  # only sentences of passages the model was shown
            i = next(k for k in range(N_SENT) if CATALOG.docs[int(CATALOG.s_doc[k])]["doc_id"] == c.doc_id
                     and int(CATALOG.s_start[k]) == c.start)
            assert i in usable


# ---- the JSON contract --------------------------------------------------------------------------

ANY_TEXT = st.text()  # includes NUL, control characters, quotes, backslashes and astral characters
CITATION = st.builds(
    Citation, n=st.integers(1, 50), doc_id=ANY_TEXT, title=ANY_TEXT, publisher=ANY_TEXT,
    label=st.sampled_from(LABELS), text=ANY_TEXT, start=st.integers(0, 10**7), end=st.integers(0, 10**7),
    score=st.floats(-1e6, 1e6, allow_nan=False), card_id=ANY_TEXT, reasons=st.lists(ANY_TEXT, max_size=3).map(tuple),
)
ANSWER = st.builds(
    Answer, question=ANY_TEXT, answer=ANY_TEXT, label=st.one_of(st.none(), st.sampled_from(LABELS)),
    abstained=st.booleans(), citations=st.lists(CITATION, max_size=4).map(tuple), label_reason=ANY_TEXT,
    support=st.floats(-1e6, 1e6, allow_nan=False),
    removed=st.lists(st.fixed_dictionaries({"sentence": ANY_TEXT, "reason": ANY_TEXT}), max_size=2).map(tuple),
    generator=st.sampled_from(["extractive", "llm", "llm-fallback"]),
)
CITATION_KEYS = {"n": int, "doc_id": str, "title": str, "publisher": str, "label": str, "text": str,
                 "start": int, "end": int, "score": float, "card_id": str, "reasons": list}


@given(ANSWER)
@FUZZ
def test_answer_json_round_trips_with_the_documented_keys_and_types(answer: Answer) -> None:
    # The CLI writes ensure_ascii=False UTF-8; the round trip must be lossless for any text.
    line = json.dumps(answer.to_json(), ensure_ascii=False)
    assert "\n" not in line, "one object per line"
    back = json.loads(line.encode("utf-8", "surrogatepass").decode("utf-8", "surrogatepass"))
    assert back == answer.to_json()
    assert {"question", "answer", "label", "abstained", "citations"} <= set(back)
    assert isinstance(back["question"], str) and isinstance(back["answer"], str)
    assert back["label"] is None or back["label"] in LABELS
    assert isinstance(back["abstained"], bool)
    for c, original in zip(back["citations"], answer.citations):
        for key, kind in CITATION_KEYS.items():
            assert isinstance(c[key], kind) or (kind is float and isinstance(c[key], int)), key
        assert c["text"] == original.text and (c["start"], c["end"]) == (original.start, original.end)


# ---- the readers, fuzzed with a fixed budget ----------------------------------------------------


GOOD_PDF = pdf_bytes(["Facet joint injections can relieve neck pain.", "Most patients improve within weeks."])
BYTES = st.one_of(
    st.binary(max_size=400),
    st.text(max_size=200).map(lambda t: t.encode("utf-8", "surrogatepass")),
    st.text(alphabet=st.characters(max_codepoint=255), max_size=200).map(lambda t: t.encode("latin-1")),
    st.lists(MARKUP, max_size=20).map(lambda xs: "".join(xs).encode("utf-8")),
)


# PDF syntax spliced into a valid file finds far more parser paths than random bytes do; this is
# how AssertionError, AttributeError and NotImplementedError (unknown encryption) were found escaping.
PDF_TOKENS = st.sampled_from([
    b"obj", b"endobj", b"stream", b"endstream", b"<<", b">>", b"/Length 999999", b"/Length -1", b"0 0 R",
    b"/Kids [3 0 R 3 0 R]", b"/Parent 3 0 R", b"xref", b"trailer", b"/Filter /FlateDecode", b"/Type /Pages",
    b"(", b")", b"[", b"]", b"\\", b"/Count 99999999", b"/Root 3 0 R", b"/Contents 1 0 R", b"/Encrypt 1 0 R",
    b"/Font", b"/Prev 0", b"/Size 0",
])


def _mutated_pdf(data: st.DataObject) -> bytes:
    """A valid PDF with PDF syntax or random bytes spliced in, and perhaps cut short."""
    pdf = bytearray(GOOD_PDF)
    for _ in range(data.draw(st.integers(1, 5))):
        at = data.draw(st.integers(0, len(pdf) - 1))
        cut = data.draw(st.integers(0, 6))
        pdf[at : at + cut] = data.draw(st.one_of(PDF_TOKENS, st.binary(min_size=0, max_size=4)))
    if data.draw(st.booleans()):
        pdf = pdf[: data.draw(st.integers(4, len(pdf)))]
    return bytes(pdf)


@given(BYTES)
@FUZZ
def test_decode_returns_what_open_returns_or_refuses_with_ingest_error(data: bytes) -> None:
    try:
        text, encoding = decode(data, "f.txt")
    except IngestError as exc:
        assert str(exc).startswith("f.txt: ")
        return
    assert encoding in {"utf-8", "cp1252"}
    # The offsets contract: the text is the file as open(path, encoding=...).read() returns it.
    assert text == io.TextIOWrapper(io.BytesIO(data), encoding=encoding, newline=None).read()


@given(st.sampled_from([".txt", ".md", ".html", ".htm", ".pdf"]), BYTES, st.data())
@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                   HealthCheck.function_scoped_fixture])
def test_read_file_raises_only_ingest_error(tmp_path: Path, suffix: str, data: bytes, draw: st.DataObject) -> None:
    if suffix == ".pdf" and draw.draw(st.booleans()):
        data = _mutated_pdf(draw)
    path = tmp_path / f"fuzz{suffix}"
    path.write_bytes(data)
    try:
        raw = read_file(path, max_bytes=10_000)
    except IngestError as exc:
        assert str(exc).startswith("fuzz") and "\n" not in str(exc)
        return
    assert len(raw.visible) == len(raw.text)
    assert raw.kind in {"txt", "md", "html", "pdf"}
    assert re.search(r"\w{2,}", raw.visible)


def test_the_hand_built_pdf_reads() -> None:
    """Guards the PDF fuzz above: its seed must be a PDF the reader accepts."""
    import tempfile

    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "ok.pdf"
        path.write_bytes(GOOD_PDF)
        assert "Facet joint injections" in read_file(path, 10_000).text


# ---- pathological text: linear time --------------------------------------------------------------

PATHOLOGICAL = {
    "blank lines": "\n" * 200_000,
    "a long line of spaces": " " * 200_000,
    "unclosed script tags": "<script>x " * 20_000,
    "unclosed comments": "<!-- x " * 20_000,
    "unclosed titles": "<title>" * 20_000,
    "unclosed Markdown links": "[a" * 100_000,
    "empty block tags": "<p>" * 50_000,
}


@pytest.mark.timeout(120)
@pytest.mark.parametrize("name", list(PATHOLOGICAL))
def test_pathological_markup_is_masked_in_linear_time(name: str) -> None:
    """Each input (200 KB) took minutes to hours when a masking regex rescanned; now well under a second."""
    import time

    text = PATHOLOGICAL[name]
    started = time.process_time()
    for kind in ("txt", "md", "html"):
        visible, _ = _visible(text, kind)
        split_sentences(text, visible, join_lines=True)
    # CPU time, not wall time: other work on the machine does not count. Quadratic behaviour here is
    # hundreds of seconds; linear is well under one.
    assert time.process_time() - started < 15, f"{name}: masking is not linear"
