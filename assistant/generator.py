"""Generators: the one interface every answer generator implements, and the registry that picks one by name."""

from __future__ import annotations

import importlib
from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from .records import Answer, Passage

if TYPE_CHECKING:
    from .index import Catalog
    from .settings import Settings


class Generator(ABC):
    """Turns a question and its passages into an answer whose [n] markers resolve to citations."""

    name = "base"

    @classmethod
    def from_settings(cls, settings: Settings) -> Generator:
        """The generator configured from the one settings object (its ``answer`` stage by default)."""
        return cls(settings.answer)  # type: ignore[call-arg]

    @abstractmethod
    def generate(self, question: str, qvec: np.ndarray, passages: Sequence[Passage], catalog: Catalog,
                 parts: Sequence[tuple[str, np.ndarray]] = ()) -> Answer:
        """The answer, or an abstention. ``parts``: the questions a question of several joins
        (``question_parts``), each with its vector, so that each part gets its answer."""


# The module that defines each built-in generator; importing it registers the generator. Imported by
# name when first asked for, so that no stage imports another in a circle and the CLI's cold start
# pays only for the generator it uses.
_BUILT_IN = {"extractive": "assistant.answer", "llm": "assistant.generate_llm"}
_GENERATORS: dict[str, type[Generator]] = {}


def register_generator(name: str, cls: type[Generator]) -> None:
    """Make a generator available by name."""
    _GENERATORS[name] = cls


def get_generator(name: str, settings: Settings) -> Generator:
    """A generator by name, configured from the caller's settings (never re-read from the environment)."""
    from .errors import InputError

    if name not in _GENERATORS and name in _BUILT_IN:
        importlib.import_module(_BUILT_IN[name])
    try:
        cls = _GENERATORS[name]
    except KeyError:
        known = sorted(set(_GENERATORS) | set(_BUILT_IN))
        raise InputError(f"Unknown answer generator '{name}'; choose one of: {', '.join(known)}.") from None
    return cls.from_settings(settings)
