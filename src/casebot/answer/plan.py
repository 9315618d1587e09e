"""What an answer is drafted from: a message after its safety assessment (Assessed), and a
question that passed the gate (Plan).

These live apart from pipeline.py so the composers (composer.py), which the pipeline
calls, can take a Plan without importing the pipeline back.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from casebot.answer.strategies import Strategy, strategy_for
from casebot.answer.timing import Stopwatch
from casebot.config import Mode
from casebot.index.version import LoadedIndex
from casebot.retrieval.hybrid import SearchResult
from casebot.safety.models import SafetyAssessment

History = Sequence[tuple[str, str]]


@dataclass(frozen=True)
class Embedded:
    """A message's one embedding pass: the assessor's texts (the message first, then its
    sentences and earlier turns) and, when it is not the message itself, the search query
    (the follow-up resolved, spelling repaired)."""

    units: Any  # rows for the assessor's texts, or None when nothing could be embedded
    query: str | None  # the search query; None without an index
    query_vector: Any  # the query's row, or None
    readings: tuple[Any, ...] = ()  # rows for the question's other reading (followup.py)


@dataclass(frozen=True)
class Assessed:
    """A message after the safety assessment, the first stage of every answer."""

    message: str
    history: History
    safety: SafetyAssessment
    embedded: Embedded  # the message's one embedding pass (safety's texts, the query)
    mode: Mode
    watch: Stopwatch  # how long each stage took (the API's metrics)


@dataclass(frozen=True)
class Plan:
    """A question that passed the gate: what its answer is drafted from, and in which mode."""

    assessed: Assessed
    result: SearchResult
    index: LoadedIndex
    mode: Mode
    question_type: str | None = None

    @property
    def strategy(self) -> Strategy:
        return strategy_for(self.question_type)
