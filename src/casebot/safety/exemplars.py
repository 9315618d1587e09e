"""The second signal: embedding similarity to curated exemplar messages.

Rules catch the phrasings we know; exemplars catch the paraphrases we did not list. The
signal is a nearest-neighbour vote: an urgent exemplar must be close to the message and
closer than every factual (none) exemplar, so a question about suicide figures is not
pulled up to urgent by shared vocabulary.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from casebot.embeddings import Embedder
from casebot.errors import PromptError
from casebot.safety.models import CATEGORIES, Level


class Exemplar(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=3)
    level: Level
    category: str | None = None


@dataclass(frozen=True)
class ExemplarVote:
    level: Level
    category: str | None
    similarity: float
    margin: float


class ExemplarIndex:
    def __init__(self, exemplars: list[Exemplar], vectors: np.ndarray[Any, Any]) -> None:
        self.exemplars = exemplars
        self.vectors = vectors
        self._levels = np.array([e.level for e in exemplars])

    @classmethod
    def build(cls, path: Path, embedder: Embedder) -> ExemplarIndex:
        exemplars = load_exemplars(path)
        return cls(exemplars, embedder.embed([e.text for e in exemplars]))

    def vote(self, vector: np.ndarray[Any, Any]) -> ExemplarVote:
        sims = self.vectors @ vector
        best = int(np.argmax(sims))
        others = sims[self._levels != self._levels[best]]
        runner_up = float(others.max()) if len(others) else 0.0
        exemplar = self.exemplars[best]
        return ExemplarVote(
            exemplar.level, exemplar.category, float(sims[best]), float(sims[best]) - runner_up
        )


def load_exemplars(path: Path) -> list[Exemplar]:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        items = [Exemplar.model_validate(e) for e in raw["exemplars"]]
    except (OSError, yaml.YAMLError, KeyError, TypeError, ValidationError) as exc:
        raise PromptError(f"{path}: invalid safety exemplars: {exc}") from exc
    for item in items:
        if item.level != "none" and item.category not in CATEGORIES:
            raise PromptError(f"{path}: exemplar {item.text!r} needs a known category")
    if not any(e.level == "urgent" for e in items) or not any(e.level == "none" for e in items):
        raise PromptError(f"{path}: needs both urgent and none exemplars")
    return items
