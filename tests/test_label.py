"""The labeller: cue features, document context, the shipped model, reasons, and answer labels."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from assistant.cues import FEATURE_NAMES, fired_cues, quoted_reason
from assistant.sections import document_features, is_heading
from assistant.label import (
    CueLabeller,
    Labeller,
    TrainedLabeller,
    combine,
    get_labeller,
    load_model,
    model_probabilities,
    support_weights,
)
from assistant.records import LABELS, Citation, LabelResult

ROOT = Path(__file__).resolve().parents[1]


def _unit(n: int, dim: int = 384, seed: int = 0) -> np.ndarray:
    v = np.random.default_rng(seed).normal(size=(n, dim)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


@pytest.mark.parametrize(("text", "cue"), [
    ("Complications occurred in 3.3% of patients.", "percent"),
    ("276 adult patients underwent SIJ fusion.", "sample_size"),
    ("A prospective multicenter randomized controlled trial.", "design"),
    ("The difference was significant (p < 0.05).", "statistics"),
    ("Chin KR et al. showed this.", "citation_marker"),
    ("According to a study done by Mayo Clinic, back pain is common.", "named_source"),
    ("I remember way back in 2004.", "first_person"),
    ("Training must be structured.", "should"),
    ("Learn about Regenexx® Procedures.", "brand_mark"),
    ("Request a Consultation", "call_to_action"),
    ("Call (555) 214-7788 today.", "contact"),
    ("A groundbreaking, transformational study.", "hype"),
    ("The #1 Stem Cell & Platelet Procedures.", "number_one"),
    ("Less pain", "benefit"),
])
def test_cues_fire_on_what_they_name(text: str, cue: str) -> None:
    assert cue in fired_cues(text)


@pytest.mark.parametrize(("text", "cue"), [
    ("surgery or injections", "statistics"),          # "OR" is a statistic only in capitals
    ("the doctors who felt threatened", "named_source"),  # "WHO" is a source only in capitals
    ("Suicide is a leading cause of death.", "hype"),
    ("Japan.", "slogan"),
    ("Call us at (303) 555-1234.", "citation_marker"),  # an area code is not a reference number
])
def test_cues_do_not_fire_on_look_alikes(text: str, cue: str) -> None:
    assert cue not in fired_cues(text)


def test_reasons_quote_the_words_that_fired() -> None:
    assert quoted_reason("percent", "Pain fell by 45.5% at a year.") == "it reports a percentage: “45.5%”"
    assert quoted_reason("statistics", "Scores fell (p<0.01).").endswith("“p<0.01”")
    assert quoted_reason("hype", "This landmark paper.") == "it uses hype words: “landmark”"
    plain = "the writer speaks about their own experience or views"
    assert quoted_reason("first_person", "I agree.") == plain


@pytest.mark.parametrize(("text", "heading"), [
    ("Key Findings", True), ("Groups:", True), ("About the Study", True),
    ("Lead Investigator: Dr. Kingsley R. Chin", False), ("Less pain", False),
    ("The study revealed no significant difference.", False),
])
def test_headings_are_told_from_content(text: str, heading: bool) -> None:
    assert is_heading(text) is heading


def test_context_marks_study_summaries_reference_lists_and_selling_lists() -> None:
    texts = ["Why This Matters", "Training is essential.", "Key Results", "Group 1 had no complications.",
             "Why It Matters", "Surgeons should teach.", "Reference:",
             "Chin KR, Jain A. A trial. Spine J. 2025;5:1-9."]
    _, fired = document_features(texts, {})
    assert "in_study_summary" in fired[3] and "in_study_summary" not in fired[1] + fired[5]
    assert "in_reference_list" in fired[7]
    page = ["Why patients choose SpineFlex®:", "No downtime", "Covered by most plans", "Call us today."]
    _, on_provider = document_features(page, {"publisher_kind": "clinic"})
    _, on_journal = document_features(page, {"publisher_kind": "journal"})
    assert "in_benefit_list" in on_provider[1] and "in_benefit_list" not in on_journal[1]


def test_feature_rows_match_the_feature_names() -> None:
    rows, fired = document_features(["One.", "Two 20%."], None)
    assert rows.shape == (2, len(FEATURE_NAMES)) and rows.dtype == np.float32
    assert len(fired) == 2


def test_get_labeller_by_name_defaults_to_the_trained_model() -> None:
    assert isinstance(get_labeller(), TrainedLabeller)
    assert isinstance(get_labeller("cues"), CueLabeller)
    with pytest.raises(ValueError, match="unknown labeller 'nope'; choose one of: cues, trained"):
        get_labeller("nope")


def test_the_base_class_checks_its_input() -> None:
    lab = get_labeller("cues")
    assert lab.label([]) == []
    with pytest.raises(ValueError, match="one row per text, got 1 for 2"):
        lab.label(["a", "b"], _unit(1))


def test_the_shipped_model_loads_once_and_matches_the_cue_features() -> None:
    model = load_model()
    assert load_model() is model
    assert model["labels"] == list(LABELS) and model["feature_names"] == list(FEATURE_NAMES)
    assert np.asarray(model["coef"]).shape == (3, len(FEATURE_NAMES) + model["embedding_dim"])
    assert model["trained_on"]["pubmedqa_split"].startswith("PubMed ids in the first half")


def test_probabilities_are_a_softmax_over_the_three_labels() -> None:
    texts = ["Request a Consultation", "In a trial of 120 patients, 45% improved.", "I think so."]
    feats, _ = document_features(texts, None)
    p = model_probabilities(load_model(), feats, _unit(3))
    assert p.shape == (3, 3) and np.allclose(p.sum(axis=1), 1.0)


def test_trained_labeller_refuses_vectors_of_the_wrong_size() -> None:
    with pytest.raises(ValueError, match="384-dimensional minilm vectors, got 8"):
        get_labeller().label(["A sentence."], _unit(1, dim=8))


def test_labelling_needs_no_training_library_at_run_time() -> None:
    code = (
        "import sys, numpy as np\n"
        "from assistant.label import get_labeller\n"
        "v = np.ones((2, 384), np.float32) / np.sqrt(384)\n"
        "r = get_labeller().label(['Request a Consultation', 'Group 1 had 3.3% complications.'], v)\n"
        "print([x.label for x in r], 'sklearn' in sys.modules, 'torch' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().endswith("False False"), out.stdout


class _Fixed(Labeller):
    """A deterministic labeller registered by name, as an outside one would be."""

    name = "fixed"

    def label_batch(self, texts, vectors=None, meta=None):
        return [LabelResult("opinion", ("fixed",)) for _ in texts]


def test_a_labeller_can_be_registered_by_name() -> None:
    from assistant.label import _LABELLERS, register_labeller

    register_labeller("fixed", _Fixed)
    try:
        assert get_labeller("fixed").label(["x"])[0].label == "opinion"
        assert get_labeller("fixed").version == "fixed"
    finally:
        _LABELLERS.pop("fixed")


@pytest.mark.slow
def test_trained_labeller_with_the_real_model_gives_plain_reasons() -> None:
    texts = ["Group 1 achieved zero complications and zero revision surgeries in 276 patients.",
             "Regrettably, I think these physicians are missing the whole point.",
             "Request a free Regenexx Info Packet"]
    results = get_labeller().label(texts)  # no vectors: it embeds with the bundled model
    assert [r.label for r in results] == ["evidence", "opinion", "marketing"]
    for r in results:
        assert r.reasons and all(len(w) < 140 and "_" not in w and not w.startswith(("cue:", "context:"))
                                 for w in r.reasons)
        assert set(r.scores) == set(LABELS) and abs(sum(r.scores.values()) - 1) < 1e-3
    assert any("“Request”" in w for w in results[2].reasons)


@pytest.mark.slow
def test_ingest_labels_reference_list_fragments_by_their_place(seed_settings) -> None:
    """Ingest cuts doc 003's reference entries into pieces; each piece is still evidence."""
    from assistant.index import Index

    cat = Index.open(seed_settings).catalog
    pieces = [i for i, t in enumerate(cat.s_clean) if t.startswith(("PMID:", "Epub "))]
    assert len(pieces) >= 10
    assert {cat.s_label[i] for i in pieces} == {"evidence"}
    reasons = {w for i in pieces for w in cat.s_reasons[i]}
    assert "it is part of the document's list of references" in reasons


