"""BM25 over the live chunks (bm25s, English stop words, Snowball stemming), cached on disk.

The cache is named by the catalog's fingerprint (a hash of the live chunk ids, which carry each
document's content version), so it can be deleted at any time and is never used for other chunks.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any


def bm25_text(cat: Any, i: int) -> str:
    """What BM25 indexes for chunk ``i``: the document title and the chunk's visible words."""
    d = cat.docs[int(cat.c_doc[i])]
    body = " ".join(cat.s_clean[int(cat.c_lo[i]) : int(cat.c_hi[i])])
    return f"{d['meta'].get('title', '')} {body}"


class Lexical:
    """BM25 (bm25s, English stop words, Snowball stemming) over the live chunks, cached on disk."""

    def __init__(self, cat: Any, cache_dir: Path | None) -> None:
        import bm25s
        import Stemmer

        self._bm25s = bm25s
        self.stemmer = Stemmer.Stemmer("english")
        self.n = len(cat.c_id)
        self.retriever = None
        if self.n == 0:
            return
        path = cache_dir / cat.fingerprint() if cache_dir else None
        if path is not None and (path / "params.index.json").exists():
            try:
                self.retriever = bm25s.BM25.load(str(path))
                return
            except (OSError, ValueError, KeyError):
                pass  # rebuilt below
        tokens = bm25s.tokenize([bm25_text(cat, i) for i in range(self.n)], stopwords="en",
                                stemmer=self.stemmer, show_progress=False)
        self.retriever = bm25s.BM25()
        self.retriever.index(tokens, show_progress=False)
        if path is not None:
            try:
                cache_dir.mkdir(parents=True, exist_ok=True)  # mkdtemp fails without it, and then nothing is cached
                tmp = Path(tempfile.mkdtemp(dir=cache_dir, prefix=".bm25-"))
                self.retriever.save(str(tmp))
                os.replace(tmp, path)
            except OSError:
                pass  # a cache only; the index in memory is complete

    def search(self, query: str, k: int) -> list[tuple[int, float]]:
        """Chunk indexes and BM25 scores, best first; no hits for a query with no known terms."""
        if self.retriever is None or k <= 0:
            return []
        tokens = self._bm25s.tokenize([query], stopwords="en", stemmer=self.stemmer, show_progress=False,
                                      return_ids=False)
        vocab = self.retriever.vocab_dict
        terms = [t for t in tokens[0] if t in vocab] if tokens else []
        if not terms:
            return []
        ids, scores = self.retriever.retrieve([terms], k=min(k, self.n), show_progress=False, n_threads=0)
        return [(int(i), float(s)) for i, s in zip(ids[0], scores[0]) if s > 0]
