"""Post-hoc verification of a model-written answer against the passages it was shown.

``verify`` is the entry: it splits the model's text into sentences, keeps a sentence only if its
[n] markers resolve to passages the model was shown (and not withheld ones) and the cited
passages' sentences support it (the eval harness's support scorer, ``assistant.support``) with
every figure it states in digits, and re-cites the survivors to the exact supporting sentences.
Everything else is listed in ``Verified.removed`` with a plain reason. It never calls a model.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Protocol

from .compose import citation_for, finish
from .records import Answer

if TYPE_CHECKING:
    from .index import Catalog

# No verified answer (the generator falls back to the extractive one) when the kept sentences hold
# less than this share of the model's words: an answer cut down that far no longer says what the model meant.
MIN_KEPT_SHARE = 0.5
MAX_EVIDENCE_PER_MARKER = 3

_THINK = re.compile(r"<think>.*?(?:</think>|$)", re.DOTALL | re.IGNORECASE)
_MARKER = re.compile(r"\[\s*(?:(?:document|doc|passage|source)\s*)?(\d{1,4}(?:\s*(?:,|;|-|–|and)\s*\d{1,4})*)\s*\]",
                     re.IGNORECASE)
_LEAD_MARKERS = re.compile(r"^(?:\s*\[[^\]\n]{1,40}\])+")
_AFTER_MARKER = re.compile(r"(?<=\][.!?])\s+")
_ABBREV_END = re.compile(r"(?:\b(?:e\.g|i\.e|et al|vs|Dr|Mr|Mrs|Ms|Prof|St|No|Fig|approx)\.|\b[A-Z]\.)$")
_BULLET = re.compile(r"^\s*(?:[-*•‣]|\d{1,2}[.)])\s+")
_SPACE_PUNCT = re.compile(r"\s+([.,;:!?])")
# The prompt's own tags, which small models copy into their answers ('<document id=9 title="…">').
_ECHOED_TAG = re.compile(r"</?\s*(?:documents?|question)\b[^>\n]*>", re.IGNORECASE)


def strip_thinking(text: str) -> str:
    """The answer without <think>…</think> reasoning that some local models emit (an open block hides the rest)."""
    return _THINK.sub("", text)


# ---- what the model was shown ---------------------------------------------------------------


@dataclass(frozen=True)
class PromptPassage:
    """Passage ``n`` of the prompt: its sentence indexes in the catalog, or withheld with a reason."""

    n: int
    sentences: tuple[int, ...]
    withheld: str = ""


# ---- reading the model's answer -------------------------------------------------------------


@dataclass(frozen=True)
class Claim:
    """One sentence of the model's answer: as written, without markers, and the markers it carries."""

    raw: str
    text: str
    markers: tuple[int, ...]


def _marker_numbers(group: str) -> list[int]:
    nums: list[int] = []
    for part in re.split(r"\s*(?:,|;|and)\s*", group):
        bounds = [int(x) for x in re.split(r"\s*[-–]\s*", part) if x.strip().isdigit()]
        if len(bounds) == 2 and 0 <= bounds[1] - bounds[0] <= 20:
            nums.extend(range(bounds[0], bounds[1] + 1))
        else:
            nums.extend(bounds)
    return nums


def split_claims(answer: str) -> list[Claim]:
    """The model's answer as sentences; markers written after a full stop stay with their sentence."""
    import blingfire

    pieces: list[str] = []
    for line in strip_thinking(answer).splitlines():
        line = _BULLET.sub("", _ECHOED_TAG.sub(" ", line)).strip()
        # "[2] Most revisions were …": a marker opening a line that goes on is that line's citation
        # (small models write their answers this way), not a late marker of the line before.
        opening = _LEAD_MARKERS.match(line)
        prefix = ""
        if opening and _MARKER.search(opening.group(0)) and re.search(r"[^\W\d_]", line[opening.end():]):
            prefix, line = opening.group(0).strip(), line[opening.end():].strip()
        if not line:
            continue
        first = len(pieces)
        # A full stop right after a marker always ends a sentence, even before a digit or a lower-case word.
        for raw in (p for piece in blingfire.text_to_sentences(line).split("\n") for p in _AFTER_MARKER.split(piece)):
            raw = raw.strip()
            lead = _LEAD_MARKERS.match(raw)
            if lead and pieces and _MARKER.search(lead.group(0)):
                pieces[-1] = f"{pieces[-1]} {lead.group(0).strip()}"
                raw = raw[lead.end():].strip()
            if pieces and raw and not re.search(r"[^\W\d_]", raw):
                pieces[-1] = f"{pieces[-1]} {raw}"  # a copied footnote number such as "(14) [3]."
            elif raw and len(pieces) > first and _ABBREV_END.search(pieces[-1]):
                pieces[-1] = f"{pieces[-1]} {raw}"  # "Chin KR et al. A prospective trial …" is one sentence
            elif raw:
                pieces.append(raw)
        if prefix:
            pieces[first:] = [f"{prefix} {p}" for p in pieces[first:]]
    claims = []
    for raw in pieces:
        markers = tuple(dict.fromkeys(n for m in _MARKER.finditer(raw) for n in _marker_numbers(m.group(1))))
        text = _SPACE_PUNCT.sub(r"\1", _MARKER.sub("", raw)).strip()
        if re.search(r"\w", text):
            claims.append(Claim(raw=raw, text=" ".join(text.split()), markers=markers))
    return claims


