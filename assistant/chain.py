"""The pipeline for people who build with LangChain: a retriever and an LCEL chain (retriever | answer).

``Assistant.as_retriever()`` returns a ``BaseRetriever`` whose documents are the retrieved passages:
``page_content`` is the file's text at ``metadata["start"]:metadata["end"]``, and the metadata carries
``doc_id``, ``label`` (the passage's label, from its sentences'), ``score`` (fused relevance), ``chunk_id``,
``title`` and ``publisher``. ``Assistant.as_chain()`` composes that retriever with the answer stage, so
``as_chain().invoke(q)`` gives the same ``Answer`` as ``ask(q)``. This module is imported only when one of
the two is asked for, so LangChain stays out of the command line's start-up.
"""

from __future__ import annotations

from typing import Any

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from langchain_core.runnables import Runnable, RunnableLambda, RunnableParallel, RunnablePassthrough
from pydantic import ConfigDict

from .label import combine
from .records import Answer, Passage
from .retrieve import _chunk


def _document(p: Passage, catalog: Any) -> Document:
    d = catalog.docs[catalog.doc_index[p.chunk.doc_id]]
    first = d["sent_lo"] + p.chunk.sentences[0]
    labels = catalog.s_label[first:d["sent_lo"] + p.chunk.sentences[1]]
    label = combine(labels, [1.0] * len(labels)) if labels else None
    meta = d.get("meta") or {}
    return Document(page_content=p.chunk.text, metadata={
        "doc_id": p.chunk.doc_id, "start": p.chunk.start, "end": p.chunk.end, "label": label,
        "score": p.score, "chunk_id": p.chunk.id, "title": str(meta.get("title") or p.chunk.doc_id),
        "publisher": str(meta.get("publisher") or ""), "dense_rank": p.dense_rank, "bm25_rank": p.bm25_rank})


class SpineQARetriever(BaseRetriever):
    """The assistant's hybrid retrieval (dense + BM25, fused, diversified) as a LangChain retriever."""

    model_config = ConfigDict(arbitrary_types_allowed=True)
    assistant: Any  # the pipeline.Assistant it retrieves for
    k: int | None = None  # passages returned; None: the assistant's setting (8)

    def _get_relevant_documents(self, query: str, *, run_manager: CallbackManagerForRetrieverRun,
                                k: int | None = None) -> list[Document]:
        a = self.assistant
        q, qvec, _ = a.prepare(query)
        catalog = a.index.catalog
        return [_document(p, catalog) for p in a.retriever.run(q, qvec, top_k=k or self.k)]


def passages_from(documents: list[Document], catalog: Any) -> list[Passage]:
    """The retriever's documents back as the passages the answer stage reads (by chunk id)."""
    out = []
    for doc in documents:
        m = doc.metadata
        out.append(Passage(chunk=_chunk(catalog, catalog.chunk_index[m["chunk_id"]]), score=float(m["score"]),
                           dense_rank=m.get("dense_rank"), bm25_rank=m.get("bm25_rank")))
    return out


def answer_chain(assistant: Any) -> Runnable:
    """``{question, documents: retriever} | answer``: a question in, the cited, labelled Answer out."""

    def answer(inputs: dict[str, Any]) -> Answer:
        # Chunk ids name a document version, so a passage whose id the live index still holds is the same
        # text there. When another replica's commit has replaced one between the two steps, the question is
        # answered afresh from the live index rather than from a mix of two.
        index = assistant.index
        held = index.catalog.chunk_index
        if all(doc.metadata.get("chunk_id") in held for doc in inputs["documents"]):
            return assistant.answer_passages(inputs["question"], passages_from(inputs["documents"], index.catalog),
                                             index=index)
        return assistant.ask(inputs["question"])

    return (RunnableParallel(question=RunnablePassthrough(), documents=SpineQARetriever(assistant=assistant))
            | RunnableLambda(answer, name="spine_qa_answer")).with_config(run_name="spine_qa")
