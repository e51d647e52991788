"""Collect what a `pytest eval/` session measured and write eval/out/report.md, metrics.json and plots.

Sections measured in this session replace the same sections of the previous metrics.json; the rest is
kept (with its own timestamp), so running one eval file does not erase the others' figures.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from plots import make_plots

OUT = Path(__file__).resolve().parent / "out"
RESULTS: dict[str, dict[str, Any]] = {}
ROWS: dict[str, list[dict[str, Any]]] = {}


def record(section: str, key: str, value: Any) -> None:
    """Keep one measured value for the report."""
    RESULTS.setdefault(section, {})[key] = value


@contextmanager
def timed(name: str) -> Iterator[None]:
    """Record how long a phase of the session took (wall seconds)."""
    start = time.perf_counter()
    try:
        yield
    finally:
        record("timings", name, round(time.perf_counter() - start, 1))


def record_rows(name: str, rows: list[dict[str, Any]]) -> None:
    """Keep per-question rows, written to eval/out/<name>.jsonl."""
    ROWS[name] = rows


def _load_json(path: Path) -> dict[str, Any]:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def write() -> dict[str, Any]:
    """Merge this session's results into metrics.json and render the report and plots."""
    OUT.mkdir(parents=True, exist_ok=True)
    merged = _load_json(OUT / "metrics.json")
    stamp = time.strftime("%Y-%m-%d %H:%M:%S")
    for section, values in RESULTS.items():
        old = merged.get(section, {}) if isinstance(merged.get(section), dict) else {}
        merged[section] = {**old, **values, "measured_at": stamp}
    (OUT / "metrics.json").write_text(
        json.dumps(merged, indent=1, ensure_ascii=False, default=_plain) + "\n", encoding="utf-8"
    )
    for name, rows in ROWS.items():
        (OUT / f"{name}.jsonl").write_text(
            "".join(json.dumps(r, ensure_ascii=False, default=_plain) + "\n" for r in rows), encoding="utf-8"
        )
    plots = make_plots(merged, OUT, _labels_file())
    (OUT / "report.md").write_text(render(merged, plots), encoding="utf-8")
    return merged


def _plain(o: Any) -> Any:
    if hasattr(o, "tolist"):
        return o.tolist()
    if isinstance(o, set | tuple):
        return list(o)
    return str(o)


def _f(x: Any, pct: bool = False) -> str:
    if x is None:
        return "–"
    if isinstance(x, float):
        return f"{100 * x:.1f}%" if pct else f"{x:.3f}"
    return str(x)


def _table(header: list[str], rows: list[list[Any]]) -> list[str]:
    out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    out += ["| " + " | ".join(_f(c) if not isinstance(c, str) else c for c in r) + " |" for r in rows]
    return out


def _labels_file() -> dict[str, Any]:
    return _load_json(OUT / "labels.json")


