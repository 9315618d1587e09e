"""From per-answer records to the suite's metrics and the per-tag breakdown."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from casebot.evals.metrics import mean, missing, percentile
from casebot.evals.records import CaseRecord
from casebot.evals.registry import K


@dataclass(frozen=True)
class Value:
    value: float | None  # None: nothing in this run to measure it on
    n: int


def _share(records: Sequence[CaseRecord], ok: Callable[[CaseRecord], bool]) -> Value:
    return Value(sum(1 for r in records if ok(r)) / len(records) if records else None, len(records))


def _mean_of(values: Sequence[float]) -> Value:
    return Value(mean(values), len(values))


def retrieval_metrics(records: Sequence[CaseRecord], system: str) -> dict[str, Value]:
    scores = [r.retrieval[system] for r in records if system in r.retrieval]
    return {
        f"evidence_recall_at_{K}": _mean_of([s.recall for s in scores]),
        f"evidence_entry_recall_at_{K}": _mean_of([s.entry_recall for s in scores]),
        "evidence_mrr": _mean_of([s.reciprocal_rank for s in scores]),
        f"evidence_ndcg_at_{K}": _mean_of([s.ndcg for s in scores]),
    }


def subject_metrics(records: Sequence[CaseRecord], system: str) -> dict[str, Value]:
    scored = [r for r in records if r.expected_scope is not None]
    coverage = [c for c in (r.coverage for r in scored) if c is not None]
    cited = [r for r in records if r.citation_checked]
    numbered = [r for r in records if r.numbers_checked]
    urgent = [r for r in records if r.expected_level == "urgent"]
    sensitive = [r for r in records if r.expected_level == "sensitive"]
    calm = [r for r in records if r.expected_level == "none"]
    categorised = [r for r in records if r.required_categories]
    readable = [r.reading_ease for r in records if r.reading_ease is not None]
    lengths = [float(r.words) for r in records if r.words is not None]
    latencies = [r.latency_ms for r in records]
    judged = [r.judged for r in records if r.judged is not None]
    values = {
        "key_fact_coverage": _mean_of(coverage),
        **retrieval_metrics(records, system),
        "citation_validity": _share(cited, lambda r: not r.citation_problems),
        "number_faithfulness": _share(numbered, lambda r: not r.unsupported_numbers),
        "scope_accuracy": _share(scored, lambda r: r.scope == r.expected_scope),
        "urgent_recall": _share(
            urgent,
            lambda r: r.safety_level == "urgent" and not missing(r.required_services, r.services),
        ),
        "sensitive_routing": _share(
            sensitive, lambda r: not missing(r.required_services, r.services)
        ),
        "false_urgent_rate": _share(calm, lambda r: r.safety_level == "urgent"),
        "category_recall": _share(
            categorised, lambda r: not missing(r.required_categories, r.categories)
        ),
        "reading_ease": _mean_of(readable),
        "answer_words": _mean_of(lengths),
        "latency_p50_ms": Value(percentile(latencies, 50), len(latencies)),
        "latency_p95_ms": Value(percentile(latencies, 95), len(latencies)),
    }
    if judged:
        values["judged_faithfulness"] = _mean_of([j["faithfulness"] for j in judged])
        values["judged_relevance"] = _mean_of([j["relevance"] for j in judged])
    return values


@dataclass(frozen=True)
class TagRow:
    tag: str
    cases: int
    failing: int
    coverage: float | None
    recall: float | None
    peer_recall: float | None


def by_tag(records: Sequence[CaseRecord], system: str, peer: str | None) -> list[TagRow]:
    groups: dict[str, list[CaseRecord]] = {}
    for record in records:
        for tag in record.tags or ["(untagged)"]:
            groups.setdefault(tag, []).append(record)
    rows = []
    for tag in sorted(groups):
        group = groups[tag]
        rows.append(
            TagRow(
                tag=tag,
                cases=len(group),
                failing=sum(1 for r in group if r.failed),
                coverage=mean([c for c in (r.coverage for r in group) if c is not None]),
                recall=mean([r.retrieval[system].recall for r in group if system in r.retrieval]),
                peer_recall=mean([r.retrieval[peer].recall for r in group if peer in r.retrieval])
                if peer
                else None,
            )
        )
    return rows
