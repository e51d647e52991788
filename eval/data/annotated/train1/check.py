#!/usr/bin/env python3
"""Standalone checker for questions.jsonl and unanswerable.jsonl."""
import json, os

SEEDS = "/work/shared/seeds"
HERE = os.path.dirname(os.path.abspath(__file__))
ok = True


def fail(msg):
    global ok
    ok = False
    print("ERROR:", msg)


texts = {}
def doc(d):
    if d not in texts:
        texts[d] = open(os.path.join(SEEDS, d + ".txt"), encoding="utf-8").read()
    return texts[d]


qs = [json.loads(l) for l in open(os.path.join(HERE, "questions.jsonl"), encoding="utf-8") if l.strip()]
us = [json.loads(l) for l in open(os.path.join(HERE, "unanswerable.jsonl"), encoding="utf-8") if l.strip()]
LABELS = {"evidence", "opinion", "marketing"}
TYPES = {"name", "number", "date", "place", "journal", "title", "none"}
FIELDS = ["id", "question", "style", "key_facts", "gold_docs", "gold_spans", "alt_spans",
          "acceptable_labels", "answer_type", "short_answer"]

ids = [q.get("id") for q in qs] + [u.get("id") for u in us]
if len(ids) != len(set(ids)):
    fail("duplicate ids")

for q in qs:
    qid = q.get("id")
    for k in FIELDS:
        if k not in q:
            fail(f"{qid}: missing field {k}")
    print(f"\n=== {qid} [{q['style']}] {q['question']}")
    if q["style"] not in ("patient", "precise", "view"):
        fail(f"{qid}: bad style")
    if not 1 <= len(q["gold_spans"]) <= 3:
        fail(f"{qid}: need 1-3 gold spans")
    if not q["acceptable_labels"] or len(q["acceptable_labels"]) > 2 or not set(q["acceptable_labels"]) <= LABELS:
        fail(f"{qid}: bad labels {q['acceptable_labels']}")
    if q["answer_type"] not in TYPES:
        fail(f"{qid}: bad answer_type")
    span_texts = []
    for kind in ("gold_spans", "alt_spans"):
        for s in q[kind]:
            t = doc(s["doc_id"])
            if not (0 <= s["start"] < s["end"] <= len(t)):
                fail(f"{qid}: bad offsets {s}")
                continue
            st = t[s["start"]:s["end"]]
            if st != st.strip():
                fail(f"{qid}: span has surrounding whitespace")
            span_texts.append(st)
            print(f"  {kind[:4]} {s['doc_id'][:3]} {s['start']}-{s['end']}: {st!r}")
    gd = []
    for s in q["gold_spans"]:
        if s["doc_id"] not in gd:
            gd.append(s["doc_id"])
    if sorted(gd) != sorted(q["gold_docs"]):
        fail(f"{qid}: gold_docs mismatch")
    if not q["key_facts"]:
        fail(f"{qid}: no key facts")
    for fact in q["key_facts"]:
        if not fact or not any(a.lower() in st.lower() for a in fact for st in span_texts):
            fail(f"{qid}: key fact not found in spans: {fact}")
    sa = q["short_answer"]
    if q["answer_type"] != "none":
        if not sa:
            fail(f"{qid}: factoid without short_answer")
        else:
            g = q["gold_spans"][0]
            if sa not in doc(g["doc_id"])[g["start"]:g["end"]]:
                fail(f"{qid}: short answer not in first gold span")
        print(f"  short_answer: {sa!r}")
    elif sa is not None:
        fail(f"{qid}: non-factoid with short_answer")

for u in us:
    if u.get("kind") not in ("near_miss", "personal_advice", "off_topic") or not u.get("question"):
        fail(f"{u.get('id')}: bad unanswerable record")
    if u.get("kind") == "personal_advice":
        if not u.get("gold_docs"):
            fail(f"{u['id']}: advice needs gold_docs")
        for d in u.get("gold_docs", []):
            doc(d)
    print(f"\n--- {u['id']} [{u['kind']}] {u['question']} {u.get('gold_docs', '')}")

from collections import Counter
print("\nstyles:", dict(Counter(q["style"] for q in qs)))
print("kinds:", dict(Counter(u["kind"] for u in us)))
print("factoids among precise:", sum(1 for q in qs if q["style"] == "precise" and q["answer_type"] != "none"))
print("PASS" if ok else "FAIL")
