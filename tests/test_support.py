"""The citation-support scorer: its features, its API and its shipped calibration."""

from __future__ import annotations

import numpy as np
import pytest

from assistant.embed import Embedder
from assistant.support import (
    CALIBRATION,
    FEATURES,
    Calibration,
    SupportScorer,
    content_stems,
    fit_calibration,
    get_support_scorer,
    lexical_features,
    names,
    number_units,
    numbers,
)

PASSAGE = (
    "Interventional pain physicians, after receiving comprehensive training from board-certified spine "
    "surgeons, achieved low complication (3.3%) and revision (1.8%) rates."
)


class HashEmbedder(Embedder):
    """Deterministic bag-of-stems vectors: fast, and similar texts get similar vectors."""

    name = "hash"
    dim = 64

    def embed_batch(self, texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, t in enumerate(texts):
            for s in content_stems(t):
                out[i, hash(s) % self.dim] += 1.0
        return out + 1e-3


def feature(row: np.ndarray, name: str) -> float:
    return float(row[FEATURES.index(name)])


def test_numbers_units_and_names_are_normalised() -> None:
    assert numbers("3.30% of 1,000 patients; forty-seven sites; twelve weeks") == {"3.3", "1000", "47", "12"}
    assert number_units("3.3% and 12 weeks, 5 mg, 47 physicians") == {
        ("3.3", "%"),
        ("12", "week"),
        ("5", "mg"),
    }
    assert names("The trial was led by Dr. Kingsley Chin at PSPS. Patients improved.") == {
        "Kingsley",
        "Chin",
        "PSPS",
    }


def test_lexical_features_catch_number_name_and_qualifier_changes() -> None:
    same = lexical_features("Pain physicians achieved a 3.3% complication rate.", [PASSAGE])
    assert same[0] == 1.0 and same[2] == 0  # full coverage, no missing number
    wrong_number = lexical_features("Pain physicians achieved a 5% complication rate.", [PASSAGE])
    assert wrong_number[2] == 1
    wrong_unit = lexical_features("Complications were 3.3 mg.", ["Complications were 3.3% in all."])
    assert wrong_unit[2] == 1
    swapped = lexical_features("Dr. Richard Kim trained the pain physicians.", [PASSAGE])
    assert swapped[3] == 2
    acronym = lexical_features(
        "PSPS members are physicians.", ["Pacific Spine & Pain Society members are physicians."]
    )
    assert acronym[3] == 0  # an acronym matches the initials of its expansion
    stronger = lexical_features("Pain physicians had a lower complication rate than surgeons.", [PASSAGE])
    assert stronger[4] == 2  # "lower", "than"


def test_scorer_api_ranges_and_threshold() -> None:
    scorer = SupportScorer(HashEmbedder())
    good = scorer.score(
        "Trained pain physicians had low complication (3.3%) and revision (1.8%) rates.", [PASSAGE]
    )
    bad = scorer.score("Patients received platelet-rich plasma injections at 12 weeks.", [PASSAGE])
    assert 0.0 <= bad < scorer.threshold <= good <= 1.0
    assert scorer.supports("Trained pain physicians had low complication (3.3%) rates.", [PASSAGE])
    assert scorer.score("anything", []) == 0.0
    assert scorer.score("", [PASSAGE]) == 0.0
    assert scorer.score("x", ["   "]) == 0.0
    many = scorer.score_many([("Trained pain physicians had low complication rates.", [PASSAGE]), ("x", [])])
    assert many.shape == (2,) and many[1] == 0.0
    assert scorer.features("a b", [PASSAGE]).shape == (len(FEATURES),)


def test_several_passages_are_judged_together() -> None:
    scorer = SupportScorer(HashEmbedder())
    sentence = "Pain physicians had a 3.3% complication rate and Sacrix implants were used."
    one = scorer.score(sentence, [PASSAGE])
    both = scorer.score(sentence, [PASSAGE, "Sacrix titanium implants were used."])
    assert both > one


def test_calibration_round_trip_and_feature_check() -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(200, len(FEATURES)))
    y = (x[:, 0] + 0.2 * rng.normal(size=200) > 0).astype(int)
    cal = fit_calibration(x, y)
    assert cal.coef[0] > 1.0 and cal.threshold == 0.5
    assert ((cal.probability(x) >= 0.5) == y).mean() > 0.9
    with pytest.raises(ValueError, match="calibration is for features"):
        SupportScorer(HashEmbedder(), Calibration((0.0,), (1.0,), (1.0,), 0.0, 0.5, ("x",)))


def test_shipped_calibration_is_fitted() -> None:
    assert len(CALIBRATION.coef) == len(FEATURES)
    assert CALIBRATION.coef[FEATURES.index("coverage")] > 0  # more of the sentence found: more support
    assert CALIBRATION.coef[FEATURES.index("numbers_missing")] < 0
    assert 0.0 < CALIBRATION.threshold < 1.0


@pytest.mark.slow
def test_real_scorer_separates_a_restatement_from_a_wrong_citation() -> None:
    scorer = get_support_scorer()
    assert scorer is get_support_scorer()
    restated = (
        "After training by spine surgeons, pain physicians had 3.3% complication and 1.8% revision rates."
    )
    wrong = "Most revisions were handled by the original physicians in ambulatory surgery centers."
    changed = "After training by spine surgeons, pain physicians had 5% complication and 1.8% revision rates."
    assert scorer.supports(restated, [PASSAGE])
    assert not scorer.supports(wrong, [PASSAGE])
    assert scorer.score(changed, [PASSAGE]) < scorer.score(restated, [PASSAGE])
