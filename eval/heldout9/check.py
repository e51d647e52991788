#!/usr/bin/env python3
"""Standalone checker for /tmp/heldout9/questions.jsonl and unanswerable.jsonl."""
import json, os, sys
from collections import Counter

HERE = os.path.dirname(os.path.abspath(__file__))
SEED = "/work/shared/seeds"
DOCS = ["000_184621efc1d6966c", "001_22418759c7d07ec6", "002_4016c896fbf06287",
        "003_42a00124516789bb", "004_f4c8e879eecea6ab"]
TEXT = {d: open(os.path.join(SEED, d + ".txt"), encoding="utf-8").read() for d in DOCS}
LABELS = {"evidence", "opinion", "marketing"}
ATYPES = {"name", "number", "date", "place", "journal", "title", "none"}
errors = []

def err(msg):
    errors.append(msg)
    print("  FAIL:", msg)

def load(name):
    rows = []
    with open(os.path.join(HERE, name), encoding="utf-8") as f:
        for i, line in enumerate(f, 1):
            if line.strip():
                try:
                    rows.append(json.loads(line))
                except Exception as e:
                    err(f"{name} line {i}: bad JSON ({e})")
    return rows

def check_span(qid, sp, gold_docs, kind):
    d, s, e = sp.get("doc_id"), sp.get("start"), sp.get("end")
    if d not in TEXT:
        err(f"{qid} {kind}: unknown doc {d}"); return None
    if d not in gold_docs:
        err(f"{qid} {kind}: doc {d} not in gold_docs")
    t = TEXT[d]
    if not (isinstance(s, int) and isinstance(e, int) and 0 <= s < e <= len(t)):
        err(f"{qid} {kind}: span out of bounds {s}-{e}"); return None
    seg = t[s:e]
    print(f"  [{kind}] {d} {s}-{e}: {seg!r}")
    if s > 0 and not t[s - 1].isspace():
        err(f"{qid} {kind}: start not at word boundary (prev char {t[s-1]!r})")
    if seg != seg.strip():
        err(f"{qid} {kind}: span has leading/trailing whitespace")
    if t.find(seg) != s:
        err(f"{qid} {kind}: not first occurrence (first at {t.find(seg)})")
    return seg

# ---------------- answerable ----------------
Q = load("questions.jsonl")
print(f"questions.jsonl: {len(Q)} rows")
if len(Q) != 30: err(f"expected 30 questions, got {len(Q)}")
styles = Counter(q.get("style") for q in Q)
for s in ("patient", "precise", "view"):
    if styles.get(s) != 10: err(f"style {s}: expected 10, got {styles.get(s)}")
if set(styles) - {"patient", "precise", "view"}: err(f"unknown styles {set(styles)}")
covered = set()
for q in Q:
    qid = q.get("id")
    print(f"{qid} [{q.get('style')}] {q.get('question')}")
    for k in ("question", "style", "key_facts", "gold_docs", "gold_spans", "alt_spans",
              "acceptable_labels", "answer_type", "short_answer"):
        if k not in q: err(f"{qid}: missing field {k}")
    gd = q.get("gold_docs", [])
    covered.update(gd)
    for d in gd:
        if d not in TEXT: err(f"{qid}: unknown gold doc {d}")
    gs = q.get("gold_spans", [])
    if not 1 <= len(gs) <= 2: err(f"{qid}: expected 1-2 gold spans, got {len(gs)}")
    gold_texts = [x for x in (check_span(qid, sp, gd, "gold") for sp in gs) if x is not None]
    alts = q.get("alt_spans", [])
    if len(alts) > 2: err(f"{qid}: more than 2 alt spans")
    for sp in alts: check_span(qid, sp, gd, "alt")
    kf = q.get("key_facts", [])
    if not 1 <= len(kf) <= 3: err(f"{qid}: expected 1-3 key facts, got {len(kf)}")
    low = [g.lower() for g in gold_texts]
    for fact in kf:
        if not isinstance(fact, list) or not fact: err(f"{qid}: key fact must be non-empty list"); continue
        for alt in fact:
            if not any(alt.lower() in g for g in low):
                err(f"{qid}: key-fact phrase {alt!r} not in any gold span")
    labs = q.get("acceptable_labels", [])
    if not labs or set(labs) - LABELS: err(f"{qid}: bad labels {labs}")
    at, sa = q.get("answer_type"), q.get("short_answer")
    if at not in ATYPES: err(f"{qid}: bad answer_type {at}")
    if at == "none":
        if sa is not None: err(f"{qid}: short_answer should be null when answer_type is none")
    else:
        if not isinstance(sa, str) or not any(sa in g for g in gold_texts):
            err(f"{qid}: short_answer {sa!r} not an exact substring of a gold span")
        else:
            print(f"  short_answer: {sa!r}")
missing = set(DOCS) - covered
if missing: err(f"documents not covered: {sorted(missing)}")

# ---------------- unanswerable ----------------
U = load("unanswerable.jsonl")
print(f"unanswerable.jsonl: {len(U)} rows")
if len(U) != 12: err(f"expected 12 unanswerable, got {len(U)}")
kinds = Counter(u.get("kind") for u in U)
for k in ("near_miss", "personal_advice", "off_topic"):
    if kinds.get(k) != 4: err(f"kind {k}: expected 4, got {kinds.get(k)}")
if set(kinds) - {"near_miss", "personal_advice", "off_topic"}: err(f"unknown kinds {set(kinds)}")
for u in U:
    print(f"{u.get('id')} [{u.get('kind')}] {u.get('question')}")
    if not u.get("question"): err(f"{u.get('id')}: empty question")
    if u.get("kind") == "personal_advice":
        g = u.get("gold_docs")
        if not g or any(d not in TEXT for d in g): err(f"{u.get('id')}: personal_advice needs valid gold_docs")

ids = [r.get("id") for r in Q + U]
dup = [i for i, c in Counter(ids).items() if c > 1]
if dup: err(f"duplicate ids: {dup}")
if any(not i for i in ids): err("missing id")

print()
if errors:
    print(f"FAIL ({len(errors)} problems)")
    sys.exit(1)
print("PASS: 30 questions (10 patient / 10 precise / 10 view), 12 unanswerable (4/4/4), all 5 docs covered")
