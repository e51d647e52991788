#!/usr/bin/env python3
"""Standalone checker for questions.jsonl and unanswerable.jsonl."""
import json, os, sys
from collections import Counter

SEEDS = "/work/shared/seeds"
HERE = os.path.dirname(os.path.abspath(__file__))
docs = {f[:-4]: open(os.path.join(SEEDS, f), encoding="utf-8").read()
        for f in sorted(os.listdir(SEEDS)) if f.endswith(".txt")}

errors = []
def err(msg):
    errors.append(msg)
    print("ERROR:", msg)

def load(name):
    with open(os.path.join(HERE, name), encoding="utf-8") as f:
        return [json.loads(l) for l in f if l.strip()]

qs = load("questions.jsonl")
us = load("unanswerable.jsonl")

ids = [o["id"] for o in qs + us]
for i, c in Counter(ids).items():
    if c > 1:
        err("duplicate id %s" % i)

FIELDS = {"id", "question", "style", "key_facts", "gold_docs", "gold_spans", "alt_spans",
          "acceptable_labels", "answer_type", "short_answer"}
LABELS = {"evidence", "opinion", "marketing"}
TYPES = {"name", "number", "date", "place", "journal", "title", "none"}

def span_text(sp):
    t = docs.get(sp["doc_id"])
    if t is None:
        err("unknown doc %s" % sp["doc_id"]); return ""
    s, e = sp["start"], sp["end"]
    if not (0 <= s < e <= len(t)):
        err("bad offsets %r" % sp); return ""
    txt = t[s:e]
    if txt != txt.strip():
        err("span has surrounding whitespace %r" % sp)
    return txt

for q in qs:
    print("=" * 78)
    print("%s [%s | %s | %s] %s" % (q["id"], q["style"], q["answer_type"], "/".join(q["acceptable_labels"]), q["question"]))
    if set(q) != FIELDS:
        err("%s fields %s" % (q["id"], sorted(set(q) ^ FIELDS)))
    if q["style"] not in ("patient", "precise", "view"):
        err("%s style" % q["id"])
    if not (1 <= len(q["gold_spans"]) <= 3):
        err("%s needs 1-3 gold spans" % q["id"])
    if not q["acceptable_labels"] or len(q["acceptable_labels"]) > 2 or not set(q["acceptable_labels"]) <= LABELS:
        err("%s labels" % q["id"])
    if q["answer_type"] not in TYPES:
        err("%s answer_type" % q["id"])
    gtexts = []
    for sp in q["gold_spans"]:
        txt = span_text(sp); gtexts.append(txt)
        print("  GOLD %s %d-%d: %s" % (sp["doc_id"][:3], sp["start"], sp["end"], txt))
    atexts = []
    for sp in q["alt_spans"]:
        txt = span_text(sp); atexts.append(txt)
        print("  ALT  %s %d-%d: %s" % (sp["doc_id"][:3], sp["start"], sp["end"], txt))
    if sorted(set(q["gold_docs"])) != sorted({sp["doc_id"] for sp in q["gold_spans"]}):
        err("%s gold_docs mismatch" % q["id"])
    allt = [t.lower() for t in gtexts + atexts]
    if not q["key_facts"]:
        err("%s no key facts" % q["id"])
    for fact in q["key_facts"]:
        if not fact:
            err("%s empty fact" % q["id"])
        for alt in fact:
            if not any(alt.lower() in t for t in allt):
                err("%s key fact %r not in any span" % (q["id"], alt))
    print("  KEY  %s" % q["key_facts"])
    if q["answer_type"] == "none":
        if q["short_answer"] is not None:
            err("%s short_answer should be null" % q["id"])
    else:
        sa = q["short_answer"]
        if not sa or not gtexts or sa not in gtexts[0]:
            err("%s short answer %r not in first gold span" % (q["id"], sa))
        print("  SHORT %s" % sa)

print("=" * 78)
for u in us:
    print("%s [%s] %s %s" % (u["id"], u["kind"], u["question"], u.get("gold_docs", "")))
    if u["kind"] not in ("near_miss", "personal_advice", "off_topic"):
        err("%s kind" % u["id"])
    if u["kind"] == "personal_advice":
        if not u.get("gold_docs") or not set(u["gold_docs"]) <= set(docs):
            err("%s gold_docs" % u["id"])

print("styles:", dict(Counter(q["style"] for q in qs)))
print("kinds:", dict(Counter(u["kind"] for u in us)))
print("factoids among precise:", sum(1 for q in qs if q["style"] == "precise" and q["answer_type"] != "none"))
print("gold docs:", dict(Counter(d for q in qs for d in q["gold_docs"])))
print("PASS" if not errors else "FAIL (%d errors)" % len(errors))
sys.exit(0 if not errors else 1)
