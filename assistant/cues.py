"""Explainable cue features for the labeller, each with the plain words a patient is shown.

A cue is a pattern that points towards one label (``family``) or none. The trained labeller
reads three kinds of feature from them: one 0/1 feature per cue, one count per family (so a
cue seen in only one training document still counts through its family), and a few features
of the sentence's place in its document (a study summary, a reference list, a provider's page).
All of them are computed from the text; ``publisher_kind`` from the manifest is used only to
decide whether the page belongs to a provider, and the text can show that too.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .records import LABELS, Label

_I = re.I


@dataclass(frozen=True)
class Cue:
    """A named pattern, the label it points to (or None) and the reason shown to a reader."""

    name: str
    family: Label | None
    pattern: re.Pattern[str]
    reason: str
    quote: bool = True  # show the words that matched after the reason


# Cues whose matched words would not help a reader ("I", "2019", "?") are shown without them.
_UNQUOTED = frozenset({"figures", "bibliographic", "first_person", "question", "argument", "advice", "slogan",
                       "we_our", "hedge", "you", "research_action", "compared_figures", "citation_marker"})


def _c(name: str, family: Label | None, pattern: str, reason: str, flags: int = _I) -> Cue:
    return Cue(name, family, re.compile(pattern, flags), reason, name not in _UNQUOTED)


_NUM = r"(?:\d[\d,]*(?:\.\d+)?)"
_PEOPLE = (r"(?:patients|participants|subjects|people|persons|adults|children|infants|women|men|cases|"
           r"physicians|surgeons|doctors|nurses|respondents|volunteers|individuals|residents|students|"
           r"veterans|smokers|eyes|knees|hips|spines|procedures|operations|hospitals|centers|centres|sites)")

CUES: tuple[Cue, ...] = (
    # evidence: data, study design, statistics, named sources
    _c("percent", "evidence", rf"{_NUM}\s?%|\bper ?cent\b", "it reports a percentage"),
    _c("sample_size", "evidence", rf"\bn\s?=\s?\d+|\b{_NUM}\s+(?:[\w-]+\s+){{0,2}}{_PEOPLE}\b",
       "it says how many people or cases were studied"),
    _c("design", "evidence",
       r"\b(?:randomi[sz]ed|randomly assigned|controlled trial|clinical trial|trials?\b|prospective(?:ly)?|"
       r"retrospective(?:ly)?|cohort|case[- ]control|cross[- ]sectional|meta[- ]analys[ie]s|"
       r"systematic review|"
       r"multi-?cent(?:er|re)|double[- ]blind|single[- ]blind|placebo|follow-up|observational|case series|"
       r"questionnaire|survey(?:ed)?|group \d|control group|study design|inclusion criteria|"
       r"outcome measures?)",
       "it describes how a study was done"),
    _c("statistics", "evidence",
       r"\bp\s?[<=>≤]\s?0?\.\d|\bconfidence interval|\b95\s?%|odds ratio|hazard ratio|relative risk|"
       r"\b(?-i:OR|HR|RR|SD|SE|IQR|AUC|CI)\b|statistically|significant(?:ly)? (?:difference|differences|"
       r"higher|lower|"
       r"increase|decrease|reduction|improvement|association|correlation)|no significant|\bmean\b|\bmedian\b|"
       r"±|"
       r"\bsignificantly\b|\bnot significant|standard deviation|regression|correlat\w+|sensitivity|"
       r"specificity|\bincidence\b|\bprevalence\b",
       "it reports statistics"),
    _c("research_action", "evidence",
       r"\b(?:were|was|been)\s+(?:randomi[sz]ed|enrolled|included|excluded|recruited|assigned|measured|"
       r"assessed|"
       r"evaluated|analy[sz]ed|compared|followed|identified|reviewed|examined|collected|observed|obtained|"
       r"calculated|determined|associated|recorded|tested|divided|stratified|matched|interviewed|studied|"
       r"investigated|quantified|detected|found|noted|seen)\b|\bwe\s+(?:studied|enrolled|included|"
       r"analy[sz]ed|"
       r"compared|examined|evaluated|assessed|investigated|measured|reviewed|performed|conducted|used|"
       r"identified|found|observed|aimed|sought|report|describe|present|recruited|collected|retrospectively|"
       r"prospectively)\b|\b(?:study|studies|research|trial|researchers|authors|investigators|"
       r"analysis)\s+(?:\w+\s+)?"
       r"(?:evaluated|assessed|examined|investigated|compared|measured|analy[sz]ed|followed|enrolled|"
       r"included|"
       r"randomi[sz]ed|recruited|tested|surveyed)\b",
       "it describes what researchers did or measured"),
    _c("finding", "evidence",
       r"\b(?:study|trial|analysis|review|data|results?|findings?|researchers|authors|investigators|"
       r"survey)\s+"
       r"(?:\w+\s+)?(?:found|find|showed|show|shows|revealed|reveal|demonstrated|indicated|indicate|reported|"
       r"documented|identified|observed|confirmed|suggest(?:ed|s)?)\b",
       "it reports what a study found"),
    _c("compared_figures", "evidence",
       r"^(?=.*\d).*?\b(?:compared (?:with|to)|versus|vs\.?|higher|lower|increased|decreased|reduced|"
       r"reduction|greater|fewer|more likely|less likely|improved|rate|rates|ratio|risk)\b",
       "it compares groups using figures"),
    _c("figures", "evidence", r"\b\d+(?:\.\d+)?\b|\bzero\b", "it gives figures"),
    _c("citation_marker", "evidence",
       r"\bet al\b|\(\s*\d{1,3}(?:\s*[-–,]\s*\d{1,3})*\s*\)(?!\s?\d{3}[-.\s]\d)|"
       r"\[\s*\d{1,3}(?:\s*[-–,]\s*\d{1,3})*\s*\]|(?<=[a-z.,])\d+(?:[-–,]\d+)+(?=\s|$)",
       "it points to numbered references or named study authors"),
    _c("named_source", "evidence",
       r"\baccording to (?:a|an|the|recent|new)?\s*(?:\w+\s+){0,2}(?:study|studies|survey|report|research|"
       r"data|"
       r"review|trial|analysis|statistics|CDC|WHO|NIH|FDA|guidelines?)|\b(?:a|one|the|this|that) (?:\w+ )?"
       r"(?:study|survey|report|review|trial|analysis) (?:by|from|done by|conducted by|led by|of)\b|"
       r"\bresearchers (?:at|from)\b|\bDepartment of Health\b|\b(?-i:CDC|WHO|NIH|AHRQ|NICE)\b",
       "it names the study or source it relies on"),
    _c("journal", "evidence",
       r"\bpublished in\b|\b(?-i:Journal|Lancet|BMJ|JAMA|NEJM|Cochrane|Pain Physician|Ann Intern Med|"
       r"Reg Anesth|Spine J)\b",
       "it names a journal"),
    _c("bibliographic", "evidence",
       r"^(?:[A-Z][A-Za-z'’-]+ [A-Z]{1,3}[,.]\s*){2,}|\bdoi:|\bPMID\b|\bPMCID\b|doi\.org|\b(?:19|20)\d\d\s?"
       r"(?:[A-Z][a-z]{2}\s?(?:\d{1,2})?)?;\s?\d+|\d+\(\w+\):\s?[eS]?\d+|\bEpub\b|\bRev\b\s*\.",
       "it is an entry in a list of references", 0),
    # opinion: the writer's own view, judgement, advice or argument
    _c("first_person", "opinion", r"\b(?:I|I'm|I've|I'd|I'll|me|my|mine|myself)\b",
       "the writer speaks about their own experience or views", 0),
    _c("belief", "opinion",
       r"\b(?:I|we) (?:\w+ )?(?:think|believe|feel|felt|agree|disagree|suspect|doubt|hope|expect|would like|"
       r"can't say|"
       r"remember|noticed|got the)\b|\bin (?:my|our) (?:view|opinion|experience)\b|\bseems?\b|\bapparently\b|"
       r"\b(?:of course|in fact|frankly|honestly|clearly|obviously)\b",
       "it states a belief or impression"),
    _c("should", "opinion",
       r"\b(?:should|must|ought to|needs? to|have to|has to|essential|crucial|imperative|critical|vital|"
       r"require[sd]?|recommend(?:ed|s|ation)?|it is important|is key)\b",
       "it says what should be done"),
    _c("criticism", "opinion",
       r"\b(?:problematic|concern(?:s|ed|ing)?|questionable|inappropriate|undertrained|regrettabl\w*|"
       r"unfortunate(?:ly)?|lack(?:s|ing)? (?:of|any)|fail(?:s|ed|ure)?|misguid\w*|undermin\w*|mislead\w*|"
       r"flawed|wrong|worse|poor(?:ly)?|sorely|amusing|threatened|missing the|stumped|cursory|"
       r"cannot be overlooked|far-reaching|misconceptions?|don't know|didn't know|not qualified|risky|"
       r"blind)\b",
       "it criticises or raises a concern"),
    _c("judgement", "opinion",
       r"\b(?:important|profound(?:ly)?|complex|fortunately|great|good|better|best practices|rightly|"
       r"interesting|surprise|surprising(?:ly)?|amazing|remarkable|impressive|valuable|simply|truly|"
       r"really|strong|robust|right|proper(?:ly)?|reputable|giants|thanks? to|owe)\b",
       "it passes judgement"),
    _c("question", "opinion", r"\?\s*[\"”’']?\s*$", "it asks a question to make a point"),
    _c("argument", "opinion",
       r"^(?:But|So|Yet|Still|Indeed|Of course|In fact|Let me|Let's|Let us|Imagine|Consider|The upshot|Again|"
       r"Or|Also|Finally|Given)\b|\bfor (?:example|instance)\b|\bfor argument's sake\b|\bif\b.*\b(?:would|"
       r"could)\b|"
       r"\bhypothetical",
       "it argues a point or gives an example"),
    _c("research_appeal", "opinion",
       r"\b(?:well[- ]documented|well[- ]established|well[- ]known|(?:body|wealth) of (?:literature|evidence|"
       r"research)|research (?:shows|suggests|supports)|studies (?:show|have shown|suggest)|(?:many|numerous|"
       r"several) studies|evidence-based|high-quality research)\b",
       "it appeals to research without saying which"),
    _c("sweeping", "opinion",
       r"\b(?:always|never|everyone|everybody|nobody|no one|millions of|the whole|invisible|nothing)\b",
       "it makes a sweeping claim"),
    _c("advice", "opinion",
       r"^(?:Require|Standardi[sz]e|Foster|Keep|Consider|Avoid|Ensure|Make sure|Ask|Remember|Try|Don't|"
       r"Do not|"
       r"Be|Stop|Take|Use|Choose|Look for|Seek|Talk to|Discuss|Up your|Start by|Think)\b|\bkeep in mind\b|"
       r"\bstart by\b|\bis (?:the physician|the facility|the surgery)\b|\bI have a challenge\b",
       "it gives advice"),
    # marketing: promotion of a product, provider, brand or service
    _c("brand_mark", "marketing", r"[®™℠]|\((?:R|TM)\)", "it carries a trademark sign", 0),
    _c("number_one", "marketing",
       r"#\s?1\b|\bnumber one\b|\bworld'?s (?:premier|best|leading|first|top|most)|\bbest[- ]in[- ]class\b|"
       r"\b(?:nation|country|region|city)'s (?:best|leading|top|premier)|\btop-rated\b|\baward-winning\b|"
       r"\b(?:the|our) (?:best|leading|top|premier|finest)\b|\bnobody else\b|\bfirst and only\b",
       "it claims to be the best or the first"),
    _c("hype", "marketing",
       r"\b(?:groundbreaking|ground-breaking|transformational|transformative|landmark|new era|revolution\w*|"
       r"cutting[- ]edge|state[- ]of[- ]the[- ]art|breakthrough|game[- ]chang\w+|paradigm|empower\w*|"
       r"unlock\w*|"
       r"innovative|exciting|miracle|magic|incredible|unparalleled|world[- ]class|renowned|premier|"
       r"pioneer\w*|next[- ]generation|whole new world|industry standard|heralding|stay ahead|lead change|"
       r"life[- ]changing|ultimate|superior|unmatched|exceptional|elite|leading(?! cause))\b",
       "it uses hype words"),
    _c("call_to_action", "marketing",
       r"^(?:Request|Schedule|Book|Call|Contact|Download|Subscribe|Join|Sign up|Register|Get|Learn|Discover|"
       r"Find out|Visit|Claim|Shop|Buy|Click|Watch|Read more|Enroll|Apply|Reserve|Grab|Sign)\b|"
       r"\b(?:schedule|request|book|make|set up)\s+(?:a|an|your|my)?\s*(?:free\s+)?(?:consultation|"
       r"appointment|"
       r"visit|consult|evaluation|info packet|call)\b|\b(?:call|contact|email|text|visit)\s+(?:us|our office|"
       r"today|now)\b|\bsign up\b|\bsubscribe\b|\bregister (?:now|today|for|here)\b|\bjoin (?:us|our|a|an|"
       r"(?-i:[A-Z]{2,})|today|now)\b|\bdownload\b|\blearn more\b|\bclick here\b|\bdon't wait\b|"
       r"\bget (?:started|fresh|your|a free|in touch)\b",
       "it asks you to act: book, sign up, call or buy"),
    _c("free_offer", "marketing",
       r"(?<!-)\bfree\b(?!-)|\bno[- ]cost\b|\bdiscount\w*|\bspecial offer\b|\bsave \$",
       "it offers something free or discounted"),
    _c("contact", "marketing",
       r"\(?\b\d{3}\)?[-.\s]\d{3}[-.\s]\d{4}\b|\b1-8\d\d\b|\btoll[- ]free\b|[\w.+-]+@[\w-]+\.\w+|\bwww\.|"
       r"\b\d{2,5}\s+(?:[A-Z][a-z]+\s+){1,3}(?:St|Street|Ave|Avenue|Rd|Road|Blvd|Boulevard|Pkwy|Parkway|Dr|"
       r"Drive|Way|Lane|Ln|Suite|Ste)\b|\b[A-Z]{2}\s+\d{5}\b|\bSuite\s+\d+",
       "it gives a phone number, address or web contact", 0),
    _c("benefit", "marketing",
       r"^(?:Less|Faster|Fewer|Quicker|Shorter|Reduced|Lower|Minimal|Better|Improved|Lasting|Quick|Fast|"
       r"No more|"
       r"Get back|Return to)\b(?!.*\d)|\b(?:avoid (?:surgery|the need|the knife)|pain relief|lasting relief|"
       r"relief "
       r"you|feel better|get back to|back to (?:doing|the activities|your life|normal|work)|peace of mind|"
       r"well-being|wellbeing|life-changing|(?:pain|drug|medication)-free|without surgery|live your best|"
       r"help (?:you|patients) (?:function|feel|live|move|get)|first step toward|benefits include|"
       r"the benefits of (?:this|our|the) (?:\w+ ){0,3}?(?:procedure|treatment|"
       r"surgery|therapy|approach|care))\b",
       "it promises a benefit without giving data"),
    _c("service_pitch", "marketing",
       r"\b(?:holistic|personali[sz]ed|tailored|compassionate|caring|patient-cent(?:er|re)d|one-on-one|"
       r"individuali[sz]ed|customi[sz]ed|thorough|dedicated (?:to|team)|committed to|we offer|we provide|"
       r"our (?:team|physicians|doctors|specialists|clinic|patients|staff|experts|members|providers|practice|"
       r"services|procedures|treatments|care)|trusted|expert care|synergistic\w*|now available|available "
       r"(?:via|for|at|in)|same-day|accepting new patients|telemedicine|we (?:can|will) help)\b",
       "it describes the provider's own services"),
    _c("credentials", "marketing",
       r"\b(?:board[- ]certified|fellowship[- ]trained|earned (?:his|her|their) (?:\w+ )?degree|"
       r"(?:medical|undergraduate) degree|graduat\w+|magna cum laude|summa cum laude|cum laude|residency at|"
       r"completed (?:his|her|their) (?:residency|fellowship)|Master of Science|Bachelor|years of experience|"
       r"born and raised)\b",
       "it lists a provider's training and credentials"),
    _c("newsletter", "marketing",
       r"\b(?:newsletter|webinar|inbox|updates and insights|info packet|e-?book|free guide|a guide to|"
       r"health and wellness information|delivered straight)\b",
       "it promotes a newsletter, webinar or guide"),
    _c("slogan", "marketing", r"^(?:[A-Z][a-z]+ ){1,3}[A-Z][a-z]+[.!]$", "it reads like a slogan", 0),
    # neither: features whose direction the model learns from data
    _c("we_our", None, r"\b(?:we|our|us|ours)\b", "it speaks for an organisation", _I),
    _c("hedge", None, r"\b(?:may|might|could|likely|possibly|perhaps|probably|potential(?:ly)?)\b",
       "it hedges"),
    _c("you", None, r"\b(?:you|your|yours)\b", "it addresses you directly"),
)

CUE_REASON: dict[str, str] = {c.name: c.reason for c in CUES}

CONTEXT_REASON: dict[str, str] = {
    "in_study_summary": "it appears in the part of the page that summarises a study",
    "in_reference_list": "it is part of the document's list of references",
    "provider_page": "it is on the page of a clinic or company that offers the service",
    "benefit_on_provider_page": "it promises a benefit on the provider's own page",
    "in_benefit_list": "it is an item in a list of selling points on the provider's page",
    "names_publisher": "it promotes the publisher by name",
    "data_around": "the sentences around it report study data",
    "research_document": "the document reads as a research report",
    "structured_abstract": "it is part of a research abstract with methods and results",
}

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

FEATURE_NAMES: tuple[str, ...] = (
    *(f"cue:{c.name}" for c in CUES),
    *(f"family:{lab}" for lab in LABELS),
    *(f"context:{k}" for k in CONTEXT_REASON),
    "shape:heading", "shape:short", "shape:colon", "shape:log_words",
)


def normalise(text: str) -> str:
    """The sentence with typographic quotes and spaces made plain, so one pattern fits both."""
    return " ".join(text.replace("’", "'").replace("‘", "'").replace("\u00a0", " ").split())


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


def fired_cues(text: str) -> list[str]:
    """Names of the cues whose pattern occurs in the sentence."""
    t = normalise(text)
    return [c.name for c in CUES if c.pattern.search(t)]


def quoted_reason(name: str, text: str) -> str:
    """A cue's reason, with the words that fired when they help ('it uses hype words: “landmark”')."""
    cue = next((c for c in CUES if c.name == name), None)
    if cue is None:
        return CONTEXT_REASON.get(name, name)
    t = normalise(text)
    m = cue.pattern.search(t) if cue.quote else None
    words = ""
    if m:
        end = m.end()
        def inside(k: int) -> bool:
            return t[k].isalnum() or (t[k] in ".%" and k + 1 < len(t) and t[k + 1].isalnum())

        while end < len(t) and inside(end):
            end += 1  # finish the word or number the pattern stopped inside ("p<0.0" -> "p<0.01")
        words = t[m.start() : end].strip(" ,.;:")
    if not words or len(words) > 40:
        return cue.reason
    return f"{cue.reason}: “{words}”"


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


_CONTEXT_FAMILY: dict[str, Label] = {
    "in_study_summary": "evidence",
    "in_reference_list": "evidence",
    "benefit_on_provider_page": "marketing",
    "in_benefit_list": "marketing",
    "names_publisher": "marketing",
    "data_around": "evidence",
    "research_document": "evidence",
    "structured_abstract": "evidence",
}


def reason_for(name: str) -> str:
    """The plain-language reason for a cue or context feature name."""
    return CUE_REASON.get(name) or CONTEXT_REASON.get(name, name)
