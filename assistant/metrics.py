"""Evaluation metrics: retrieval, citation support (ALCE-style), key facts, abstention, labels, integrity.

Every function is pure and small, so ``tests/test_metrics.py`` can check it on hand-computed cases;
``eval/`` applies them to the real pipeline. Nothing here loads a model: the citation metrics take a
``supports(sentence, passages) -> bool`` callable (in practice ``assistant.support``).
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

Supports = Callable[[str, list[str]], bool]

# ---------------------------------------------------------------- retrieval


def dedupe(ranked: Iterable[Hashable]) -> list[Hashable]:
    """The items in first-seen order (e.g. documents from a ranked list of passages)."""
    return list(dict.fromkeys(ranked))


def recall_at_k(ranked: Sequence[Hashable], relevant: Iterable[Hashable], k: int) -> float:
    """Share of the relevant items found in the first ``k`` of the ranking."""
    if k <= 0:
        raise ValueError(f"k must be greater than 0, got {k}")
    rel = set(relevant)
    if not rel:
        raise ValueError("recall needs at least one relevant item")
    return len(rel & set(ranked[:k])) / len(rel)


def reciprocal_rank(ranked: Sequence[Hashable], relevant: Iterable[Hashable], k: int | None = None) -> float:
    """1 / rank of the first relevant item (0 if none in the first ``k``)."""
    rel = set(relevant)
    for rank, item in enumerate(ranked[:k] if k else ranked, start=1):
        if item in rel:
            return 1.0 / rank
    return 0.0


def ndcg_at_k(gains: Sequence[float], ideal: Sequence[float], k: int = 10) -> float:
    """nDCG@k from the gains of the ranked items and the gains an ideal ranking could get."""

    def dcg(g: Sequence[float]) -> float:
        return sum(x / math.log2(i + 2) for i, x in enumerate(g[:k]))

    best = dcg(sorted(ideal, reverse=True))
    return dcg(gains) / best if best > 0 else 0.0


def ndcg_binary(ranked: Sequence[Hashable], relevant: Iterable[Hashable], k: int = 10) -> float:
    """nDCG@k with binary relevance (each relevant item counts once)."""
    rel = set(relevant)
    seen: set[Hashable] = set()
    gains = []
    for item in ranked[:k]:
        gains.append(1.0 if item in rel and item not in seen else 0.0)
        seen.add(item)
    return ndcg_at_k(gains, [1.0] * len(rel), k)


@dataclass(frozen=True)
class SpanRef:
    """A character range of a document."""

    doc_id: str
    start: int
    end: int

    def overlaps(self, other: SpanRef) -> bool:
        return self.doc_id == other.doc_id and self.start < other.end and other.start < self.end


def span_hits(passages: Sequence[SpanRef], gold: Sequence[SpanRef]) -> list[set[int]]:
    """For each ranked passage, the indexes of the gold spans it overlaps."""
    return [{j for j, g in enumerate(gold) if p.overlaps(g)} for p in passages]


def passage_metrics(
    passages: Sequence[SpanRef], gold: Sequence[SpanRef], ks: Sequence[int] = (1, 5, 10)
) -> dict[str, float]:
    """Passage-level Recall@k, MRR@10 and nDCG@10; a passage is relevant when it overlaps a gold span.

    Recall@k is the share of gold spans overlapped by the top ``k`` passages. For nDCG a passage gains 1
    when it overlaps a gold span no earlier passage covered, so near-duplicate chunks earn nothing twice.
    """
    if not gold:
        raise ValueError("passage metrics need at least one gold span")
    hits = span_hits(passages, gold)
    out = {f"recall@{k}": len(set().union(*hits[:k])) / len(gold) for k in ks}
    out["mrr"] = next((1.0 / r for r, h in enumerate(hits[:10], start=1) if h), 0.0)
    covered: set[int] = set()
    gains = []
    for h in hits[:10]:
        gains.append(1.0 if h - covered else 0.0)
        covered |= h
    out["ndcg@10"] = ndcg_at_k(gains, [1.0] * len(gold), 10)
    return out


def document_metrics(
    doc_ranking: Sequence[str], gold_docs: Iterable[str], ks: Sequence[int] = (1, 5, 10)
) -> dict[str, float]:
    """Document-level Recall@k, MRR@10 and nDCG@10 (binary relevance) from a ranking of passages' documents."""
    docs = dedupe(doc_ranking)
    gold = set(gold_docs)
    out = {f"recall@{k}": recall_at_k(docs, gold, k) for k in ks}
    out["mrr"] = reciprocal_rank(docs, gold, 10)
    out["ndcg@10"] = ndcg_binary(docs, gold, 10)
    return out


def mean_dicts(rows: Sequence[Mapping[str, float]]) -> dict[str, float]:
    """Key-wise mean of metric dicts (keys of the first row)."""
    if not rows:
        return {}
    return {k: sum(r[k] for r in rows) / len(rows) for k in rows[0]}


# ---------------------------------------------------------------- answers


