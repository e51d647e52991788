"""The scope gate: questions the documents do not speak to are refused before anything is quoted."""

from __future__ import annotations

import json

import numpy as np
import pytest

from assistant import scope
from assistant.compose import ABSTAIN_MESSAGE
from assistant.pipeline import Assistant
from assistant.support import Calibration


def test_the_shipped_model_names_the_features_the_gate_computes() -> None:
    model = scope.load_model()
    assert model.features == scope.FEATURES
    assert len(model.coef) == len(model.mean) == len(model.scale) == len(scope.FEATURES)
    assert 0.0 < model.threshold < 1.0


def test_a_model_for_other_features_is_refused_with_the_command_that_fixes_it() -> None:
    stale = Calibration((0.0,), (1.0,), (1.0,), 0.0, 0.5, ("support",))
    with pytest.raises(ValueError, match="python -m train.scope"):
        scope.ScopeGate(stale)


def test_a_model_survives_a_round_trip_through_its_file(tmp_path) -> None:
    path = tmp_path / "scope_model.json"
    scope.save_model(scope.load_model(), path, fitted_on=["dev"])
    assert scope.load_model(path) == scope.load_model()
    assert json.loads(path.read_text())["fitted_on"] == ["dev"]


def test_closeness_to_the_documents_raises_the_probability() -> None:
    gate = scope.default_gate()
    near = np.array([0.6, 0.7, 0.7, 0.6, 0.0, 0.7])  # well supported, every word in the corpus
    far = np.array([0.1, 0.2, 0.3, 0.1, 0.7, 0.3])  # weak support, most words unknown to the corpus
    assert gate.in_scope(near) and not gate.in_scope(far)
    assert gate.probability(near) > gate.probability(far)


@pytest.mark.slow
@pytest.mark.parametrize("question", [
    "What is the normal resting heart rate for adults?",
    "How is type 2 diabetes diagnosed?",
    "What vaccines does a newborn need?",
])
def test_a_medical_question_outside_spine_care_is_refused(seed_assistant: Assistant, question: str) -> None:
    ans = seed_assistant.ask(question)
    assert ans.abstained and ans.answer.startswith(ABSTAIN_MESSAGE) and not ans.citations


@pytest.mark.slow
@pytest.mark.parametrize("question", [
    "What is interventional spine medicine?",
    "How many patients were in the SI joint fusion trial?",
    "is the SI joint surgery safe?",
])
def test_a_question_the_documents_answer_passes_the_gate(seed_assistant: Assistant, question: str) -> None:
    assert not seed_assistant.ask(question).abstained


@pytest.mark.slow
def test_the_features_are_the_ones_the_answer_stage_decides_on(seed_assistant: Assistant) -> None:
    q, qvec, parts = seed_assistant.prepare("What is the normal resting heart rate for adults?")
    passages = seed_assistant.retriever.run(q, qvec)
    x = seed_assistant.generator.scope_features(q, qvec, passages, seed_assistant.index.catalog, parts)
    assert x.shape == (len(scope.FEATURES),) and np.all(np.isfinite(x))
    assert not scope.default_gate().in_scope(x)


@pytest.mark.slow
def test_the_support_threshold_alone_answers_what_the_gate_refuses(seed_settings) -> None:
    question = "How is type 2 diabetes diagnosed?"
    settings = seed_settings.model_copy(update={"answer": seed_settings.answer.model_copy(update={"scope": "support"})})
    assert Assistant(seed_settings).ask(question).abstained
    assert not Assistant(settings).ask(question).abstained
