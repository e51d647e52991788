"""Validate the development evaluation data in eval/data/ against the corpus.

Stdlib only.  Usage:  python eval/data/check_dev_data.py [--corpus DIR]

Corpus files are read from <repo>/corpus/ (falling back to <repo>/../shared/seeds/) with
open(path, encoding="utf-8", newline="").read(); spans are Python str offsets into that text.
Prints counts per file / style / kind and exits 1 if any check fails.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent
REPO_ROOT = DATA_DIR.parents[1]

STYLES = {"direct", "patient", "typo", "paraphrase", "multi_part", "two_doc"}
LABELS = {"evidence", "opinion", "marketing"}
UNANSWERABLE_KINDS = {"near_miss", "dosing", "cost", "off_topic"}
VERDICTS = {"supported", "not_found"}
CLAIM_KINDS = {"near_verbatim", "paraphrase", "numeric", "not_found"}
SUPPORTED_KINDS = {"verbatim", "paraphrase", "partial_restatement", "summary"}
UNSUPPORTED_KINDS = {"wrong_citation", "number_mismatch", "entity_swap", "unsupported_addition", "topic_only"}

MIN_QUESTIONS = 64
MIN_QUESTIONS_PER_DOC = 8
MIN_PER_STYLE = {"two_doc": 6, "patient": 3, "typo": 3, "paraphrase": 3, "multi_part": 3, "direct": 3}
MIN_UNANSWERABLE = 18
MIN_UNANSWERABLE_KIND = {"near_miss": 5, "dosing": 4, "cost": 4, "off_topic": 4}
MIN_CLAIMS_SUPPORTED = 24
MIN_CLAIMS_NOT_FOUND = 6
REQUIRED_CLAIM_SUBSTRING = "third most common reason"
MIN_PAIRS = 160
PAIR_SUPPORTED_FRACTION = (0.40, 0.60)


class Checker:
    def __init__(self, corpus_dir: Path):
        self.errors: list[str] = []
        self.corpus_dir = corpus_dir
        self.docs: dict[str, str] = {}
        for p in sorted(corpus_dir.glob("*.txt")):
            with open(p, encoding="utf-8", newline="") as f:
                self.docs[p.stem] = f.read()
        if not self.docs:
            self.err(f"no corpus .txt files found in {corpus_dir}")
        self.all_ids: set[str] = set()
        self.answerable_texts: set[str] = set()

    def err(self, msg: str) -> None:
        self.errors.append(msg)

    # ---------------------------------------------------------------- helpers
    def load(self, name: str) -> list[dict]:
        path = DATA_DIR / name
        if not path.exists():
            self.err(f"{name}: missing")
            return []
        rows = []
        with open(path, encoding="utf-8") as f:
            for n, line in enumerate(f, 1):
                if not line.strip():
                    continue
                try:
                    row = json.loads(line)
                except json.JSONDecodeError as e:
                    self.err(f"{name}:{n}: invalid JSON ({e})")
                    continue
                if not isinstance(row, dict):
                    self.err(f"{name}:{n}: record is not an object")
                    continue
                row["_line"] = n
                rows.append(row)
        return rows

    def where(self, name: str, row: dict) -> str:
        return f"{name}:{row.get('_line')}:{row.get('id', '?')}"

    def check_fields(self, name: str, row: dict, fields: dict[str, type | tuple]) -> bool:
        ok = True
        for field, typ in fields.items():
            if field not in row:
                self.err(f"{self.where(name, row)}: missing field {field!r}")
                ok = False
            elif not isinstance(row[field], typ) or isinstance(row[field], bool) and typ is int:
                self.err(
                    f"{self.where(name, row)}: field {field!r} has wrong type {type(row[field]).__name__}"
                )
                ok = False
        return ok

    def check_id(self, name: str, row: dict, prefix: str) -> None:
        rid = row.get("id")
        if not isinstance(rid, str) or not re.fullmatch(prefix + r"\d{3,}", rid):
            self.err(f"{self.where(name, row)}: id must look like {prefix}001")
            return
        if rid in self.all_ids:
            self.err(f"{self.where(name, row)}: duplicate id {rid}")
        self.all_ids.add(rid)

    def span_text(self, name: str, row: dict, span: dict) -> str | None:
        """Validate a {doc_id,start,end} span; return its text or None."""
        w = self.where(name, row)
        if not isinstance(span, dict):
            self.err(f"{w}: span is not an object")
            return None
        doc, s, e = span.get("doc_id"), span.get("start"), span.get("end")
        if doc not in self.docs:
            self.err(f"{w}: unknown doc_id {doc!r}")
            return None
        if not (isinstance(s, int) and isinstance(e, int)) or isinstance(s, bool) or isinstance(e, bool):
            self.err(f"{w}: start/end must be integers")
            return None
        text = self.docs[doc]
        if not (0 <= s < e <= len(text)):
            self.err(f"{w}: span [{s},{e}) out of range for {doc} (len {len(text)})")
            return None
        piece = text[s:e]
        if not piece.strip():
            self.err(f"{w}: span [{s},{e}) in {doc} is empty/whitespace")
            return None
        if piece != piece.strip():
            self.err(f"{w}: span [{s},{e}) in {doc} is not trimmed: {piece[:40]!r}")
        return piece

    # ---------------------------------------------------------------- files
    def check_questions(self) -> None:
        name = "questions_dev.jsonl"
        rows = self.load(name)
        fields = {
            "id": str,
            "question": str,
            "style": str,
            "key_facts": list,
            "gold_spans": list,
            "gold_docs": list,
            "acceptable_labels": list,
        }
        styles, per_doc, seen_q = Counter(), Counter(), set()
        labels = Counter()
        for row in rows:
            w = self.where(name, row)
            self.check_id(name, row, "q")
            if not self.check_fields(name, row, fields):
                continue
            q = row["question"].strip()
            if not q:
                self.err(f"{w}: empty question")
            if q.lower() in seen_q:
                self.err(f"{w}: duplicate question text")
            seen_q.add(q.lower())
            if row["style"] not in STYLES:
                self.err(f"{w}: bad style {row['style']!r}")
            styles[row["style"]] += 1
            # labels
            labs = row["acceptable_labels"]
            if (
                not (1 <= len(labs) <= 2)
                or len(set(labs)) != len(labs)
                or any(lab not in LABELS for lab in labs)
            ):
                self.err(f"{w}: acceptable_labels must be 1-2 distinct values from {sorted(LABELS)}: {labs}")
            labels.update(lab for lab in labs if isinstance(lab, str))
            # spans
            if not row["gold_spans"]:
                self.err(f"{w}: gold_spans is empty")
            texts = [self.span_text(name, row, sp) for sp in row["gold_spans"]]
            span_docs = {sp.get("doc_id") for sp in row["gold_spans"] if isinstance(sp, dict)}
            gdocs = row["gold_docs"]
            if len(set(gdocs)) != len(gdocs) or set(gdocs) != span_docs:
                self.err(
                    f"{w}: gold_docs {gdocs} must list exactly the docs of gold_spans {sorted(span_docs)}"
                )
            if row["style"] == "two_doc" and len(set(gdocs)) != 2:
                self.err(f"{w}: two_doc question needs exactly 2 gold_docs")
            if row["style"] != "two_doc" and len(set(gdocs)) != 1:
                self.err(f"{w}: non-two_doc question must have exactly 1 gold doc")
            for d in set(gdocs):
                per_doc[d] += 1
            for sp in row.get("alt_spans", []) or []:
                self.span_text(name, row, sp)
            # key facts
            facts = row["key_facts"]
            if not (1 <= len(facts) <= 3):
                self.err(f"{w}: key_facts must have 1-3 facts")
            concat = "\n".join(t for t in texts if t).lower()
            for fact in facts:
                if (
                    not isinstance(fact, list)
                    or not fact
                    or not all(isinstance(a, str) and a.strip() for a in fact)
                ):
                    self.err(f"{w}: each key fact must be a non-empty list of non-empty strings: {fact!r}")
                    continue
                if not any(a.lower() in concat for a in fact):
                    self.err(f"{w}: key fact {fact} not found in gold span text")
        if len(rows) < MIN_QUESTIONS:
            self.err(f"{name}: {len(rows)} questions < {MIN_QUESTIONS}")
        for d in self.docs:
            if per_doc[d] < MIN_QUESTIONS_PER_DOC:
                self.err(f"{name}: doc {d} has {per_doc[d]} questions < {MIN_QUESTIONS_PER_DOC}")
        for st, n in MIN_PER_STYLE.items():
            if styles[st] < n:
                self.err(f"{name}: style {st} has {styles[st]} < {n}")
        print(f"{name}: {len(rows)} questions")
        print("  by style: " + ", ".join(f"{k}={styles[k]}" for k in sorted(STYLES)))
        print("  by doc:   " + ", ".join(f"{d}={per_doc[d]}" for d in sorted(self.docs)))
        print("  labels:   " + ", ".join(f"{k}={labels[k]}" for k in sorted(LABELS)))
        self.answerable_texts = seen_q

    def check_unanswerable(self) -> None:
        name = "unanswerable_dev.jsonl"
        rows = self.load(name)
        kinds, seen = Counter(), set()
        for row in rows:
            w = self.where(name, row)
            self.check_id(name, row, "u")
            if not self.check_fields(name, row, {"id": str, "question": str, "kind": str}):
                continue
            q = row["question"].strip().lower()
            if not q:
                self.err(f"{w}: empty question")
            if q in seen or q in self.answerable_texts:
                self.err(f"{w}: duplicate question text")
            seen.add(q)
            if row["kind"] not in UNANSWERABLE_KINDS:
                self.err(f"{w}: bad kind {row['kind']!r}")
            kinds[row["kind"]] += 1
        if len(rows) < MIN_UNANSWERABLE:
            self.err(f"{name}: {len(rows)} questions < {MIN_UNANSWERABLE}")
        for k, n in MIN_UNANSWERABLE_KIND.items():
            if kinds[k] < n:
                self.err(f"{name}: kind {k} has {kinds[k]} < {n}")
        print(f"{name}: {len(rows)} questions")
        print("  by kind:  " + ", ".join(f"{k}={kinds[k]}" for k in sorted(UNANSWERABLE_KINDS)))

    def check_claims(self) -> None:
        name = "claims_dev.jsonl"
        rows = self.load(name)
        verdicts, kinds, per_doc, seen = Counter(), Counter(), Counter(), set()
        has_required = False
        for row in rows:
            w = self.where(name, row)
            self.check_id(name, row, "c")
            if not self.check_fields(name, row, {"id": str, "claim": str, "expected_verdict": str}):
                continue
            for f in ("doc_id", "start", "end"):
                if f not in row:
                    self.err(f"{w}: missing field {f!r}")
            claim = row["claim"].strip()
            if not claim:
                self.err(f"{w}: empty claim")
            if claim.lower() in seen:
                self.err(f"{w}: duplicate claim")
            seen.add(claim.lower())
            v = row["expected_verdict"]
            if v not in VERDICTS:
                self.err(f"{w}: bad expected_verdict {v!r}")
                continue
            verdicts[v] += 1
            if "kind" in row:
                if row["kind"] not in CLAIM_KINDS:
                    self.err(f"{w}: bad kind {row['kind']!r}")
                kinds[row["kind"]] += 1
            if v == "supported":
                self.span_text(
                    name, row, {"doc_id": row.get("doc_id"), "start": row.get("start"), "end": row.get("end")}
                )
                per_doc[row.get("doc_id")] += 1
                if REQUIRED_CLAIM_SUBSTRING in claim.lower():
                    has_required = True
            elif any(row.get(f) is not None for f in ("doc_id", "start", "end")):
                self.err(f"{w}: not_found claim must have null doc_id/start/end")
        if verdicts["supported"] < MIN_CLAIMS_SUPPORTED:
            self.err(f"{name}: {verdicts['supported']} supported claims < {MIN_CLAIMS_SUPPORTED}")
        if verdicts["not_found"] < MIN_CLAIMS_NOT_FOUND:
            self.err(f"{name}: {verdicts['not_found']} not_found claims < {MIN_CLAIMS_NOT_FOUND}")
        if not has_required:
            self.err(f"{name}: missing required supported claim containing {REQUIRED_CLAIM_SUBSTRING!r}")
        print(f"{name}: {len(rows)} claims")
        print("  by verdict: " + ", ".join(f"{k}={verdicts[k]}" for k in sorted(VERDICTS)))
        print("  by kind:    " + ", ".join(f"{k}={kinds[k]}" for k in sorted(kinds)))
        print("  by doc:     " + ", ".join(f"{d}={per_doc[d]}" for d in sorted(self.docs)))

    def check_pairs(self) -> None:
        name = "support_pairs.jsonl"
        rows = self.load(name)
        kinds, per_doc, seen = Counter(), Counter(), set()
        n_sup = 0
        fields = {
            "id": str,
            "sentence": str,
            "doc_id": str,
            "start": int,
            "end": int,
            "supported": bool,
            "kind": str,
        }
        for row in rows:
            w = self.where(name, row)
            self.check_id(name, row, "p")
            if not self.check_fields(name, row, fields):
                continue
            if not row["sentence"].strip():
                self.err(f"{w}: empty sentence")
            key = (row["sentence"].strip().lower(), row["doc_id"], row["start"], row["end"])
            if key in seen:
                self.err(f"{w}: duplicate (sentence, passage) pair")
            seen.add(key)
            k = row["kind"]
            if k not in SUPPORTED_KINDS | UNSUPPORTED_KINDS:
                self.err(f"{w}: bad kind {k!r}")
            elif row["supported"] != (k in SUPPORTED_KINDS):
                self.err(f"{w}: supported={row['supported']} inconsistent with kind {k!r}")
            kinds[k] += 1
            n_sup += row["supported"] is True
            if self.span_text(name, row, row) is not None:
                per_doc[row["doc_id"]] += 1
        if len(rows) < MIN_PAIRS:
            self.err(f"{name}: {len(rows)} pairs < {MIN_PAIRS}")
        frac = n_sup / len(rows) if rows else 0.0
        lo, hi = PAIR_SUPPORTED_FRACTION
        if not lo <= frac <= hi:
            self.err(f"{name}: supported fraction {frac:.2f} outside [{lo}, {hi}]")
        for k in sorted(SUPPORTED_KINDS | UNSUPPORTED_KINDS):
            if kinds[k] == 0:
                self.err(f"{name}: no pairs of kind {k}")
        for d in self.docs:
            if per_doc[d] == 0:
                self.err(f"{name}: doc {d} has no pairs")
        print(f"{name}: {len(rows)} pairs, supported={n_sup} ({frac:.0%}), unsupported={len(rows) - n_sup}")
        print("  supported kinds:   " + ", ".join(f"{k}={kinds[k]}" for k in sorted(SUPPORTED_KINDS)))
        print("  unsupported kinds: " + ", ".join(f"{k}={kinds[k]}" for k in sorted(UNSUPPORTED_KINDS)))
        print("  by doc:            " + ", ".join(f"{d}={per_doc[d]}" for d in sorted(self.docs)))


def find_corpus(explicit: str | None) -> Path:
    if explicit:
        return Path(explicit)
    for cand in (REPO_ROOT / "corpus", REPO_ROOT.parent / "shared" / "seeds"):
        if cand.is_dir() and any(cand.glob("*.txt")):
            return cand
    return REPO_ROOT / "corpus"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", help="directory of <doc_id>.txt files (default: corpus/ or ../shared/seeds/)")
    args = ap.parse_args(argv)
    corpus = find_corpus(args.corpus)
    ck = Checker(corpus)
    print(f"corpus: {corpus} ({len(ck.docs)} docs)")
    ck.check_questions()
    ck.check_unanswerable()
    ck.check_claims()
    ck.check_pairs()
    if ck.errors:
        print(f"\nFAILED: {len(ck.errors)} problem(s)", file=sys.stderr)
        for e in ck.errors:
            print("  - " + e, file=sys.stderr)
        return 1
    print("\nOK: all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
