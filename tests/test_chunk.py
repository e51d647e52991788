"""Sentences and chunks keep exact offsets into the original file text."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from assistant.chunk import make_chunks, split_sentences
from assistant.parse import _visible

PIECES = st.sampled_from([
    "Back pain is common. ", "Dr. Chin et al. found 3.3% rates! ", "<b>bold</b> ", "<img src=x onerror=y>",
    "\n", "\n\n", "  • Less pain\n", "**Heterogeneity** of studies. ", "é’“ café? ", "top of page\n",
    "1. Questionable Expertise\n", "&amp; ", "Request a Consultation", "\t", "(2,3) ", "U.S. data.",
])
TEXTS = st.lists(st.one_of(PIECES, st.text(max_size=40)), max_size=30).map("".join)


@given(TEXTS, st.sampled_from(["txt", "md", "html"]))
@settings(max_examples=300, deadline=None)
def test_every_sentence_and_chunk_is_an_exact_slice_of_the_original(text: str, kind: str) -> None:
    visible, _ = _visible(text, kind)
    assert len(visible) == len(text)
    sentences = split_sentences(text, visible, join_lines=kind != "txt")
    for s in sentences:
        assert text[s.start : s.end] == s.text
        assert s.text == s.text.strip() and s.text
    assert all(a.end <= b.start for a, b in zip(sentences, sentences[1:])), "sentences overlap or go backwards"
    for c in make_chunks("doc", "v", text, sentences, max_chars=120, overlap=1):
        assert text[c.start : c.end] == c.text
        lo, hi = c.sentences
        assert c.start == sentences[lo].start and c.end == sentences[hi - 1].end


@given(TEXTS)
@settings(max_examples=100, deadline=None)
def test_chunks_cover_every_sentence_in_order(text: str) -> None:
    visible, _ = _visible(text, "txt")
    sentences = split_sentences(text, visible)
    chunks = make_chunks("doc", "v", text, sentences, max_chars=80, overlap=1)
    covered = sorted({i for c in chunks for i in range(*c.sentences)})
    assert covered == list(range(len(sentences)))
    assert [c.id for c in chunks] == [f"doc:v:{i:04d}" for i in range(len(chunks))]


def test_markup_and_page_noise_are_masked_but_promotion_is_kept() -> None:
    text = ('top of page\n<img height="1" src="https://t.example/tr?id=1">\nWhat is it?\n'
            "Request a Consultation\nCopyright © Clinic 2020. All rights reserved.\n")
    visible, _ = _visible(text, "txt")
    sentences = [s.text for s in split_sentences(text, visible)]
    assert sentences == ["What is it?", "Request a Consultation"]


def test_a_bullet_keeps_its_words_but_not_its_marker() -> None:
    text = "The benefits include:\n\n  • Less pain\n  • Faster recovery\n"
    visible, _ = _visible(text, "txt")
    assert [s.text for s in split_sentences(text, visible)] == ["The benefits include:", "Less pain", "Faster recovery"]


def test_abbreviations_do_not_end_a_sentence() -> None:
    text = "Chin KR et al. reported it. According to Dr. Kim, e.g. injections help."
    visible, _ = _visible(text, "txt")
    assert [s.text for s in split_sentences(text, visible)] == [
        "Chin KR et al. reported it.", "According to Dr. Kim, e.g. injections help."]
