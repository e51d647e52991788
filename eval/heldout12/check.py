#!/usr/bin/env python3
"""Standalone checker for questions.jsonl and unanswerable.jsonl."""
import json, os, sys

HERE = os.path.dirname(os.path.abspath(__file__))
SEEDS = "/work/shared/seeds"
LABELS = {"evidence", "opinion", "marketing"}
STYLES = {"patient", "precise", "view"}
TYPES = {"name", "number", "date", "place", "journal", "title", "none"}
KINDS = {"near_miss", "personal_advice", "off_topic"}

errors = []
def err(msg):
    errors.append(msg)
    print("  ERROR:", msg)

texts = {}
def text(doc):
    if doc not in texts:
        p = os.path.join(SEEDS, doc + ".txt")
        if not os.path.exists(p):
            err(f"unknown doc {doc}")
            texts[doc] = ""
        else:
            with open(p, encoding="utf-8") as f:
                texts[doc] = f.read()
    return texts[doc]

def load(name):
    with open(os.path.join(HERE, name), encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]

qs = load("questions.jsonl")
un = load("unanswerable.jsonl")
ids = [q["id"] for q in qs] + [u["id"] for u in un]
if len(ids) != len(set(ids)):
    err("duplicate ids")

for q in qs:
    print(f"\n[{q['id']}] ({q['style']}, {q['answer_type']}) {q['question']}")
    for k in ("id", "question", "style", "key_facts", "gold_docs", "gold_spans", "alt_spans",
              "acceptable_labels", "answer_type", "short_answer"):
        if k not in q:
            err(f"{q['id']}: missing field {k}")
    if q["style"] not in STYLES: err(f"{q['id']}: bad style")
    if q["answer_type"] not in TYPES: err(f"{q['id']}: bad answer_type")
    if not q["acceptable_labels"] or not set(q["acceptable_labels"]) <= LABELS or len(q["acceptable_labels"]) > 2:
        err(f"{q['id']}: bad labels {q['acceptable_labels']}")
    if not 1 <= len(q["gold_spans"]) <= 3: err(f"{q['id']}: need 1-3 gold spans")
    if set(q["gold_docs"]) != {s["doc_id"] for s in q["gold_spans"]}:
        err(f"{q['id']}: gold_docs do not match gold spans")
    span_texts = []
    for kind in ("gold_spans", "alt_spans"):
        for s in q[kind]:
            t = text(s["doc_id"])
            if not (0 <= s["start"] < s["end"] <= len(t)):
                err(f"{q['id']}: bad offsets {s}")
                continue
            st = t[s["start"]:s["end"]]
            if st != st.strip(): err(f"{q['id']}: span has surrounding whitespace")
            span_texts.append(st)
            print(f"   {kind[:4]} {s['doc_id'][:3]} {s['start']}-{s['end']}: {st}")
    low = [t.lower() for t in span_texts]
    for fact in q["key_facts"]:
        if not fact or not any(any(a.lower() in t for t in low) for a in fact):
            err(f"{q['id']}: key fact not found in spans: {fact}")
    if q["answer_type"] != "none":
        if not q["short_answer"]:
            err(f"{q['id']}: factoid without short_answer")
        else:
            g = q["gold_spans"][0]
            if q["short_answer"] not in text(g["doc_id"])[g["start"]:g["end"]]:
                err(f"{q['id']}: short_answer not in first gold span")
            print(f"   short_answer: {q['short_answer']}")
    elif q["short_answer"] is not None:
        err(f"{q['id']}: non-factoid has short_answer")

print()
for u in un:
    print(f"[{u['id']}] ({u['kind']}) {u['question']}")
    if u["kind"] not in KINDS: err(f"{u['id']}: bad kind")
    if u["kind"] == "personal_advice":
        if not u.get("gold_docs"): err(f"{u['id']}: personal_advice needs gold_docs")
        for d in u.get("gold_docs", []): text(d)

from collections import Counter
print("\nstyles:", dict(Counter(q["style"] for q in qs)))
print("kinds:", dict(Counter(u["kind"] for u in un)))
print("docs:", dict(Counter(d for q in qs for d in q["gold_docs"])))
print("PASS" if not errors else f"FAIL ({len(errors)} errors)")
sys.exit(0 if not errors else 1)