# ---- support scoring ------------------------------------------------------------------------


class Scorer(Protocol):
    """The eval harness's citation-support scorer (``assistant.support``)."""

    def score(self, sentence: str, passages: list[str]) -> float: ...

    def supports(self, sentence: str, passages: list[str]) -> bool: ...


_NUMBERISH = re.compile(r"\d+(?:[.,]\d+)*")


def _numbers(text: str) -> set[str]:
    """Numbers in digits or words, normalised ("3.30" → "3.3", "1,000" → "1000", "three" → "3")."""
    from .support import numbers

    return numbers(text) | _digits(text)


def _digits(text: str) -> set[str]:
    """Numbers written in digits only (number words are too loose to hold a sentence to)."""
    return {_norm_number(t) for t in _NUMBERISH.findall(text)}


def _norm_number(tok: str) -> str:
    tok = tok.replace(",", "")
    return tok.rstrip("0").rstrip(".") if "." in tok else tok


def support_scorer() -> Scorer:
    """The eval harness's calibrated citation-support scorer (one per process)."""
    from .support import get_support_scorer

    return get_support_scorer()


# ---- verification ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Verdict:
    """A claim kept with its evidence (sentence index → score), or removed with a reason."""

    claim: Claim
    evidence: dict[int, float]
    reason: str = ""


def check_claim(claim: Claim, passages: list[PromptPassage], catalog: Catalog, scorer: Scorer) -> Verdict:
    """Keep a claim only if its markers resolve and the cited sentences support it; else say why not."""
    if not claim.markers:
        # Only a word-for-word copy is looked for in every passage: on real models' answers (docs/llm.md)
        # the support scorer kept paraphrases that add a fact the passage does not state.
        copy = _copied(claim, passages, catalog)
        return Verdict(claim, copy) if copy else Verdict(claim, {}, "It cites no passage.")
    bad = [n for n in claim.markers if not 1 <= n <= len(passages)]
    if bad:
        return Verdict(claim, {}, f"It cites [{bad[0]}], but the model was given only {len(passages)} passages.")
    cited = [passages[n - 1] for n in claim.markers]
    withheld = [p.n for p in cited if p.withheld]
    usable = [p for p in cited if not p.withheld]
    if not usable:
        return Verdict(claim, {}, f"It cites passage [{withheld[0]}], which was withheld because {cited[0].withheld}; "
                                  "instructions inside documents are not followed.")
    ranked = [sorted(zip(_scores(scorer, claim.text, [catalog.s_clean[i] for i in p.sentences]), p.sentences),
                     reverse=True) for p in usable]
    figures = _digits(claim.text)
    found = _evidence(claim, ranked, figures, catalog, scorer) or _copied(claim, passages, catalog)
    if found:
        return Verdict(claim, found)
    where = "".join(f"[{p.n}]" for p in usable)
    plural = len(usable) > 1
    cited_text = " ".join(catalog.s_clean[i] for p in usable for i in p.sentences)
    missing = sorted(figures - _numbers(cited_text))
    if missing:
        return Verdict(claim, {}, f"It states {', '.join(missing)}, which the cited passage{'s' if plural else ''} "
                                  f"{where} do{'' if plural else 'es'} not.")
    return Verdict(claim, {}, f"The cited passage{'s' if plural else ''} {where} do{'' if plural else 'es'} "
                              "not support it.")


