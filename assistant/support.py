"""Citation support: does a set of cited passages back an answer sentence?

No NLI model can be downloaded here, so the scorer is a small logistic model over features that
are cheap and explainable: content-word coverage, number and unit agreement, name agreement and
MiniLM embedding similarity. It is calibrated on ``eval/data/support_pairs.jsonl`` (hand-labelled
pairs, including deliberately wrong citations); the fitted constants ship below and
``eval/test_support_calibration.py`` re-fits them and checks they still match.

It measures whether a sentence's words, numbers and names are found in the passages. It cannot
tell support from contradiction: "X reduced pain" and "X did not reduce pain" look alike to it.

Stable API (the LLM-answer verifier depends on it)::

    scorer = get_support_scorer()
    scorer.score(sentence, passages)     # probability-like score in [0, 1]
    scorer.supports(sentence, passages)  # score >= the calibrated threshold
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from .embed import Embedder

FEATURES = (
    "coverage",
    "bigrams",
    "numbers_missing",
    "names_missing",
    "qualifiers_missing",
    "novel",
    "cosine",
)

_WORD = re.compile(r"[^\W_]+(?:[-'’][^\W_]+)*", re.UNICODE)
_NUMBER = re.compile(r"(?<![\w.])(\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)(?:\s?(%|percent\b|[^\W\d_]+))?")
# fmt: off
# (word lists stay packed, several to a line)
_UNITS = [
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven",
    "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"
]
_TENS = ["twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
_ORDINALS = [
    "zeroth", "first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth"
]
# "one" is left out: "one of", "one factor" are rarely a count.
_NUM_WORDS = (
    {w: str(i) for i, w in enumerate(_UNITS) if w != "one"}
    | {w: str(20 + 10 * i) for i, w in enumerate(_TENS)}
    | {
        f"{t}-{u}": str(20 + 10 * i + j)
        for i, t in enumerate(_TENS)
        for j, u in enumerate(_UNITS[1:10], start=1)
    }
    | {w: str(i) for i, w in enumerate(_ORDINALS) if i}
)
# Words that strengthen, compare or negate a claim; a sentence adding one the passage lacks claims more.
_QUALIFIERS = frozenset({
    "than", "more", "less", "fewer", "lower", "higher", "better", "worse", "best", "worst", "most", "least",
    "all", "every", "always", "never", "none", "no", "not", "without", "only", "significantly",
    "significant", "safer", "riskier", "faster", "slower", "superior", "inferior", "increase", "increased",
    "decrease", "decreased", "reduce", "reduced", "eliminate", "eliminated", "cure", "cures", "cured",
    "guarantee", "guaranteed", "proven", "prove", "proves", "entirely", "completely", "fully", "first",
    "largest", "smallest"
})
_UNIT_ALIASES = {
    "percent": "%", "mls": "ml", "µg": "mcg", "hrs": "hour", "hr": "hour", "mins": "minute",
    "min": "minute", "yrs": "year", "yr": "year", "wks": "week", "wk": "week", "mos": "month", "mo": "month"
}
_MEASURE_UNITS = frozenset({
    "%", "mg", "mcg", "g", "kg", "ml", "cc", "cm", "mm", "day", "week", "month", "year", "hour", "minute",
    "level", "session", "injection"
})
_NAME = re.compile(r"\b(?:[A-Z][a-z]+[A-Z]\w*|[A-Z]{2,}\w*|[A-Z][\w-]*)\b")
_FUNCTION_CAPS = {
    "the", "a", "an", "this", "that", "these", "those", "it", "its", "in", "on", "at", "for", "of", "and",
    "or", "but", "if", "as", "by", "with", "to", "from", "after", "before", "when", "while", "most", "some",
    "all", "one", "two", "patients", "group", "dr", "mr", "mrs", "ms", "i", "we", "they", "he", "she",
    "you", "there", "here", "what", "which", "who", "how", "why", "also", "both", "only", "no"
}
# fmt: on
_TITLE_END = re.compile(r"\b(?:Dr|Mr|Mrs|Ms|Prof|St|Sr|Jr)\.$")
_CAP_STOP = {"of", "and", "&", "the", "for", "in", "on"}


@dataclass(frozen=True)
class Calibration:
    """A fitted logistic model: standardise features, weight them, squash; support when p >= threshold."""

    mean: tuple[float, ...]
    scale: tuple[float, ...]
    coef: tuple[float, ...]
    intercept: float
    threshold: float
    features: tuple[str, ...] = FEATURES

    def probability(self, x: np.ndarray) -> np.ndarray:
        """Support probabilities for rows of features."""
        z = (np.atleast_2d(x) - np.asarray(self.mean)) / np.asarray(self.scale)
        logit = z @ np.asarray(self.coef) + self.intercept
        return 1.0 / (1.0 + np.exp(-logit))


# Fitted by ``fit_calibration`` on eval/data/support_pairs.jsonl (182 pairs); see eval/test_support_calibration.py.
CALIBRATION = Calibration(
    mean=(0.636792, 0.416807, 0.148352, 0.21978, 0.197802, 1.278164, 0.700798),
    scale=(0.282044, 0.297938, 0.370584, 0.598573, 0.507521, 0.658884, 0.228308),
    coef=(1.937971, 0.788788, -1.038732, -0.328873, -0.28696, 0.520727, 0.158756),
    intercept=-0.61538,
    threshold=0.5,
)


@lru_cache(maxsize=1)
def _stemmer():
    import Stemmer

    return Stemmer.Stemmer("english")


@lru_cache(maxsize=1)
def _stopwords() -> frozenset[str]:
    from bm25s.stopwords import STOPWORDS_EN

    return frozenset(STOPWORDS_EN) | {"also", "may", "can", "could", "would", "said", "says", "say"}


def content_stems(text: str) -> list[str]:
    """Stemmed, lower-cased content words in order (stop words dropped; number words as digits)."""
    stop = _stopwords()
    words = []
    for w in _WORD.findall(text):
        w = w.lower().replace("’", "'")
        w = _NUM_WORDS.get(w, w)
        if w not in stop and (len(w) > 1 or w.isdigit()):
            words.append(w)
    return _stemmer().stemWords(words)


def numbers(text: str) -> set[str]:
    """Numbers in a text, normalised (thousands separators dropped, trailing zeros trimmed, words as digits)."""
    out = {_norm_number(m.group(1)) for m in _NUMBER.finditer(text)}
    out |= {_NUM_WORDS[w] for w in _WORD.findall(text.lower()) if w in _NUM_WORDS}
    return out


def _norm_number(s: str) -> str:
    s = s.replace(",", "")
    if "." in s:
        s = s.rstrip("0").rstrip(".")
    return s


def number_units(text: str) -> set[tuple[str, str]]:
    """(number, unit) pairs for measured quantities: a number with %, a dose, a length or a time unit after it."""
    out = set()
    for m in _NUMBER.finditer(text):
        unit = (m.group(2) or "").lower()
        unit = _UNIT_ALIASES.get(unit, unit.rstrip("s") if len(unit) > 3 else unit)
        if unit in _MEASURE_UNITS:
            out.add((_norm_number(m.group(1)), unit))
    return out


def names(text: str) -> set[str]:
    """Likely names, as written: capitalised words not at a sentence start, acronyms, brand-like words."""
    out = set()
    for m in _NAME.finditer(text):
        word = m.group(0)
        before = text[: m.start()].rstrip()
        starts_sentence = (not before or before[-1] in '.!?:;"“(•-–—\n') and not _TITLE_END.search(before)
        inner_caps = any(c.isupper() for c in word[1:])
        if word.lower() in _FUNCTION_CAPS or (starts_sentence and not inner_caps):
            continue
        out.add(word.replace("’", "'"))
    return out


def _name_found(name: str, words: set[str], initials: str) -> bool:
    """A name is found as a word, or (an acronym) as the initials of consecutive capitalised words."""
    if name.lower() in words:
        return True
    return name.isupper() and len(name) >= 2 and name in initials


def _initials(text: str) -> str:
    # "Pacific Spine & Pain Society" -> "PSPS", so an acronym matches its expansion.
    caps = [
        w[0] if w[:1].isupper() else " "
        for w in text.replace("&", " and ").split()
        if w.lower() not in _CAP_STOP
    ]
    return "".join(caps)


def lexical_features(sentence: str, passages: Sequence[str]) -> list[float]:
    """The features that need no model (all but cosine), for the passages taken together."""
    joined = "\n".join(passages)
    s_terms = content_stems(sentence)
    p_terms = content_stems(joined)
    s_set, p_set = set(s_terms), set(p_terms)
    coverage = len(s_set & p_set) / len(s_set) if s_set else 0.0
    s_bi = set(itertools.pairwise(s_terms))
    p_bi = set(itertools.pairwise(p_terms))
    p_bi |= {(b, a) for a, b in p_bi}
    bigrams = len(s_bi & p_bi) / len(s_bi) if s_bi else coverage
    # A number agrees when the passages hold it, and hold it with the same unit when the sentence gives one.
    p_units = number_units(joined)
    p_nums = numbers(joined)
    s_units = number_units(sentence)
    numbers_missing = len(numbers(sentence) - p_nums) + sum(1 for n, u in s_units - p_units if n in p_nums)
    p_words = {w.lower().replace("’", "'") for w in _WORD.findall(joined)}
    initials = _initials(joined)
    names_missing = sum(not _name_found(n, p_words, initials) for n in names(sentence))
    s_words = {w.lower() for w in _WORD.findall(sentence)}
    qualifiers_missing = len((s_words & _QUALIFIERS) - p_words)
    novel = math.log1p(len(s_set - p_set))
    return [
        coverage,
        bigrams,
        min(numbers_missing, 2),
        min(names_missing, 3),
        min(qualifiers_missing, 2),
        novel,
    ]


class SupportScorer:
    """Scores how well passages, taken together, support a sentence; calibrated to a probability."""

    def __init__(
        self, embedder: Embedder | None = None, calibration: Calibration = CALIBRATION, cache_size: int = 4096
    ) -> None:
        if tuple(calibration.features) != FEATURES:
            raise ValueError(f"calibration is for features {calibration.features}, expected {FEATURES}")
        self._embedder = embedder
        self.calibration = calibration
        self._vectors: dict[str, np.ndarray] = {}
        self._cache_size = cache_size

    @property
    def threshold(self) -> float:
        """Scores at or above this count as supported."""
        return self.calibration.threshold

    @property
    def embedder(self) -> Embedder:
        if self._embedder is None:
            from .embed import get_embedder
            from .settings import EmbedSettings

            self._embedder = get_embedder(EmbedSettings())
        return self._embedder

    def _embed(self, texts: Sequence[str]) -> dict[str, np.ndarray]:
        missing = [t for t in dict.fromkeys(texts) if t not in self._vectors]
        if missing:
            if len(self._vectors) + len(missing) > self._cache_size:
                self._vectors.clear()
            self._vectors.update(zip(missing, self.embedder.embed(missing)))
        return {t: self._vectors[t] for t in texts}

    def features(self, sentence: str, passages: Sequence[str]) -> np.ndarray:
        """The feature vector of one (sentence, passages) pair, in ``FEATURES`` order."""
        return self.features_many([(sentence, passages)])[0]

    def features_many(self, pairs: Sequence[tuple[str, Sequence[str]]]) -> np.ndarray:
        """Feature rows for many pairs, embedding all texts in one batch."""
        texts = [t for s, ps in pairs for t in (s, *ps) if t.strip()]
        vecs = self._embed(texts) if texts else {}
        rows = []
        for sentence, passages in pairs:
            passages = [p for p in passages if p.strip()]
            if not sentence.strip() or not passages:
                rows.append([0.0] * len(FEATURES))
                continue
            sv = vecs[sentence]
            cosine = max(float(sv @ vecs[p]) for p in passages)
            rows.append(lexical_features(sentence, passages) + [cosine])
        return np.asarray(rows, dtype=np.float64)

    def score(self, sentence: str, passages: Sequence[str]) -> float:
        """Calibrated support in [0, 1]; 0 when there is no sentence text or no passage text."""
        if not sentence.strip() or not any(p.strip() for p in passages):
            return 0.0
        return float(self.calibration.probability(self.features(sentence, passages))[0])

    def score_many(self, pairs: Sequence[tuple[str, Sequence[str]]]) -> np.ndarray:
        """Scores for many pairs at once (faster than calling ``score`` in a loop)."""
        if not pairs:
            return np.zeros(0)
        p = self.calibration.probability(self.features_many(pairs))
        empty = [not s.strip() or not any(x.strip() for x in ps) for s, ps in pairs]
        return np.where(empty, 0.0, p)

    def supports(self, sentence: str, passages: Sequence[str]) -> bool:
        """Whether the passages, taken together, support the sentence (score at or above the threshold)."""
        return self.score(sentence, passages) >= self.threshold


@lru_cache(maxsize=1)
def get_support_scorer() -> SupportScorer:
    """The process-wide scorer with the shipped calibration and the bundled MiniLM."""
    return SupportScorer()


def fit_calibration(x: np.ndarray, y: np.ndarray, c: float = 1.0) -> Calibration:
    """Fit the logistic model on feature rows and 0/1 labels; support means a probability of at least 0.5."""
    from sklearn.linear_model import LogisticRegression

    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=int)
    mean = x.mean(axis=0)
    scale = np.where(x.std(axis=0) > 1e-9, x.std(axis=0), 1.0)
    model = LogisticRegression(C=c, max_iter=1000).fit((x - mean) / scale, y)
    return Calibration(
        tuple(float(v) for v in mean.round(6)),
        tuple(float(v) for v in scale.round(6)),
        tuple(float(v) for v in model.coef_[0].round(6)),
        round(float(model.intercept_[0]), 6),
        0.5,
    )
