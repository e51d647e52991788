"""Source cards: what a reader should know about a document, each item with the passage that shows it.

The items follow the JAMA benchmarks (authorship, attribution, disclosure, currency) and the
HONcode principle that advertising is kept apart from content. Every item is read from the
document's own text; a passage is an exact span of it (``text == doc.text[start:end]``).
The manifest supplies only what it records from the text: publisher, publisher kind, author.

The conflict-of-interest flag is deliberately conservative. It is raised only when the page
itself sells the publisher's own product or service (a call to book a consultation, a branded
procedure, an info packet) and what it sells is what the document reports on (they share
subject terms). Naming a brand or an investigator is not enough; such cases get a note instead.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from typing import Any

from .cues import normalise
from .discern import ITEM_TITLES as BALANCE_TITLES
from .discern import balance_items, balance_warning
from .sections import document_features, is_heading
from .records import LABELS, Document, Span

CARD_VERSION = 4  # part of every document's version: bump it and ingest rebuilds the cards

_DISCLOSURE = re.compile(
    r"\b(?:disclos(?:e|es|ed|ure|ures)|conflicts? of interest|competing interests?|funded by|funding|"
    r"sponsored by|paid (?:for|by)|owned by|ownership|financial (?:interest|relationship|support)s?|"
    r"grant (?:from|support)|consultant (?:for|to)|receives? royalties|shareholder|stock in)\b", re.I)
_MONTH = r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|" \
         r"Sep(?:t(?:ember)?)?|" \
         r"Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)"
_DATE = re.compile(
    rf"\b{_MONTH}\.? \d{{1,2}}(?:st|nd|rd|th)?,? (?:19|20)\d\d\b|\b\d{{1,2}} {_MONTH} (?:19|20)\d\d\b|"
    rf"\b(?:19|20)\d\d-\d\d-\d\d\b|\b\d{{1,2}}/\d{{1,2}}/(?:19|20)\d\d\b|"
    rf"\b(?:published|posted|updated|last (?:reviewed|updated)|"
    rf"reviewed)(?: on)?:? (?:{_MONTH}\.? )?(?:\d{{1,2}},? )?"
    rf"(?:19|20)\d\d\b", re.I)
_AD_LABEL = re.compile(r"\b(?:advertisement|advertising|sponsored(?: content| post)?|paid partnership|"
                       r"advertorial|"
                       r"promoted)\b", re.I)
_BYLINE = re.compile(r"^(?:By\s+|Written by\s+|Author:\s*)?(?:Dr\.?\s+)?"
                     r"[A-Z][a-z]+(?:\s+[A-Z]\.)?\s+[A-Z][a-zA-Z'-]+"
                     r"(?:,?\s+(?:M\.?D\.?|D\.?O\.?|Ph\.?D\.?|PT|DC|RN|MPH)\.?)*$")
# Selling the publisher's own product or service, as opposed to merely mentioning one.
_SELLS = re.compile(
    r"\b(?:request|schedule|book|make)\s+(?:a|an|your|my)?\s*(?:free\s+)?(?:consultation|appointment|visit|"
    r"evaluation|consult|info packet|information packet)|\bcall (?:us|our office|today)\b|\bbuy\b|"
    r"\border now\b|"
    r"\bpricing\b|\bour (?:procedures?|treatments?|products?|clinics?|physicians|doctors|specialists|"
    r"services)\b|"
    r"#\s?1\b[^.]*\bprocedures?\b", re.I)
# Passages that show a publisher's kind, most telling first.
_KIND_HINT: dict[str, list[re.Pattern[str]]] = {
    "clinic": [re.compile(r"\b(?:consultation|appointment|our physicians|our doctors|our patients)\b", re.I),
               re.compile(r"\bclinic\b", re.I)],
    "medical_society": [re.compile(r"\b(?:society|association|academy|college of)\b", re.I)],
    "venture_industry": [re.compile(r"\b(?:ventures?|inc\.?|llc|company|corporation|founder)\b", re.I)],
    "journal": [re.compile(r"\b(?:journal|abstract|doi)\b", re.I)],
    "government": [re.compile(r"\b(?:department of|ministry|agency|\.gov)\b", re.I)],
}
_GENERIC = frozenset("""
patient patients pain doctor doctors physician physicians care health treatment treatments procedure
procedures medical medicine help learn right today free information request consultation schedule
specialist specialists surgery
""".split())
_WORD = re.compile(r"[A-Za-z][A-Za-z-]{3,}")
_STOP = frozenset("""
this that with from have been were your their there which about would could should these those they
them into more most other some such than then when what where will also only just very much many
each does done after before while because being over under again after first
""".split())


def _passage(s: Span) -> dict[str, Any]:
    return {"start": s.start, "end": s.end, "text": s.text}


def _item(present: bool, span: Span | None = None, note: str = "", **extra: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"present": present, "passage": _passage(span) if span is not None else None}
    if note:
        out["note"] = note
    out.update(extra)
    return out


def _terms(text: str) -> set[str]:
    """Lower-cased content words, crudely singularised, to compare what a page sells with what it reports."""
    out = set()
    for w in _WORD.findall(normalise(text).lower()):
        w = w.rstrip("s") if len(w) > 4 and not w.endswith("ss") else w
        if w not in _STOP:
            out.add(w)
    return out


def _publisher_pattern(name: str) -> re.Pattern[str] | None:
    words = normalise(name).split()
    if not words:
        return None
    full = r"\s+".join("(?:and|&)" if w.lower() in {"and", "&"} else re.escape(w) for w in words)
    initials = "".join(w[0] for w in words if w[0].isupper())
    forms = [full] + ([re.escape(initials)] if len(initials) >= 3 else [])
    return re.compile(r"\b(?:" + "|".join(forms) + r")\b")


class _Reader:
    """A document's sentences with the facts about each that the card items need."""

    def __init__(self, doc: Document, labels: Sequence[str]) -> None:
        self.doc = doc
        self.sents = list(doc.sentences)
        self.labels = list(labels) + ["opinion"] * (len(self.sents) - len(labels))
        _, fired = document_features([s.clean for s in self.sents], doc.meta)
        self.fired = fired
        self.heading = [is_heading(s.clean) for s in self.sents]
        self.in_refs = ["in_reference_list" in f or "bibliographic" in f for f in fired]

    def first(self, pattern: re.Pattern[str], skip_refs: bool = True) -> Span | None:
        for s, ref in zip(self.sents, self.in_refs):
            if (not skip_refs or not ref) and pattern.search(normalise(s.clean)):
                return s
        return None

    def around(self, i: int) -> list[int]:
        """Sentence ``i``, its neighbours and the heading of its section (which often names the subject)."""
        near = [j for j in (i - 1, i, i + 1) if 0 <= j < len(self.sents)]
        head = next((j for j in range(i - 1, -1, -1) if self.heading[j]), None)
        return near + ([head] if head is not None and head not in near else [])


