"""Question analysis: a question's weighted terms, the kind of answer it wants, its parts, and
whether it asks for advice about the asker's own care."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .errors import InputError
from .terms import content_terms

if TYPE_CHECKING:
    from .index import Catalog

_ASKS_NUMBER = re.compile(
    r"\b(?:how many|how much|how long|how often|what (?:percentage|percent|proportion|share|number|rates?)|"
    r"(?:complication|revision|success|infection) rates?)\b", re.I)
# "How many interventional pain physicians ...": the last of up to four words after "how many" is what is counted.
_ASKS_COUNT = re.compile(r"\bhow many\s+(?:[\w-]+\s+){0,3}?([a-z][\w-]*s)\b", re.I)
# "When" asks for a time unless it opens a clause that another question word follows ("When
# complications did happen, what caused them?").
_ASKS_YEAR = re.compile(r"\b(?:when(?![^?]*,\s*(?:what|which|who|whom|how|why|where)\b)|what year|which year)\b", re.I)
# "Who" asks for a name where it opens a question or a clause ("..., and who supervised Group 2?"),
# not after a noun it describes ("the people who wrote it") or inside a clause ("a complaint about who wrote it").
_ASKS_NAME = re.compile(r"(?:^|[,;:?]|\b(?:and|or|but|by|to|with|for|from))\s*(?:who|whom)\b|"
                        r"\bwhich (?:physicians|doctors|people|person|authors?|experts?)\b", re.I)
_HAS_NUMBER = re.compile(r"\d+(?:[.,]\d+)?\s?%|\b(?!(?:19|20)\d{2}\b)\d{2,}(?:,\d{3})*\b(?!\))|\b(?:zero|one|two|three|four|five|ten)\b", re.I)
_HAS_YEAR = re.compile(r"\b(?:19|20)\d{2}\b|\b(?:late|early|mid)[ -]?[’']?\d0s\b")
# A candidate name: two capitalised words; ``has_wanted`` keeps the pairs that are a person's.
_HAS_NAME = re.compile(r"\b(?:Drs?\.? |Dr )?([A-Z][a-z]+)(?: [A-Z]\.)? ([A-Z][a-z]+)\b")
_TITLED = re.compile(r"\bDrs?\. [A-Z][a-z]+")
_WORD = re.compile(r"[A-Za-z]+")
_ASKS_EXAMPLE = re.compile(r"\b(?:examples?|for instance|illustrat\w*)\b", re.I)
# A question about what something is made of wants a list ("Training Included: ...") or a sentence
# that enumerates; its verb ("consist of", "comprise") is read as the corpus's commonest one, "include".
_ASKS_PARTS = re.compile(r"\b(?:consist(?:s|ed)? of|compris(?:e|es|ed)|(?:is|are|was|were) made up of|"
                         r"(?:does|do|did) [\w\s/-]{1,90}\binclude|components?|constituents?|"
                         r"(?:what|which) (?:kinds?|types?|sorts?) of)\b", re.I)
_HAS_PARTS = re.compile(r"\b(?:includ(?:e|es|ed|ing)|consist(?:s|ed)? of|compris(?:e|es|ed|ing)|such as)\b", re.I)
# A question about why or how wants an explanation, which a list its words happen to name is not.
_ASKS_REASON = re.compile(r"\W*(?:why|how)\b(?! (?:many|much|long|often)\b)", re.I)
_PART_VERBS = {"consist": "includ", "compris": "includ"}
# Everyday words for what documents about studies and treatments name otherwise: a question word the
# corpus never uses is read as its counterpart ("who wrote it" as its authors, "upsides" as benefits).
_PARAPHRASES = {"wrote": "author", "written": "author", "writer": "author", "upsid": "benefit",
                "advantag": "benefit", "pros": "benefit", "downsid": "risk", "drawback": "risk",
                "disadvantag": "risk", "con": "risk"}
_HAS_EXAMPLE = re.compile(r"\b(?:for (?:example|instance)|e\.g\.|such as|as an example|to illustrate)", re.I)
# A reference-list entry answers only a question about a publication: who wrote it, where or when.
_ASKS_SOURCE = re.compile(r"\b(?:journals?|publish\w*|publications?|citations?|cited|references?|bibliograph\w*|"
                          r"authors?|authorship|wrote|written|doi|pmid|titled?)\b", re.I)
_ASKS_PLACE = re.compile(r"\b(?:some|any|else)?where\b|\b(?:what|which) (?:kind of |type of |sort of )?(?:facility|facilities|setting|settings|"
                         r"place|places|location|venue)\b", re.I)
_HAS_PLACE = re.compile(r"\b(?:cent(?:er|re)s?|hospitals?|clinics?|outpatient|inpatient|offices?|practices?|"
                        r"universit(?:y|ies)|settings?|facilit(?:y|ies))\b", re.I)
# Questions about money or dosing need a sentence that states one: a tangential passage about
# the same procedure must never be offered as a price or a dose.
_ASKS_COST = re.compile(r"\b(?:costs?|price[sd]?|pay|fees?|insurance|insured|co-?pay|afford\w*|expensive|cheap|"
                        r"charges?)\b|\$", re.I)
_HAS_COST = re.compile(r"\$\s?\d|\b(?:costs?|price[sd]?|fees?|free|insurance|paid|pay|charges?|co-?pay)\b", re.I)
_GIVEN = r"(?:inject(?:ed)?|take|taken|given|give|used|use|administered|administer|delivered|put|prescribed)"
_ASKS_DOSE = re.compile(r"\b(?:dose|doses|dosage|dosing|milligrams?|mg|mcg|micrograms?|ml|milliliters?|millilitres?|cc|"
                        r"morphine[- ]equivalent)\b|\bhow much [\w\s-]{0,40}\b" + _GIVEN + r"\b|"
                        r"\b(?:what|which) (?:volume|amount|quantity|concentration|strength) of [\w\s-]{0,40}\b"
                        + _GIVEN + r"\b|"
                        r"\b(?:should|can|do|may) I take\b|\bhow many (?:pills|tablets|capsules|injections|shots)\b|"
                        r"\bper (?:day|week|month|year)\b", re.I)
_HAS_DOSE = re.compile(r"\b\d+(?:\.\d+)?\s?(?:mg|mcg|ml|milligrams?|micrograms?|units?)\b|\b(?:dose|dosage|dosing)\b|"
                       r"\b(?:per|a|each) (?:day|week|month|year)\b", re.I)
_REFERENCE = re.compile(r"^\s*(?:\d+\.\s*)?[A-Z][A-Za-z'-]+ [A-Z]{1,3}\b.*\bet al\b|\bdoi:|\bPMID\b|^Reference:", re.I)
_FIELD_LINE = re.compile(r"^(?:Title|Lead Investigator|Reference|Category|Groups?|Design)\s*:", re.I)
_END_PUNCT = re.compile(r"[.!:;”\")\]]$")
_DIGIT = re.compile(r"\d")


@dataclass(frozen=True)
class Question:
    """What the answer stage needs to know about a question: its weighted terms and answer type."""

    text: str
    terms: dict[str, float]  # corpus term -> weight (idf); absent terms are prefixed with '?'
    wants: re.Pattern[str] | None  # an answer type that earns a bonus
    needs: re.Pattern[str] | None  # an answer type without which the assistant abstains
    asks_source: bool = False  # about a publication itself, so that a reference-list entry may answer
    counts: re.Pattern[str] | None = None  # for "how many physicians": a number before that word ("47 IPM physicians")
    counted: str = ""  # the counted word's stem ("physician"), to find the sentences that hold it

    @classmethod
    def parse(cls, text: str, catalog: Catalog) -> Question:
        """The question's terms and answer type (remembered per catalog: every stage asks for them)."""
        seen = catalog.memo.setdefault("questions", {})
        q = seen.get(text)
        if q is None:
            if len(seen) >= 256:
                seen.clear()
            q = seen[text] = cls._parse(text, catalog)
        return q

    @classmethod
    def _parse(cls, text: str, catalog: Catalog) -> Question:
        vocab = catalog.vocab
        terms: dict[str, float] = {}
        parts = _ASKS_PARTS.search(text) is not None
        for t in content_terms(text):
            mapped = vocab.resolve(_PART_VERBS.get(t, t) if parts else t)
            if mapped is None and t in _PARAPHRASES:
                mapped = vocab.resolve(_PARAPHRASES[t])
            terms[mapped or f"?{t}"] = vocab.idf(mapped)
        wants = _HAS_NUMBER if _ASKS_NUMBER.search(text) else _HAS_YEAR if _ASKS_YEAR.search(text) else (
            _HAS_NAME if _ASKS_NAME.search(text) else _HAS_PLACE if _ASKS_PLACE.search(text) else
            _HAS_EXAMPLE if _ASKS_EXAMPLE.search(text) else _HAS_PARTS if parts else None)
        needs = _HAS_COST if _ASKS_COST.search(text) else _HAS_DOSE if _ASKS_DOSE.search(text) else None
        counted = _ASKS_COUNT.search(text)
        stem = content_terms(counted.group(1)) if counted else []
        counts = re.compile(r"\b\d[\d,]*\s+(?:[\w-]+\s+){0,3}?" + re.escape(stem[0]) + r"\w*", re.I) if stem else None
        return cls(text, terms, wants, needs, bool(_ASKS_SOURCE.search(text)), counts, stem[0] if stem else "")

    @property
    def absent_share(self) -> float:
        """The idf-weighted share of the question's terms that the corpus does not contain at all."""
        total = math.fsum(self.terms.values())
        return math.fsum(w for t, w in self.terms.items() if t.startswith("?")) / total if total else 1.0

    def coverage(self, sentence_terms: set[str]) -> float:
        """The idf-weighted share of the question's terms a text contains."""
        total = math.fsum(self.terms.values())
        return math.fsum(w for t, w in self.terms.items() if t in sentence_terms) / total if total else 0.0


