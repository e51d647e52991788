"""Content words: tokenising, stemming, stop words, and corpus term statistics with typo tolerance."""

from __future__ import annotations

import difflib
import math
import re
from collections import Counter
from collections.abc import Iterable
from functools import lru_cache

_TOKEN = re.compile(r"[^\W_]+(?:[-'’][^\W_]+)*|\d+(?:[.,]\d+)?%?")
_NUMBER = re.compile(r"(?<![\w.])\d+(?:[.,]\d+)?\s?%?")

# Question words and fillers that carry no topic of their own.
_QUESTION_WORDS = {
    "what", "which", "who", "whom", "why", "how", "when", "where", "does", "did", "do", "can", "could", "would",
    "tell", "me", "about", "much", "many", "explain", "describe", "mean", "means", "say", "says", "said",
    "according", "please", "i", "my", "is", "are", "was", "were", "the", "a", "an", "there", "any",
    # Words that point at a source ("the blog", "the article says") rather than the topic asked about.
    "article", "blog", "post", "page", "author", "autor", "paper", "kind", "kinds", "type", "types", "think",
    "thinks", "give", "gave", "have", "has", "get", "got", "done", "use", "used", "happen", "happened", "ever",
    "every", "really", "actually", "still", "also", "someone", "somebody", "thing", "things", "way", "ways",
}


@lru_cache(maxsize=1)
def _stemmer():  # noqa: ANN202
    import Stemmer

    return Stemmer.Stemmer("english")


@lru_cache(maxsize=1)
def stopwords() -> frozenset[str]:
    """English stop words plus question words."""
    from bm25s.stopwords import STOPWORDS_EN

    return frozenset(STOPWORDS_EN) | _QUESTION_WORDS


def words(text: str) -> list[str]:
    """Lower-cased word and number tokens; a hyphenated word also yields its parts."""
    out = []
    for w in _TOKEN.findall(text):
        w = w.lower().replace("’", "'")
        out.append(w)
        if "-" in w:
            out.extend(p for p in w.split("-") if p)
    return out


def _within_one_edit(a: str, b: str) -> bool:
    if abs(len(a) - len(b)) > 1 or a == b:
        return False
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        return len(diff) == 1 or (len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]]
                                  and a[diff[1]] == b[diff[0]])
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    return any(long_[:i] + long_[i + 1 :] == short for i in range(len(long_)))


_TYPO_PRONE = ("what", "does", "when", "where", "which", "should", "would", "could", "there", "their", "about")


def _is_typo_of_stopword(w: str) -> bool:
    return 3 <= len(w) <= 7 and any(_within_one_edit(w, s) for s in _TYPO_PRONE)


def content_terms(text: str) -> list[str]:
    """Lower-cased, stemmed content words of a text (stop words and misspelt question words removed)."""
    stop = stopwords()
    kept = [w for w in words(text) if w not in stop and (len(w) > 1 or w.isdigit()) and not _is_typo_of_stopword(w)]
    return _stemmer().stemWords(kept)


def numbers(text: str) -> set[str]:
    """Numbers in a text, normalised (commas dropped, '%' kept)."""
    return {m.group(0).replace(",", "").replace(" ", "") for m in _NUMBER.finditer(text)}


class Vocabulary:
    """Document frequencies of content terms over a set of texts, with typo-tolerant lookup."""

    def __init__(self, texts: Iterable[list[str]]) -> None:
        self.df: Counter[str] = Counter()
        self.n = 0
        for terms in texts:
            self.n += 1
            self.df.update(set(terms))
        self._by_initial: dict[str, list[str]] = {}
        for t in self.df:
            self._by_initial.setdefault(t[:1], []).append(t)

    def resolve(self, term: str) -> str | None:
        """The corpus term a (possibly misspelt) query term stands for, or None if absent.

        Only longer words are matched loosely: a short word close to a corpus word is
        usually a different word ("cost" is not "coast").
        """
        if term in self.df:
            return term
        if len(term) < 5 or term.isdigit():
            return None
        pool = self._by_initial.get(term[:1], [])
        close = difflib.get_close_matches(term, pool, n=1, cutoff=0.85)
        return close[0] if close else None

    def idf(self, term: str | None) -> float:
        """Inverse document frequency; an absent term weighs as if it were in half a document."""
        df = self.df.get(term, 0) if term else 0
        return math.log((self.n + 1) / (df + 0.5))