def _publisher(r: _Reader) -> tuple[dict[str, Any], dict[str, Any]]:
    name = str(r.doc.meta.get("publisher") or "")
    kind = str(r.doc.meta.get("publisher_kind") or "unknown")
    pat = _publisher_pattern(name) if name else None
    span = r.first(pat) if pat else None
    if name and span is None:
        pub = _item(True, None, f"the publisher {name} is recorded in the manifest but not named in the text")
    elif name:
        pub = _item(True, span, f"the text names {name}")
    else:
        pub = _item(False, None, "the text does not name its publisher")
    kind_span = next((sp for pat in _KIND_HINT.get(kind, []) if (sp := r.first(pat)) is not None), None)
    kind_item = _item(kind != "unknown", kind_span, f"publisher kind: {kind.replace('_', ' ')}")
    return pub, kind_item


def _author(r: _Reader) -> dict[str, Any]:
    author = str(r.doc.meta.get("author") or "")
    if author:
        first = author.split(",")[0].strip()
        for s in r.sents:
            if first and first in s.clean:
                return _item(True, s, f"the author, {author}, is named")
        return _item(True, None, f"the author, {author}, is recorded in the manifest")
    for s in r.sents:
        t = normalise(s.clean)
        if re.match(r"^(?:By|Written by|Author)\b", t) and not _BYLINE.match(t):
            return _item(False, s, "the byline is empty")
    for s in r.sents[:12]:
        if _BYLINE.match(normalise(s.clean)):
            return _item(True, s, "an author is named")
    return _item(False, None, "no author is named")


