"""Run every benchmark: ``python -m bench`` (or ``make bench``). ``--quick`` uses small sizes for a smoke run.

Order matters: the throughput bench builds the PubMedQA index that the latency and cold-start
benches reuse, and the scale bench reuses its sentence vectors.
"""

from __future__ import annotations

import argparse
import time

from . import coldstart, int8, latency, scale, throughput
from .common import OUT, load_note, machine


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--quick", action="store_true", help="small sizes (100 abstracts, 1k/10k chunks, 200 queries)")
    p.add_argument("--labeller", default=None, help="labeller by name (default: the assistant's default)")
    a = p.parse_args(argv)
    docs = 100 if a.quick else 1000
    started = time.perf_counter()
    print(f"machine: {machine()}\n")
    throughput.run(docs, a.labeller)
    print()
    latency.run(200, ("seed", "pubmedqa"), a.labeller, docs)
    print()
    coldstart.run(3 if a.quick else 5, ("seed", "pubmedqa"), a.labeller, docs)
    print()
    scale.run((1000, 10000) if a.quick else (1000, 10000, 100000), 200 if a.quick else 1000)
    print()
    int8.run(*((50, 200, 200) if a.quick else (200, 1000, 1000)))
    print(f"\nall benchmarks done in {time.perf_counter() - started:.0f} s; JSON and scale.png in {OUT}; {load_note()}")


if __name__ == "__main__":
    main()
