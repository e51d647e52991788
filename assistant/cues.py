"""Explainable cue features for the labeller, each with the plain words a patient is shown.

A cue is a pattern that points towards one label (``family``) or none. The trained labeller
reads three kinds of feature from them: one 0/1 feature per cue, one count per family (so a
cue seen in only one training document still counts through its family), and a few features
of the sentence's place in its document (a study summary, a reference list, a provider's page).
All of them are computed from the text; ``publisher_kind`` from the manifest is used only to
decide whether the page belongs to a provider, and the text can show that too. The features of a
sentence's place in its document are computed in ``sections.py``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

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

FEATURE_NAMES: tuple[str, ...] = (
    *(f"cue:{c.name}" for c in CUES),
    *(f"family:{lab}" for lab in LABELS),
    *(f"context:{k}" for k in CONTEXT_REASON),
    "shape:heading", "shape:short", "shape:colon", "shape:log_words",
)


def normalise(text: str) -> str:
    """The sentence with typographic quotes and spaces made plain, so one pattern fits both."""
    return " ".join(text.replace("’", "'").replace("‘", "'").replace("\u00a0", " ").split())


def fired_cues(text: str) -> list[str]:
    """Names of the cues whose pattern occurs in the sentence."""
    return list(_fired(text))


@lru_cache(maxsize=8192)
def _fired(text: str) -> tuple[str, ...]:
    # Ingest reads each sentence's cues three times (labeller, source card, reference list): once is enough.
    t = normalise(text)
    return tuple(c.name for c in CUES if c.pattern.search(t))


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
