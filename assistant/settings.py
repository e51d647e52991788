"""All settings in one place, read from ASSISTANT_* environment variables.

Nested stages use a double underscore, e.g. ``ASSISTANT_RETRIEVE__TOP_K=8``. A few
common ones also have flat names documented in the README (``ASSISTANT_DATA_DIR``,
``ASSISTANT_CHROMA_HOST``, ``ASSISTANT_CHROMA_PORT``, ``ASSISTANT_GENERATOR`` and the
``ASSISTANT_LLM_*`` names). No other module reads ``os.environ``.

Settings come from keyword arguments and the environment only: no ``.env`` file, secrets
folder or command-line source is read, so the LLM API key can only come from the environment
(or from code that passes it).
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict


class _Stage(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class IngestSettings(_Stage):
    """Reading and chunking the corpus."""

    max_file_bytes: int = Field(20_000_000, gt=0, description="Files larger than this are refused.")
    chunk_max_chars: int = Field(700, ge=100, description="Upper bound on a chunk's length in characters.")
    chunk_overlap_sentences: int = Field(1, ge=0, le=3, description="Sentences repeated at the start of the next chunk.")
    batch_documents: int = Field(64, gt=0, description="Documents embedded and written per batch.")
    extensions: tuple[str, ...] = Field((".txt", ".md", ".html", ".htm", ".pdf"), description="File types read.")


class EmbedSettings(_Stage):
    """The sentence embedder."""

    backend: str = Field("minilm", description="Embedder by name: 'minilm' (bundled all-MiniLM-L6-v2) or 'minilm-int8' (the same, int8).")
    batch_size: int = Field(64, gt=0, description="Sentences per encode call.")
    max_seq_length: int = Field(256, gt=0, le=512, description="Token limit per text.")


class StoreSettings(_Stage):
    """The Chroma collection."""

    collection: str = Field("spine_qa", description="Chroma collection name (with a Chroma server, also the prefix "
                            "of its '_sentences' and '_docs' collections).")
    refresh_s: float = Field(2.0, ge=0.0, description="With a Chroma server: a request that starts this long after "
                             "another replica's ingest committed is answered from that commit or a newer one.")
    retire_after_s: float = Field(300.0, ge=0.0, description="With a Chroma server: how long a replaced or removed "
                                  "document's old version stays for replicas still answering from it.")
    lock_stale_s: float = Field(120.0, gt=0.0, description="With a Chroma server: an ingest lock not renewed for "
                                "this long (its holder died on another machine) may be taken over.")


class RetrieveSettings(_Stage):
    """Hybrid retrieval: dense, BM25, fusion and diversity."""

    top_k: int = Field(8, gt=0, le=50, description="Passages handed to the answer stage.")
    candidates: int = Field(24, gt=0, le=200, description="Hits taken from each of dense and BM25 before fusion.")
    rrf_k: int = Field(60, gt=0, description="Reciprocal-rank-fusion constant.")
    mmr_lambda: float = Field(0.75, ge=0.0, le=1.0, description="Relevance weight when diversifying (1 = no diversity).")


class AnswerSettings(_Stage):
    """Choosing, composing and refusing answers."""

    max_sentences: int = Field(
        3, gt=0, le=20, description="Most sentences in an extractive answer, the lead included; a list and the items "
        "that come with it count as one.")
    max_answer_chars: int = Field(
        450, gt=0, description="Length budget of an extractive answer's sentences (the lead always fits).")
    min_rank_probability: float = Field(
        0.05, ge=0.0, le=1.0, description="A sentence after the lead that the ranker finds less likely than this "
        "is left out.")
    follow_ratio: float = Field(
        0.2, ge=0.0, le=1.0, description="A sentence after the lead must be at least this likely relative to the lead.")
    ranker: Literal["trained", "none"] = Field(
        "trained", description="How answer sentences are ranked: the trained ranker, or the hand-weighted score alone.")
    min_support: float = Field(0.12, description="Support below which the assistant abstains; calibrated on eval/data (see README).")
    scope: Literal["learned", "support"] = Field(
        "learned", description="How out-of-scope questions are refused: the learned scope gate over support, "
        "similarity and term coverage (trained by train/scope.py), or the support threshold alone.")
    min_count_coverage: float = Field(
        0.15, ge=0.0, le=1.0, description="A count or share must come from a core sentence covering this much of "
        "the question's weighted terms, or the assistant abstains; set on the development sets (see README).")
    core_cutoff: float = Field(
        0.2, ge=0.0, description="A price or dose must be stated by a sentence scoring within this of the best.")
    duplicate_similarity: float = Field(0.88, gt=0.0, le=1.0, description="Cosine above which two sentences count as one.")
    max_question_chars: int = Field(2000, gt=0, description="Longer questions are refused.")


class LLMSettings(_Stage):
    """The optional OpenAI-compatible model endpoint."""

    base_url: str = Field("", description="OpenAI-compatible endpoint, e.g. http://127.0.0.1:11434/v1.")
    model: str = Field("", description="Model name on that endpoint (with gguf: the file's stem by default).")
    gguf: str = Field("", description="A GGUF model file, or 'smollm2' for the one 'make llm' installs: with no "
                      "base_url, the assistant starts llama.cpp's server for it on loopback.")
    threads: int = Field(0, ge=0, description="CPU threads of the local model server (0: llama.cpp's default).")
    context: int = Field(4096, ge=512, description="Context length, in tokens, of the local model server.")
    api_key: SecretStr = Field(SecretStr(""), description="API key; read only from the environment.")
    timeout_s: float = Field(60.0, gt=0, description="Request timeout in seconds.")


class ServeSettings(_Stage):
    """The chat page's server."""

    host: str = Field("127.0.0.1", description="Bind address; loopback unless told otherwise.")
    port: int = Field(7860, gt=0, lt=65536, description="Port for the chat page.")
    max_upload_bytes: int = Field(5_000_000, gt=0, description="Largest file the Library tab accepts.")


