"""Who else says so: the documents that state an answer's lead claim, grouped by publisher, and those
that qualify or contradict it.

The lead sentence is scored with claim tracing's score (cosine of the sentence vectors, rarity-weighted
shared content words, numbers that agree) against every sentence of an index of up to ``WHOLE_UP_TO``
sentences, and in a larger one against its ``SHORTLIST`` nearest by cosine and the sentences after them
(``shortlist``): a sentence far from the claim by vector that shares most of its words is then missed. A sentence in another
document *states* the claim when it scores at the tracing "supported" level and adds no limit, denial or
conflicting figure; it *qualifies* the claim when it is at least related and does add one: a limiting or
contrasting word the claim lacks ("only", "temporary", "however"), a negation the claim lacks, or, where
both give figures, none of the claim's figures. This is word-level evidence, not an entailment model: a
paraphrase with few shared words is missed, and a qualification phrased without such words reads as
agreement (see docs/evaluation.md for its measured accuracy on hand-made pairs).

Documents are independent only when their publishers differ: two posts by one company are one voice.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import numpy as np

from .candidates import is_boilerplate
from .compose import citation_for
from .records import Answer, Citation
from .trace import RELATED_AT, SUPPORTED_AT, numbers_in, score_claim, score_claim_at

if TYPE_CHECKING:
    from .index import Catalog

KIND_WORDS = {"clinic": "a clinic", "medical_society": "a medical society", "venture_industry": "a company",
              "journal": "a journal", "government": "a government body", "other": "another kind of publisher",
              "unknown": "a publisher of unstated kind"}
# Words that limit, contrast or doubt what a sentence says.
_QUALIFIER = re.compile(
    r"\b(?:only|however|but|although|though|yet|except|unless|whereas|limitations?|temporar(?:y|ily)|"
    r"short[- ]term|small|uncertain(?:ty)?|unclear|insufficient|inconclusive|mixed|conflicting|contested|"
    r"weak|low[- ]quality|caution|cautious|risks?|complications?|side effects?|harms?|fail(?:s|ed|ure)?|"
    r"wears? off|wore off|selected|some patients|may not|might not|more research|further research|"
    r"not (?:all|always|everyone|proven|clear)|no better|no more|no significant|no difference|"
    r"industry[- ]funded|funded by)\b", re.I)
_NEGATION = re.compile(r"\b(?:not|no|never|none|neither|nor|cannot|can't|don't|doesn't|didn't|isn't|aren't|"
                       r"wasn't|weren't|without|fails?|failed|lack(?:s|ed)?)\b|n't\b", re.I)


@dataclass(frozen=True)
class Corroboration:
    """Which documents and publishers state the lead claim, and which qualify it (citations have n = 0:
    no marker in the answer points at them)."""

    documents: int
    publishers: tuple[dict[str, Any], ...]
    stated_by: tuple[Citation, ...]
    qualified_by: tuple[Citation, ...]
    summary: str

    def to_json(self) -> dict[str, Any]:
        """The ``corroboration`` object of ``ask --json``."""
        return {"documents": self.documents, "publishers": [dict(p) for p in self.publishers],
                "stated_by": [c.to_json() for c in self.stated_by],
                "qualified_by": [c.to_json() for c in self.qualified_by], "summary": self.summary}


QUALIFY_AT = 0.47  # a limit or a denial counts only on a sentence this close to the claim


def relation(claim: str, sentence: str, score: float) -> str:
    """How a sentence stands to a claim, given its tracing score: ``states``, ``qualifies`` (states it
    with a limit), ``contradicts``, ``related`` (on the topic, neither) or ``unrelated``."""
    if score < RELATED_AT:
        return "unrelated"
    if score >= QUALIFY_AT:
        (c_limits, c_negated, claimed), (s_limits, s_negated, stated) = _cues(claim), _cues(sentence)
        if s_negated != c_negated or (claimed and stated and not claimed & stated):
            return "contradicts"
        if s_limits - c_limits:
            return "qualifies"
    return "states" if score >= SUPPORTED_AT else "related"


@lru_cache(maxsize=1024)
def _cues(text: str) -> tuple[frozenset[str], bool, frozenset[float]]:
    """A text's limiting words, whether it negates, and its numbers (the lead claim is read once per answer)."""
    return (frozenset(m.lower() for m in _QUALIFIER.findall(text)), bool(_NEGATION.search(text)),
            frozenset(numbers_in(text)))


def _sentence_of(catalog: Catalog, c: Citation) -> int | None:
    d = catalog.doc_index.get(c.doc_id)
    if d is None:
        return None
    lo, hi = catalog.docs[d]["sent_lo"], catalog.docs[d]["sent_hi"]
    # A citation is one sentence, or a list's label with its first item: the claim is the sentence it ends with.
    hit = np.flatnonzero((catalog.s_start[lo:hi] >= c.start) & (catalog.s_end[lo:hi] == c.end))
    return lo + int(hit[-1]) if len(hit) else None


WHOLE_UP_TO = 1000  # an index of at most this many sentences is scored whole, as claim tracing does
SHORTLIST = 300  # in a larger one, the sentences scored exactly: the claim's nearest by cosine (and those after)


