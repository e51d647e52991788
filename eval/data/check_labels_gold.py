"""Checker for eval/data/labels_gold.jsonl, the hand-labelled sentence gold set.

Each line is one JSON object:
    {"doc_id", "start", "end", "text", "label", "secondary", "reason"}
with `start`/`end` Python character offsets into the document text read with
open(path, encoding="utf-8", newline=""), and text == doc_text[start:end].

Checks (exit status 1 on any failure):
  * every line parses, has exactly the expected keys and types;
  * label in {evidence, opinion, marketing, boilerplate}; secondary is null or a
    different valid label; reason is a non-empty string;
  * the document exists: <repo>/corpus/<doc_id>.txt, else <repo>/../shared/seeds/<doc_id>.txt;
  * 0 <= start < end <= len(doc), text equals the slice and has no leading/trailing whitespace;
  * records of one document are contiguous in the file, in document order and do not overlap;
  * coverage: between records (and before the first / after the last) only whitespace,
    bullet characters, list numbering ("1."), "*" footnote markers or an attribution dash remain.
Then prints per-document and total counts per label (and counts excluding boilerplate).

Labelling conventions and tie-breaks used when hand-labelling
-------------------------------------------------------------
Segmentation
  1. One record per sentence; every heading, bullet/list line, byline and footer line is its own
     unit. Bullet characters ("•", "-"), list numbers ("1.") and a leading "*" / "—" are trimmed
     off spans. A sentence broken by a stray paragraph break (doc 003 "...no assurance\\n\\nthat
     the reported outcomes...") stays one unit. A trailing citation marker such as "(2,3)" or
     "(4-9)" belongs to the sentence it follows. A slogan line of several short sentences
     ("Stay Ahead. Lead Change. Define Innovation.") is split per sentence; a footer line
     ("Copyright (c) ... | Privacy Policy") is one unit.
  2. Reference-list entries (doc 003 has 14, doc 000 has 1) are one unit each, labelled
     evidence with reason "bibliographic reference" and secondary null.
Main label vs secondary
  3. The main label is the sentence's main act; the other label present, if any, goes in
     `secondary` (never equal to the main label).
  4. evidence needs data/results of research (design, sample size, arms, rates, comparisons) or a
     fact explicitly attributed to a cited study/source ("According to a study done by Mayo
     Clinic", "...(4-9)"). Study-summary lines on a promotional page (title, design, groups,
     training protocol, results) are evidence; an interpretive tail ("demonstrating rising
     competency") is recorded as secondary opinion, puffery ("renowned", "rigorously",
     "Sacrix(R)") as secondary marketing.
  5. "This study shows/establishes X": evidence if X is a specific finding; opinion (secondary
     evidence) if X is a broad value conclusion going beyond the reported data ("The data is
     clear: ... but only with ..."); marketing (secondary evidence) when hype dominates
     ("This landmark paper affirms ...").
  6. Appeals to research with no specific citation ("well-documented in high-quality research
     studies", "a substantial body of literature supports") are opinion with secondary evidence;
     a sentence carrying its own citation marker that states a fact is evidence; a sentence
     whose main act is concern/criticism but which carries a citation is opinion with secondary
     evidence.
  7. opinion covers judgements, arguments, recommendations, criticism, positions, rhetorical
     questions/transitions inside an argument ("Let me explain.", "The upshot?"), first-person
     experience and hypothetical illustrations used to argue (doc 002 shoulder example), quoted
     expert statements, and reader comments.
  8. Unattributed neutral description (what a procedure is / how it works) is not evidence; it
     is labelled opinion (a claim the author makes without data). If it also has a promotional
     flavour it gets secondary marketing.
  9. marketing: calls to action (request/schedule a consultation, join a webinar, subscribe,
     download a guide, "Learn more.", "join PSPS for free"), sign-up pitches, brand slogans,
     hype/superlatives ("groundbreaking", "transformational", "landmark", "#1", "new era",
     "world's premier"), and on a provider's page any sentence whose main act is a patient
     benefit or outcome promise without data ("Less pain", "avoid surgery altogether",
     "months of pain relief") or a service pitch ("holistic", "personalized", "thorough").
     Organisation "about us" self-descriptions (doc 003 opening, "PSPS will continue to ...")
     and provider credential bios (doc 004 author bio) are marketing. Site banners promoting a
     provider's services (doc 002 COVID banner) are marketing.
 10. boilerplate (left out of scoring): layout markers ("top/bottom of page"), tracking pixel,
     bylines and name labels, bare section headings and list labels ("Key Findings",
     "Safety:", "Groups:"), headings that are questions or phrases without an assertion
     ("What is Interventional Spine Medicine?", "My IPM Practice Hits a Wall"), comment-form
     and sign-up-form legal text, category/navigation links, addresses, copyright and legal
     disclaimers (a disclaimer containing "(R)" stays boilerplate with secondary marketing).
 11. Headings that make a claim are labelled by that claim: hype headline -> marketing
     ("Groundbreaking Research Published ...", "... A New Era in Safe Spine Intervention");
     judgement/criticism heading -> opinion ("Why IPM Doctors Are Sorely Undertrained ...",
     doc 003 numbered criticism headings "Questionable Expertise of Authors", "Inappropriate
     Grouping of Diagnoses", "Lack of Procedural Accountability", "Heterogeneity of Studies").

Usage:  python eval/data/check_labels_gold.py [path/to/labels_gold.jsonl]
"""

from __future__ import annotations

import json
import re
import sys
from collections import Counter, defaultdict
from pathlib import Path

