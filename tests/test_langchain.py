"""The pipeline for LangChain users: the retriever passes LangChain's own retriever tests, and the LCEL chain
(retriever | answer) gives the same Answer as ``ask``."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

import pytest
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from langchain_tests.integration_tests import RetrieversIntegrationTests

from assistant.chain import SpineQARetriever

ROOT = Path(__file__).resolve().parents[1]
QUESTIONS = ["What is a discectomy?", "Can pain physicians safely do SI joint fusion?",
             "How long can facet joint injections relieve neck pain?", "Who won the 2022 FIFA World Cup?"]


class TestSpineQARetrieverContract(RetrieversIntegrationTests):
    """LangChain's standard retriever tests: invoke, ainvoke, k in the constructor and per call."""

    assistant = None

    @pytest.fixture(autouse=True)
    def _assistant(self, seed_assistant) -> None:
        type(self).assistant = seed_assistant

    @property
    def retriever_constructor(self) -> type[BaseRetriever]:
        return SpineQARetriever

    @property
    def retriever_constructor_params(self) -> dict:
        return {"assistant": type(self).assistant}

    @property
    def retriever_query_example(self) -> str:
        return "What is radiofrequency neurotomy?"


def test_each_document_is_the_files_text_at_its_offsets_with_label_and_score(seed_assistant) -> None:
    docs = seed_assistant.as_retriever().invoke("What is radiofrequency neurotomy?")
    assert len(docs) == seed_assistant.settings.retrieve.top_k
    for d in docs:
        m = d.metadata
        text = (ROOT / "corpus" / f"{m['doc_id']}.txt").read_text(encoding="utf-8")
        assert d.page_content == text[m["start"]:m["end"]]
        assert m["label"] in {"evidence", "opinion", "marketing"} and m["score"] > 0
    assert [d.metadata["score"] for d in docs] != [] and "neurotomy" in docs[0].page_content.lower()


def test_batch_and_ainvoke_give_what_invoke_gives(seed_assistant) -> None:
    r = seed_assistant.as_retriever(k=3)
    one = [r.invoke(q) for q in QUESTIONS[:3]]
    assert r.batch(QUESTIONS[:3]) == one
    assert asyncio.run(r.ainvoke(QUESTIONS[0])) == one[0]
    assert all(isinstance(d, Document) and len(ds) == 3 for ds in one for d in ds)


@pytest.mark.parametrize("question", QUESTIONS)
def test_the_chain_gives_the_same_answer_as_ask(seed_assistant, question: str) -> None:
    chain = seed_assistant.as_chain()
    assert chain.invoke(question) == seed_assistant.ask(question)
    assert chain.invoke(question).to_json() == seed_assistant.ask(question).to_json()


def test_the_chain_is_retriever_then_answer_not_one_wrapped_call(seed_assistant) -> None:
    steps = seed_assistant.as_chain().bound.steps if hasattr(seed_assistant.as_chain(), "bound") else (
        seed_assistant.as_chain().steps)
    assert len(steps) == 2
    assert any(isinstance(r, SpineQARetriever) for r in steps[0].steps__.values())
    assert steps[1].name == "spine_qa_answer"


def test_passages_another_commit_replaced_between_the_steps_are_answered_afresh_not_mixed(seed_assistant) -> None:
    """A chunk id names its document's version: one the live index no longer holds (another replica's
    commit replaced it after the retriever step) sends the answer step back to the live index."""
    question = QUESTIONS[0]
    answer_step = seed_assistant.as_chain().bound.steps[1]
    documents = seed_assistant.as_retriever().invoke(question)
    gone = documents[0].model_copy(update={"metadata": {**documents[0].metadata, "chunk_id": "gone:0ld:0000"}})
    assert answer_step.invoke({"question": question, "documents": documents}) == seed_assistant.ask(question)
    assert answer_step.invoke({"question": question, "documents": [gone, *documents[1:]]}) == (
        seed_assistant.ask(question))


def test_bad_input_to_the_retriever_is_the_same_clear_error_as_ask(seed_assistant) -> None:
    from assistant.errors import InputError

    with pytest.raises(InputError, match="empty"):
        seed_assistant.as_retriever().invoke("   ")


def test_the_command_line_does_not_import_langchain_to_answer(seed_settings) -> None:
    code = ("import sys; from assistant.pipeline import Assistant; from assistant.settings import load_settings; "
            f"a = Assistant(load_settings(data_dir={str(seed_settings.data_dir)!r})); a.ask('What is a discectomy?'); "
            "print(sorted(m for m in sys.modules if m.startswith('langchain')))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300,
                         env={"HF_HUB_OFFLINE": "1", "PATH": "/usr/bin:/bin"})
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"
