#!/usr/bin/env python3
"""Standalone checker for heldout11: prints every span and validates both files; last line PASS or FAIL."""
import json, os, collections

SEEDS = "/work/shared/seeds"
HERE = os.path.dirname(os.path.abspath(__file__))
LABELS = {"evidence", "opinion", "marketing"}
ATYPES = {"name", "number", "date", "place", "journal", "title", "none"}
errors = []


def err(msg):
    errors.append(msg)
    print("  ERROR:", msg)


texts = {}
for fn in sorted(os.listdir(SEEDS)):
    if fn.endswith(".txt"):
        with open(os.path.join(SEEDS, fn), encoding="utf-8") as f:
            texts[fn[:-4]] = f.read()


def load(name):
    rows = []
    with open(os.path.join(HERE, name), encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if line.strip():
                try:
                    rows.append(json.loads(line))
                except Exception as e:
                    err("%s line %d: bad JSON (%s)" % (name, n, e))
    return rows


qs = load("questions.jsonl")
us = load("unanswerable.jsonl")

ids = [r.get("id") for r in qs + us]
dups = [i for i, c in collections.Counter(ids).items() if c > 1]
if dups:
    err("duplicate ids: %s" % dups)


def span_text(s, qid):
    d = s.get("doc_id")
    if d not in texts:
        err("%s: unknown doc_id %s" % (qid, d))
        return None
    st, en = s.get("start"), s.get("end")
    t = texts[d]
    if not (isinstance(st, int) and isinstance(en, int) and 0 <= st < en <= len(t)):
        err("%s: bad offsets %s" % (qid, s))
        return None
    seg = t[st:en]
    if seg != seg.strip():
        err("%s: span has leading/trailing whitespace: %r" % (qid, seg))
    return seg


keys = ["id", "question", "style", "key_facts", "gold_docs", "gold_spans", "alt_spans",
        "acceptable_labels", "answer_type", "short_answer"]
styles = collections.Counter()
docs_used = collections.Counter()
for q in qs:
    qid = q.get("id")
    print("=" * 100)
    print("%s [%s | %s | labels=%s] %s" % (qid, q.get("style"), q.get("answer_type"),
                                           q.get("acceptable_labels"), q.get("question")))
    for k in keys:
        if k not in q:
            err("%s: missing key %s" % (qid, k))
    if not (isinstance(qid, str) and len(qid) == 4 and qid.startswith("q") and qid[1:].isdigit()):
        err("%s: bad answerable id" % qid)
    styles[q.get("style")] += 1
    if q.get("style") not in ("patient", "precise", "view"):
        err("%s: bad style" % qid)
    gold = q.get("gold_spans") or []
    alt = q.get("alt_spans") or []
    if not 1 <= len(gold) <= 3:
        err("%s: need 1-3 gold spans, got %d" % (qid, len(gold)))
    all_txt = []
    for tag, lst in (("GOLD", gold), ("ALT ", alt)):
        for s in lst:
            seg = span_text(s, qid)
            if seg is not None:
                all_txt.append(seg)
                print("  %s %s [%d:%d] %s" % (tag, s["doc_id"], s["start"], s["end"], seg))
                if tag == "GOLD":
                    docs_used[s["doc_id"]] += 1
    gdocs = []
    for s in gold:
        if s.get("doc_id") not in gdocs:
            gdocs.append(s.get("doc_id"))
    if sorted(gdocs) != sorted(q.get("gold_docs") or []):
        err("%s: gold_docs %s != docs of gold spans %s" % (qid, q.get("gold_docs"), gdocs))
    kf = q.get("key_facts")
    if not kf or not isinstance(kf, list):
        err("%s: key_facts empty" % qid)
    else:
        low = [t.lower() for t in all_txt]
        for fact in kf:
            if not isinstance(fact, list) or not fact:
                err("%s: key fact must be a non-empty list: %r" % (qid, fact))
                continue
            for alt_s in fact:
                if not any(alt_s.lower() in t for t in low):
                    err("%s: key fact string %r not in any span" % (qid, alt_s))
        print("  KEY FACTS:", kf)
    labs = q.get("acceptable_labels") or []
    if not (1 <= len(labs) <= 2 and set(labs) <= LABELS):
        err("%s: bad acceptable_labels %s" % (qid, labs))
    at, sa = q.get("answer_type"), q.get("short_answer")
    if at not in ATYPES:
        err("%s: bad answer_type %s" % (qid, at))
    if at == "none":
        if sa is not None:
            err("%s: short_answer must be null for non-factoid" % qid)
    else:
        first = span_text(gold[0], qid) if gold else None
        if not sa or first is None or sa.lower() not in first.lower():
            err("%s: short_answer %r not in first gold span" % (qid, sa))
        print("  SHORT ANSWER:", sa)

print("=" * 100)
ukinds = collections.Counter()
for u in us:
    uid = u.get("id")
    print("%s [%s] %s %s" % (uid, u.get("kind"), u.get("question"), u.get("gold_docs", "")))
    if not (isinstance(uid, str) and len(uid) == 4 and uid.startswith("qu") and uid[2:].isdigit()):
        err("%s: bad unanswerable id" % uid)
    ukinds[u.get("kind")] += 1
    if u.get("kind") not in ("near_miss", "personal_advice", "off_topic"):
        err("%s: bad kind" % uid)
    if not u.get("question"):
        err("%s: empty question" % uid)
    if u.get("kind") == "personal_advice":
        gd = u.get("gold_docs")
        if not gd or any(d not in texts for d in gd):
            err("%s: personal_advice needs valid gold_docs" % uid)

print("styles:", dict(styles), "| gold spans per doc:", dict(docs_used), "| unanswerable kinds:", dict(ukinds))
print("factoids among precise:", sum(1 for q in qs if q.get("style") == "precise" and q.get("answer_type") != "none"))
if styles != collections.Counter({"patient": 10, "precise": 10, "view": 10}):
    err("style counts wrong: %s" % dict(styles))
if ukinds != collections.Counter({"near_miss": 4, "personal_advice": 4, "off_topic": 4}):
    err("unanswerable kinds wrong: %s" % dict(ukinds))
if set(docs_used) != set(texts):
    err("not all documents have gold spans")
print("FAIL" if errors else "PASS")
