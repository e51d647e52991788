"""The int8 embedder (``minilm-int8``): built offline from the bundled weights, close to float32, and what
happens to an index when the embedder's name changes: the state records each document's embedder, an
index refuses questions under another one, and a partial ingest under another one is refused."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from fixtures.small_corpus import SMALL

from assistant.embed import Embedder, get_embedder
from assistant.errors import StoreError
from assistant.index import read_state
from assistant.ingest import ingest
from assistant.settings import EmbedSettings, Settings, load_settings

pytestmark = pytest.mark.slow

SENTENCES = [
    "What is radiofrequency neurotomy?",
    "Facet joint injections place a small dose of anaesthetic into the joints of the spine.",
    "Ünïcödé, emoji 🙂 and numbers: 12.5% of 1,204 patients (p < 0.05).",
    "Low back pain is the leading cause of disability worldwide.",
    "Request a consultation today and join thousands of patients living pain-free!",
    "I think most people with back pain get better on their own within a few weeks.",
]
EDGES = ["", "long " * 400]  # an empty text becomes "."; a long one is cut at the token limit


def _int8() -> Embedder:
    return get_embedder(EmbedSettings(backend="minilm-int8"))


def test_int8_loads_offline_and_gives_unit_float32_vectors(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    emb = _int8()
    assert emb.name == "minilm-int8" and emb.dim == 384
    assert emb.model.packed, "no layer was quantized"
    vecs = emb.embed(SENTENCES + EDGES)
    assert vecs.shape == (len(SENTENCES) + len(EDGES), 384) and vecs.dtype == np.float32
    assert np.isfinite(vecs).all()
    assert np.allclose(np.linalg.norm(vecs, axis=1), 1.0, atol=1e-5)


def test_int8_agrees_with_float32() -> None:
    # Measured on this machine (AVX2, no VNNI): 0.989-0.993 for these sentences, 0.976 for "." and
    # 0.965 for the long text (0.986 when it is embedded alone). The bounds leave room for another CPU.
    fp32 = get_embedder(EmbedSettings()).embed(SENTENCES + EDGES)
    int8 = _int8().embed(SENTENCES + EDGES)
    cos = (fp32 * int8).sum(1)
    print("cosine fp32 vs int8:", np.round(cos, 4))
    assert cos[: len(SENTENCES)].min() > 0.97
    assert cos[: len(SENTENCES)].mean() > 0.985
    assert cos.min() > 0.93


def test_an_int8_vector_depends_only_a_little_on_its_batch() -> None:
    # The kernel takes one activation scale per batch, so a text's vector moves a little with its
    # batch-mates. Measured: 0.989-0.993 for these sentences, 0.969 for ".", and 0.981 at worst over
    # 120 PubMedQA sentences. Same batch, same vector.
    emb = _int8()
    batch = emb.embed(SENTENCES + EDGES)
    alone = np.vstack([emb.embed_one(t) for t in SENTENCES + EDGES])
    cos = (batch * alone).sum(1)
    print("cosine batch vs alone:", np.round(cos, 4))
    assert cos[: len(SENTENCES)].min() > 0.98
    assert cos.min() > 0.94
    assert np.array_equal(emb.embed(SENTENCES + EDGES), batch)


def _settings(tmp_path: Path, backend: str) -> Settings:
    return load_settings(data_dir=tmp_path / "data", embed=EmbedSettings(backend=backend))


def _stored(settings: Settings) -> dict[str, tuple[list[str], np.ndarray]]:
    """Each live document's sentences and the sentence vectors ingest stored for them."""
    data = Path(settings.data_dir)
    out = {}
    for doc_id, entry in read_state(data)["docs"].items():
        record = json.loads((data / f"{entry['artefact']}.json").read_text(encoding="utf-8"))
        out[doc_id] = ([s[2] for s in record["sentences"]], np.load(data / f"{entry['artefact']}.npy"))
    return out


def test_switching_the_embedder_re_embeds_every_document(tmp_path: Path, small_corpus: Path) -> None:
    docs = sorted(Path(n).stem for n in SMALL)
    fp32, int8 = _settings(tmp_path, "minilm"), _settings(tmp_path, "minilm-int8")
    assert sorted(ingest([small_corpus], fp32, progress=False).added) == docs
    before = _stored(fp32)

    report = ingest([small_corpus], int8, progress=False)
    assert sorted(report.updated) == docs and report.unchanged == []
    after = _stored(int8)
    for doc in docs:
        texts, vecs = after[doc]
        assert texts == before[doc][0]
        # int8 vectors now: close to these texts' int8 vectors (not equal: ingest batches them with other
        # texts, and an int8 vector moves a little with its batch), and no longer the float32 ones.
        cos = (vecs * _int8().embed(texts)).sum(1)
        assert cos.min() > 0.94 and cos.mean() > 0.98
        assert np.abs(vecs - before[doc][1]).max() > 1e-2

    back = ingest([small_corpus], fp32, progress=False)
    assert sorted(back.updated) == docs
    for doc in docs:
        assert np.abs(_stored(fp32)[doc][1] - before[doc][1]).max() < 1e-5


def test_an_index_refuses_questions_embedded_by_another_embedder(tmp_path: Path, small_corpus: Path) -> None:
    from assistant.pipeline import Assistant

    ingest([small_corpus], _settings(tmp_path, "minilm"), progress=False)
    with pytest.raises(StoreError, match="minilm"):
        Assistant(_settings(tmp_path, "minilm-int8")).ask("What is radiofrequency neurotomy?")


def test_a_partial_ingest_with_another_embedder_does_not_mix_vectors(tmp_path: Path, small_corpus: Path) -> None:
    ingest([small_corpus], _settings(tmp_path, "minilm"), progress=False)
    try:
        report = ingest([small_corpus / SMALL[0]], _settings(tmp_path, "minilm-int8"), progress=False)
    except StoreError:
        return  # refusing is fine
    assert sorted(report.updated) == sorted(Path(n).stem for n in SMALL)  # so is re-embedding everything