def has_wanted(q: Question, clean: str, catalog: Catalog) -> bool:
    """Whether a text states what the question asks for. For 'who' that is a person's name: a
    "Dr. Chin", or two capitalised words the corpus never writes in lower case ("Rick Derby", not
    "Spine Journal" or "Mayo Clinic", whose words are also common nouns)."""
    if q.wants is not _HAS_NAME:
        return q.wants is not None and q.wants.search(clean) is not None
    if _TITLED.search(clean):
        return True
    common = lowercase_words(catalog)
    return any(a.lower() not in common and b.lower() not in common for a, b in _HAS_NAME.findall(clean))


def lowercase_words(catalog: Catalog) -> frozenset[str]:
    """Words the corpus writes in lower case somewhere (so they are not only names), remembered per catalog."""
    words = catalog.memo.get("lowercase_words")
    if words is None:
        words = catalog.memo["lowercase_words"] = frozenset(
            w for text in catalog.s_clean for w in _WORD.findall(text) if w.islower())
    return words


# "Who led the trial, and which journal published it?" asks two questions; a clause that opens with
# a question word after "and" is the next one.
_NEXT_QUESTION = re.compile(r",?\s+and\s+(?=(?:what|which|who|whom|when|where|how|why)\b)", re.I)
_OPENS_QUESTION = re.compile(r"\W*(?:what|which|who|whom|when|where|how|why|is|are|was|were|do|does|did|can|"
                             r"could|should|will|would)\b", re.I)


