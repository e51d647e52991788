"""The eval harness: cached indexes, runs of the real pipeline, and the metrics over them.

Everything goes through the real pipeline (``assistant.ingest.ingest``, ``assistant.retrieve.Retriever``,
``assistant.pipeline.Assistant``). Two caches keep a second ``pytest eval/`` fast:

- an embedding cache keyed by the SHA-256 of each text (``eval/.cache/embeddings``), used through a
  registered embedder (``minilm-cached``) that returns exactly the vectors MiniLM returned for that text;
- one data folder per corpus under ``eval/.cache/index``, named by a hash of the corpus files, the
  index-building code and the settings, so a change to any of them builds a fresh index (from cached
  vectors) instead of evaluating a stale one.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

from assistant import metrics as M
from assistant.embed import Embedder, MiniLMEmbedder, register_embedder
from assistant.records import Answer
from assistant.settings import Settings, load_settings

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "corpus"
DATA = ROOT / "eval" / "data"
HELDOUT = ROOT / "eval" / "heldout"
OUT = ROOT / "eval" / "out"
CACHE = ROOT / "eval" / ".cache"
PUBMEDQA = DATA / "pubmedqa" / "pqal.jsonl"
MODES = ("hybrid", "dense", "bm25")
RANK_DEPTH = 10
CACHED_BACKEND = "minilm-cached"
# Modules that only run at query time (or not in the pipeline); editing them needs no new index.
QUERY_TIME = {
    "answer.py",
    "retrieve.py",
    "pipeline.py",
    "generate_llm.py",
    "cli.py",
    "ui.py",
    "views.py",
    "app.py",
    "metrics.py",
    "support.py",
    "trace.py",
    "library.py",
    "__main__.py",
    "errors.py",
}


def load_jsonl(path: Path) -> list[dict[str, Any]]:
    """The records of a JSON-lines file."""
    # split on "\n" only: str.splitlines() would also break at U+2028 inside a JSON string
    return [json.loads(line) for line in path.read_text(encoding="utf-8").split("\n") if line.strip()]


# ---------------------------------------------------------------- embedding cache


class CachedMiniLM(Embedder):
    """MiniLM with a persistent cache: a text's vector is computed once and then read from disk."""

    name = CACHED_BACKEND
    dim = 384
    cache_dir: Path = CACHE / "embeddings"

    def __init__(self, batch_size: int = 64) -> None:
        super().__init__(batch_size)
        self._model: MiniLMEmbedder | None = None
        self.max_seq_length = 256
        self.root = self.cache_dir / f"all-MiniLM-L6-v2-{self.max_seq_length}"
        self.vectors: dict[str, np.ndarray] = {}
        self.pending: dict[str, np.ndarray] = {}
        self.hits = self.misses = 0
        _CACHES.append(self)
        for shard in sorted(self.root.glob("*.npz")) if self.root.is_dir() else []:
            try:
                with np.load(shard) as z:
                    self.vectors.update(zip(z["keys"].tolist(), z["vectors"]))
            except (OSError, ValueError, KeyError):
                shard.unlink(missing_ok=True)  # a damaged shard is only a cache miss

    @property
    def model(self) -> MiniLMEmbedder:
        if self._model is None:
            from assistant.embed import get_embedder
            from assistant.settings import EmbedSettings

            model = get_embedder(
                EmbedSettings(
                    backend="minilm", batch_size=self.batch_size, max_seq_length=self.max_seq_length
                )
            )
            assert isinstance(model, MiniLMEmbedder)
            self._model = model
        return self._model

    @staticmethod
    def key(text: str) -> str:
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

    def embed_batch(self, texts: list[str]) -> np.ndarray:
        keys = [self.key(t) for t in texts]
        missing = [i for i, k in enumerate(keys) if k not in self.vectors]
        self.hits += len(texts) - len(missing)
        self.misses += len(missing)
        if missing:
            new = self.model.embed_batch([texts[i] for i in missing])
            for i, v in zip(missing, new):
                self.vectors[keys[i]] = self.pending[keys[i]] = np.asarray(v, dtype=np.float32)
            if len(self.pending) >= 2048:
                self.flush()
        return np.vstack([self.vectors[k] for k in keys])

    def flush(self) -> None:
        """Write the vectors computed since the last flush as a new shard."""
        if not self.pending:
            return
        self.root.mkdir(parents=True, exist_ok=True)
        keys = sorted(self.pending)
        name = hashlib.sha256("".join(keys).encode()).hexdigest()[:16]
        tmp = self.root / f".{name}.{os.getpid()}.tmp.npz"
        np.savez(tmp, keys=np.array(keys), vectors=np.vstack([self.pending[k] for k in keys]))
        os.replace(tmp, self.root / f"{name}.npz")
        self.pending.clear()