def normalise(text: str) -> str:
    """Case-folded text with Unicode compatibility forms, straight quotes and single spaces."""
    text = unicodedata.normalize("NFKC", text).replace("’", "'").replace("‘", "'").replace("“", '"')
    return " ".join(text.replace("”", '"').casefold().split())


def key_fact_hits(answer: str, key_facts: Sequence[Sequence[str]]) -> list[bool]:
    """For each key fact (a list of alternatives), whether the answer contains any alternative."""
    text = normalise(answer)
    return [any(normalise(alt) in text for alt in alts) for alts in key_facts]


def key_fact_recall(answer: str, key_facts: Sequence[Sequence[str]]) -> float:
    """Share of key facts the answer states (case-insensitive substring of any alternative)."""
    if not key_facts:
        raise ValueError("key_fact_recall needs at least one key fact")
    hits = key_fact_hits(answer, key_facts)
    return sum(hits) / len(hits)


def abstention_scores(abstained: Sequence[bool], answerable: Sequence[bool]) -> dict[str, float]:
    """Abstention precision and recall, with abstaining as the positive class, plus the answered rate."""
    if len(abstained) != len(answerable):
        raise ValueError(f"need one flag per question, got {len(abstained)} and {len(answerable)}")
    tp = sum(a and not ok for a, ok in zip(abstained, answerable))
    fp = sum(a and ok for a, ok in zip(abstained, answerable))
    n_unans = sum(not ok for ok in answerable)
    n_ans = len(answerable) - n_unans
    return {
        "precision": tp / (tp + fp) if tp + fp else 1.0,
        "recall": tp / n_unans if n_unans else 1.0,
        "answered_rate": (n_ans - fp) / n_ans if n_ans else 1.0,
        "abstained_unanswerable": tp,
        "unanswerable": n_unans,
        "abstained_answerable": fp,
        "answerable": n_ans,
    }


# ---------------------------------------------------------------- labels


def confusion_matrix(y_true: Sequence[str], y_pred: Sequence[str], labels: Sequence[str]) -> list[list[int]]:
    """Counts with rows = true label and columns = predicted label, in ``labels`` order."""
    pos = {lab: i for i, lab in enumerate(labels)}
    m = [[0] * len(labels) for _ in labels]
    for t, p in zip(y_true, y_pred, strict=True):
        m[pos[t]][pos[p]] += 1
    return m


def macro_f1(y_true: Sequence[str], y_pred: Sequence[str], labels: Sequence[str]) -> float:
    """Unweighted mean of per-class F1 over ``labels`` (a class with no true and no predicted items scores 0)."""
    m = confusion_matrix(y_true, y_pred, labels)
    f1s = []
    for i in range(len(labels)):
        tp = m[i][i]
        fn = sum(m[i]) - tp
        fp = sum(row[i] for row in m) - tp
        f1s.append(2 * tp / (2 * tp + fp + fn) if tp else 0.0)
    return sum(f1s) / len(f1s)


# ---------------------------------------------------------------- citations

_MARKERS = re.compile(r"((?:\s*\[\d+\])+)")
_MARKER_N = re.compile(r"\[(\d+)\]")
_ABBREV_END = re.compile(r"\b(?:e\.g|i\.e|et al|vs|Dr|Mr|Mrs|Ms|St|No|Fig|approx)\.$", re.IGNORECASE)


def split_sentences(text: str) -> list[str]:
    """Sentences of an answer, split as the ingest splits them (blingfire, no split after common abbreviations)."""
    import blingfire

    out: list[str] = []
    for s in blingfire.text_to_sentences(" ".join(text.split())).split("\n"):
        s = s.strip()
        if not s:
            continue
        if out and _ABBREV_END.search(out[-1]):
            out[-1] = f"{out[-1]} {s}"
        else:
            out.append(s)
    return out


def cited_sentences(answer: str, ignore: Iterable[str] = ()) -> list[tuple[str, list[int]]]:
    """An answer's sentences with the [n] numbers each cites; markers end the sentence they follow.

    A run of text ending in markers may hold several sentences; only the last carries the markers, the
    earlier ones are uncited. Sentences in ``ignore`` (fixed notices such as a promotion warning) are dropped.
    """
    skip = {normalise(s) for s in ignore}
    out: list[tuple[str, list[int]]] = []
    parts = _MARKERS.split(answer)
    for i in range(0, len(parts), 2):
        body = parts[i].lstrip(" .,;:")
        nums = [int(n) for n in _MARKER_N.findall(parts[i + 1])] if i + 1 < len(parts) else []
        sents = split_sentences(body)
        for j, s in enumerate(sents):
            if normalise(s) in skip:
                continue
            out.append((s, nums if j == len(sents) - 1 else []))
    return out


