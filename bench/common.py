"""Shared helpers for the benchmarks: corpora, percentiles, tables, JSON output, memory and the machine."""

from __future__ import annotations

import json
import os
import platform
import resource
import shutil
import statistics
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"
WORK = OUT / "work"  # reusable inputs (written corpora, cached sentence vectors, scale collections)
SEED_CORPUS = ROOT / "corpus"
PUBMEDQA = Path(os.environ.get("SPINE_QA_PUBMEDQA", ROOT.parent / "shared" / "data" / "pubmedqa" / "ori_pqal.json"))


def pubmedqa_records(limit: int | None = None) -> list[tuple[str, dict[str, Any]]]:
    """PubMedQA-L records as (PMID, record), in PMID order."""
    if not PUBMEDQA.exists():
        raise SystemExit(f"PubMedQA data not found at {PUBMEDQA}; set SPINE_QA_PUBMEDQA to ori_pqal.json")
    data = json.loads(PUBMEDQA.read_text(encoding="utf-8"))
    items = sorted(data.items())
    return items[:limit] if limit else items


def abstract_text(rec: dict[str, Any]) -> str:
    """An abstract as a plain text file: its context paragraphs, then its conclusion."""
    return "\n\n".join([*rec["CONTEXTS"], rec["LONG_ANSWER"]]) + "\n"


def write_pubmedqa_corpus(folder: Path, limit: int | None = None) -> tuple[Path, list[str]]:
    """Write the abstracts as ``<PMID>.txt`` (only files whose text differs) and return the questions."""
    folder.mkdir(parents=True, exist_ok=True)
    questions = []
    for pmid, rec in pubmedqa_records(limit):
        path = folder / f"{pmid}.txt"
        text = abstract_text(rec)
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
        questions.append(rec["QUESTION"])
    return folder, questions


def pubmedqa_index(docs: int = 1000) -> Path:
    """The data folder of the PubMedQA index that the throughput bench builds and the others reuse."""
    return WORK / "pubmedqa" / "data" if docs == 1000 else WORK / f"pubmedqa-{docs}-index"


def seed_questions() -> list[str]:
    """The seed corpus's dev questions, answerable and not (the held-out set is left alone)."""
    out = []
    for name in ("questions_dev.jsonl", "unanswerable_dev.jsonl"):
        for line in (ROOT / "eval" / "data" / name).read_text(encoding="utf-8").splitlines():
            if line.strip():
                out.append(json.loads(line)["question"])
    return out


def cycle(items: Sequence[str], n: int) -> list[str]:
    """``n`` items, going round the list again when it is shorter."""
    return [items[i % len(items)] for i in range(max(n, 0))]


def pct(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100), linear interpolation."""
    import numpy as np

    return float(np.percentile(np.asarray(values, dtype=float), q)) if len(values) else float("nan")


def summary_ms(seconds: Sequence[float]) -> dict[str, float]:
    """p50 / p95 / mean in milliseconds, and the count."""
    ms = [s * 1000 for s in seconds]
    return {"n": len(ms), "p50_ms": round(pct(ms, 50), 2), "p95_ms": round(pct(ms, 95), 2),
            "mean_ms": round(statistics.fmean(ms), 2) if ms else float("nan")}


def machine() -> dict[str, Any]:
    """What the figures were measured on, including how busy the machine was."""
    mem = 0
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem = int(line.split()[1]) // 1024
    except OSError:
        pass
    return {"cores": os.cpu_count(), "mem_mib": mem, "python": platform.python_version(),
            "platform": platform.platform(), "load_avg": [round(x, 2) for x in os.getloadavg()],
            "when": time.strftime("%Y-%m-%d %H:%M:%S")}


def load_note() -> str:
    """One line saying whether other work was running (the 1-minute load average against the cores)."""
    one, five, _ = os.getloadavg()
    cores = os.cpu_count() or 1
    state = "otherwise idle" if five < 0.5 else "shared with other work"
    return f"load average {one:.1f} / {five:.1f} (1 / 5 min) on {cores} cores: {state}"


def table(title: str, header: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A plain-text table."""
    cells = [[str(h) for h in header]] + [[_fmt(c) for c in r] for r in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]
    def line(r: list[str]) -> str:
        return "  ".join(c.rjust(w) if i else c.ljust(w) for i, (c, w) in enumerate(zip(r, widths)))

    out = [title, line(cells[0]), "  ".join("-" * w for w in widths)] + [line(r) for r in cells[1:]]
    return "\n".join(out)


def _fmt(c: Any) -> str:
    if isinstance(c, float):
        return f"{c:,.2f}" if abs(c) < 100 else f"{c:,.0f}"
    return str(c)


def write_json(name: str, payload: dict[str, Any]) -> Path:
    """Write ``bench/out/<name>.json`` with the machine note added."""
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"{name}.json"
    payload = {"bench": name, "machine": machine(), **payload}
    path.write_text(json.dumps(payload, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


def peak_rss_mib() -> float:
    """This process's peak resident memory in MiB.

    VmHWM, not getrusage: Linux carries ru_maxrss across exec, so a child started from a big
    parent would report the parent's size.
    """
    try:
        return proc_peak_rss_mib(os.getpid())
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def proc_peak_rss_mib(pid: int) -> float:
    """Another process's peak resident memory (VmHWM) in MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def fresh_dir(path: Path) -> Path:
    """An empty folder at ``path`` (whatever was there is removed)."""
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)
    return path
