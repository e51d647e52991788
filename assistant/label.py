"""Label sentences, passages and answers as evidence, opinion or marketing, with reasons.

- evidence: reports data or results of research (design, sample size, rates, statistics),
  or states a fact and attributes it to a cited study or source.
- opinion: a person's or organisation's judgement, argument, recommendation, criticism or
  position that the passage itself does not back with data. First-person experience counts.
- marketing: promotes a product, provider, brand or service: calls to action, ® and ™
  brand claims, superlatives and hype, and benefit lists with no data on a provider's page.

Labellers sit behind ``Labeller`` and are chosen by name:
- ``trained`` (the default): logistic regression over explainable cues (``cues.py``), the
  sentence's place in its document and its MiniLM vector. The fitted weights ship as
  ``labeller_model.json`` (written by ``python train/labeller.py train``), so nothing is
  trained at run time.
- ``cues``: the first, hand-weighted cue labeller, kept as a baseline.

A labeller reads one document's sentences in reading order, because where a sentence sits
(a study summary, a reference list, a provider's page) is part of what it is.
"""

from __future__ import annotations

import hashlib
import json
import re
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .records import LABELS, Citation, Label, LabelResult

if TYPE_CHECKING:
    from .settings import EmbedSettings

MODEL_PATH = Path(__file__).with_name("labeller_model.json")

