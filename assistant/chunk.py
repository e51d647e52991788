"""Split visible text into sentences and sentence-aware chunks, keeping exact offsets.

Every span is found in the visible mask and cut from the original text at the same
offsets, so ``text[start:end] == span.text`` holds by construction.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from .records import Chunk, Span

_BLOCK_BREAK = re.compile(r"\n[ \t]*\n+")
_WS = re.compile(r"\s+")
_WORD = re.compile(r"[^\W_]{2,}")
# Boundaries the statistical splitter can miss: a sentence end followed by a capital
# with no space ("done.Next"), or a colon-led label line in a list.
_ABBREV_END = re.compile(r"(?:\b(?:e\.g|i\.e|et al|vs|Dr|Mr|Mrs|Ms|St|No|Fig|approx)\.)$", re.I)


def _blocks(visible: str, join_lines: bool) -> Iterator[tuple[int, int]]:
    """Paragraph-level blocks as [start, end) ranges; each line is a block unless join_lines."""
    splitter = _BLOCK_BREAK if join_lines else re.compile(r"\n")
    pos = 0
    for m in splitter.finditer(visible):
        yield pos, m.start()
        pos = m.end()
    yield pos, len(visible)


def _split_block(block: str) -> list[tuple[int, int]]:
    """Sentence ranges within one block, using blingfire's model with a regex fallback."""
    flat = block.replace("\n", " ")
    try:
        import blingfire

        _, offsets = blingfire.text_to_sentences_and_offsets(flat)
        ranges = [(int(s), int(e)) for s, e in offsets]
    except ImportError:  # pragma: no cover - blingfire is a declared dependency
        ranges = [(m.start(), m.end()) for m in re.finditer(r"[^.!?]+(?:[.!?]+[\"')\]]*|$)", flat)]
    merged: list[tuple[int, int]] = []
    for s, e in ranges:
        if merged and _ABBREV_END.search(flat[merged[-1][0] : merged[-1][1]].rstrip()):
            merged[-1] = (merged[-1][0], e)
        else:
            merged.append((s, e))
    return merged


def split_sentences(text: str, visible: str, join_lines: bool = False) -> list[Span]:
    """Sentences of a document as spans into ``text``, found in its same-length ``visible`` mask."""
    if len(text) != len(visible):
        raise ValueError(f"visible mask must match text length, got {len(visible)} != {len(text)}")
    spans: list[Span] = []
    for b_start, b_end in _blocks(visible, join_lines):
        block = visible[b_start:b_end]
        if not block.strip():
            continue
        for s, e in _split_block(block):
            piece = block[s:e]
            lead = len(piece) - len(piece.lstrip())
            trail = len(piece) - len(piece.rstrip())
            start, end = b_start + s + lead, b_start + e - trail
            if end <= start:
                continue
            clean = _WS.sub(" ", visible[start:end]).strip()
            if not _WORD.search(clean):
                continue
            spans.append(Span(start=start, end=end, text=text[start:end], clean=clean))
    return spans


def make_chunks(
    doc_id: str, version: str, text: str, sentences: list[Span], max_chars: int, overlap: int
) -> list[Chunk]:
    """Pack consecutive sentences into chunks of at most ``max_chars`` (a longer sentence stands alone)."""
    chunks: list[Chunk] = []
    i = 0
    n = len(sentences)
    while i < n:
        j = i + 1
        while j < n and sentences[j].end - sentences[i].start <= max_chars:
            j += 1
        start, end = sentences[i].start, sentences[j - 1].end
        chunks.append(
            Chunk(
                id=f"{doc_id}:{version}:{len(chunks):04d}",
                doc_id=doc_id,
                start=start,
                end=end,
                text=text[start:end],
                sentences=(i, j),
            )
        )
        if j >= n:
            break
        # Repeat the last sentence(s) so an answer that straddles a boundary is whole in one chunk.
        i = max(j - overlap, i + 1) if overlap else j
    return chunks


def chunk_embed_text(title: str, sentences: list[Span], lo: int, hi: int) -> str:
    """The text a chunk is indexed by: its title as context, then its visible words."""
    body = " ".join(s.clean for s in sentences[lo:hi])
    return f"{title}. {body}" if title else body
