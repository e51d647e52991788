"""The PNG plots of the eval report: metrics per baseline, support-scorer calibration, label confusion."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def make_plots(m: dict[str, Any], out: Path, lab: dict[str, Any]) -> list[str]:
    """Draw the baseline bars, the support calibration curve and a label confusion matrix; return file names."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    made = []
    modes = ["hybrid", "dense", "bm25"]
    panels = []
    if m.get("dev_retrieval"):
        r = m["dev_retrieval"]
        panels.append(
            (
                "dev retrieval",
                {
                    "passage R@5": [r[mo]["passage"]["recall@5"] for mo in modes],
                    "passage MRR": [r[mo]["passage"]["mrr"] for mo in modes],
                    "passage nDCG@10": [r[mo]["passage"]["ndcg@10"] for mo in modes],
                    "document R@1": [r[mo]["document"]["recall@1"] for mo in modes],
                },
            )
        )
    for split in ("dev", "heldout"):
        a = m.get(f"{split}_answers")
        if a and all(mo in a for mo in modes):
            panels.append(
                (
                    f"{split} answers",
                    {
                        "key facts": [a[mo]["key_fact_recall"] for mo in modes],
                        "right doc": [a[mo]["right_doc_rate"] for mo in modes],
                        "abstention recall": [a[mo]["abstention"]["recall"] for mo in modes],
                        "answered": [a[mo]["abstention"]["answered_rate"] for mo in modes],
                    },
                )
            )
    if m.get("pubmedqa") and all(mo in m["pubmedqa"] for mo in modes):
        p = m["pubmedqa"]
        panels.append(
            (
                "PubMedQA source abstract",
                {
                    "R@1": [p[mo]["recall@1"] for mo in modes],
                    "R@5": [p[mo]["recall@5"] for mo in modes],
                    "MRR": [p[mo]["mrr"] for mo in modes],
                },
            )
        )
    if panels:
        fig, axes = plt.subplots(1, len(panels), figsize=(4.2 * len(panels), 3.6), squeeze=False)
        for ax, (title, series) in zip(axes[0], panels):
            width = 0.8 / len(modes)
            for j, mo in enumerate(modes):
                xs = [i + j * width for i in range(len(series))]
                ax.bar(xs, [v[j] for v in series.values()], width, label=mo)
            ax.set_xticks(
                [i + width for i in range(len(series))], list(series), rotation=30, ha="right", fontsize=8
            )
            ax.set_ylim(0, 1.05)
            ax.set_title(title, fontsize=10)
        axes[0][0].legend(fontsize=8, loc="lower left")
        fig.tight_layout()
        fig.savefig(out / "baselines.png", dpi=110)
        plt.close(fig)
        made.append("baselines.png")
    sp = m.get("support")
    if sp and sp.get("calibration_curve"):
        c = sp["calibration_curve"]
        fig, ax = plt.subplots(figsize=(4.2, 4))
        ax.plot([0, 1], [0, 1], "--", color="grey", lw=1, label="perfect")
        ax.plot(c["mean_predicted"], c["fraction_supported"], "o-", label="held-out folds")
        for x, y, n in zip(c["mean_predicted"], c["fraction_supported"], c["count"]):
            ax.annotate(str(n), (x, y), textcoords="offset points", xytext=(4, -10), fontsize=7)
        ax.axvline(sp.get("threshold", 0.5), color="red", lw=0.8, ls=":", label="threshold")
        ax.set_xlabel("predicted support probability")
        ax.set_ylabel("fraction labelled supported")
        ax.set_title(f"support scorer (AUROC {sp['cv_auroc']:.2f})", fontsize=10)
        ax.legend(fontsize=8)
        fig.tight_layout()
        fig.savefig(out / "support_calibration.png", dpi=110)
        plt.close(fig)
        made.append("support_calibration.png")
    conf, title = None, ""
    if isinstance(lab.get("confusion"), dict) and lab["confusion"].get("matrix"):
        conf = lab["confusion"]
        conf = {
            "labels": conf.get("labels") or conf.get("rows_gold_cols_predicted"),
            "matrix": conf["matrix"],
        }
        title = "labeller (eval/out/labels.json)"
    elif m.get("heldout_answers", {}).get("hybrid"):
        conf = m["heldout_answers"]["hybrid"]["label_confusion"]
        title = "held-out answer labels (hybrid)"
    if conf and conf.get("labels"):
        fig, ax = plt.subplots(figsize=(4.2, 3.8))
        mat = conf["matrix"]
        ax.imshow(mat, cmap="Blues")
        for i, row in enumerate(mat):
            for j, v in enumerate(row):
                ax.text(j, i, str(v), ha="center", va="center", fontsize=9)
        ax.set_xticks(range(len(conf["labels"])), conf["labels"], fontsize=8)
        ax.set_yticks(range(len(conf["labels"])), conf["labels"], fontsize=8)
        ax.set_xlabel("predicted")
        ax.set_ylabel("gold")
        ax.set_title(f"confusion: {title}", fontsize=9)
        fig.tight_layout()
        fig.savefig(out / "label_confusion.png", dpi=110)
        plt.close(fig)
        made.append("label_confusion.png")
    return made