_CACHES: list[CachedMiniLM] = []
register_embedder(CACHED_BACKEND, CachedMiniLM)


def flush_embeddings() -> dict[str, int]:
    """Write pending vectors of every caching embedder; return the session's hit and miss counts."""
    for c in _CACHES:
        c.flush()
    return {"cache_hits": sum(c.hits for c in _CACHES), "cache_misses": sum(c.misses for c in _CACHES)}


def cached_embedder(settings: Settings | None = None) -> CachedMiniLM:
    """The caching embedder the eval settings select."""
    from assistant.embed import get_embedder

    emb = get_embedder((settings or eval_settings(CACHE / "unused", CORPUS)).embed)
    assert isinstance(emb, CachedMiniLM), type(emb)
    return emb


# ---------------------------------------------------------------- cached indexes


def eval_settings(data_dir: Path, corpus_dir: Path) -> Settings:
    """Default settings with the data folder, corpus and the caching embedder set."""
    base = load_settings()
    return load_settings(
        data_dir=data_dir,
        corpus_dir=corpus_dir,
        chroma_host="",
        embed=base.embed.model_copy(update={"backend": CACHED_BACKEND}),
    )


def _code_hash() -> str:
    h = hashlib.sha256()
    pkg = ROOT / "assistant"
    for p in sorted(pkg.rglob("*")):
        if (
            p.is_file()
            and p.suffix in {".py", ".json", ".toml"}
            and p.name not in QUERY_TIME
            and "__pycache__" not in p.parts
        ):
            h.update(p.relative_to(pkg).as_posix().encode())
            h.update(p.read_bytes())
    return h.hexdigest()


def _corpus_hash(corpus_dir: Path) -> str:
    h = hashlib.sha256()
    for p in sorted(corpus_dir.rglob("*")):
        if p.is_file() and not any(part.startswith(".") for part in p.relative_to(corpus_dir).parts):
            h.update(p.relative_to(corpus_dir).as_posix().encode())
            h.update(hashlib.sha256(p.read_bytes()).digest())
    return h.hexdigest()


