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
    def term_rows(self) -> TermRows:
        """Every sentence's distinct content words as ids (from the snapshot, else worked out once per process)."""
        rows = self.memo.get("term_rows")
        if rows is None:
            rows = self.memo["term_rows"] = TermRows.build(self.s_terms, self.vocab.df, self.s_clean)
        return rows

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


@dataclass(frozen=True)
class TermRows:
    """Each sentence's distinct content words (``s_terms``) as ids into the vocabulary and the numbers it
    states (``trace.numbers_in``), one row per sentence (compressed sparse rows), and whether it opens by
    pointing back: what scoring a claim against a shortlist of sentences reads, as arrays instead of a set
    and a list per sentence."""

    indptr: np.ndarray  # (n + 1,) int64: sentence i's ids are indices[indptr[i] : indptr[i + 1]]
    indices: np.ndarray  # int32 ids: position in the vocabulary's ``df``
    refers_back: np.ndarray  # (n,) bool: opens with "this", "these", "it", ... (``trace._REFERS_BACK``)
    num_ptr: np.ndarray  # (n + 1,) int64: sentence i's numbers are num_vals[num_ptr[i] : num_ptr[i + 1]]
    num_vals: np.ndarray  # float64, in the order ``numbers_in`` gives them
    ids: dict[str, int]  # content word -> id

    @classmethod
    def build(cls, terms: Sequence[list[str]], df: dict[str, int], clean: Sequence[str]) -> TermRows:
        """The rows of every sentence, with ids numbered in the order of ``df``."""
        from .trace import _REFERS_BACK, numbers_in

        ids = {t: j for j, t in enumerate(df)}
        lens, n_lens = np.zeros(len(terms) + 1, dtype=np.int64), np.zeros(len(terms) + 1, dtype=np.int64)
        flat: list[int] = []
        nums: list[float] = []
        for i in range(len(terms)):
            row, stated = {ids[t] for t in terms[i]}, numbers_in(clean[i])
            flat.extend(row)
            nums.extend(stated)
            lens[i + 1], n_lens[i + 1] = len(row), len(stated)
        refers = np.fromiter((_REFERS_BACK.match(c) is not None for c in clean), dtype=bool, count=len(clean))
        return cls(np.cumsum(lens), np.asarray(flat, dtype=np.int32), refers, np.cumsum(n_lens),
                   np.asarray(nums, dtype=np.float64), ids)

    def to_arrays(self) -> dict[str, np.ndarray]:
        """The arrays to save (``np.savez``); the ids follow from the vocabulary saved beside them."""
        return {"indptr": self.indptr, "indices": self.indices, "refers_back": self.refers_back,
                "num_ptr": self.num_ptr, "num_vals": self.num_vals}

    @classmethod
    def from_arrays(cls, z, df: dict[str, int]) -> TermRows:  # noqa: ANN001  (an NpzFile or a mapping)
        """Rows saved by ``to_arrays``, with ids numbered in the order of ``df``."""
        return cls(z["indptr"], z["indices"], z["refers_back"], z["num_ptr"], z["num_vals"],
                   {t: j for j, t in enumerate(df)})

    def contains(self, rows: np.ndarray, terms: Sequence[int]) -> np.ndarray:
        """(len(rows), len(terms)) bool: whether sentence rows[k] holds term id terms[j]."""
        out = np.zeros((len(rows), len(terms)), dtype=bool)
        if not len(rows) or not len(terms):
            return out
        held, owner = _gather(self.indptr, self.indices, rows)
        wanted = np.asarray(terms, dtype=np.int64)
        by_id = np.argsort(wanted)
        j = np.minimum(np.searchsorted(wanted[by_id], held), len(wanted) - 1)
        hit = wanted[by_id][j] == held
        out[owner[hit], by_id[j[hit]]] = True
        return out

    def states(self, rows: np.ndarray, claimed: Sequence[float]) -> np.ndarray:
        """(len(rows), len(claimed)) bool: whether sentence rows[k] states a number that agrees with
        claimed[j] (``trace._agrees``: equal, or a whole claimed number that the stated one rounds to)."""
        out = np.zeros((len(rows), len(claimed)), dtype=bool)
        if not len(rows) or not len(claimed):
            return out
        stated, owner = _gather(self.num_ptr, self.num_vals, rows)
        rounded = np.floor(stated + 0.5)
        for j, c in enumerate(claimed):
            hit = (stated == c) | (rounded == c) if float(c).is_integer() else stated == c
            out[owner[hit], j] = True
        return out


def _gather(indptr: np.ndarray, flat: np.ndarray, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The entries of the given rows of a compressed-sparse-rows array, and the position in ``rows`` of each."""
    rows = np.asarray(rows, dtype=np.int64)
    starts, lens = indptr[rows], indptr[rows + 1] - indptr[rows]
    at = np.repeat(starts - np.cumsum(lens) + lens, lens) + np.arange(int(lens.sum()))
    return flat[at], np.repeat(np.arange(len(rows)), lens)


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