# The baseline "cues" labeller: a few hand-weighted patterns per label.
_CUES: dict[Label, list[tuple[re.Pattern[str], float, str]]] = {
    "evidence": [
        (re.compile(r"\d+(?:\.\d+)?\s?%"), 2.0, "it reports a percentage"),
        (re.compile(r"\b(?:n\s?=\s?\d+|\d{2,}\s+(?:adult\s+)?(?:patients|participants|subjects|physicians))\b",
                    re.I), 2.0, "it gives a sample size"),
        (re.compile(r"\b(?:randomi[sz]ed|controlled trial|multicenter|prospective|retrospective|cohort|"
                    r"meta-analysis|systematic review|p\s?[<=]\s?0?\.\d+|confidence interval|odds ratio)\b",
                    re.I), 1.5, "it describes a study design or statistic"),
        (re.compile(r"\b(?:et al\.?|according to (?:a|the) (?:study|survey|report)|"
                    r"study (?:found|showed|revealed)|doi:|PMID|Journal|Cochrane|\(\d+(?:[,-]\d+)*\))", re.I),
         1.5, "it attributes the claim to a cited study or source"),
    ],
    "opinion": [
        (re.compile(r"\b(?:I|I'm|I’m|I've|I’ve|my|we believe|in my view|I think)\b"), 1.5,
         "it speaks from personal experience or belief"),
        (re.compile(r"\b(?:should|must|need to|ought to|essential|important|problematic|concerning|"
                    r"regrettably|unfortunately|clearly|undertrained|questionable|misguid\w*|caution)\b",
                    re.I),
         1.0, "it makes a judgement or recommendation"),
    ],
    "marketing": [
        (re.compile(r"[®™]|#1\b"), 2.5, "it uses a brand mark or a '#1' claim"),
        (re.compile(r"\b(?:request|schedule|book|download|subscribe|join|sign up|contact us|"
                    r"call (?:us|today)|learn more|get (?:fresh|started)|free\b)", re.I), 2.0,
         "it asks you to sign up, buy or get in touch"),
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

# Said when no single cue explains the label: the sentence's wording as a whole did.
_WORDING_REASON: dict[Label, str] = {
    "evidence": "its wording reads like a research report",
    "opinion": "it states a claim without data or a named source",
    "marketing": "its wording reads like promotional copy",
}
_NO_DATA_REASON = "it gives no data or named source to back it"


class Labeller(ABC):
    """Labels the sentences of one document; subclasses implement ``label_batch``."""

    name = "base"
    embedder = ""  # the embedder whose vectors ``label`` expects; empty when it needs none

    @property
    def version(self) -> str:
        """Changes whenever this labeller could label the same text differently."""
        return self.name

    @abstractmethod
    def label_batch(self, texts: Sequence[str], vectors: np.ndarray | None = None,
                    meta: Mapping[str, Any] | None = None) -> list[LabelResult]:
        """One label with reasons per sentence, for one document's sentences in reading order."""

    def label(self, texts: Sequence[str], vectors: np.ndarray | None = None,
              meta: Mapping[str, Any] | None = None) -> list[LabelResult]:
        """Labels for one document's sentences (empty input gives an empty list).

        ``vectors`` are the sentences' vectors from ``self.embedder`` (computed here if omitted);
        ``meta`` is the document's manifest entry (only ``publisher_kind`` is read)."""
        if vectors is not None and len(vectors) != len(texts):
            raise ValueError(f"vectors must have one row per text, got {len(vectors)} for {len(texts)}")
        return self.label_batch(list(texts), vectors, meta) if texts else []


class CueLabeller(Labeller):
    """Sums weighted, explainable cues; with no cue a sentence is an opinion."""

    name = "cues"

    def label_batch(self, texts: Sequence[str], vectors: np.ndarray | None = None,
                    meta: Mapping[str, Any] | None = None) -> list[LabelResult]:
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


@lru_cache(maxsize=4)
def _file_digest(path: Path) -> str:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()[:12]
    except OSError:
        return "missing"


@lru_cache(maxsize=2)
def load_model(path: Path = MODEL_PATH) -> dict[str, Any]:
    """The shipped labeller weights, read once per process."""
    from .cues import FEATURE_NAMES

    try:
        model = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise RuntimeError(f"labeller model {path} cannot be read ({exc}); run "
                           "'python train/labeller.py train' to write it") from None
    if model.get("feature_names") != list(FEATURE_NAMES):
        raise RuntimeError(f"labeller model {path} was trained on other cue features; run "
                           "'python train/labeller.py train' again")
    model["_W"] = np.asarray(model["coef"], dtype=np.float64)
    model["_b"] = np.asarray(model["intercept"], dtype=np.float64)
    return model


def model_probabilities(model: Mapping[str, Any], feats: np.ndarray,
                        vectors: np.ndarray | None) -> np.ndarray:
    """Softmax class probabilities (columns in ``LABELS`` order) of a fitted model."""
    W = np.asarray(model["_W"] if "_W" in model else model["coef"], dtype=np.float64)
    b = np.asarray(model["_b"] if "_b" in model else model["intercept"], dtype=np.float64)
    X = feats * float(model["cue_scale"])
    if model.get("embedding_dim"):
        if vectors is None:
            raise ValueError("this labeller model needs sentence vectors")
        X = np.hstack([X, np.asarray(vectors, dtype=np.float64) * float(model["emb_scale"])])
    z = X @ W.T + b
    z -= z.max(axis=1, keepdims=True)
    p = np.exp(z)
    return p / p.sum(axis=1, keepdims=True)


# Features that describe the whole page, not the sentence: shown only where they can explain the label.
_PAGE_ONLY = {"provider_page": "marketing", "research_document": "evidence",
              "structured_abstract": "evidence"}


def explain(model: Mapping[str, Any], feats: np.ndarray, fired: Sequence[str], label: Label,
            text: str = "") -> tuple[str, ...]:
    """The cues that pushed a sentence towards its label, strongest first, in plain words."""
    from .cues import _CONTEXT_FAMILY, CUES, FEATURE_NAMES, quoted_reason

    W = np.asarray(model["_W"], dtype=np.float64)
    k = LABELS.index(label)
    n = len(FEATURE_NAMES)
    # How much each feature favours this label over the average label.
    push = feats * float(model["cue_scale"]) * (W[k, :n] - W[:, :n].mean(axis=0))
    idx = {name: j for j, name in enumerate(FEATURE_NAMES)}
    family = {c.name: c.family for c in CUES} | dict(_CONTEXT_FAMILY)
    members: dict[str, list[str]] = {}
    for name in fired:
        if family.get(name):
            members.setdefault(family[name], []).append(name)
    score: dict[str, float] = {}
    for name in fired:
        if _PAGE_ONLY.get(name, label) != label:
            continue
        own = idx.get(f"cue:{name}", idx.get(f"context:{name}"))
        value = float(push[own]) if own is not None else 0.0
        fam = family.get(name)
        if fam:  # a family count is shared among the family's cues that fired
            value += float(push[idx[f"family:{fam}"]]) / len(members[fam])
        score[name] = value
    ranked = [name for name in sorted(score, key=lambda m: -score[m]) if score[name] > 0.05]
    reasons = list(dict.fromkeys(quoted_reason(name, text) for name in ranked))[:3]
    evidence_cues = {c.name for c in CUES if c.family == "evidence"}
    evidence_cues |= {"in_study_summary", "in_reference_list"}
    if label == "opinion" and not evidence_cues & set(fired) and len(reasons) < 3:
        reasons.append(_NO_DATA_REASON)
    return tuple(reasons) or (_WORDING_REASON[label],)


class TrainedLabeller(Labeller):
    """Logistic regression over cue features and MiniLM vectors, with weights shipped in the package."""

    name = "trained"
    embedder = "minilm"

    def __init__(self, embed: EmbedSettings | None = None, model_path: Path = MODEL_PATH) -> None:
        self.embed = embed
        self.model_path = model_path

    @property
    def version(self) -> str:
        return f"{self.name}-{_file_digest(self.model_path)}"

    def _vectors(self, texts: Sequence[str]) -> np.ndarray:
        from .embed import get_embedder
        from .settings import EmbedSettings

        ours = self.embed is not None and self.embed.backend == self.embedder
        settings = self.embed if ours else EmbedSettings()
        return get_embedder(settings).embed(list(texts))

    def label_batch(self, texts: Sequence[str], vectors: np.ndarray | None = None,
                    meta: Mapping[str, Any] | None = None) -> list[LabelResult]:
        from .sections import document_features

        model = load_model(self.model_path)
        feats, fired = document_features(texts, meta)
        if vectors is None and model.get("embedding_dim"):
            vectors = self._vectors(texts)
        if vectors is not None and model.get("embedding_dim") and vectors.shape[1] != model["embedding_dim"]:
            raise ValueError(f"the labeller needs {model['embedding_dim']}-dimensional {self.embedder} "
                             f"vectors, got {vectors.shape[1]}")
        probs = model_probabilities(model, feats, vectors)
        out = []
        for i, row in enumerate(probs):
            label: Label = LABELS[int(row.argmax())]
            scores = {lab: round(float(v), 4) for lab, v in zip(LABELS, row)}
            out.append(LabelResult(label, explain(model, feats[i], fired[i], label, texts[i]), scores))
        return out


_LABELLERS: dict[str, type[Labeller]] = {"cues": CueLabeller, "trained": TrainedLabeller}
DEFAULT_LABELLER = "trained"


def register_labeller(name: str, cls: type[Labeller]) -> None:
    """Make a labeller available by name."""
    _LABELLERS[name] = cls


def get_labeller(name: str = DEFAULT_LABELLER, embed: EmbedSettings | None = None) -> Labeller:
    """A labeller by name; ``embed`` tells a labeller that needs vectors how to compute missing ones."""
    try:
        cls = _LABELLERS[name]
    except KeyError:
        choices = ", ".join(sorted(_LABELLERS))
        raise ValueError(f"unknown labeller '{name}'; choose one of: {choices}") from None
    return cls(embed) if issubclass(cls, TrainedLabeller) else cls()


def combine(labels: Sequence[Label], weights: Sequence[float]) -> Label:
    """The label carrying the most weight.

    Tie-break: when two labels carry exactly the same weight, the more cautious one wins,
    marketing over opinion over evidence, so a claim is never credited with more support
    than its weakest equal share gives it."""
    if not labels:
        raise ValueError("combine needs at least one label")
    if len(weights) != len(labels):
        raise ValueError(f"combine needs one weight per label, got {len(weights)} for {len(labels)}")
    totals = {lab: 0.0 for lab in LABELS}
    for lab, w in zip(labels, weights):
        totals[lab] += w
    caution = {"marketing": 2, "opinion": 1, "evidence": 0}
    return max(LABELS, key=lambda lab: (round(totals[lab], 9), caution[lab]))


_MARKERS = re.compile(r"(?:\s*\[\d+\])+")


def support_weights(answer: str, citations: Sequence[Citation]) -> list[float]:
    """How much of the answer each citation supports: the characters of the answer text before
    each run of [n] markers, shared equally by the citations in the run."""
    weight = {c.n: 0.0 for c in citations}
    pos = 0
    for m in _MARKERS.finditer(answer):
        numbers = [int(x) for x in re.findall(r"\[(\d+)\]", m.group(0)) if int(x) in weight]
        span = len(answer[pos : m.start()].strip())
        pos = m.end()
        for n in dict.fromkeys(numbers):
            weight[n] += span / len(set(numbers))
    # A citation the text never marks still counts, a little, by its own length.
    return [weight[c.n] or 1e-3 * len(c.text) for c in citations]


_ANSWER_REASON: dict[Label, str] = {
    "evidence": "most of it rests on sentences that report research data or cite a source",
    "opinion": "most of it rests on sentences that state a view or an argument without data",
    "marketing": "most of it rests on sentences that promote a product, provider or service",
}


def plain_reason(label: Label, publisher_kind: str = "", mixed: bool = False) -> str:
    """One plain-language line saying why an answer carries its label."""
    where = {
        "clinic": "a clinic's page",
        "venture_industry": "a company's post",
        "medical_society": "a medical society's statement",
        "journal": "a journal article",
    }.get(publisher_kind, "the documents")
    line = f"This answer comes from {where}; {_ANSWER_REASON[label]}."
    if mixed:
        line += " Its sources mix labels, so each citation shows its own."
    return line