def test_combine_takes_the_heaviest_label_and_breaks_ties_cautiously() -> None:
    assert combine(["evidence", "opinion"], [3.0, 1.0]) == "evidence"
    assert combine(["evidence", "opinion", "opinion"], [3.0, 1.0, 1.0]) == "evidence"
    assert combine(["evidence", "opinion", "opinion"], [2.0, 1.5, 1.5]) == "opinion"
    assert combine(["evidence", "marketing"], [1.0, 1.0]) == "marketing"
    assert combine(["opinion", "marketing"], [1.0, 1.0]) == "marketing"
    assert combine(["evidence", "opinion"], [1.0, 1.0]) == "opinion"
    with pytest.raises(ValueError):
        combine([], [])


def _cite(n: int, label: str, text: str = "x" * 10) -> Citation:
    return Citation(n=n, doc_id="d", title="t", publisher="", label=label,  # type: ignore[arg-type]
                    text=text, start=0, end=len(text), score=0.5)


def test_support_weights_count_the_answer_text_each_citation_supports() -> None:
    cites = [_cite(1, "evidence"), _cite(2, "opinion"), _cite(3, "marketing")]
    answer = "Short claim. [1] A much longer sentence that carries most of the answer. [2] [3]"
    w = support_weights(answer, cites)
    assert w[0] == len("Short claim.")
    assert w[1] == w[2] == len("A much longer sentence that carries most of the answer.") / 2
    assert support_weights("No markers at all.", cites)[0] == pytest.approx(1e-3 * 10)


@pytest.mark.slow
def test_answer_labels_in_the_json_contract(seed_assistant) -> None:
    from assistant.compose import ONLY_PROMOTIONAL

    ans = seed_assistant.ask("What are the benefits of interventional spine surgery?")
    data = json.loads(json.dumps(ans.to_json()))
    assert data["label"] in LABELS
    for c in data["citations"]:
        assert c["label"] in LABELS and c["card_id"] == f"card:{c['doc_id']}" and c["reasons"]
    if all(c["label"] == "marketing" for c in data["citations"]):
        assert data["answer"].startswith(ONLY_PROMOTIONAL)
    if len({c["label"] for c in data["citations"]}) > 1:
        assert "each citation shows its own" in data["label_reason"]