def _references(r: _Reader) -> dict[str, Any]:
    attributing = [i for i, f in enumerate(r.fired)
                   if {"citation_marker", "named_source"} & set(f) and not r.in_refs[i]]
    entries = [i for i, ref in enumerate(r.in_refs) if ref and not r.heading[i]]
    if attributing:
        note = f"{len(attributing)} sentence(s) attribute claims to a cited source"
        if entries:
            note += "; the text lists its references"
        return _item(True, r.sents[attributing[0]], note, count=len(attributing))
    if entries:
        return _item(True, r.sents[entries[0]], "the text lists a reference, but no sentence points to it",
                     count=0)
    return _item(False, None, "no claim is attributed to a named study or reference", count=0)


def _dated(r: _Reader) -> dict[str, Any]:
    for s, ref in zip(r.sents, r.in_refs):
        t = normalise(s.clean)
        # A cited paper's date or a copyright year is not the page's own date.
        if ref or re.search(r"\bcopyright\b|©", t, re.I):
            continue
        if _DATE.search(t):
            return _item(True, s, "a date is stated")
    return _item(False, None, "the text states no publication or update date")


def _advertising(r: _Reader) -> dict[str, Any]:
    ad_cues = {"call_to_action", "brand_mark", "free_offer", "newsletter", "contact"}
    ads = [i for i, (lab, f) in enumerate(zip(r.labels, r.fired)) if lab == "marketing" and ad_cues & set(f)]
    label = r.first(_AD_LABEL)
    if not ads:
        return _item(True, None, "no advertising or calls to action found")
    if label is not None:
        return _item(True, label, "promotional content is labelled as such", promotional=len(ads))
    return _item(False, r.sents[ads[0]], f"{len(ads)} promotional sentence(s) (calls to action, offers, "
                 "brand claims) appear without an advertising label", promotional=len(ads))


def _conflict(r: _Reader, provider: bool, publisher: str) -> dict[str, Any]:
    """Flag only when the page sells the publisher's own offering and that offering is what it reports on."""
    pub = _publisher_pattern(publisher) if publisher else None
    content = [i for i, lab in enumerate(r.labels)
               if lab != "marketing" and not r.heading[i] and not r.in_refs[i]]
    counts: Counter[str] = Counter()
    for i in content:
        counts.update(_terms(r.sents[i].clean))
    # The subject: content words the document repeats (on a very short page, any of them).
    repeat = 2 if len(content) >= 10 else 1
    subject = {w for w, n in counts.items() if n >= repeat and w not in _GENERIC}
    def weight(words: set[str]) -> float:  # rarer shared words say more than "spine"
        return sum(1.0 / counts[w] for w in words)

    candidates = [j for j in content
                  if len(r.sents[j].clean.split()) >= 6 and not r.sents[j].clean.endswith("?")]
    best: tuple[float, int, int] | None = None  # (strength, sales sentence, reporting sentence)
    for i, (lab, s) in enumerate(zip(r.labels, r.sents)):
        t = normalise(s.clean)
        own_brand = bool(pub and pub.search(t) and re.search(r"[®™]", t))
        if lab != "marketing" or not (_SELLS.search(t) or own_brand):
            continue
        offer = set().union(*(_terms(r.sents[j].clean) for j in r.around(i))) & subject
        if len(offer) < 2:  # one shared word ("spine") is too little to say the offer is the subject
            continue
        about = max(candidates, key=lambda j: (weight(_terms(r.sents[j].clean) & offer), -j), default=None)
        if about is None:
            continue
        strength = weight(_terms(r.sents[about].clean) & offer)
        if strength and "call_to_action" in r.fired[i]:
            strength += 1.0  # an explicit call to buy or book shows the selling most plainly
        if strength and (best is None or strength > best[0]):
            best = (strength, i, about)
    if provider and best is not None:
        _, i, j = best
        return {"flag": True, "passage": _passage(r.sents[i]), "reports_on": _passage(r.sents[j]),
                "note": "the page sells the publisher's own service or product, and the document reports "
                        "on it"}
    brand = next((s for s, f in zip(r.sents, r.fired) if "brand_mark" in f), None)
    if brand is not None:
        mark = re.search(r"[\w-]+\s?[®™]", brand.clean)
        name = f" (“{mark.group(0).strip()}”)" if mark else ""
        return {"flag": False, "passage": None, "reports_on": None,
                "note": f"the text names a branded product{name} but does not show that the publisher "
                        "makes or sells it", "related": _passage(brand)}
    return {"flag": False, "passage": None, "reports_on": None,
            "note": "the text does not show the publisher selling what it reports on"}