def question_parts(question: str) -> list[str]:
    """The two or three questions a question joins with "and" ("Who led the trial and what journal was
    it in?"), or nothing when it asks one thing."""
    parts = _NEXT_QUESTION.split(question)
    if 2 <= len(parts) <= 3 and all(len(p.split()) >= 3 for p in parts) and _OPENS_QUESTION.match(parts[0]):
        return parts
    return []

# A question about what someone says or thinks, which a quote attributed to them answers.
_ASKS_VIEW = re.compile(r"\b(?:say|says|said|saying|think|thinks|believes?|views?|opinion|according to|quoted?|"
                        r"claims?|argues?|feels?)\b", re.I)

# A question about a count or a share ("how many", "what percentage", "the complication rate").
_ASKS_QUANTITY = re.compile(r"\bhow many\b|\bwhat (?:percentage|percent|proportion|share|number)\b|\brates?\b", re.I)


# ---------------------------------------------------------------- the kind of short answer a question wants

_ASKS_JOURNAL = re.compile(r"\b(?:which|what) (?:medical |scientific |peer-reviewed )?journal\b|"
                           r"\bjournal\b[^?]*\b(?:publish\w*|appear\w*|print\w*)\b|"
                           r"\b(?:publish\w*|appear\w*) in\b|\bwhere (?:was|were|is|are|did)\b[^?]*\bpublish", re.I)