@contextmanager
def _file_lock(path: Path, timeout: float = 1800) -> Iterator[None]:
    """An exclusive lock between processes (another `pytest eval/` in the same checkout waits)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w") as fh:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise TimeoutError(f"{path} stayed locked for {timeout:.0f}s") from None
                time.sleep(1.0)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


@dataclass
class BuiltIndex:
    """A ready index: its settings and how it was obtained."""

    name: str
    settings: Settings
    key: str
    reused: bool
    seconds: float
    report: dict[str, Any] = field(default_factory=dict)


def cached_index(name: str, corpus_dir: Path) -> BuiltIndex:
    """Ingest ``corpus_dir`` into ``eval/.cache/index/<name>-<key>``, reusing it when nothing changed."""
    from assistant.ingest import ingest

    started = time.perf_counter()
    probe = eval_settings(CACHE / "probe", corpus_dir)
    settings_json = probe.model_dump_json(exclude={"data_dir", "corpus_dir", "llm", "serve"})
    key = hashlib.sha256(f"{_corpus_hash(corpus_dir)}|{_code_hash()}|{settings_json}".encode()).hexdigest()[
        :16
    ]
    root = CACHE / "index"
    data_dir = root / f"{name}-{key}"
    settings = eval_settings(data_dir, corpus_dir)
    with _file_lock(root / f".{name}.lock"):
        done = data_dir / ".complete"
        reused = done.exists()
        report: dict[str, Any] = {}
        if not reused:
            shutil.rmtree(data_dir, ignore_errors=True)
            rep = ingest([corpus_dir], settings, progress=False)
            cached_embedder(settings).flush()
            if rep.skipped:
                raise RuntimeError(f"ingest of {corpus_dir} skipped files: {rep.skipped[:3]}")
            report = rep.to_json()
            done.write_text(json.dumps(report))
        else:
            report = json.loads(done.read_text() or "{}")
        for old in root.glob(f"{name}-*"):
            if old != data_dir and old.is_dir():
                shutil.rmtree(old, ignore_errors=True)  # superseded by a code, data or settings change
    return BuiltIndex(name, settings, key, reused, time.perf_counter() - started, report)


def write_pubmedqa_corpus(dest: Path) -> list[dict[str, Any]]:
    """Write each PubMedQA abstract (its CONTEXTS joined) to ``dest/<PMID>.txt``; return the items."""
    items = load_jsonl(PUBMEDQA)
    dest.mkdir(parents=True, exist_ok=True)
    want = {f"{it['pmid']}.txt": "\n\n".join(it["contexts"]) + "\n" for it in items}
    for p in dest.iterdir():
        if p.name not in want:
            p.unlink()
    for fname, text in want.items():
        p = dest / fname
        if not p.exists() or p.read_text(encoding="utf-8") != text:
            p.write_text(text, encoding="utf-8")
    return items


# ---------------------------------------------------------------- runs


@dataclass
class Run:
    """The pipeline over one index: one Assistant per retrieval mode, sharing the index."""

    built: BuiltIndex

    @cached_property
    def index(self):
        from assistant.index import Index

        return Index.open(self.built.settings)

    def assistant(self, mode: str):
        from assistant.pipeline import Assistant

        cache = self.__dict__.setdefault("_assistants", {})
        if mode not in cache:
            cache[mode] = Assistant(self.built.settings, index=self.index, mode=mode)
        return cache[mode]

    def query_vectors(self, questions: Sequence[str]) -> np.ndarray:
        """Question vectors, exactly as the pipeline computes them (one per question)."""
        emb = self.index.embedder
        return np.vstack([emb.embed_one(q) for q in questions]) if questions else np.zeros((0, 384))

    def rankings(
        self, questions: Sequence[str], mode: str, depth: int = RANK_DEPTH, qvecs: np.ndarray | None = None
    ) -> list[list[Any]]:
        """The top ``depth`` passages per question from ``Retriever(index, settings.retrieve, mode)``."""
        from assistant.pipeline import clean_question

        retriever = self.assistant(mode).retriever
        qvecs = self.query_vectors(questions) if qvecs is None else qvecs
        limit = self.built.settings.answer.max_question_chars
        return [retriever.run(clean_question(q, limit), v, top_k=depth) for q, v in zip(questions, qvecs)]

    def answers(self, questions: Sequence[str], mode: str) -> list[Answer]:
        """``Assistant.ask`` for each question."""
        a = self.assistant(mode)
        return [a.ask(q) for q in questions]

    def file_text(self, doc_id: str) -> str:
        """The source file of a document, read fresh from disk (a PDF's text from the index)."""
        d = self.index.catalog.docs[self.index.catalog.doc_index[doc_id]]
        path = Path(d["path"])
        return d["text"] if path.suffix.lower() == ".pdf" else M.read_source(path)


# ---------------------------------------------------------------- metrics over runs


def spans(items: Sequence[dict[str, Any]]) -> list[M.SpanRef]:
    return [M.SpanRef(s["doc_id"], int(s["start"]), int(s["end"])) for s in items]


def retrieval_metrics(run: Run, questions: Sequence[dict[str, Any]], mode: str) -> dict[str, Any]:
    """Passage- and document-level Recall@k, MRR and nDCG@10 for one retrieval mode, plus misses."""
    ranked = run.rankings([q["question"] for q in questions], mode)
    p_rows, d_rows, misses = [], [], []
    for q, passages in zip(questions, ranked):
        refs = [M.SpanRef(p.chunk.doc_id, p.chunk.start, p.chunk.end) for p in passages]
        p_rows.append(M.passage_metrics(refs, spans(q["gold_spans"])))
        d_rows.append(M.document_metrics([p.chunk.doc_id for p in passages], q["gold_docs"]))
        if p_rows[-1]["recall@5"] < 1.0:
            misses.append(
                {
                    "id": q["id"],
                    "passage_recall@5": round(p_rows[-1]["recall@5"], 3),
                    "top_docs": M.dedupe(p.chunk.doc_id for p in passages[:5]),
                }
            )
    return {
        "n": len(questions),
        "passage": M.mean_dicts(p_rows),
        "document": M.mean_dicts(d_rows),
        "passage_misses@5": misses,
    }


def _answer_passages(ans: Answer) -> dict[int, str]:
    return {c.n: c.text for c in ans.citations}


def answer_metrics(
    run: Run,
    answerable: Sequence[dict[str, Any]],
    unanswerable: Sequence[dict[str, Any]],
    mode: str,
    supports: Any,
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Key facts, right document, integrity, abstention, labels and ALCE citation scores for one mode."""
    from assistant.answer import ABSTAIN_MESSAGE, ONLY_PROMOTIONAL
    from assistant.records import LABELS

    meta = [ABSTAIN_MESSAGE, ONLY_PROMOTIONAL]
    a_ans = run.answers([q["question"] for q in answerable], mode)
    u_ans = run.answers([q["question"] for q in unanswerable], mode)
    rows: list[dict[str, Any]] = []
    kf, right, all_gold, integrity_ok, label_ok, y_true, y_pred, alce = [], [], [], [], [], [], [], []
    n_cit = n_exact = n_markers = n_resolved = 0
    for q, ans in zip(answerable, a_ans):
        hits = M.key_fact_hits("" if ans.abstained else ans.answer, q["key_facts"])
        ok_docs = set(q["gold_docs"]) | {s["doc_id"] for s in q.get("alt_spans", [])}
        cited = {c.doc_id for c in ans.citations}
        check = M.citation_integrity(ans.answer, [c.to_json() for c in ans.citations], run.file_text)
        n_cit += check["citations"]
        n_exact += check["exact"]
        n_markers += check["markers"]
        n_resolved += check["resolved"]
        integrity_ok.append(not check["problems"])
        kf.append(sum(hits) / len(hits))
        right.append(bool(cited & ok_docs))
        all_gold.append(set(q["gold_docs"]) <= cited)
        if not ans.abstained:
            acceptable = ans.label in q["acceptable_labels"]
            label_ok.append(acceptable)
            y_pred.append(ans.label)
            y_true.append(ans.label if acceptable else q["acceptable_labels"][0])
            alce.append(
                M.alce_citation_scores(M.cited_sentences(ans.answer, meta), _answer_passages(ans), supports)
            )
        rows.append(
            {
                "id": q["id"],
                "question": q["question"],
                "abstained": ans.abstained,
                "answer": ans.answer,
                "label": ans.label,
                "acceptable_labels": q["acceptable_labels"],
                "key_facts_missed": [f for f, h in zip(q["key_facts"], hits) if not h],
                "cited_docs": sorted(cited),
                "gold_docs": q["gold_docs"],
                "right_doc": right[-1],
                "support": round(ans.support, 4),
                "integrity_problems": check["problems"],
                "citations": [
                    {"n": c.n, "doc_id": c.doc_id, "start": c.start, "end": c.end} for c in ans.citations
                ],
            }
        )
    for q, ans in zip(unanswerable, u_ans):
        check = M.citation_integrity(ans.answer, [c.to_json() for c in ans.citations], run.file_text)
        n_cit += check["citations"]
        n_exact += check["exact"]
        n_markers += check["markers"]
        n_resolved += check["resolved"]
        integrity_ok.append(not check["problems"])
        rows.append(
            {
                "id": q["id"],
                "question": q["question"],
                "kind": q.get("kind"),
                "abstained": ans.abstained,
                "answer": ans.answer,
                "support": round(ans.support, 4),
                "cited_docs": sorted({c.doc_id for c in ans.citations}),
            }
        )
    abst = M.abstention_scores(
        [a.abstained for a in a_ans] + [a.abstained for a in u_ans],
        [True] * len(a_ans) + [False] * len(u_ans),
    )
    labels = list(LABELS)
    out = {
        "n_answerable": len(answerable),
        "n_unanswerable": len(unanswerable),
        "key_fact_recall": float(np.mean(kf)) if kf else 0.0,
        "right_doc_rate": float(np.mean(right)) if right else 0.0,
        "all_gold_docs_rate": float(np.mean(all_gold)) if all_gold else 0.0,
        "citation_integrity": (n_exact + n_resolved) / (n_cit + n_markers) if n_cit + n_markers else 1.0,
        "answers_intact": float(np.mean(integrity_ok)) if integrity_ok else 1.0,
        "citations": n_cit,
        "markers": n_markers,
        "abstention": abst,
        "label_acceptable": float(np.mean(label_ok)) if label_ok else 0.0,
        "label_macro_f1": M.macro_f1(y_true, y_pred, labels) if y_true else 0.0,
        "label_confusion": {"labels": labels, "matrix": M.confusion_matrix(y_true, y_pred, labels)},
        "alce_citation_recall": float(np.mean([a["recall"] for a in alce])) if alce else 0.0,
        "alce_citation_precision": float(np.mean([a["precision"] for a in alce])) if alce else 0.0,
        "mean_citations": float(np.mean([len(a.citations) for a in a_ans if not a.abstained] or [0])),
    }
    return out, rows


def weak_answers(rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """The answers that missed something, with what went wrong, for the report."""
    out = []
    for r in rows:
        problems = []
        if "key_facts_missed" in r:
            if r["abstained"]:
                problems.append("abstained on an answerable question")
            else:
                if r["key_facts_missed"]:
                    problems.append(
                        "missed key facts " + "; ".join(" / ".join(f) for f in r["key_facts_missed"])
                    )
                if not r["right_doc"]:
                    problems.append(f"cited {r['cited_docs']} not {r['gold_docs']}")
                if r["label"] not in r["acceptable_labels"]:
                    problems.append(f"label {r['label']} not in {r['acceptable_labels']}")
            if r["integrity_problems"]:
                problems.append("integrity: " + "; ".join(r["integrity_problems"]))
        elif not r["abstained"]:
            problems.append(f"answered an unanswerable ({r.get('kind')}) question from {r['cited_docs']}")
        if problems:
            out.append(
                {
                    "id": r["id"],
                    "question": r["question"],
                    "problems": problems,
                    "answer": r["answer"][:300],
                    "support": r["support"],
                }
            )
    return out