class Settings(BaseSettings):
    """Every tunable of the assistant, with defaults."""

    model_config = SettingsConfigDict(env_prefix="ASSISTANT_", env_nested_delimiter="__", extra="forbid")

    data_dir: Path = Field(Path(".assistant"), description="Folder holding the index and its state.")
    corpus_dir: Path = Field(Path("corpus"), description="Folder ingested when no path is given.")
    chroma_host: str = Field("", description="Chroma server host; empty means the embedded store in data_dir.")
    chroma_port: int = Field(8000, gt=0, lt=65536, description="Chroma server port.")
    generator: str = Field("extractive", description="Answer generator by name: 'extractive' or 'llm'.")
    ingest: IngestSettings = IngestSettings()
    embed: EmbedSettings = EmbedSettings()
    store: StoreSettings = StoreSettings()
    retrieve: RetrieveSettings = RetrieveSettings()
    answer: AnswerSettings = AnswerSettings()
    llm: LLMSettings = LLMSettings()
    serve: ServeSettings = ServeSettings()

    @property
    def store_backend(self) -> str:
        """'http' when a Chroma server is configured, else 'embedded'."""
        return "http" if self.chroma_host else "embedded"

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Keyword arguments, then the flat LLM names, then ``ASSISTANT_*`` variables; no files."""
        # pydantic-settings deep-merges the sources' dicts, so ASSISTANT_LLM_MODEL and
        # ASSISTANT_LLM__TIMEOUT_S both land in the one ``llm`` block. Leaving out the dotenv and
        # secrets-folder sources keeps the API key out of files.
        return init_settings, FlatLLMEnv(settings_cls), env_settings


FLAT_LLM_FIELDS = ("base_url", "model", "api_key", "gguf")


class FlatLLMEnv(PydanticBaseSettingsSource):
    """The documented flat names ``ASSISTANT_LLM_BASE_URL``, ``_MODEL``, ``_API_KEY`` and ``_GGUF``, as ``{"llm": {...}}``.

    They take precedence over the nested ``ASSISTANT_LLM__*`` spelling of the same field; other
    nested LLM variables (``ASSISTANT_LLM__TIMEOUT_S``) merge with them.
    """

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        """Unused: ``__call__`` reads the flat names directly."""
        return None, field_name, False

    def __call__(self) -> dict[str, Any]:
        # Case-insensitive, like the nested names (the settings are not case-sensitive).
        env = {k.lower(): v for k, v in os.environ.items()}
        llm = {f: env[f"assistant_llm_{f}"] for f in FLAT_LLM_FIELDS if f"assistant_llm_{f}" in env}
        return {"llm": llm} if llm else {}


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once from the environment."""
    return load_settings()


def load_settings(**overrides: object) -> Settings:
    """Fresh settings from the environment, with keyword overrides on top."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
    return Settings(**overrides)  # type: ignore[arg-type]
