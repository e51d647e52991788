"""all-MiniLM-L6-v2 in a few lines of torch: the bundled weights and tokenizer, no transformers.

sentence-transformers pulls in transformers, scikit-learn and scipy, which cost about four times
as much CPU to import as torch itself; a cold ``assistant ask`` spent most of its time there. The
model is a 6-layer BERT with mean pooling, small enough to write out, and it gives the same
vectors as sentence-transformers (tests/test_minilm.py checks this against the real thing).

``int8=True`` runs the encoder's 36 linear layers in int8 instead (torch's dynamically quantized
linear kernel: weights quantized once at load, activations per call), built from the same weights
in memory. Its vectors are close to the float32 ones, not equal; the README's "Speed and scale"
section has the measured difference and speed.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import Any

import numpy as np


class MiniLM:
    """Tokenizer, BERT encoder and mean pooling for a sentence-transformers BERT folder."""

    def __init__(self, folder: Path, max_seq_length: int = 256, int8: bool = False) -> None:
        import torch
        from safetensors.torch import load_file
        from tokenizers import Tokenizer

        cfg = json.loads((folder / "config.json").read_text())
        if cfg.get("model_type") != "bert" or cfg.get("hidden_act") != "gelu":
            raise ValueError(f"{folder} is not a BERT model with GELU this loader understands")
        self.torch = torch
        self.heads = int(cfg["num_attention_heads"])
        self.layers = int(cfg["num_hidden_layers"])
        self.eps = float(cfg["layer_norm_eps"])
        self.w: dict[str, Any] = load_file(str(folder / "model.safetensors"))
        self.tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self.tokenizer.enable_truncation(max_length=min(max_seq_length, int(cfg["max_position_embeddings"])))
        self.tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")  # pad to the longest text in a batch
        self.packed: dict[str, Any] = self._pack_int8() if int8 else {}

    def _pack_int8(self) -> dict[str, Any]:
        """The encoder's linear weights quantized to int8, one scale per output row, packed for the kernel."""
        torch = self.torch
        packed = {}
        # Quantized tensors are deprecated in favour of torchao, which is not a dependency; torch is
        # pinned, so the warning would only be noise on every start.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            warnings.simplefilter("ignore", DeprecationWarning)
            for key, w in self.w.items():
                if key.startswith("encoder.") and key.endswith(".weight") and w.dim() == 2:
                    name = key.removesuffix(".weight")
                    # Per row, not one scale per matrix: a few rows with large weights made a single
                    # scale crush the rest (mean cosine to float32 0.95 instead of 0.99).
                    scale = (w.abs().amax(dim=1) / 127).clamp(min=1e-8)
                    ints = torch.round(w / scale[:, None]).clamp(-127, 127).to(torch.int8)
                    # Rounded here rather than by torch.quantize_per_channel, which took 0.3-0.5 s for the
                    # 36 matrices at every start against 0.03 s.
                    q = torch._make_per_channel_quantized_tensor(ints, scale.double(),
                                                                 torch.zeros(len(scale), dtype=torch.long), 0)
                    packed[name] = torch.ops.quantized.linear_prepack(q, self.w[f"{name}.bias"])
        for name in packed:  # the kernel holds its own copy of weight and bias
            del self.w[f"{name}.weight"], self.w[f"{name}.bias"]
        return packed

    def _ln(self, x: Any, name: str) -> Any:
        return self.torch.nn.functional.layer_norm(x, x.shape[-1:], self.w[f"{name}.weight"], self.w[f"{name}.bias"],
                                                   self.eps)

    def _dense(self, x: Any, name: str) -> Any:
        if self.packed:
            # reduce_range=False: all 8 bits for the activations. torch's quantized Linear keeps 7 to rule out
            # int16 saturation on CPUs without VNNI, but on this AVX2-only CPU that cost more agreement with
            # float32 (mean cosine 0.978 against 0.992 on 163 PubMedQA texts) than saturation did. The kernel
            # takes one activation scale for the whole batch, so a text's vector depends a little on its
            # batch-mates; one call per text would avoid that but made batches ten times slower.
            return self.torch.ops.quantized.linear_dynamic(x, self.packed[name], reduce_range=False)
        return self.torch.nn.functional.linear(x, self.w[f"{name}.weight"], self.w[f"{name}.bias"])

    def token_counts(self, texts: list[str]) -> list[int]:
        """How many tokens (after truncation) each text becomes."""
        return [sum(e.attention_mask) for e in self.tokenizer.encode_batch(texts)]

    def encode(self, texts: list[str]) -> np.ndarray:
        """Mean-pooled, L2-normalised vectors for one batch of texts."""
        torch, f, w = self.torch, self.torch.nn.functional, self.w
        enc = self.tokenizer.encode_batch(texts)
        ids = torch.tensor([e.ids for e in enc], dtype=torch.long)
        types = torch.tensor([e.type_ids for e in enc], dtype=torch.long)
        mask = torch.tensor([e.attention_mask for e in enc], dtype=torch.float32)
        with torch.inference_mode():
            pos = torch.arange(ids.shape[1])
            x = (w["embeddings.word_embeddings.weight"][ids] + w["embeddings.position_embeddings.weight"][pos]
                 + w["embeddings.token_type_embeddings.weight"][types])
            x = self._ln(x, "embeddings.LayerNorm")
            b, n, d = x.shape
            bias = ((1.0 - mask) * torch.finfo(torch.float32).min)[:, None, None, :]
            for i in range(self.layers):
                p = f"encoder.layer.{i}"
                q, k, v = (self._dense(x, f"{p}.attention.self.{m}").view(b, n, self.heads, -1).transpose(1, 2)
                           for m in ("query", "key", "value"))
                att = f.scaled_dot_product_attention(q, k, v, attn_mask=bias).transpose(1, 2).reshape(b, n, d)
                x = self._ln(self._dense(att, f"{p}.attention.output.dense") + x, f"{p}.attention.output.LayerNorm")
                h = f.gelu(self._dense(x, f"{p}.intermediate.dense"))
                x = self._ln(self._dense(h, f"{p}.output.dense") + x, f"{p}.output.LayerNorm")
            pooled = (x * mask[:, :, None]).sum(1) / mask.sum(1, keepdim=True).clamp(min=1e-9)
            return f.normalize(pooled, dim=1).numpy()
