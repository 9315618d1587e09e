"""Per-answer scoring: deterministic, pure, and blind to which system produced the answer."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from casebot.answer.models import Citation
from casebot.evals.dataset import Evidence, Facts
from casebot.text import numbers_in

_MARKER = re.compile(r"\[(\d+)\]")


@dataclass(frozen=True)
class Passage:
    """A retrieved chunk as the metrics see it, from casebot's index or the peer's."""

    chunk_id: str
    doc_id: str
    text: str
    page: int | None = None


@dataclass(frozen=True)
class RetrievalScore:
    recall: float  # 1.0 when a top-k chunk is relevant (matches any evidence entry), else 0.0
    entry_recall: float  # share of the evidence entries some top-k chunk matches
    reciprocal_rank: float
    ndcg: float
    retrieved: tuple[str, ...]  # chunk ids, best first
    missed: tuple[int, ...]  # indices of evidence entries no retrieved chunk matched


def strip_markers(text: str) -> str:
    return _MARKER.sub("", text)


def evidence_hits(
    passage: Passage, evidence: Sequence[Evidence], use_page: bool = True
) -> frozenset[int]:
    """Indices of the evidence entries this passage satisfies (empty: not relevant)."""
    return frozenset(
        i
        for i, entry in enumerate(evidence)
        if entry.matches(passage.doc_id, passage.text, passage.page, use_page)
    )


def count_relevant(
    corpus: Sequence[Passage], evidence: Sequence[Evidence], use_page: bool = True
) -> int:
    return sum(1 for p in corpus if evidence_hits(p, evidence, use_page))


def score_retrieval(
    ranked: Sequence[Passage],
    evidence: Sequence[Evidence],
    k: int,
    relevant_in_corpus: int,
    use_page: bool = True,
) -> RetrievalScore:
    """Recall@k, MRR@k and binary nDCG@k, with relevance decided by the evidence entries.

    A chunk is relevant when it matches any entry (entries are alternatives: the same fact
    may be stated in the report and in a context document), so recall@k is whether a
    relevant chunk made the top k. entry_recall is stricter: the share of entries matched.
    nDCG's ideal ranking puts every relevant chunk of the corpus first, capped at k.
    """
    top = list(ranked)[:k]
    hits = [evidence_hits(p, evidence, use_page) for p in top]
    found = frozenset().union(*hits) if hits else frozenset()
    first = next((rank for rank, h in enumerate(hits, start=1) if h), None)
    reciprocal_rank = 1.0 / first if first else 0.0
    dcg = sum(1.0 / math.log2(rank + 1) for rank, h in enumerate(hits, start=1) if h)
    ideal_n = min(k, max(relevant_in_corpus, sum(1 for h in hits if h)))
    idcg = sum(1.0 / math.log2(rank + 1) for rank in range(1, ideal_n + 1))
    return RetrievalScore(
        recall=1.0 if first else 0.0,
        entry_recall=len(found) / len(evidence) if evidence else 0.0,
        reciprocal_rank=reciprocal_rank,
        ndcg=dcg / idcg if idcg else 0.0,
        retrieved=tuple(p.chunk_id for p in top),
        missed=tuple(i for i in range(len(evidence)) if i not in found),
    )


def fact_coverage(answer: str, facts: Facts) -> tuple[int, list[list[str]]]:
    """How many facts the answer states (any alternative matches) and which are missing."""
    covered = 0
    missing = []
    for alternatives in facts:
        if any(re.search(p, answer, re.IGNORECASE) for p in alternatives):
            covered += 1
        else:
            missing.append(alternatives)
    return covered, missing


def citation_problems(
    answer: str,
    citations: Sequence[Citation],
    chunks: Mapping[str, Passage],
    doc_pages: Mapping[str, frozenset[int]],
    grounded: bool,
) -> list[str]:
    """Empty when every marker resolves, every quote is verbatim and every page exists."""
    problems = []
    numbers = {c.n for c in citations}
    for n in sorted({int(m) for m in _MARKER.findall(answer)} - numbers):
        problems.append(f"[{n}] has no citation")
    if grounded and not citations:
        problems.append("answer has no citations")
    for c in citations:
        chunk = chunks.get(c.chunk_id)
        if chunk is None:
            problems.append(f"[{c.n}] cites unknown chunk {c.chunk_id}")
            continue
        if chunk.doc_id != c.doc_id:
            problems.append(f"[{c.n}] names {c.doc_id} but its chunk is in {chunk.doc_id}")
        if not c.quote.strip() or c.quote not in chunk.text:
            problems.append(f"[{c.n}] quote is not verbatim in its chunk")
        if c.page is not None and c.page not in doc_pages.get(c.doc_id, frozenset()):
            problems.append(f"[{c.n}] page {c.page} is not a page of {c.doc_id}")
    return problems


def unsupported_numbers(answer: str, cited_texts: Sequence[str]) -> list[str]:
    """Numbers in the answer that no cited chunk contains (markers are not numbers)."""
    available = {n for text in cited_texts for n in numbers_in(text)}
    seen: list[str] = []
    for n in numbers_in(strip_markers(answer)):
        if n not in available and n not in seen:
            seen.append(n)
    return seen


def has_numbers(answer: str) -> bool:
    return bool(numbers_in(strip_markers(answer)))


def missing(required: Sequence[str], given: Sequence[str]) -> list[str]:
    present = set(given)
    return [item for item in required if item not in present]


def mean(values: Sequence[float]) -> float | None:
    return sum(values) / len(values) if values else None


def percentile(values: Sequence[float], q: float) -> float | None:
    """Linear-interpolated percentile (q in 0..100), as numpy's default."""
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100.0
    low = math.floor(position)
    high = math.ceil(position)
    if low == high:
        return ordered[low]
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)
