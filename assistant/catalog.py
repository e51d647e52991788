"""The catalog: everything a question reads about the live documents, in memory (or memory-mapped):
documents, sentences with their vectors and words, and chunks."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np


@dataclass
class Catalog:
    """Everything a query needs, in memory: documents, sentences with vectors, and chunks."""

    docs: list[dict[str, Any]] = field(default_factory=list)
    doc_index: dict[str, int] = field(default_factory=dict)
    s_doc: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int32))
    s_start: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    s_end: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    s_clean: list[str] = field(default_factory=list)
    s_label: list[str] = field(default_factory=list)
    s_reasons: list[list[str]] = field(default_factory=list)
    s_vec: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), dtype=np.float32))
    c_id: list[str] = field(default_factory=list)
    c_doc: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int32))
    c_lo: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    c_hi: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    c_text: list[str] = field(default_factory=list)
    c_vec: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), dtype=np.float32))
    chunk_index: dict[str, int] = field(default_factory=dict)

    _terms: Sequence[list[str]] | None = None
    _additions: dict[int, tuple[list[str], list[str]]] | None = None  # from the snapshot: term_additions, sparse
    _vocab: Any = None
    cells: Any = None  # nearest.Cells over s_vec, from the snapshot of a large index (else None)
    memo: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)  # per-process derived values

    @property
    def s_terms(self) -> Sequence[list[str]]:
        """Stemmed content words of every sentence (computed once, on first use)."""
        if self._terms is None:
            from .terms import content_terms

            self._terms = [content_terms(c) for c in self.s_clean]
        return self._terms

    @property
    def vocab(self) -> Any:
        """Sentence-level term statistics of the live corpus."""
        if self._vocab is None:
            from .terms import Vocabulary

            self._vocab = Vocabulary(self.s_terms)
        return self._vocab

    @property
    def s_terms_expanded(self) -> Sequence[frozenset[str]]:
        """Each sentence's content words plus those of the long forms of the short forms it uses
        (``terms.scoped_abbreviations``), so that "not qualified to practice IO" shares the words of
        "interventional orthopedics". From the snapshot's additions when it has them (each sentence's set
        made on first use), else worked out once per process."""
        expanded = self.memo.get("s_terms_expanded")
        if expanded is None:
            if self._additions is not None:
                expanded = _Expanded(self.s_terms, self._additions)
            else:
                expanded = [frozenset(t).union(x, y) for t, (x, y) in zip(self.s_terms, self.term_additions())]
            self.memo["s_terms_expanded"] = expanded
        return expanded

    def term_additions(self) -> list[tuple[list[str], list[str]]]:
        """For each sentence, the words its short forms' long forms and the names it mentions add to it."""
        from .terms import abbreviations, long_form_terms, named_item_terms, named_items, scoped_abbreviations

        scoped = scoped_abbreviations([abbreviations(d["text"]) for d in self.docs])
        out: list[tuple[list[str], list[str]]] = []
        for d, abbrevs in zip(self.docs, scoped):
            lo, hi = d["sent_lo"], d["sent_hi"]
            extra = long_form_terms(self.s_clean[lo:hi], abbrevs)
            named = named_item_terms(self.s_clean[lo:hi], named_items(d["text"]))
            out += [(list(x), list(y)) for x, y in zip(extra, named)]
        return out

    @property
    def term_sentences(self) -> dict[str, list[int]]:
        """Which sentences hold each word of ``s_terms_expanded``, in order. Worked out once per process."""
        postings = self.memo.get("term_sentences")
        if postings is None:
            postings = {}
            for i, terms in enumerate(self.s_terms_expanded):
                for t in terms:
                    postings.setdefault(t, []).append(i)
            self.memo["term_sentences"] = postings
        return postings

    def sentence_text(self, i: int) -> str:
        """The exact original text of sentence ``i``."""
        d = self.docs[int(self.s_doc[i])]
        return d["text"][int(self.s_start[i]) : int(self.s_end[i])]

    def fingerprint(self) -> str:
        """A hash of the live chunk ids, naming derived indexes such as BM25."""
        return hashlib.sha256("\n".join(self.c_id).encode()).hexdigest()[:16]


class Joined(Sequence):
    """Each sentence's content words kept as one space-joined string (as the snapshot stores them: a
    fraction of the objects to parse), split when first asked for."""

    def __init__(self, joined: list[str]) -> None:
        self._joined, self._lists = joined, {}

    def __len__(self) -> int:
        return len(self._joined)

    def __getitem__(self, i):  # noqa: ANN001, ANN204  (an index; slices are not asked for)
        got = self._lists.get(i)
        if got is None:
            got = self._lists[i] = self._joined[i].split()
        return got


class _Expanded(Sequence):
    """``Catalog.s_terms_expanded`` from the snapshot: a sentence's set is made when first asked for, the
    same way as the full computation makes it (content words, then the additions)."""

    def __init__(self, terms: Sequence[list[str]], additions: dict[int, tuple[list[str], list[str]]]) -> None:
        self._terms, self._additions, self._sets = terms, additions, {}

    def __len__(self) -> int:
        return len(self._terms)

    def __getitem__(self, i):  # noqa: ANN001, ANN204  (an index; slices are not asked for)
        got = self._sets.get(i)
        if got is None:
            x, y = self._additions.get(int(i), ((), ()))
            got = self._sets[i] = frozenset(self._terms[i]).union(x, y)
        return got


def assemble(arts: list[dict[str, Any]], s_vec: np.ndarray, c_vec: np.ndarray) -> Catalog:
    """One catalog from the live documents' artefacts, in document-id order, and their vectors."""
    cat = Catalog()
    s_doc, s_start, s_end, c_doc, c_lo, c_hi = [], [], [], [], [], []
    n_sent = 0
    for art in arts:
        sents = art["sentences"]
        d_idx = len(cat.docs)
        cat.doc_index[art["doc_id"]] = d_idx
        art["sent_lo"], art["sent_hi"] = n_sent, n_sent + len(sents)
        cat.docs.append(art)
        for s in sents:
            s_start.append(s[0])
            s_end.append(s[1])
            cat.s_clean.append(s[2])
            cat.s_label.append(s[3])
            cat.s_reasons.append(s[4])
        s_doc.extend([d_idx] * len(sents))
        for cid, start, end, lo, hi in art["chunks"]:
            cat.chunk_index[cid] = len(cat.c_id)
            cat.c_id.append(cid)
            cat.c_text.append(art["text"][start:end])
            c_doc.append(d_idx)
            c_lo.append(n_sent + lo)
            c_hi.append(n_sent + hi)
        n_sent += len(sents)
    cat.s_vec = s_vec
    cat.s_doc = np.asarray(s_doc, dtype=np.int32)
    cat.s_start = np.asarray(s_start, dtype=np.int64)
    cat.s_end = np.asarray(s_end, dtype=np.int64)
    cat.c_doc = np.asarray(c_doc, dtype=np.int32)
    cat.c_lo = np.asarray(c_lo, dtype=np.int64)
    cat.c_hi = np.asarray(c_hi, dtype=np.int64)
    cat.c_vec = c_vec
    return cat
