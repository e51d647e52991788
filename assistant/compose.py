"""Composition: the cited reply, lead first, with its short answer, its label and its notices."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import TYPE_CHECKING

from .candidates import Scored, labelled_list
from .label import combine, plain_reason, support_weights
from .records import Answer, Citation, Label
from .short import short_answer

if TYPE_CHECKING:
    from .index import Catalog

ABSTAIN_MESSAGE = "I couldn't find this in the documents I have, so I can't answer it."
ONLY_PROMOTIONAL = "Only promotional sources state this."


ADVICE_NOTICE = ("I can't advise you on your own care: please talk it through with your clinician, who knows "
                 "your history. Here is what the documents say on the topic.")
NOT_STATED = "The documents I have discuss {topic}, but none of them states {what}, so I can't answer it."


def abstain(question: str, support: float = 0.0, generator: str = "extractive", *, advice: bool = False,
            topic: str = "", what: str = "") -> Answer:
    """The plain answer for a question the corpus does not support. With ``topic`` and ``what``, it
    names what the documents do discuss and the fact none of them states (a near miss); for a
    request for personal advice it first says plainly that the assistant does not advise."""
    text = NOT_STATED.format(topic=topic, what=what) if topic and what else ABSTAIN_MESSAGE
    if advice:
        text = f"{ADVICE_NOTICE.split(' Here is')[0]} {text}"
    return Answer(question=question, answer=text, label=None, abstained=True, support=support,
                  generator=generator, personal_advice=advice)


def citation_for(n: int, i: int, catalog: Catalog, score: float, first: int | None = None) -> Citation:
    """A citation of sentence ``i`` whose text is the exact original span; with ``first``, of the span
    from sentence ``first`` (a list's label) to the end of sentence ``i`` (its first item), which
    carries sentence ``i``'s label and reasons."""
    d = catalog.docs[int(catalog.s_doc[i])]
    start, end = int(catalog.s_start[i if first is None else first]), int(catalog.s_end[i])
    label: Label = catalog.s_label[i]  # type: ignore[assignment]
    return Citation(n=n, doc_id=d["doc_id"], title=d["meta"].get("title", d["doc_id"]),
                    publisher=d["meta"].get("publisher", ""), label=label, text=d["text"][start:end], start=start,
                    end=end, score=round(score, 4), card_id=(d.get("card") or {}).get("card_id", ""),
                    reasons=tuple(catalog.s_reasons[i]))


def quoted_units(chosen: list[Scored], catalog: Catalog) -> list[tuple[Scored, ...]]:
    """The chosen sentences as the passages the reply quotes, each cited once: a short list label
    ("Training Included:") states nothing of its own, so when its first item follows it, the two are
    one passage (label and item), cited as the one span of the file they make; every other sentence
    is a passage of its own."""
    units: list[tuple[Scored, ...]] = []
    k = 0
    while k < len(chosen):
        s = chosen[k]
        unit = labelled_list(catalog, s.index)
        if len(unit) > 1 and k + 1 < len(chosen) and chosen[k + 1].index == unit[1]:
            units.append((s, chosen[k + 1]))
            k += 2
        else:
            units.append((s,))
            k += 1
    return units


def compose(question: str, chosen: list[Scored], catalog: Catalog, support: float, generator: str,
            kind: str = "", advice: bool = False, within: re.Pattern[str] | None = None) -> Answer:
    """Quote the chosen sentences in the order given (the lead first) with [n] markers. For a factoid
    question (``kind``) the exact phrase of the lead that answers it comes first, and a request for
    personal advice opens with the notice that the assistant does not advise on one's own care."""
    units = quoted_units(chosen, catalog)
    citations = [citation_for(n, u[-1].index, catalog, max(s.score for s in u), u[0].index if len(u) > 1 else None)
                 for n, u in enumerate(units, start=1)]
    parts = [" ".join(catalog.s_clean[s.index] for s in u) + f" [{c.n}]" for u, c in zip(units, citations)]
    short = short_answer(kind, units[0][-1].index, catalog, within) if kind and units else None
    if short is not None:
        parts.insert(0, f"{short.text.rstrip('.')}. [{short.n}]")
    # Each quoted sentence weighs how likely it is to answer the question (the ranker's probability,
    # or its score when it was not ranked), not how long it is: a long sentence chosen to round out
    # the answer must not outweigh the one that answers it.
    weights = [max(max(s.probability if s.probability > 0 else s.score for s in u), 1e-3) for u in units]
    votes = [_vote(catalog, u[0].index) for u in units]
    ans = finish(question, " ".join(parts), citations, catalog, support, generator, weights, votes)
    if advice:
        ans = replace(ans, answer=f"{ADVICE_NOTICE} {ans.answer}")
    return replace(ans, short_answer=short, personal_advice=advice)


def _vote(catalog: Catalog, i: int) -> Label:
    """The label sentence i carries into its answer's label: its own, except that a list's label
    ("Complications Seen:"), which states nothing itself, votes as its items read."""
    unit = labelled_list(catalog, i)
    labels: list[Label] = [catalog.s_label[k] for k in (unit[1:] or [i])]  # type: ignore[misc]
    return combine(labels, [1.0] * len(labels))


def finish(question: str, text: str, citations: list[Citation], catalog: Catalog, support: float,
           generator: str, weights: list[float] | None = None, votes: list[Label] | None = None) -> Answer:
    """Label an answer from its citations and say so when only promotional sources state it.

    ``combine`` takes the label with the most weight, and an exact tie goes to the more cautious
    label (marketing, then opinion, then evidence). By default each citation weighs the answer
    text it supports (the characters before its [n] marker, shared among the markers of that
    run) times how strongly it supports the question (its score). ``votes`` are the labels the
    citations vote with, when they differ from their own (see ``_vote``)."""
    if weights is None:
        weights = [w * max(c.score, 1e-3) for w, c in zip(support_weights(text, citations), citations)]
    label = combine(votes or [c.label for c in citations], weights)
    kinds = {catalog.docs[catalog.doc_index[c.doc_id]]["meta"].get("publisher_kind", "") for c in citations}
    mixed = len({c.label for c in citations}) > 1
    reason = plain_reason(label, kinds.pop() if len(kinds) == 1 else "", mixed)
    if all(c.label == "marketing" for c in citations):
        text = f"{ONLY_PROMOTIONAL} {text}"
    return Answer(question=question, answer=text, label=label, abstained=False, citations=tuple(citations),
                  label_reason=reason, support=support, generator=generator)
