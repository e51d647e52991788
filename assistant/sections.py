"""A sentence's place in its document: headings, study summaries, reference lists, lists of selling
points and providers' pages, and the labeller's feature rows that combine them with the cues."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from .cues import _CONTEXT_FAMILY, _I, CUES, FEATURE_NAMES, fired_cues, normalise
from .records import LABELS

_HEADING_END = re.compile(r"[.!?]['\"”’)]*$")
# A heading that opens a study summary names the study or one of its parts ("About the Study",
# "Key Findings", "Methods"); a heading that merely mentions studies ("Heterogeneity of Studies") does not.
_STUDY_HEADING = re.compile(
    r"^(?:about (?:the|this|our) |the |this |our |key |main |primary |study )?(?:study|trial|research|"
    r"results?|"
    r"findings|design|methods?|methodology|outcomes?|materials and methods|patients and methods|participants|"
    r"abstract|data|statistics|analysis|measurements?)\b(?! of\b)|\bat a glance\b", _I)
_METHODS_HEADING = re.compile(r"^(?:(?:materials|patients|subjects|participants) and )?"
                              r"(?:methods?|methodology|"
                              r"study design|design|setting|patients|participants|interventions?)\W*$", _I)
_RESULTS_HEADING = re.compile(r"^(?:results?|findings|main results|key results|outcomes?)\W*$", _I)
_REFERENCE_HEADING = re.compile(
    r"^(?:references?|bibliography|sources|citations|works cited|literature cited)\b", _I)
_PROVIDER_KINDS = {"clinic", "venture_industry"}
_SELLS = re.compile(
    r"\b(?:request|schedule|book)\s+(?:a|an|your)?\s*(?:free\s+)?(?:consultation|appointment|visit|"
    r"info packet)|"
    r"\bcall (?:us|our office|today)\b|[®™]", _I)


def is_heading(text: str) -> bool:
    """A section heading: a label ending in a colon, or a short title-case line with no closing punctuation
    (a "Label: value" line such as "Lead Investigator: Dr. Chin" is content, not a heading)."""
    t = normalise(text)
    words = t.split()
    if not 0 < len(words) <= 12:
        return False
    if t.endswith(":"):
        return True
    if _HEADING_END.search(t) or re.search(r"\w: \S", t):
        return False
    long = [w for w in words if len(w) > 3 and w[0].isalpha()]
    return not long or sum(w[0].isupper() for w in long) / len(long) >= 0.6


def reference_list(texts: Sequence[str]) -> list[bool]:
    """For each of a document's sentences, in reading order: is it part of its list of references?"""
    return _section_kinds(texts, [fired_cues(t) for t in texts])[1]


def _section_kinds(texts: Sequence[str], fired: Sequence[Sequence[str]]) -> tuple[list[bool], list[bool]]:
    """For each sentence: is it inside a study summary, and inside a reference list?"""
    study, refs = [], []
    section = ""
    n = len(texts)
    biblio = ["bibliographic" in f for f in fired]
    for i, text in enumerate(texts):
        t = normalise(text)
        if is_heading(t):
            label_line = t.endswith(":")
            if _REFERENCE_HEADING.search(t):
                section = "references"
            elif _STUDY_HEADING.search(t):
                section = "study"
            elif not label_line:
                # A new top-level heading without study words ends a study section;
                # a list label ("Credentialing:") keeps whatever section it sits in.
                section = ""
        study.append(section == "study" and not is_heading(t))
        # A reference list is also recognised from its entries: a sentence between two entries,
        # or right after one, belongs to it (fragments such as an article's title or "Epub ...").
        near = (i > 0 and biblio[i - 1]) and (i + 1 >= n or biblio[i + 1] or len(t.split()) <= 16)
        refs.append(section == "references" or biblio[i] or near)
    return study, refs


_PITCH_LEAD = re.compile(r"\b(?:benefits?|advantages?|"
                         r"why (?:patients|you|people|families) (?:choose|love|trust|pick)|"
                         r"what you (?:get|can expect)|reasons to)\b", _I)
_MARKETING_CUES = frozenset(c.name for c in CUES if c.family == "marketing")


