"""What one scored answer leaves behind: the runner writes these, metrics and reports read them."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from casebot.evals.metrics import RetrievalScore


@dataclass
class CaseRecord:
    dataset: str
    kind: str  # qa | conversations | safety
    case_id: str  # a conversation turn is "<case id>#<turn number>"
    question: str
    history: list[tuple[str, str]]
    tags: list[str]
    answer: str
    scope: str
    grounded: bool
    citations: list[dict[str, Any]]
    safety_level: str
    categories: list[str]
    services: list[str]  # signpost ids the answer carried
    latency_ms: float
    expected_scope: str | None = None  # None: a safety case, scored on safety only
    expected_level: str | None = None
    required_services: list[str] = field(default_factory=list)
    required_categories: list[str] = field(default_factory=list)
    facts_total: int = 0
    facts_covered: int = 0
    retrieval: dict[str, RetrievalScore] = field(default_factory=dict)  # by system name
    citation_checked: bool = False
    citation_problems: list[str] = field(default_factory=list)
    numbers_checked: bool = False
    unsupported_numbers: list[str] = field(default_factory=list)
    reading_ease: float | None = None
    words: int | None = None
    judged: dict[str, float] | None = None
    problems: list[str] = field(default_factory=list)

    @property
    def coverage(self) -> float | None:
        if self.expected_scope != "in_scope" or not self.facts_total:
            return None
        return self.facts_covered / self.facts_total

    @property
    def failed(self) -> bool:
        return bool(self.problems)

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["history"] = [list(turn) for turn in self.history]
        data["coverage"] = self.coverage
        return data