_ASKS_TITLE = re.compile(r"\b(?:what|which) (?:is|was) (?:the )?(?:title|name) of\b|\b(?:called|titled|entitled)\b\??$|"
                         r"\bwhat (?:is|was) [^?]{0,40}\b(?:called|titled|named)\b", re.I)
_ASKS_DURATION = re.compile(r"\bhow long\b|\bhow many (?:hours|days|weeks|months|years)\b|\bduration\b|"
                            r"\bfollow(?:ed)?[- ]?up (?:period|time|length|duration)\b|\bin (?:days|weeks|months|years)\b",
                            re.I)
# Numbers as the documents write them: digits, or a numeral in words ("nine to fourteen months").
_NUMERAL = (r"(?:\d+(?:[.,]\d+)?|zero|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|"
            r"fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|"
            r"ninety|hundred|dozen)")
_UNIT = r"(?:minutes?|hours?|days?|nights?|weeks?|months?|years?)"
# A stated duration: a number or a vague quantity of a unit, alone or as a range ("6-12 months",
# "nine to fourteen months", "several weeks", "a few days"), a span ("for months", "up to a year",
# "months of pain relief"), or a word for how long something lasts ("temporary", "long-term").
_HAS_DURATION = re.compile(
    r"\b(?:" + _NUMERAL + r"(?:\s*(?:-|–|to|or|and)\s*" + _NUMERAL + r")?|several|a few|few|a couple of|many|a|an)"
    r"[- ]" + _UNIT + r"\b|"
    r"\b(?:for|up to|over|within|after|lasting|lasts?|lasted)\s+(?:a\s+|an\s+)?(?:\w+\s+)?" + _UNIT + r"\b|"
    r"\b(?:minutes|hours|days|weeks|months|years) of\b|"
    r"\b(?:temporary|temporarily|permanent|permanently|lasting|long-lasting|short-lived|short-term|long-term|"
    r"lifelong)\b", re.I)
_ASKS_RATE = re.compile(r"\bwhat (?:percentage|percent|proportion|share|fraction)\b|\b(?:rates?|odds|risk ratio|"
                        r"effect size|hazard ratio|how (?:effective|likely))\b", re.I)
_HAS_RATE = re.compile(r"\d+(?:\.\d+)?\s?%|\b\d+(?:\.\d+)? (?:percent|per cent|in \d+|out of \d+)\b|"
                       r"\b(?:zero|no|none of the)\b [\w\s-]{0,30}\b(?:complications?|revisions?|infections?|events?)\b|"
                       r"\b(?:odds|hazard|risk) ratio\b|\b(?:OR|HR|RR)\s?[=:]?\s?\d", re.I)


def answer_kind(q: Question) -> str:
    """The kind of short answer a factoid question wants: 'journal', 'title', 'name', 'date',
    'number', 'place', or '' for a question a sentence answers but no phrase does."""
    text = q.text
    if _ASKS_JOURNAL.search(text):
        return "journal"
    if _ASKS_TITLE.search(text):
        return "title"
    return {id(_HAS_NAME): "name", id(_HAS_YEAR): "date", id(_HAS_NUMBER): "number",
            id(_HAS_PLACE): "place"}.get(id(q.wants), "")


