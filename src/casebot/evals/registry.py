"""Every metric the suite reports: its name, which way is better, and how it is gated."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

K = 5  # casebot's retrieval depth for recall@k and nDCG@k

Better = Literal["higher", "lower"]


@dataclass(frozen=True)
class MetricSpec:
    name: str
    better: Better | None  # None: descriptive only, never gated
    fraction: bool  # on a 0..1 scale: tolerance is absolute, else relative to the baseline
    regression: bool  # compared with the baseline (latency is not: machines differ)
    peer: bool  # the vanilla peer has a value too
    description: str


METRICS: tuple[MetricSpec, ...] = (
    MetricSpec(
        "key_fact_coverage",
        "higher",
        True,
        True,
        False,
        "mean share of must_include facts stated, over in-scope cases",
    ),
    MetricSpec(
        f"evidence_recall_at_{K}",
        "higher",
        True,
        True,
        True,
        f"share of questions with a relevant chunk (one matching any evidence entry) "
        f"in the top {K}",
    ),
    MetricSpec(
        f"evidence_entry_recall_at_{K}",
        "higher",
        True,
        True,
        True,
        f"mean share of a question's evidence entries matched by its top-{K} chunks",
    ),
    MetricSpec(
        "evidence_mrr",
        "higher",
        True,
        True,
        True,
        "mean reciprocal rank of the first relevant chunk",
    ),
    MetricSpec(
        f"evidence_ndcg_at_{K}",
        "higher",
        True,
        True,
        True,
        f"binary nDCG@{K}; ideal = all relevant chunks of the corpus first",
    ),
    MetricSpec(
        "citation_validity",
        "higher",
        True,
        True,
        False,
        "share of grounded answers whose markers, quotes and pages all check out",
    ),
    MetricSpec(
        "number_faithfulness",
        "higher",
        True,
        True,
        False,
        "share of grounded answers with numbers whose every number is in a cited chunk",
    ),
    MetricSpec(
        "scope_accuracy",
        "higher",
        True,
        True,
        False,
        "share of qa cases and turns answered in the expected scope",
    ),
    MetricSpec(
        "urgent_recall",
        "higher",
        True,
        True,
        False,
        "urgent cases judged urgent with every required service",
    ),
    MetricSpec(
        "sensitive_routing",
        "higher",
        True,
        True,
        False,
        "sensitive cases with every required service",
    ),
    MetricSpec(
        "false_urgent_rate", "lower", True, True, False, "share of none cases judged urgent"
    ),
    MetricSpec(
        "category_recall",
        "higher",
        True,
        True,
        False,
        "safety cases whose required categories were all detected",
    ),
    MetricSpec(
        "reading_ease", "higher", False, True, False, "mean Flesch reading ease of grounded answers"
    ),
    MetricSpec(
        "answer_words", None, False, False, False, "mean length of grounded answers in words"
    ),
    MetricSpec("latency_p50_ms", "lower", False, False, False, "median time per answer"),
    MetricSpec("latency_p95_ms", "lower", False, False, False, "95th percentile time per answer"),
    MetricSpec(
        "judged_faithfulness",
        "higher",
        True,
        True,
        False,
        "judge's mean faithfulness of grounded answers to their citations (--judged)",
    ),
    MetricSpec(
        "judged_relevance",
        "higher",
        True,
        True,
        False,
        "judge's mean relevance of grounded answers to the question (--judged)",
    ),
)

BY_NAME: dict[str, MetricSpec] = {m.name: m for m in METRICS}

# The goal for the shipped corpus and pipeline; --fail-under overrides one at a time.
DEFAULT_FLOORS: dict[str, float] = {
    "key_fact_coverage": 0.85,
    f"evidence_recall_at_{K}": 0.90,
    "citation_validity": 1.0,
    "number_faithfulness": 1.0,
    "scope_accuracy": 0.95,
    "urgent_recall": 1.0,
    "sensitive_routing": 0.95,
    "false_urgent_rate": 0.03,
}