def shortlist(cvec: np.ndarray, catalog: Catalog, k: int = SHORTLIST) -> tuple[np.ndarray, np.ndarray]:
    """The ``k`` sentences nearest the claim by cosine, with the sentence after each (read with it when it
    points back), in index order, and their cosines. Every sentence when the index holds no more than ``k``.
    A large index with cells (``nearest.py``) reads only the cells nearest the claim; otherwise every
    vector is compared."""
    n = len(catalog.s_clean)
    if catalog.cells is not None and n > k:
        from .nearest import nearest

        near = nearest(catalog.cells, catalog.s_vec, cvec, k)
        ids = np.union1d(near, np.minimum(near + 1, n - 1))
        return ids, (catalog.s_vec[ids] @ cvec).astype(np.float64)
    cos = catalog.s_vec @ cvec
    if n <= k:
        return np.arange(n), cos.astype(np.float64)
    near = np.argpartition(-cos, k - 1)[:k]
    ids = np.union1d(near, np.minimum(near + 1, n - 1))
    return ids, cos[ids].astype(np.float64)


def _publisher(doc: dict[str, Any]) -> tuple[str, str]:
    meta = doc.get("meta") or {}
    return str(meta.get("publisher") or "").strip(), str(meta.get("publisher_kind") or "unknown")


def corroborate(answer: Answer, catalog: Catalog, embed_one=None, k: int = SHORTLIST,
                whole_up_to: int = WHOLE_UP_TO) -> Corroboration | None:
    """The corroboration of an answer's lead claim (its first citation), or None for an abstention; the
    claim is scored against its ``k`` nearest sentences (``shortlist``)."""
    if answer.abstained or not answer.citations:
        return None
    lead = answer.citations[0]
    i = _sentence_of(catalog, lead)
    if i is not None:
        claim, cvec, own_doc = catalog.s_clean[i], catalog.s_vec[i], int(catalog.s_doc[i])
    elif embed_one is not None:  # a citation that is not one sentence of the index (should not happen)
        claim, cvec, own_doc = lead.text, embed_one(lead.text), catalog.doc_index.get(lead.doc_id, -1)
    else:
        return None
    if len(catalog.s_clean) <= max(k, whole_up_to):  # a small index is scored whole, as trace does
        ids, score = np.arange(len(catalog.s_clean)), score_claim(claim, cvec, catalog)[0]
    else:
        ids, cos = shortlist(cvec, catalog, k)
        score = score_claim_at(claim, cvec, catalog, ids, cos, floor=RELATED_AT)
    stating: dict[int, tuple[int, float]] = {}  # per other document: its closest sentence stating the claim
    limiting: dict[int, tuple[int, float]] = {}  # ... and its closest sentence qualifying or contradicting it
    for at in np.flatnonzero(score >= RELATED_AT):
        j, s = int(ids[at]), float(score[at])
        d = int(catalog.s_doc[j])
        if d == own_doc or is_boilerplate(catalog, j):
            continue
        kind = relation(claim, catalog.s_clean[j], s)
        if kind in ("states", "qualifies") and s >= SUPPORTED_AT and s > stating.get(d, (0, -1.0))[1]:
            stating[d] = (j, s)
        if kind in ("qualifies", "contradicts") and s > limiting.get(d, (0, -1.0))[1]:
            limiting[d] = (j, s)
    stated = sorted(stating.values(), key=lambda t: -t[1])
    qualified = sorted(limiting.values(), key=lambda t: -t[1])
    docs = [own_doc] + [int(catalog.s_doc[j]) for j, _ in stated]
    groups: dict[str, dict[str, Any]] = {}
    for d in docs:
        doc = catalog.docs[d]
        name, kind = _publisher(doc)
        key = name.lower() or f"unnamed:{doc['doc_id']}"
        g = groups.setdefault(key, {"name": name, "kind": kind, "documents": []})
        g["documents"].append(doc["doc_id"])
    publishers = tuple(groups.values())
    return Corroboration(
        documents=len(docs), publishers=publishers,
        stated_by=tuple(citation_for(0, j, catalog, s) for j, s in stated),
        qualified_by=tuple(citation_for(0, j, catalog, s) for j, s in qualified),
        summary=summary(len(docs), publishers, len(qualified)))


def _who(p: dict[str, Any]) -> str:
    kind = KIND_WORDS.get(p["kind"], KIND_WORDS["unknown"])
    return f"{kind} ({p['name']})" if p["name"] else f"{kind} (publisher not stated)"


def summary(documents: int, publishers: tuple[dict[str, Any], ...], qualified: int) -> str:
    """The one line a reader sees, e.g. "Stated by 2 documents from 1 publisher (KIC Ventures, a company)."."""
    named = [p for p in publishers if p["name"]]
    if documents == 1:
        line = f"Stated only by this document, from {_who(publishers[0])}; no other document in the library states it."
    elif len(publishers) == 1 and named:
        p = publishers[0]
        line = (f"Stated by {documents} documents from 1 publisher ({p['name']}, "
                f"{KIND_WORDS.get(p['kind'], KIND_WORDS['unknown'])}): not independently corroborated.")
    else:
        line = f"Stated by {documents} documents from {len(publishers)} publishers: " + ", ".join(
            _who(p) for p in publishers) + "."
        if len(named) < len(publishers):
            line += " Where a publisher is not stated, the documents may not be independent."
    if qualified:
        line += f" Qualified or contradicted by {qualified} other document{'s' if qualified > 1 else ''}."
    return line