def _pitch_lists(texts: Sequence[str], fired: Sequence[Sequence[str]]) -> list[bool]:
    """For each sentence: is it an item of a list led in by a sales line ("The benefits include:")?"""
    out = [False] * len(texts)
    for i, text in enumerate(texts):
        t = normalise(text)
        if not t.endswith(":") or not (_PITCH_LEAD.search(t) or _MARKETING_CUES & set(fired[i])):
            continue
        for j in range(i + 1, min(i + 13, len(texts))):
            item = normalise(texts[j])
            if item.endswith(":") or len(item.split()) > 10:
                break
            out[j] = True
    return out


def provider_page(texts: Sequence[str], meta: Mapping[str, Any] | None) -> bool:
    """True when the page belongs to a provider: its manifest says so, or its text asks you to book or buy."""
    kind = str((meta or {}).get("publisher_kind") or "")
    if kind:
        return kind in _PROVIDER_KINDS
    return any(_SELLS.search(normalise(t)) for t in texts)


_STRONG = frozenset({"percent", "sample_size", "design", "statistics", "research_action", "finding",
                     "compared_figures"})


def _publisher_names(meta: Mapping[str, Any] | None) -> re.Pattern[str] | None:
    """The publisher's name and initials ("Pacific Spine and Pain Society", "PSPS"), if known."""
    name = normalise(str((meta or {}).get("publisher") or ""))
    if len(name) < 3:
        return None
    initials = "".join(w[0] for w in name.split() if w[0].isupper())
    full = r"\s+".join("(?:and|&)" if w.lower() in {"and", "&"} else re.escape(w) for w in name.split())
    forms = [full] + ([re.escape(initials)] if len(initials) >= 3 else [])
    return re.compile(r"\b(?:" + "|".join(forms) + r")\b")


def document_features(texts: Sequence[str], meta: Mapping[str, Any] | None = None
                      ) -> tuple[np.ndarray, list[list[str]]]:
    """Feature rows (in ``FEATURE_NAMES`` order) for one document's sentences, in reading order,
    and the names of the cues and context features that fired in each."""
    fired = [fired_cues(t) for t in texts]
    study, refs = _section_kinds(texts, fired)
    pitch_list = _pitch_lists(texts, fired)
    provider = provider_page(texts, meta)
    publisher = _publisher_names(meta)
    strong = [bool(_STRONG & set(f)) for f in fired]
    n_all = len(texts)
    # Research density: the share of the document's sentences that report study data.
    density = sum(strong) / max(n_all, 1)
    headings = [normalise(t) for t in texts if is_heading(t)]
    structured = (any(_METHODS_HEADING.match(h) for h in headings)
                  and any(_RESULTS_HEADING.match(h) for h in headings))
    family = {c.name: c.family for c in CUES}
    rows = np.zeros((n_all, len(FEATURE_NAMES)), dtype=np.float32)
    index = {name: k for k, name in enumerate(FEATURE_NAMES)}
    names: list[list[str]] = []
    for i, text in enumerate(texts):
        t = normalise(text)
        words = t.split()
        here = list(fired[i])
        around = [strong[j] for j in (i - 2, i - 1, i + 1, i + 2) if 0 <= j < n_all]
        context = {
            "in_study_summary": float(study[i]),
            "in_reference_list": float(refs[i]),
            "provider_page": float(provider),
            "benefit_on_provider_page": float(provider and "benefit" in here),
            "in_benefit_list": float(provider and pitch_list[i]),
            "names_publisher": float(bool(publisher and publisher.search(t))),
            "data_around": sum(around) / len(around) if around else 0.0,
            "research_document": density,
            "structured_abstract": float(structured),
        }
        for name in here:
            rows[i, index[f"cue:{name}"]] = 1.0
        for lab in LABELS:
            n = sum(1.0 for name in here if family[name] == lab)
            n += sum(v for k, v in context.items() if _CONTEXT_FAMILY.get(k) == lab)
            rows[i, index[f"family:{lab}"]] = min(n, 3.0)
        for k, v in context.items():
            rows[i, index[f"context:{k}"]] = v
            if v >= 0.5:
                here.append(k)
        rows[i, index["shape:heading"]] = float(is_heading(t))
        rows[i, index["shape:short"]] = float(len(words) <= 4)
        rows[i, index["shape:colon"]] = float(":" in t)
        rows[i, index["shape:log_words"]] = math.log1p(len(words)) / 4.0
        names.append(here)
    return rows, names