_PERCENT = re.compile(r"(?<![\w.])\d+(?:\.\d+)?\s?%")


def number_phrase(q: Question) -> re.Pattern[str] | None:
    """For a question about a number, the pattern its short answer must match: a count of what it
    counts ("47 IPM physicians" for "how many IPM physicians"), a percentage for a rate or share, or
    None for any number."""
    if q.counts is not None:
        return q.counts
    if _ASKS_RATE.search(q.text):
        return _PERCENT
    return None


def specific_fact(q: Question) -> tuple[str, re.Pattern[str]] | None:
    """For a question after a specific figure, what it asks for and the pattern a sentence stating it
    matches: a duration ('how long'), a rate or share, or a count. None for any other question."""
    if _ASKS_DURATION.search(q.text):
        return "how long", _HAS_DURATION
    if _ASKS_RATE.search(q.text):
        return "that figure", _HAS_RATE
    if q.wants is _HAS_NUMBER and _ASKS_QUANTITY.search(q.text):
        return "that number", _HAS_NUMBER
    return None


# ---------------------------------------------------------------- requests for personal advice

# A question that asks what the asker should do about their own care: "Should I have the fusion my
# doctor offers?", "Is a discectomy or an injection better for me?", "Am I a candidate for ...?".
_ADVICE = re.compile(
    r"\b(?:should|shall|must|ought)\s+(?:I|we)\b|"
    r"\b(?:do|would|will|could|can|might)\s+I\s+(?:need|benefit|qualify|be (?:a )?(?:good )?candidate|get better|"
    r"be better off|be safe)\b|"
    r"\b(?:am|was)\s+I\s+(?:a )?(?:good |right |suitable )?candidate\b|"
    r"\b(?:for|to)\s+me\b(?!\s+to\s+(?:understand|read|know))|\bfor my (?:back|neck|pain|case|condition|situation|knee|"
    r"shoulder|hip|leg|spine|disc|sciatica|injury)\b|"
    r"\bin my (?:case|situation|condition)\b|"
    r"\b(?:recommend|advise|suggest)\w*\s+(?:me|for me)\b|\bwhat would you (?:do|recommend|suggest|choose)\b|"
    r"\b(?:is it|would it be)\s+(?:a good idea|wise|worth it|safe|right|okay|ok|better)\s+(?:for me|if I|to)\b[^?]*"
    r"\b(?:I|me|my)\b|"
    r"\bmy (?:doctor|surgeon|physician|pain (?:doctor|specialist)|specialist)\s+(?:says?|said|suggest\w*|recommend\w*|"
    r"offer\w*|wants?|want\w*|told)\b[^?]*\b(?:should|go ahead|worth|good idea|right|do it|agree|trust)\b", re.I)


def asks_personal_advice(text: str) -> bool:
    """Whether a question asks what the asker should do about their own care, which the assistant
    does not advise on (it says so, then gives what the documents say)."""
    return _ADVICE.search(text) is not None


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
# Lone surrogates (a non-UTF-8 byte in argv arrives as one) crash the tokenizer; show them as U+FFFD.
_SURROGATE = re.compile(r"[\ud800-\udfff]")


def clean_question(text: str, limit: int, what: str = "question") -> str:
    """A question with control characters removed; raises InputError if empty or too long."""
    if not isinstance(text, str):
        raise InputError(f"The {what} must be text, got {type(text).__name__}.")
    if len(text) > limit:
        raise InputError(f"The {what} is {len(text):,} characters long; the limit is {limit:,}. Shorten it.")
    text = " ".join(_CONTROL.sub(" ", _SURROGATE.sub("\ufffd", text)).split())
    if not text:
        raise InputError(f"The {what} is empty; type a {what} about spine or pain care.")
    return text
