"""The records passed between pipeline stages. Small, frozen, and plain."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

Label = Literal["evidence", "opinion", "marketing"]
LABELS: tuple[Label, ...] = ("evidence", "opinion", "marketing")


@dataclass(frozen=True)
class Span:
    """A sentence of a document: ``document.text[start:end] == text``."""

    start: int
    end: int
    text: str
    clean: str  # the same words with markup removed and whitespace collapsed


@dataclass(frozen=True)
class Chunk:
    """A run of consecutive sentences that is embedded and retrieved as one passage."""

    id: str
    doc_id: str
    start: int
    end: int
    text: str
    sentences: tuple[int, int]  # [first, last) sentence indexes within the document


@dataclass(frozen=True)
class Document:
    """One parsed source file with its sentences and chunks."""

    doc_id: str
    path: str
    sha256: str
    text: str
    encoding: str
    meta: dict[str, Any]
    sentences: tuple[Span, ...]
    chunks: tuple[Chunk, ...]

    @property
    def title(self) -> str:
        return str(self.meta.get("title") or self.doc_id)

    @property
    def publisher(self) -> str:
        return str(self.meta.get("publisher") or "")


@dataclass(frozen=True)
class LabelResult:
    """A label with the plain-language reasons (cues) that produced it."""

    label: Label
    reasons: tuple[str, ...] = ()
    scores: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Passage:
    """A retrieved chunk with its fused relevance score."""

    chunk: Chunk
    score: float
    dense_rank: int | None = None
    bm25_rank: int | None = None


@dataclass(frozen=True)
class Citation:
    """A cited span of an original file; ``text`` equals the file's text at [start, end)."""

    n: int
    doc_id: str
    title: str
    publisher: str
    label: Label
    text: str
    start: int
    end: int
    score: float
    card_id: str = ""
    reasons: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        out["reasons"] = list(self.reasons)
        return out


@dataclass(frozen=True)
class ShortAnswer:
    """The exact phrase of the lead sentence that answers a factoid question: file text at [start, end)."""

    text: str
    doc_id: str
    start: int
    end: int
    n: int = 1  # the citation it comes from

    def to_json(self) -> dict[str, Any]:
        return {"text": self.text, "doc_id": self.doc_id, "start": self.start, "end": self.end, "n": self.n}


@dataclass(frozen=True)
class Answer:
    """What the assistant says, with every [n] marker resolving to a citation."""

    question: str
    answer: str
    label: Label | None
    abstained: bool
    citations: tuple[Citation, ...] = ()
    label_reason: str = ""
    support: float = 0.0
    removed: tuple[dict[str, str], ...] = ()
    generator: str = "extractive"
    short_answer: ShortAnswer | None = None
    personal_advice: bool = False
    corroboration: Any = None  # corroborate.Corroboration: who else states the lead claim (None when abstaining)

    def to_json(self) -> dict[str, Any]:
        """The stable CLI contract."""
        return {
            "question": self.question,
            "answer": self.answer,
            "label": self.label,
            "abstained": self.abstained,
            "citations": [c.to_json() for c in self.citations],
            "label_reason": self.label_reason,
            "support": round(self.support, 4),
            "removed": list(self.removed),
            "generator": self.generator,
            "short_answer": self.short_answer.to_json() if self.short_answer else None,
            "personal_advice": self.personal_advice,
            "corroboration": self.corroboration.to_json() if self.corroboration is not None else None,
        }
