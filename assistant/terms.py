"""Content words: tokenising, stemming, stop words, and corpus term statistics with typo tolerance."""

from __future__ import annotations

import difflib
import math
import re
from collections import ChainMap, Counter
from collections.abc import Iterable, Mapping, Sequence
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
        self._index_initials()

    @classmethod
    def from_counts(cls, df: Mapping[str, int], n: int) -> Vocabulary:
        """A vocabulary from document frequencies counted before (the index snapshot keeps them)."""
        vocab = cls(())
        vocab.df, vocab.n = Counter(df), n
        vocab._index_initials()
        return vocab

    def _index_initials(self) -> None:
        """The terms by first letter, for the typo-tolerant lookup."""
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


# "sacroiliac joint (SIJ)": a short form in brackets, after the long form it defines.
_SHORT_FORM = re.compile(r" \(([A-Z][A-Za-z]{1,7}?)s?\)")
_CLAUSE_END = re.compile(r"[()\n]")


def _long_form(short: str, before: str) -> str | None:
    """The words before a bracketed short form that it abbreviates, found as Schwartz and Hearst do:
    the short form's letters, last to first, appear in order in the words, and its first (and here
    also its last) letter starts a word."""
    words = before.split()
    window = " ".join(words[-min(len(short) + 5, len(short) * 2):])
    s, j = len(short) - 1, len(window) - 1
    while s >= 0:
        c = short[s].lower()
        at_word_start = s in (0, len(short) - 1)  # "sacroiliac joint (SIJ)", not "University of York (UK)"
        while j >= 0 and (window[j].lower() != c or (at_word_start and j > 0 and window[j - 1].isalnum())):
            j -= 1
        if j < 0:
            return None
        j -= 1
        s -= 1
    long_form = window[window.rfind(" ", 0, j + 1) + 1 :]
    return long_form if len(long_form.split()) >= 2 or len(long_form) > len(short) + 2 else None


def abbreviations(text: str) -> dict[str, str]:
    """Short forms a text defines, mapped to their long forms ("IO" -> "interventional orthopedics").

    A definition is a long form followed by its short form in brackets; a bracketed word that does
    not spell the words before it ("York (UK)") is not one. The first definition of a short form wins.
    """
    found: dict[str, str] = {}
    for m in _SHORT_FORM.finditer(text):
        short = m.group(1)
        if short in found or sum(c.isupper() for c in short) < 2:
            continue
        before = _CLAUSE_END.split(text[max(0, m.start() - 200) : m.start()])[-1]
        long_form = _long_form(short, before)
        if long_form:
            found[short] = long_form
    return found


def scoped_abbreviations(per_text: Sequence[dict[str, str]]) -> list[Mapping[str, str]]:
    """The short forms that apply in each text: its own definitions, and those of other texts where
    every text that defines the short form means the same words by it (an "IPM" defined in one post
    reads the same in a post that uses it undefined; a "PT" defined two ways is left to each text)."""
    meanings: dict[str, set[frozenset[str]]] = {}
    for found in per_text:
        for short, long_form in found.items():
            meanings.setdefault(short, set()).add(_long_form_words(long_form))
    shared: dict[str, str] = {}
    for found in per_text:
        for short, long_form in found.items():
            if len(meanings[short]) == 1:
                shared.setdefault(short, long_form)
    return [ChainMap(found, shared) for found in per_text]


_CAPITALISED = re.compile(r"\b[A-Z][A-Za-z]{1,8}\b")


@lru_cache(maxsize=65536)
def _long_form_words(long_form: str) -> frozenset[str]:
    return frozenset(content_terms(long_form))


def long_form_terms(texts: Sequence[str], abbrevs: Mapping[str, str]) -> list[set[str]]:
    """For each text, the content words of the long forms of the short forms it uses
    ("practice IO" -> interventional, orthopedics; a plural "IPMs" counts as "IPM")."""
    out: list[set[str]] = []
    for text in texts:
        words: set[str] = set()
        for w in _CAPITALISED.findall(text):
            long_form = abbrevs.get(w) or (abbrevs.get(w[:-1]) if w.endswith("s") else None)
            if long_form:
                words |= _long_form_words(long_form)
        out.append(words)
    return out


# "Group 1: IPM physicians supervised by spine surgeons": a line that names an arm, a group or a
# phase ("Group 1", "Arm B") by what it is.
_NAMED_LINE = re.compile(r"^[ \t•*·-]*([A-Z][a-z]{1,15} (?:\d{1,3}|[A-Z]))[ \t]*:[ \t]*([^\n]{3,200})$", re.M)


def named_items(text: str) -> dict[str, str]:
    """The names a text defines on their own line ("Group 1: IPM physicians supervised by spine
    surgeons"), each with its description; a name defined twice keeps its first description."""
    found: dict[str, str] = {}
    for m in _NAMED_LINE.finditer(text):
        found.setdefault(m.group(1), m.group(2).strip())
    return found


def named_item_terms(texts: Sequence[str], names: Mapping[str, str]) -> list[set[str]]:
    """For each text, the content words of the descriptions of the names it mentions ("Group 1
    achieved zero complications" -> supervised, spine, surgeons), except where it defines the name."""
    if not names:
        return [set() for _ in texts]
    pattern = re.compile(r"\b(" + "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True)) + r")\b")
    out: list[set[str]] = []
    for text in texts:
        words: set[str] = set()
        for name in set(pattern.findall(text)):
            if not text.lstrip(" \t•*·-").startswith(f"{name}:"):
                words |= _long_form_words(names[name])
        out.append(words)
    return out