def _evidence(claim: Claim, ranked: list[list[tuple[float, int]]], figures: set[str], catalog: Catalog,
              scorer: Scorer) -> dict[int, float] | None:
    """The fewest of the best one to three sentences of each ranked list that support the claim, or None."""

    def holds(evidence: dict[int, float]) -> bool:
        # Every figure the sentence states must be in its evidence, whatever the scorer thinks of the words.
        texts = [catalog.s_clean[i] for i in sorted(evidence)]
        return not figures - _numbers(" ".join(texts)) and scorer.supports(claim.text, texts)

    for k in range(1, MAX_EVIDENCE_PER_MARKER + 1):
        chosen = {i: s for r in ranked for s, i in r[:k]}
        if holds(chosen):
            for i in sorted(chosen, key=lambda j: chosen[j]):  # drop sentences the support does not need
                rest = {j: s for j, s in chosen.items() if j != i}
                if rest and holds(rest):
                    chosen = rest
            return chosen
    return None


# "The document states: “…”": the lead-in a model puts before a quoted sentence says nothing of its own.
_LEAD_IN = re.compile(r"^(?:the|this)\s+(?:document|article|study|blog|passage|conclusion|text)\s+"
                      r"(?:states|says|concludes|reads|notes)(?:\s+that|\s+with)?\s+")


def _word_seq(text: str) -> str:
    return _LEAD_IN.sub("", " ".join(re.findall(r"[^\W_]+", text.lower())))


# A copy may join this many consecutive shown sentences: Qwen 0.5B writes a heading and the sentence under
# it as one line ("Credentialing: With practice expansion, …"), which the index keeps as two sentences.
MAX_COPIED_RUN = 3


def _copied(claim: Claim, passages: list[PromptPassage], catalog: Catalog) -> dict[int, float]:
    """The shown sentence (or run of consecutive shown sentences of one passage) the claim copies word for
    word, whatever its marker says, else {}.

    Small models number their lines "[1] … [2] …" rather than cite, or leave the marker out, of
    sentences they copied; a copy states exactly what its sentences state.
    """
    words = _word_seq(claim.text)
    if len(words.split()) < 4:
        return {}
    for p in passages:
        if p.withheld:
            continue
        for a in range(len(p.sentences)):
            for k in range(1, MAX_COPIED_RUN + 1):
                run = p.sentences[a:a + k]
                if len(run) == k and _word_seq(" ".join(catalog.s_clean[i] for i in run)) == words:
                    return dict.fromkeys(run, 1.0)
    return {}


def _scores(scorer: Scorer, sentence: str, candidates: list[str]) -> list[float]:
    """The sentence's support from each candidate alone, in one batch when the scorer can batch."""
    many = getattr(scorer, "score_many", None)
    if many is not None:
        return [float(x) for x in many([(sentence, [c]) for c in candidates])]
    return [scorer.score(sentence, [c]) for c in candidates]


@dataclass(frozen=True)
class Verified:
    """The verified, re-cited answer (None when too little survived) and what was removed, with reasons."""

    answer: Answer | None
    removed: tuple[dict[str, str], ...]


def verify(question: str, raw: str, passages: list[PromptPassage], catalog: Catalog, support: float,
           scorer: Scorer, name: str = "llm") -> Verified:
    """Check every sentence of the model's answer and re-cite the survivors to their exact sentences."""
    verdicts: list[Verdict] = []
    seen: set[str] = set()
    for claim in split_claims(raw):
        key = claim.text.lower()
        verdicts.append(Verdict(claim, {}, "It repeats an earlier sentence.") if key in seen
                        else check_claim(claim, passages, catalog, scorer))
        seen.add(key)
    removed = tuple({"sentence": v.claim.raw, "reason": v.reason} for v in verdicts if v.reason)
    kept = [v for v in verdicts if not v.reason]
    words = sum(len(v.claim.text.split()) for v in verdicts)
    if not kept or sum(len(v.claim.text.split()) for v in kept) < MIN_KEPT_SHARE * words:
        return Verified(None, removed)
    numbers: dict[int, int] = {}  # catalog sentence index -> citation number, in order of first use
    best: dict[int, float] = {}
    parts = []
    for v in kept:
        ns = set()
        for i in sorted(v.evidence, key=lambda j: (int(catalog.s_doc[j]), int(catalog.s_start[j]))):
            numbers.setdefault(i, len(numbers) + 1)
            best[i] = max(best.get(i, 0.0), v.evidence[i])
            ns.add(numbers[i])
        text = v.claim.text if v.claim.text[-1] in ".!?" else f"{v.claim.text}."
        parts.append(f"{text} " + "".join(f"[{n}]" for n in sorted(ns)))
    citations = [citation_for(n, i, catalog, best[i]) for i, n in sorted(numbers.items(), key=lambda t: t[1])]
    return Verified(replace(finish(question, " ".join(parts), citations, catalog, support, name), removed=removed),
                    removed)