def render(m: dict[str, Any], plots: list[str]) -> str:
    """The Markdown report."""
    L = [
        "# spine-qa evaluation report",
        "",
        (
            "Produced by `pytest eval/` (see the README's Evaluation section for what each metric means). "
            "Dev figures are on data the pipeline may be tuned on; **held-out figures are the ones to trust**."
        ),
        "",
    ]
    idx = m.get("indexes", {})
    if idx:
        L += [
            "Indexes: "
            + "; ".join(
                f"{k}: {'reused from cache' if v.get('reused') else 'built'} "
                f"in {v.get('seconds')} s, {v.get('chunks')} chunks"
                for k, v in idx.items()
                if isinstance(v, dict)
            ),
            "",
        ]
    pipe = m.get("settings", {}).get("pipeline")
    if pipe:
        r, a = pipe.get("retrieve", {}), pipe.get("answer", {})
        L += [
            f"Pipeline settings: generator `{pipe.get('generator')}`, retrieve "
            + ", ".join(f"{k}={v}" for k, v in r.items())
            + "; answer "
            + ", ".join(f"{k}={v}" for k, v in a.items() if k != "max_question_chars"),
            "",
        ]
    # held-out first: it is what the bars are about
    for split, title in (
        ("heldout6", "Sixth held-out set (fresh independent questions, scored once, at release)"),
        ("heldout4", "Fourth held-out set (independent questions, scored only at releases)"),
        ("heldout5", "Fifth held-out set (independent questions; misses read during development)"),
        ("heldout3", "Third held-out set (independent questions; misses read during development)"),
        ("heldout2", "Second held-out set (independent questions, scored only at releases)"),
        ("heldout", "Held-out answers (independent questions, never tuned on; misses read during development)"),
        ("dev", "Development answers"),
    ):
        sec = m.get(f"{split}_answers")
        if not sec:
            continue
        L += [
            f"## {title}",
            (f"_measured {sec.get('measured_at')}; extractive generator; one column per retrieval mode_"),
            "",
        ]
        modes = [k for k in ("hybrid", "dense", "bm25") if k in sec]
        rows = []
        for label, key, pct in (
            ("key-fact recall", "key_fact_recall", True),
            ("cites a right document", "right_doc_rate", True),
            ("cites every gold document", "all_gold_docs_rate", True),
            ("citation integrity", "citation_integrity", True),
            ("label acceptable", "label_acceptable", True),
            ("label macro-F1 (vs acceptable)", "label_macro_f1", False),
            ("ALCE citation recall", "alce_citation_recall", True),
            ("ALCE citation precision", "alce_citation_precision", True),
            ("citations per answer", "mean_citations", False),
            ("key-fact misses, gold sentences retrieved", "key_fact_misses_gold_retrieved", False),
            ("key-fact misses, gold not all retrieved", "key_fact_misses_gold_not_retrieved", False),
        ):
            rows.append([label] + [_f(sec[mo].get(key), pct) for mo in modes])
        for label, key in (
            ("abstention precision", "precision"),
            ("abstention recall", "recall"),
            ("answerable answered", "answered_rate"),
        ):
            rows.append([label] + [_f(sec[mo]["abstention"][key], True) for mo in modes])
        rows.append(
            ["unanswerable abstained"]
            + [
                f"{sec[mo]['abstention']['abstained_unanswerable']}/{sec[mo]['abstention']['unanswerable']}"
                for mo in modes
            ]
        )
        rows.append(
            ["answerable abstained"]
            + [
                f"{sec[mo]['abstention']['abstained_answerable']}/{sec[mo]['abstention']['answerable']}"
                for mo in modes
            ]
        )
        L += _table(["metric"] + modes, rows) + [""]
        bars = m.get("bars", {}).get(split)
        if bars:
            L += ["Bars (issue #2; answer-label bar from issue #3), hybrid:", ""]
            L += _table(
                ["bar", "needed", "measured", "met"],
                [[b["name"], b["needed"], b["measured"], "yes" if b["met"] else "**no**"] for b in bars],
            )
            L += [""]
        weak = sec.get("weak_hybrid") or []
        if weak:
            L += [f"Answers (hybrid) that fell short: {len(weak)}", ""]
            L += [f"- `{w['id']}` {w['question']} — " + "; ".join(w["problems"]) for w in weak[:40]]
            L += [""]
    ret = m.get("dev_retrieval")
    if ret:
        L += [
            "## Retrieval (dev questions)",
            (
                f"_measured {ret.get('measured_at')}; passage = chunk overlapping "
                "a gold span; document = first chunk of each document_"
            ),
            "",
        ]
        modes = [k for k in ("hybrid", "dense", "bm25") if k in ret]
        keys = ["recall@1", "recall@5", "recall@10", "mrr", "ndcg@10"]
        rows = [
            [f"{lvl} {k}"] + [ret[mo][lvl][k] for mo in modes]
            for lvl in ("passage", "document")
            for k in keys
        ]
        L += _table(["metric"] + modes, rows) + [""]
    for split, name in (("heldout", "held-out questions"), ("heldout2", "second held-out set"),
                        ("heldout3", "third held-out set"), ("heldout4", "fourth held-out set"),
                        ("heldout5", "fifth held-out set"), ("heldout6", "sixth held-out set")):
        ho_ret = m.get(f"{split}_retrieval")
        if not ho_ret:
            continue
        modes = [k for k in ("hybrid", "dense", "bm25") if k in ho_ret]
        keys = ["recall@1", "recall@5", "mrr", "ndcg@10"]
        L += [f"## Retrieval ({name})", ""]
        rows = [
            [f"{lvl} {k}"] + [ho_ret[mo][lvl][k] for mo in modes]
            for lvl in ("passage", "document")
            for k in keys
        ]
        L += _table(["metric"] + modes, rows) + [""]
    pq = m.get("pubmedqa")
    if pq:
        L += [
            "## PubMedQA (1,000 expert-labelled items, MIT licence)",
            (
                f"_measured {pq.get('measured_at')}; "
                "each abstract is its own document; the source abstract is the one relevant document_"
            ),
            "",
        ]
        modes = [
            k for k in ("hybrid", "dense", "bm25", "whole_abstract_bm25", "whole_abstract_dense") if k in pq
        ]
        L += _table(
            ["source abstract"] + modes,
            [[k] + [pq[mo][k] for mo in modes] for k in ("recall@1", "recall@5", "mrr")],
        ) + [""]
        a = pq.get("answers")
        if a:
            L += [
                (
                    f"Answers (hybrid, extractive, {a['n']} questions): cite the source abstract "
                    f"{_f(a['cites_source'], True)}; LONG_ANSWER content-word overlap (recall of its content words) "
                    f"{_f(a['long_answer_overlap'])}; abstained {_f(a['abstained'], True)} (every question is "
                    "answerable here, so each abstention is a miss)."
                ),
                "",
            ]
        L += [
            (
                "`whole_abstract_*` are reference baselines over whole abstracts (plain bm25s; MiniLM over the "
                "abstract's first 256 tokens), not pipeline modes."
            ),
            "",
        ]
    sp = m.get("support")
    if sp and "features" in sp:  # a run of some test files records only the held-out claims
        L += [
            "## Citation-support scorer",
            f"_measured {sp.get('measured_at')}_",
            "",
            (
                f"Logistic model over {', '.join(sp['features'])}; calibrated on {sp['n']} hand-labelled pairs "
                f"({sp['n_supported']} supported). Held-out-fold figures from {sp['folds']}-fold cross-validation "
                f"repeated {sp['repeats']} times: **accuracy {_f(sp['cv_accuracy'])}, AUROC {_f(sp['cv_auroc'])}**. "
                f"The shipped coefficients, refitted on all pairs, score accuracy {_f(sp['train_accuracy'])} on them."
            ),
            "",
            "Accuracy by kind of pair (held-out folds):",
            "",
        ]
        L += _table(["kind", "accuracy", "n"], [[k, v["accuracy"], v["n"]] for k, v in sp["by_kind"].items()])
        L += [""]
        if sp.get("heldout_claims"):
            h = sp["heldout_claims"]
            L += [
                (
                    f"On the held-out claims ({h['n_true']} true claim–source pairs, each also paired with the source "
                    f"of another claim in the same document as a wrong citation): accuracy {_f(h['accuracy'])}, "
                    f"AUROC {_f(h['auroc'])}, true pairs supported {_f(h['true_supported'], True)}, wrong citations "
                    f"rejected {_f(h['wrong_rejected'], True)}."
                ),
                "",
            ]
        L += [
            (
                "**It cannot tell support from contradiction.** It checks whether a sentence's words, numbers and "
                "names are found in the cited passages and how close the embeddings are; a sentence that negates "
                'or reverses its passage ("did not reduce pain" against "reduced pain") can score as supported. '
                "ALCE figures built on it are an upper bound on true entailment."
            ),
            "",
        ]
    lab = _labels_file()
    if lab:
        L += ["## Labeller (from eval/out/labels.json, written by eval/test_labels.py)", ""]
        for k, v in lab.items():
            if isinstance(v, int | float | str) and not isinstance(v, bool):
                L.append(f"- {k}: {_f(v)}")
        conf = lab.get("confusion")
        if isinstance(conf, dict) and conf.get("matrix"):
            labels = conf.get("labels") or conf.get("rows_gold_cols_predicted") or []
            L += ["", "Confusion (rows gold, columns predicted):", ""]
            L += _table(
                ["gold \\ predicted"] + list(labels),
                [[lb] + list(r) for lb, r in zip(labels, conf["matrix"])],
            )
        L += [""]
    llm = _load_json(OUT / "llm_vs_extractive.json")
    if llm:
        L += [
            "## Model-written answers (from eval/out/llm_vs_extractive.json)",
            "",
            (
                "Measured by eval/test_llm_vs_extractive.py against a scripted loopback model (no real LLM is "
                "available here)."
            ),
            "",
        ]
        gens = [g for g in ("extractive", "llm") if isinstance(llm.get(g), dict)]
        keys = sorted({k for g in gens for k, v in llm[g].items() if isinstance(v, int | float)})
        if gens:
            L += _table(["metric"] + gens, [[k] + [llm[g].get(k) for g in gens] for k in keys]) + [""]
    rt = m.get("runtime")
    if rt:
        L += [
            "## Runtime",
            "",
            (
                f"Last session: {rt.get('seconds')} s wall, {rt.get('cpu_seconds')} s CPU "
                f"(this process); embedding cache {rt.get('cache_hits')} hits, {rt.get('cache_misses')} misses."
            ),
            "",
        ]
        tm = {k: v for k, v in m.get("timings", {}).items() if k != "measured_at"}
        if tm:
            L += ["Phases (wall seconds): " + ", ".join(f"{k} {v}" for k, v in tm.items()), ""]
    if plots:
        L += ["## Plots", ""] + [f"![{p}]({p})" for p in plots] + [""]
    return "\n".join(L)


