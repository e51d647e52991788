"""Benchmarks for spine-qa: each module prints a table and writes JSON to ``bench/out/``.

``python -m bench`` runs them all; ``python -m bench.<name> --help`` runs one. Every figure sits
next to a baseline measured in the same run. Nothing here is a test: times are never asserted.
"""
