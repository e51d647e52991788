#!/usr/bin/env python3
"""Standalone checker for questions.jsonl and unanswerable.jsonl."""
import json, os
from collections import Counter

SEEDS = "/work/shared/seeds"
HERE = os.path.dirname(os.path.abspath(__file__))
LABELS = {"evidence", "opinion", "marketing"}
ATYPES = {"name", "number", "date", "place", "journal", "title", "none"}
errors = []
texts = {}


def doc(d):
    if d not in texts:
        with open(os.path.join(SEEDS, d + ".txt"), encoding="utf-8") as f:
            texts[d] = f.read()
    return texts[d]


def load(name):
    with open(os.path.join(HERE, name), encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


qs, us = load("questions.jsonl"), load("unanswerable.jsonl")
ids = [x["id"] for x in qs + us]
for i, c in Counter(ids).items():
    if c > 1:
        errors.append("duplicate id " + i)

for q in qs:
    print("=" * 70)
    print(q["id"], q["style"], q["answer_type"], q["acceptable_labels"], "|", q["question"])
    for k in ("id", "question", "style", "key_facts", "gold_docs", "gold_spans", "alt_spans",
              "acceptable_labels", "answer_type", "short_answer"):
        if k not in q:
            errors.append(f"{q['id']}: missing {k}")
    if q["style"] not in ("patient", "precise", "view"):
        errors.append(f"{q['id']}: bad style")
    if not set(q["acceptable_labels"]) <= LABELS or not 1 <= len(q["acceptable_labels"]) <= 2:
        errors.append(f"{q['id']}: bad labels")
    if q["answer_type"] not in ATYPES:
        errors.append(f"{q['id']}: bad answer_type")
    if not 1 <= len(q["gold_spans"]) <= 3:
        errors.append(f"{q['id']}: need 1-3 gold spans")
    span_texts = []
    for kind in ("gold_spans", "alt_spans"):
        for s in q[kind]:
            t = doc(s["doc_id"])
            if not (0 <= s["start"] < s["end"] <= len(t)):
                errors.append(f"{q['id']}: bad offsets {s}")
                continue
            st = t[s["start"]:s["end"]]
            if st != st.strip():
                errors.append(f"{q['id']}: span has outer whitespace")
            span_texts.append(st)
            print(f"  [{kind[:4]}] {s['doc_id']} {s['start']}-{s['end']}: {st!r}")
    if sorted(set(s["doc_id"] for s in q["gold_spans"])) != sorted(set(q["gold_docs"])):
        errors.append(f"{q['id']}: gold_docs mismatch")
    low = [t.lower() for t in span_texts]
    for fact in q["key_facts"]:
        if not fact:
            errors.append(f"{q['id']}: empty fact")
        for alt in fact:
            if not any(alt.lower() in t for t in low):
                errors.append(f"{q['id']}: key fact not in spans: {alt!r}")
    g0 = q["gold_spans"][0]
    g0t = doc(g0["doc_id"])[g0["start"]:g0["end"]]
    if q["answer_type"] != "none":
        if not q["short_answer"] or q["short_answer"] not in g0t:
            errors.append(f"{q['id']}: short answer not in first gold span")
    elif q["short_answer"] is not None:
        errors.append(f"{q['id']}: non-factoid with short answer")

for u in us:
    print("-" * 70)
    print(u["id"], u["kind"], u.get("gold_docs", ""), "|", u["question"])
    if u["kind"] not in ("near_miss", "personal_advice", "off_topic"):
        errors.append(f"{u['id']}: bad kind")
    if u["kind"] == "personal_advice":
        for d in u.get("gold_docs", []) or [None]:
            if d is None or not os.path.exists(os.path.join(SEEDS, d + ".txt")):
                errors.append(f"{u['id']}: bad gold_docs")

print("=" * 70)
print("styles:", dict(Counter(q["style"] for q in qs)))
print("kinds:", dict(Counter(u["kind"] for u in us)))
print("factoids among precise:", sum(q["answer_type"] != "none" for q in qs if q["style"] == "precise"))
print("gold docs:", dict(Counter(s["doc_id"] for q in qs for s in q["gold_spans"])))
for e in errors:
    print("ERROR:", e)
print("PASS" if not errors else "FAIL")
