"""DISCERN's balance items on a source card: does the page say how a treatment works, its benefits, its
risks, other options, what happens without treatment, and where the evidence is uncertain?

DISCERN (Charnock et al., 1999) has 16 items for judging written information about treatment choices;
items 9-14 and 11 are the ones a page's own text can show. Each item here is yes or no, and a yes comes
with the exact passages (at most three) that show it, as the JAMA items do. The reading is literal and
word-level: a page that only says a doctor can do something "safely" has not described a benefit of the
treatment, and "less risk of infection" in a list of selling points is a benefit, not a risk.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from .cues import normalise
from .records import Span

ITEMS = ("how_it_works", "benefits", "risks", "alternatives", "no_treatment", "uncertainty")
ITEM_TITLES = {
    "how_it_works": "says how the treatment works",
    "benefits": "describes benefits",
    "risks": "describes risks",
    "alternatives": "mentions other options",
    "no_treatment": "says what happens without treatment",
    "uncertainty": "acknowledges uncertainty",
}
NO_NOTES = {
    "how_it_works": "no passage says how a treatment works",
    "benefits": "no passage describes a benefit of treatment",
    "risks": "no passage describes a risk, complication or side effect",
    "alternatives": "no other option or alternative is mentioned",
    "no_treatment": "nothing on what happens without treatment",
    "uncertainty": "no passage acknowledges uncertainty or limits of the evidence",
}
MAX_PASSAGES = 3

_TREATMENT = re.compile(
    r"\b(?:injections?|inject(?:ed|ing)|steroids?|corticosteroids?|epidurals?|nerve blocks?|ablation|neurotomy|"
    r"discectomy|fusions?|surgery|surgeries|surgical|procedures?|therap(?:y|ies)|medications?|opioids?|"
    r"prolotherapy|PRP|platelet[- ]rich plasma|stem cells?|implants?|stimulat(?:ion|ors?)|treatments?)\b", re.I)
_HOW = re.compile(
    r"\bworks? by\b|\bmechanisms? (?:of action|by which)\b|\bby (?:blocking|reducing|removing|delivering|disabling|numbing|interrupting|"
    r"stabili[sz]ing|relieving|decompressing)\b|\brelieves? (?:the )?pressure\b|\bdisabl(?:e|es|ing) (?:them|the "
    r"nerves?)\b|\b(?:is|are) delivered to\b|\bfrom transmitting\b|\bnumbing medication\b|\banti-inflammatory\b|"
    r"\bremoves? (?:all or )?part of\b|\bpinpoint the (?:location|source)\b|\btreat it right at its source\b", re.I)
_BENEFIT = re.compile(
    r"\bbenefits?\b(?! of (?:this|the) (?:study|research|training))|\bpain relief\b|\brelie(?:f|ves?) "
    r"(?:of )?(?:the )?(?:pain|pressure)\b|\bfaster recovery\b|\bless (?:pain|blood loss|reliance)\b|"
    r"\bimprov(?:e|es|ed|ing|ement) (?:in )?(?:pain|function|symptoms|outcomes|quality of life|well-being)\b|"
    r"\bhelp (?:patients )?(?:function|feel)\b|\bfeel better\b|\bavoid surgery\b|\breduc(?:e|es|ed|ing) "
    r"(?:pain|disability|opioid)\b|\beffective (?:for|in|at) (?:treating|reducing|relieving)\b|"
    r"\b(?:experience|provide|provides|give|gives) (?:months of |lasting |long-term )?(?:pain )?relief\b|"
    r"(?<!limited )(?<!lack of )\b(?:efficacy|effectiveness)\b|\bwork(?:s|ed)? better than\b|\breduc(?:e|es|ed|ing) [\w-]+(?: [\w-]+)? rates\b",
    re.I)
_RISK = re.compile(
    r"\bcomplications?\b|\bside[- ]effects?\b|\badverse (?:events?|effects?|outcomes?)\b|\brevisions?\b|"
    r"\brisks?\b|\brisky\b|\bharms?\b|\binfections?\b|\bnerve damage\b|\bdangers?\b|\bdangerous\b|"
    r"\bfail(?:ed|ure|s)?\b|\b(?:relief|benefit|effect) (?:was|is|were) (?:only )?temporary\b|"
    r"\bpain returned\b|\bwears? off\b|\bwore off\b", re.I)
# "less risk of infection", "low risk", "reduces the risk": a benefit phrased with a risk word.
_RISK_AS_BENEFIT = re.compile(
    r"\b(?:less|lower|low|reduced?|reduces|reducing|minimal|minimi[sz]es?|little|no|without|avoid(?:s|ing)?)\s+"
    r"(?:the\s+)?(?:risk|complication|infection|harm|side[- ]effect)s?\b", re.I)
_RATE = re.compile(r"\d+(?:\.\d+)?\s?%|\brates?\b|\bzero\b", re.I)
_ALTERNATIVE = re.compile(
    r"\balternatives?\b|\boptions?\b|\binstead of\b|\brather than\b|\bconservative (?:route|care|treatments?|"
    r"management)\b|\bmultimodal\b|\bavoid surgery\b|\bphysical therapy\b|\bnon-?surgical\b|\bversus\b|\bvs\.?\b|"
    r"\bcompared (?:with|to)\b", re.I)
_NO_TREATMENT = re.compile(
    r"\bwithout (?:any )?treatment\b|\bif (?:left )?untreated\b|\buntreated\b|\bnatural (?:course|history)\b|"
    r"\b(?:resolves?|improves?|gets? better) (?:on (?:its|their) own|by itself|without)\b|\bwatchful waiting\b|"
    r"\bwait(?:ing)? and see\b|\bno treatment\b|\bplacebo\b|\bsham\b", re.I)
_UNCERTAIN = re.compile(
    r"\b(?:more|further|additional|robust) (?:research|studies|evidence|trials)\b|\buncertain(?:ty|ties)?\b|"
    r"\bunclear\b|\blimitations?\b|\blimits? the ability\b|\bdefinitive conclusions?\b|\binconclusive\b|"
    r"\b(?:results|outcomes) (?:may|can|will) vary\b|\bnot guaranteed\b|\bno guarantee\b|\bsuccess and failure\b|"
    r"\bevidence (?:is|was|remains) (?:limited|weak|mixed|conflicting|low|insufficient)\b|"
    r"\b(?:limited|weak|mixed|conflicting|low-quality|insufficient) evidence\b|\bmay not (?:work|help|apply)\b|"
    r"\bnot (?:typical|representative)\b", re.I)


def _shows(item: str, text: str) -> bool:
    t = normalise(text)
    if item == "how_it_works":
        return bool(_HOW.search(t)) and bool(_TREATMENT.search(t))
    if item == "benefits":  # an outcome of a treatment, not a mission statement ("improving function")
        return bool(_BENEFIT.search(t)) and (bool(_TREATMENT.search(t)) or bool(re.search(r"\bbenefits?\b", t, re.I)))
    if item == "risks":
        # A complication or revision *rate* is a risk described; a risk word only as a selling point is not.
        remaining = _RISK_AS_BENEFIT.sub(" ", t)
        return bool(_RISK.search(remaining)) and (bool(_TREATMENT.search(t)) or bool(_RATE.search(t))
                                                   or bool(re.search(r"\bwell[- ]established\b", t)))
    if item == "alternatives":
        return bool(_ALTERNATIVE.search(t)) or len({m.lower() for m in _TREATMENT.findall(t)}
                                                    - {"procedure", "procedures", "treatment", "treatments"}) >= 3
    if item == "no_treatment":
        return bool(_NO_TREATMENT.search(t))
    return bool(_UNCERTAIN.search(t))


def balance_items(sentences: Sequence[Span], skip: Sequence[bool]) -> dict[str, dict[str, Any]]:
    """Each DISCERN balance item as ``{"present", "passages": [{start, end, text}], "note"}``; ``skip``
    marks sentences that are not the page's own content (headings, reference lists)."""
    out = {}
    for item in ITEMS:
        hits = [s for s, sk in zip(sentences, skip) if not sk and _shows(item, s.clean)][:MAX_PASSAGES]
        out[item] = {"present": bool(hits), "passages": [{"start": s.start, "end": s.end, "text": s.text}
                                                         for s in hits],
                     "note": "" if hits else NO_NOTES[item]}
    return out


def balance_warning(items: dict[str, dict[str, Any]]) -> str:
    """The plain words a reader is shown when a page is one-sided, or ''."""
    has = {k: bool(v.get("present")) for k, v in items.items()}
    if has.get("benefits") and not has.get("risks"):
        return "This page describes benefits of treatment but names no risks."
    if has.get("benefits") and not has.get("uncertainty") and not has.get("alternatives"):
        return "This page describes benefits, but no other option and no uncertainty."
    return ""
