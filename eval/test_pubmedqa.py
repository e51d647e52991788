"""PubMedQA (1,000 expert-labelled items, MIT licence): the abstracts as their own corpus.

Each abstract (its CONTEXTS joined) is written to ``<PMID>.txt`` and ingested into a cached data folder;
all 1,000 questions are asked. The relevant document of a question is its source abstract. Reported:
Recall@1, Recall@5 and MRR of the source abstract for BM25, dense and hybrid retrieval (plus two
whole-abstract reference baselines), the share of answers citing the source abstract, and the overlap
of the answers with the expert LONG_ANSWER.
"""

from __future__ import annotations

import harness
import numpy as np
import pytest
import report

from assistant import metrics as M
from assistant.support import content_stems

pytestmark = pytest.mark.slow
DEPTH = 20  # passages retrieved per question: enough to rank at least 5 abstracts


@pytest.fixture(scope="module")
def items() -> list[dict]:
    return harness.load_jsonl(harness.PUBMEDQA)


@pytest.fixture(scope="module")
def qvecs(pubmed_run, items) -> np.ndarray:
    with report.timed("pubmedqa question vectors"):
        return pubmed_run.query_vectors([it["question"] for it in items])


def _doc_scores(doc_rankings: list[list[str]], items: list[dict]) -> dict[str, float]:
    rows = [
        {
            "recall@1": M.recall_at_k(M.dedupe(r), {it["pmid"]}, 1),
            "recall@5": M.recall_at_k(M.dedupe(r), {it["pmid"]}, 5),
            "mrr": M.reciprocal_rank(M.dedupe(r), {it["pmid"]}),
        }
        for r, it in zip(doc_rankings, items)
    ]
    return M.mean_dicts(rows)


@pytest.fixture(scope="module")
def retrieval(pubmed_run, items, qvecs) -> dict[str, dict[str, float]]:
    questions = [it["question"] for it in items]
    out = {}
    for mode in harness.MODES:
        with report.timed(f"pubmedqa retrieval {mode}"):
            ranked = pubmed_run.rankings(questions, mode, depth=DEPTH, qvecs=qvecs)
        out[mode] = _doc_scores([[p.chunk.doc_id for p in r] for r in ranked], items)
    with report.timed("pubmedqa whole-abstract baselines"):
        out.update(_whole_abstract_baselines(pubmed_run, items, qvecs))
    for k, v in out.items():
        report.record("pubmedqa", k, v)
    return out


def _whole_abstract_baselines(run: harness.Run, items: list[dict], qvecs: np.ndarray) -> dict[str, dict]:
    """Reference points outside the pipeline: plain bm25s and plain MiniLM over whole abstracts."""
    import bm25s
    import Stemmer

    texts = ["\n\n".join(it["contexts"]) for it in items]
    ids = [it["pmid"] for it in items]
    stemmer = Stemmer.Stemmer("english")
    bm = bm25s.BM25()
    bm.index(bm25s.tokenize(texts, stopwords="en", stemmer=stemmer, show_progress=False), show_progress=False)
    q_tok = bm25s.tokenize(
        [it["question"] for it in items], stopwords="en", stemmer=stemmer, show_progress=False
    )
    got, _ = bm.retrieve(q_tok, k=5, show_progress=False, n_threads=0)
    bm_rank = [[ids[int(i)] for i in row] for row in got]
    emb = harness.cached_embedder(run.built.settings)
    d_vec = emb.embed(texts)  # MiniLM reads the first 256 tokens of each abstract
    sims = qvecs @ d_vec.T
    dense_rank = [[ids[int(i)] for i in np.argsort(-row)[:20]] for row in sims]
    return {
        "whole_abstract_bm25": _doc_scores(bm_rank, items),
        "whole_abstract_dense": _doc_scores(dense_rank, items),
    }


@pytest.fixture(scope="module")
def answers(pubmed_run, items) -> dict:
    with report.timed("pubmedqa answers"):
        got = pubmed_run.answers([it["question"] for it in items], "hybrid")
    from train.ranker import conclusion_sentences

    catalog = pubmed_run.index.catalog
    cites, overlap, abstained, lead_source, lead_conclusion = [], [], [], [], []
    for it, ans in zip(items, got):
        cites.append(any(c.doc_id == it["pmid"] for c in ans.citations))
        lead = M.lead_citation(ans.answer, [c.to_json() for c in ans.citations])
        lead_source.append(lead is not None and lead["doc_id"] == it["pmid"])
        if lead_source[-1]:
            ends = {int(catalog.s_start[i]) for i in conclusion_sentences(catalog, it)}
            lead_conclusion.append(int(lead["start"]) in ends)
        else:
            lead_conclusion.append(False)
        abstained.append(ans.abstained)
        want = set(content_stems(it["long_answer"]))
        have = set(content_stems("" if ans.abstained else ans.answer))
        overlap.append(len(want & have) / len(want) if want else 0.0)
    out = {
        "n": len(items),
        "cites_source": float(np.mean(cites)),
        "long_answer_overlap": float(np.mean(overlap)),
        "abstained": float(np.mean(abstained)),
        # The lead (the first cited sentence) from the question's own abstract, and from the two
        # sentences of it closest to its expert conclusion (see train/ranker.py).
        "lead_from_source": float(np.mean(lead_source)),
        "lead_from_conclusion": float(np.mean(lead_conclusion)),
        "median_citations": M.median([len(a.citations) for a in got if not a.abstained]),
    }
    report.record("pubmedqa", "answers", out)
    return out


def test_all_items_are_indexed_and_scored(pubmed_run, items, retrieval) -> None:
    assert len(items) == 1000
    assert len(pubmed_run.index.catalog.docs) == 1000
    for mode in (*harness.MODES, "whole_abstract_bm25", "whole_abstract_dense"):
        assert 0.0 < retrieval[mode]["recall@1"] <= retrieval[mode]["recall@5"] <= 1.0


def test_hybrid_beats_both_single_retrievers(retrieval) -> None:
    h = retrieval["hybrid"]["recall@1"]
    best = max(retrieval["bm25"]["recall@1"], retrieval["dense"]["recall@1"])
    assert h >= best, f"hybrid R@1 {h:.3f} < best single retriever {best:.3f}"


def test_hybrid_beats_whole_abstract_baselines(retrieval) -> None:
    h = retrieval["hybrid"]["recall@1"]
    best = max(retrieval["whole_abstract_bm25"]["recall@1"], retrieval["whole_abstract_dense"]["recall@1"])
    assert h >= best, f"hybrid R@1 {h:.3f} < whole-abstract baseline {best:.3f}"


def test_answers_cite_the_source_abstract(answers) -> None:
    assert answers["cites_source"] >= 0.90, answers
    assert answers["lead_from_source"] >= 0.90, answers
    assert answers["long_answer_overlap"] >= 0.20, answers