def build_card(doc: Document, labels: Sequence[str]) -> dict[str, Any]:
    """A source card computed from the document's own text and its sentence labels."""
    from .sections import provider_page

    r = _Reader(doc, labels)
    # Headings carry no claim of their own, and a reference list is not the document's own text.
    body = [lab for lab, h, ref in zip(r.labels, r.heading, r.in_refs) if not h and not ref]
    counts = Counter(body)
    total = max(len(body), 1)
    publisher_item, kind_item = _publisher(r)
    disclosure = r.first(_DISCLOSURE)
    provider = provider_page([s.clean for s in r.sents], doc.meta)
    balance = balance_items(r.sents, [h or ref for h, ref in zip(r.heading, r.in_refs)])
    return {
        "card_id": f"card:{doc.doc_id}",
        "card_version": CARD_VERSION,
        "doc_id": doc.doc_id,
        "title": doc.title,
        "publisher": doc.meta.get("publisher", ""),
        "publisher_kind": doc.meta.get("publisher_kind", "unknown"),
        "items": {
            "publisher": publisher_item,
            "publisher_kind": kind_item,
            "author_named": _author(r),
            "references": _references(r),
            "disclosure": _item(disclosure is not None, disclosure,
                                "funding or ownership is disclosed" if disclosure else
                                "no funding, ownership or conflict-of-interest disclosure"),
            "date": _dated(r),
            "advertising_separated": _advertising(r),
        },
        "label_share": {lab: round(counts.get(lab, 0) / total, 3) for lab in LABELS},
        "label_counts": {lab: counts.get(lab, 0) for lab in LABELS},
        "conflict_of_interest": _conflict(r, provider, str(doc.meta.get("publisher") or "")),
        "balance": balance,
        "balance_warning": balance_warning(balance),
    }


ITEM_TITLES: dict[str, str] = {
    "publisher": "publisher named in the text",
    "publisher_kind": "kind of publisher",
    "author_named": "author named",
    "references": "claims attributed to references",
    "disclosure": "funding or ownership disclosed",
    "date": "date stated",
    "advertising_separated": "advertising kept apart from content",
}


def _quote(passage: dict[str, Any] | None, width: int = 150) -> str:
    if not passage:
        return ""
    text = " ".join(str(passage.get("text", "")).split())
    text = text if len(text) <= width else text[: width - 1].rsplit(" ", 1)[0] + "…"
    return f"“{text}” [{passage.get('start')}:{passage.get('end')}]"


def format_card(card: dict[str, Any]) -> str:
    """A source card as plain text for the terminal, each item with the passage that shows it."""
    lines = [f"{card.get('title')}  [{card.get('doc_id')}]  {card.get('card_id', '')}",
             f"  publisher: {card.get('publisher') or 'not stated'} "
             f"({str(card.get('publisher_kind') or 'unknown').replace('_', ' ')})"]
    for key, item in (card.get("items") or {}).items():
        note = f" — {item['note']}" if item.get("note") else ""
        lines.append(f"  {'yes' if item.get('present') else 'no ':<3}  {ITEM_TITLES.get(key, key)}{note}")
        if item.get("passage"):
            lines.append(f"         {_quote(item['passage'])}")
    share = card.get("label_share") or {}
    lines.append("  sentences: " + ", ".join(f"{k} {v:.0%}" for k, v in share.items()))
    coi = card.get("conflict_of_interest") or {}
    lines.append(f"  conflict of interest: {'FLAGGED' if coi.get('flag') else 'not shown'}"
                 + (f" — {coi['note']}" if coi.get("note") else ""))
    for key, what in (("passage", "sells"), ("reports_on", "reports on"), ("related", "see")):
        if coi.get(key):
            lines.append(f"         {what}: {_quote(coi[key])}")
    if card.get("balance"):
        lines.append("  balance (DISCERN):" + (f" {card['balance_warning']}" if card.get("balance_warning") else ""))
        for key, item in card["balance"].items():
            lines.append(f"  {'yes' if item.get('present') else 'no ':<3}  {BALANCE_TITLES.get(key, key)}"
                         + (f" — {item['note']}" if item.get("note") else ""))
            for passage in item.get("passages", [])[:1]:
                lines.append(f"         {_quote(passage)}")
    return "\n".join(lines)