def alce_citation_scores(
    sentences: Sequence[tuple[str, Sequence[int]]], passages: Mapping[int, str], supports: Supports
) -> dict[str, float]:
    """ALCE citation recall and precision for one answer.

    Recall: share of sentences whose cited passages, taken together, support them (no citation: unsupported).
    Precision: share of citations that are relevant. A citation of a supported sentence is irrelevant when it
    alone does not support the sentence and the remaining citations still do. As in ALCE, the citations of
    an unsupported sentence earn no precision credit. A marker with no passage counts as an empty passage.
    """
    if not sentences:
        return {"recall": 0.0, "precision": 0.0, "sentences": 0, "citations": 0}
    supported = 0
    relevant = 0
    total = 0
    for sent, nums in sentences:
        nums = list(dict.fromkeys(nums))
        total += len(nums)
        texts = [passages.get(n, "") for n in nums]
        joint = bool(nums) and supports(sent, texts)
        supported += joint
        if not joint:
            continue
        if len(nums) == 1:
            relevant += 1
            continue
        for i in range(len(nums)):
            alone = supports(sent, [texts[i]])
            if alone or not supports(sent, texts[:i] + texts[i + 1 :]):
                relevant += 1
    return {
        "recall": supported / len(sentences),
        "precision": relevant / total if total else 0.0,
        "sentences": len(sentences),
        "citations": total,
    }


def read_source(path: str | Path) -> str:
    """A source file's text as the README contract defines it, read fresh from disk."""
    path = Path(path)
    if path.suffix.lower() == ".pdf":
        raise ValueError(
            f"{path.name}: a PDF's text is the one extracted at ingest; compare against the index"
        )
    data = path.read_bytes()
    try:
        data.decode("utf-8")
        encoding = "utf-8"
    except UnicodeDecodeError:
        encoding = "cp1252"
    with open(path, encoding=encoding) as fh:
        return fh.read()


def citation_integrity(
    answer: str, citations: Sequence[Mapping[str, Any]], file_text: Callable[[str], str]
) -> dict[str, Any]:
    """Check that every [n] resolves and every citation's text equals the file text at its offsets.

    ``citations`` are dicts with n, doc_id, text, start and end (the CLI JSON); ``file_text(doc_id)`` returns
    the source file's text. Returns counts and a list of problems (empty when the answer is intact).
    """
    problems: list[str] = []
    by_n = {int(c["n"]): c for c in citations}
    if len(by_n) != len(citations):
        problems.append("duplicate citation numbers")
    markers = [int(n) for n in _MARKER_N.findall(answer)]
    for n in dict.fromkeys(markers):
        if n not in by_n:
            problems.append(f"[{n}] has no citation")
    exact = 0
    for c in citations:
        try:
            text = file_text(str(c["doc_id"]))
        except (OSError, KeyError, ValueError) as exc:
            problems.append(f"[{c['n']}] {c['doc_id']}: source unreadable ({exc})")
            continue
        start, end = int(c["start"]), int(c["end"])
        if 0 <= start < end <= len(text) and text[start:end] == c["text"]:
            exact += 1
        else:
            problems.append(f"[{c['n']}] {c['doc_id']}[{start}:{end}] does not match the file text")
    unused = sorted(set(by_n) - set(markers))
    return {
        "citations": len(citations),
        "exact": exact,
        "markers": len(markers),
        "resolved": sum(n in by_n for n in markers),
        "unused": unused,
        "problems": problems,
    }


# ---------------------------------------------------------------- answer precision


def citation_precision(cited: Sequence[SpanRef], gold: Sequence[SpanRef]) -> float:
    """Share of an answer's citations that overlap a gold (or alternative) span; 0.0 with no citations."""
    if not cited:
        return 0.0
    return sum(any(c.overlaps(g) for g in gold) for c in cited) / len(cited)


def lead_citation(answer: str, citations: Sequence[Mapping[str, Any]]) -> Mapping[str, Any] | None:
    """The citation of the answer's first cited sentence: the one its first [n] marker names."""
    by_n = {int(c["n"]): c for c in citations}
    for n in _MARKER_N.findall(answer):
        if int(n) in by_n:
            return by_n[int(n)]
    return None


def lead_is_gold(answer: str, citations: Sequence[Mapping[str, Any]], gold: Sequence[SpanRef]) -> bool:
    """Whether the answer's lead citation overlaps a gold (or alternative) span."""
    lead = lead_citation(answer, citations)
    if lead is None:
        return False
    ref = SpanRef(str(lead["doc_id"]), int(lead["start"]), int(lead["end"]))
    return any(ref.overlaps(g) for g in gold)


def short_answer_hit(short: str | None, key_facts: Sequence[Sequence[str]], expected: str | None = None) -> bool:
    """Whether a short answer states the expected phrase (when given) or any of the key facts."""
    if not short:
        return False
    text = normalise(short)
    if expected and normalise(expected) in text:
        return True
    return any(any(normalise(alt) in text for alt in alts) for alts in key_facts)


def median(values: Sequence[float]) -> float:
    """The median of a list of numbers; 0.0 for none."""
    if not values:
        return 0.0
    s = sorted(values)
    mid = len(s) // 2
    return float(s[mid]) if len(s) % 2 else (s[mid - 1] + s[mid]) / 2
