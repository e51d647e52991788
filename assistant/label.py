"""Label sentences, passages and answers as evidence, opinion or marketing, with reasons.

- evidence: reports data or results of research (design, sample size, rates, statistics),
  or states a fact and attributes it to a cited study or source.
- opinion: a person's or organisation's judgement, argument, recommendation, criticism or
  position that the passage itself does not back with data. First-person experience counts.
- marketing: promotes a product, provider, brand or service: calls to action, ® and ™
  brand claims, superlatives and hype, and benefit lists with no data on a provider's page.

This module holds the first, cue-based labeller. Labellers sit behind ``Labeller`` and are
chosen by name, so a trained model can replace it without touching other stages.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Sequence

import numpy as np

from .records import LABELS, Label, LabelResult

_CUES: dict[Label, list[tuple[re.Pattern[str], float, str]]] = {
    "evidence": [
        (re.compile(r"\d+(?:\.\d+)?\s?%"), 2.0, "it reports a percentage"),
        (re.compile(r"\b(?:n\s?=\s?\d+|\d{2,}\s+(?:adult\s+)?(?:patients|participants|subjects|physicians))\b", re.I), 2.0,
         "it gives a sample size"),
        (re.compile(r"\b(?:randomi[sz]ed|controlled trial|multicenter|prospective|retrospective|cohort|"
                    r"meta-analysis|systematic review|p\s?[<=]\s?0?\.\d+|confidence interval|odds ratio)\b", re.I), 1.5,
         "it describes a study design or statistic"),
        (re.compile(r"\b(?:et al\.?|according to (?:a|the) (?:study|survey|report)|study (?:found|showed|revealed)|"
                    r"doi:|PMID|Journal|Cochrane|\(\d+(?:[,-]\d+)*\))", re.I), 1.5,
         "it attributes the claim to a cited study or source"),
    ],
    "opinion": [
        (re.compile(r"\b(?:I|I'm|I’m|I've|I’ve|my|we believe|in my view|I think)\b"), 1.5, "it speaks from personal experience or belief"),
        (re.compile(r"\b(?:should|must|need to|ought to|essential|important|problematic|concerning|"
                    r"regrettably|unfortunately|clearly|undertrained|questionable|misguid\w*|caution)\b", re.I), 1.0,
         "it makes a judgement or recommendation"),
    ],
    "marketing": [
        (re.compile(r"[®™]|#1\b"), 2.5, "it uses a brand mark or a '#1' claim"),
        (re.compile(r"\b(?:request|schedule|book|download|subscribe|join|sign up|contact us|call (?:us|today)|learn more|"
                    r"get (?:fresh|started)|free\b)", re.I), 2.0, "it asks you to sign up, buy or get in touch"),
        (re.compile(r"\b(?:groundbreaking|transformational|landmark|premier|renowned|revolutionary|cutting-edge|"
                    r"world-class|innovative|exciting|best|leading|trusted)\b", re.I), 1.5,
         "it uses promotional superlatives"),
    ],
}

_PLAIN_REASON: dict[Label, str] = {
    "evidence": "it reports research data or cites a source",
    "opinion": "it states a view or argument without data in the passage",
    "marketing": "it promotes a product, provider or service",
}


class Labeller(ABC):
    """Labels sentences; subclasses implement ``label_batch``."""

    name = "base"

    @abstractmethod
    def label_batch(self, texts: Sequence[str], vectors: np.ndarray | None = None) -> list[LabelResult]:
        """One label with reasons per sentence."""

    def label(self, texts: Sequence[str], vectors: np.ndarray | None = None) -> list[LabelResult]:
        """Labels for any number of sentences (empty input gives an empty list)."""
        if vectors is not None and len(vectors) != len(texts):
            raise ValueError(f"vectors must have one row per text, got {len(vectors)} for {len(texts)}")
        return self.label_batch(list(texts), vectors) if texts else []


class CueLabeller(Labeller):
    """Sums weighted, explainable cues; with no cue a sentence is an opinion."""

    name = "cues"

    def label_batch(self, texts: Sequence[str], vectors: np.ndarray | None = None) -> list[LabelResult]:
        out = []
        for text in texts:
            scores = {lab: 0.0 for lab in LABELS}
            reasons: dict[str, list[str]] = {lab: [] for lab in LABELS}
            for lab, cues in _CUES.items():
                for pattern, weight, reason in cues:
                    if pattern.search(text):
                        scores[lab] += weight
                        reasons[lab].append(reason)
            best: Label = max(LABELS, key=lambda lab: (scores[lab], lab == "opinion"))
            if scores[best] == 0:
                best = "opinion"
            out.append(LabelResult(best, tuple(reasons[best]) or (_PLAIN_REASON[best],), scores))
        return out


_LABELLERS: dict[str, type[Labeller]] = {"cues": CueLabeller}


def get_labeller(name: str = "cues") -> Labeller:
    """A labeller by name."""
    try:
        return _LABELLERS[name]()
    except KeyError:
        raise ValueError(f"unknown labeller '{name}'; choose one of: {', '.join(sorted(_LABELLERS))}") from None


def combine(labels: Sequence[Label], weights: Sequence[float]) -> Label:
    """The label carrying the most weight. Ties go to the more cautious label:
    marketing over opinion over evidence, so a claim is never over-credited."""
    if not labels:
        raise ValueError("combine needs at least one label")
    totals = {lab: 0.0 for lab in LABELS}
    for lab, w in zip(labels, weights):
        totals[lab] += w
    caution = {"marketing": 2, "opinion": 1, "evidence": 0}
    return max(LABELS, key=lambda lab: (round(totals[lab], 9), caution[lab]))


def plain_reason(label: Label, publisher_kind: str = "") -> str:
    """One plain-language line saying why an answer carries its label."""
    where = {
        "clinic": "a clinic's page",
        "venture_industry": "a company's post",
        "medical_society": "a medical society's statement",
        "journal": "a journal article",
    }.get(publisher_kind, "the documents")
    return f"This answer comes from {where}; {_PLAIN_REASON[label]}."