LABELS = ("evidence", "opinion", "marketing", "boilerplate")
KEYS = {"doc_id", "start", "end", "text", "label", "secondary", "reason"}
HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
DEFAULT_GOLD = HERE / "labels_gold.jsonl"
# what may remain uncovered between labelled spans
GAP_OK = re.compile(r"^(?:\s|•|-|—|\*|\d+\.)*$")


def doc_path(doc_id: str) -> Path | None:
    for base in (REPO / "corpus", REPO.parent / "shared" / "seeds"):
        p = base / f"{doc_id}.txt"
        if p.is_file():
            return p
    return None


def main(argv: list[str]) -> int:
    gold = Path(argv[1]) if len(argv) > 1 else DEFAULT_GOLD
    errors: list[str] = []

    def err(msg: str) -> None:
        errors.append(msg)

    if not gold.is_file():
        print(f"FAIL: gold file not found: {gold}")
        return 1

    texts: dict[str, str] = {}
    sources: dict[str, Path] = {}
    spans: dict[str, list[tuple[int, int, int]]] = defaultdict(list)  # doc -> (start, end, line)
    counts: dict[str, Counter] = defaultdict(Counter)
    doc_order: list[str] = []
    n = 0

    with gold.open(encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            if not line.strip():
                err(f"line {lineno}: blank line")
                continue
            try:
                rec = json.loads(line)
            except json.JSONDecodeError as exc:
                err(f"line {lineno}: invalid JSON ({exc})")
                continue
            if not isinstance(rec, dict) or set(rec) != KEYS:
                err(f"line {lineno}: keys must be exactly {sorted(KEYS)}")
                continue
            n += 1
            doc_id, start, end, text = rec["doc_id"], rec["start"], rec["end"], rec["text"]
            label, secondary, reason = rec["label"], rec["secondary"], rec["reason"]
            where = f"line {lineno} ({doc_id}@{start})"

            if label not in LABELS:
                err(f"{where}: invalid label {label!r}")
            if secondary is not None and (secondary not in LABELS or secondary == label):
                err(f"{where}: invalid secondary {secondary!r}")
            if not isinstance(reason, str) or not reason.strip():
                err(f"{where}: empty reason")
            if not isinstance(doc_id, str) or not doc_id:
                err(f"{where}: bad doc_id")
                continue
            if not (isinstance(start, int) and isinstance(end, int)) or isinstance(start, bool):
                err(f"{where}: start/end must be integers")
                continue
            if not isinstance(text, str):
                err(f"{where}: text must be a string")
                continue

            if doc_id not in texts:
                if doc_id in doc_order:
                    err(f"{where}: records of {doc_id} are not contiguous")
                p = doc_path(doc_id)
                if p is None:
                    err(f"{where}: document file not found for {doc_id}")
                    texts[doc_id] = None  # type: ignore[assignment]
                else:
                    with p.open(encoding="utf-8", newline="") as dfh:
                        texts[doc_id] = dfh.read()
                    sources[doc_id] = p
                doc_order.append(doc_id)
            elif doc_order[-1] != doc_id:
                err(f"{where}: records of {doc_id} are not contiguous")
            doc_text = texts[doc_id]
            if doc_text is None:
                continue

            if not (0 <= start < end <= len(doc_text)):
                err(f"{where}: offsets out of range (len={len(doc_text)})")
                continue
            if doc_text[start:end] != text:
                err(f"{where}: text != file[start:end] ({doc_text[start:end][:60]!r} vs {text[:60]!r})")
            if text != text.strip():
                err(f"{where}: span has leading/trailing whitespace")
            prev = spans[doc_id][-1] if spans[doc_id] else None
            if prev is not None and start < prev[1]:
                err(f"{where}: overlaps or precedes previous record (line {prev[2]}, end {prev[1]})")
            spans[doc_id].append((start, end, lineno))
            if label in LABELS:
                counts[doc_id][label] += 1

    # coverage of every non-whitespace character
    for doc_id, doc_text in texts.items():
        if doc_text is None:
            continue
        cur = 0
        for start, end, lineno in spans[doc_id] + [(len(doc_text), len(doc_text), None)]:
            gap = doc_text[cur:start] if start >= cur else ""
            if not GAP_OK.match(gap):
                err(f"{doc_id}: uncovered text before line {lineno or 'EOF'} at {cur}: {gap.strip()[:60]!r}")
            cur = max(cur, end)

    # report
    width = max((len(d) for d in doc_order), default=6)
    header = (f"{'doc_id':<{width}}  " + "  ".join(f"{lab:>11}" for lab in LABELS)
              + f"  {'total':>6}  {'scored':>6}")
    print(header)
    print("-" * len(header))
    total: Counter = Counter()
    for doc_id in doc_order:
        c = counts[doc_id]
        total.update(c)
        row_total = sum(c.values())
        print(f"{doc_id:<{width}}  " + "  ".join(f"{c[lab]:>11}" for lab in LABELS)
              + f"  {row_total:>6}  {row_total - c['boilerplate']:>6}")
    print("-" * len(header))
    all_total = sum(total.values())
    print(f"{'TOTAL':<{width}}  " + "  ".join(f"{total[lab]:>11}" for lab in LABELS)
          + f"  {all_total:>6}  {all_total - total['boilerplate']:>6}")
    for doc_id in doc_order:
        if doc_id in sources:
            print(f"source {doc_id}: {sources[doc_id]}")

    if errors:
        print(f"\nFAIL: {len(errors)} problem(s) in {n} records")
        for e in errors[:200]:
            print("  " + e)
        return 1
    print(f"\nOK: {n} records, {len(doc_order)} documents")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