def readme_figures(m: dict[str, Any]) -> str:
    """The compact figures block for the README (``python eval/report.py`` prints it)."""
    L = []
    modes = ("hybrid", "dense", "bm25")
    rows = []
    for split, name in (("heldout6", "held-out 6"), ("heldout4", "held-out 4"), ("heldout5", "held-out 5"), ("heldout3", "held-out 3"), ("heldout2", "held-out 2"), ("heldout", "held-out"), ("dev", "dev")):
        a = m.get(f"{split}_answers", {})
        if all(mo in a for mo in modes):
            rows += [
                [f"{name} key-fact recall"] + [_f(a[mo]["key_fact_recall"], True) for mo in modes],
                [f"{name} cites a right document"] + [_f(a[mo]["right_doc_rate"], True) for mo in modes],
                [f"{name} citation integrity"] + [_f(a[mo]["citation_integrity"], True) for mo in modes],
                [f"{name} out-of-corpus abstained"]
                + [
                    f"{a[mo]['abstention']['abstained_unanswerable']}/{a[mo]['abstention']['unanswerable']}"
                    for mo in modes
                ],
                [f"{name} answerable answered"]
                + [
                    f"{a[mo]['abstention']['answerable'] - a[mo]['abstention']['abstained_answerable']}/"
                    f"{a[mo]['abstention']['answerable']}"
                    for mo in modes
                ],
                [f"{name} acceptable label"] + [_f(a[mo]["label_acceptable"], True) for mo in modes],
            ]
    r = m.get("dev_retrieval", {})
    if all(mo in r for mo in modes):
        rows += [
            ["dev passage Recall@5"] + [_f(r[mo]["passage"]["recall@5"]) for mo in modes],
            ["dev passage MRR"] + [_f(r[mo]["passage"]["mrr"]) for mo in modes],
            ["dev passage nDCG@10"] + [_f(r[mo]["passage"]["ndcg@10"]) for mo in modes],
            ["dev document Recall@1"] + [_f(r[mo]["document"]["recall@1"]) for mo in modes],
        ]
    p = m.get("pubmedqa", {})
    if all(mo in p for mo in modes):
        rows += [
            [f"PubMedQA source {k}"] + [_f(p[mo][k]) for mo in modes] for k in ("recall@1", "recall@5", "mrr")
        ]
    if rows:
        L += _table(["measured (extractive generator)", *modes], rows) + [""]
    notes = []
    if p.get("whole_abstract_bm25") and p.get("whole_abstract_dense"):
        notes.append(
            f"PubMedQA reference baselines over whole abstracts: BM25 R@1 {_f(p['whole_abstract_bm25']['recall@1'])}, "
            f"MiniLM R@1 {_f(p['whole_abstract_dense']['recall@1'])}."
        )
    if p.get("answers"):
        notes.append(
            f"PubMedQA answers cite the source abstract {_f(p['answers']['cites_source'], True)} of the time and "
            f"contain {_f(p['answers']['long_answer_overlap'], True)} of the LONG_ANSWER's content words."
        )
    s = m.get("support", {})
    if s:
        notes.append(
            f"Support scorer: accuracy {_f(s['cv_accuracy'])}, AUROC {_f(s['cv_auroc'])} on held-out folds of the "
            f"{s['n']} hand-labelled pairs."
        )
    a = m.get("dev_answers", {}).get("hybrid")
    if a:
        notes.append(
            f"ALCE citation recall / precision of the extractive answers: {_f(a['alce_citation_recall'], True)} / "
            f"{_f(a['alce_citation_precision'], True)} (it quotes its sources, so this is expected; the figures "
            "matter for model-written answers)."
        )
    rt = m.get("runtime", {})
    if rt:
        idx = m.get("indexes", {})
        rebuilt = [k for k, v in idx.items() if isinstance(v, dict) and not v.get("reused")]
        notes.append(
            f"Last session: {rt.get('seconds')} s wall, {rt.get('cpu_seconds')} s CPU, {rt.get('tests')} tests"
            + (
                f" (rebuilt the {', '.join(rebuilt)} index from cached vectors)."
                if rebuilt
                else ", caches warm."
            )
        )
    return "\n".join(L + [" ".join(notes)])


if __name__ == "__main__":
    print(readme_figures(_load_json(OUT / "metrics.json")))
