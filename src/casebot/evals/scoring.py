"""Per-answer scoring: deterministic, pure, and blind to which system produced the answer.

Retrieval against evidence, key facts, citations, numbers, readability, and the problems a
case lists in the report. The runner records what happened; these functions judge it.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from casebot.answer.citations import parse_marked
from casebot.answer.claims import unsupported as unsupported_claims
from casebot.answer.models import MARKER, Answer, Citation, Sentence, strip_markers
from casebot.evals.dataset import Evidence, Facts
from casebot.text import numbers_in, split_sentences


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
    found = frozenset().union(*hits)
    first = next((rank for rank, h in enumerate(hits, start=1) if h), None)
    return RetrievalScore(
        recall=1.0 if first else 0.0,
        entry_recall=len(found) / len(evidence) if evidence else 0.0,
        reciprocal_rank=1.0 / first if first else 0.0,
        ndcg=_ndcg(hits, k, relevant_in_corpus),
        retrieved=tuple(p.chunk_id for p in top),
        missed=tuple(i for i in range(len(evidence)) if i not in found),
    )


def _ndcg(hits: Sequence[frozenset[int]], k: int, relevant_in_corpus: int) -> float:
    dcg = sum(1.0 / math.log2(rank + 1) for rank, h in enumerate(hits, start=1) if h)
    ideal_n = min(k, max(relevant_in_corpus, sum(1 for h in hits if h)))
    idcg = sum(1.0 / math.log2(rank + 1) for rank in range(1, ideal_n + 1))
    return dcg / idcg if idcg else 0.0


def describe(entry: Evidence) -> str:
    parts = [entry.doc_id or "any document"]
    if entry.regex:
        parts.append(f"/{entry.regex}/")
    if entry.page is not None:
        parts.append(f"p.{entry.page}")
    return " ".join(parts)


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
    for n in sorted({int(m) for m in MARKER.findall(answer)} - numbers):
        problems.append(f"[{n}] has no citation")
    if grounded and not citations:
        problems.append("answer has no citations")
    for c in citations:
        chunk = chunks.get(c.chunk_id)
        if chunk is None:
            problems.append(f"[{c.n}] cites unknown chunk {c.chunk_id}")
        else:
            problems += _citation_mismatches(c, chunk, doc_pages)
    return problems


def _citation_mismatches(
    c: Citation, chunk: Passage, doc_pages: Mapping[str, frozenset[int]]
) -> list[str]:
    problems = []
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


def sentence_checks(answer: Answer) -> list[tuple[int, list[str]]]:
    """Each cited sentence (its place in the answer) with the figures and names that no
    quote of a citation it carries holds: empty when a reader can check it."""
    quotes = {c.n: c.quote for c in answer.citations}
    sentences: Sequence[Sentence] = answer.sentences or parse_marked(answer.text)
    return [
        (i, unsupported_claims(s.text, [quotes[n] for n in s.refs if n in quotes]))
        for i, s in enumerate(sentences)
        if s.refs
    ]


def missing(required: Sequence[str], given: Sequence[str]) -> list[str]:
    present = set(given)
    return [item for item in required if item not in present]


@dataclass(frozen=True)
class CitationCheck:
    """Citation and number checks on an answer that claims grounding or carries markers."""

    checked: bool = False
    problems: tuple[str, ...] = ()
    numbers_checked: bool = False
    unsupported: tuple[str, ...] = ()
    reading_ease: float | None = None
    words: int | None = None
    # Per cited sentence: True when each of its figures and names is in one of its quotes.
    checkable: tuple[bool, ...] = ()
    unchecked: tuple[str, ...] = ()  # why a sentence is not, for the report

    @property
    def all_problems(self) -> list[str]:
        numbers = (f"number {n} is not in a cited chunk" for n in self.unsupported)
        return [*self.problems, *numbers, *self.unchecked]


def check_citations(
    answer: Answer, chunks: Mapping[str, Passage], doc_pages: Mapping[str, frozenset[int]]
) -> CitationCheck:
    grounded = answer.scope == "in_scope"
    if not (grounded or answer.citations or strip_markers(answer.text) != answer.text):
        return CitationCheck()
    problems = citation_problems(answer.text, answer.citations, chunks, doc_pages, grounded)
    plain = strip_markers(answer.text)
    unsupported: list[str] = []
    if numbers_in(plain):
        cited = [chunks[c.chunk_id].text for c in answer.citations if c.chunk_id in chunks]
        unsupported = unsupported_numbers(answer.text, cited)
    per_sentence = sentence_checks(answer)
    return CitationCheck(
        checked=True,
        problems=tuple(problems),
        numbers_checked=bool(numbers_in(plain)),
        unsupported=tuple(unsupported),
        reading_ease=flesch_reading_ease(plain) if grounded else None,
        words=len(word_list(plain)) if grounded else None,
        checkable=tuple(not lacking for _, lacking in per_sentence),
        unchecked=tuple(
            f"sentence {i + 1}: {', '.join(lacking)} not in its quotes"
            for i, lacking in per_sentence
            if lacking
        ),
    )


def safety_problems(
    expected: str | None, level: str, required: Sequence[str], services: Sequence[str]
) -> list[str]:
    """Urgency missed or raised wrongly, and required services not signposted."""
    problems = []
    if expected == "urgent" and level != "urgent":
        problems.append(f"safety: expected urgent, got {level}")
    if expected == "none" and level == "urgent":
        problems.append("safety: judged urgent, expected none")
    lacking = missing(required, services)
    if lacking:
        problems.append(f"missing services: {', '.join(lacking)}")
    return problems


# Flesch reading ease with a small syllable counter (no dictionary, so no dependency). The
# counter is the usual vowel-group heuristic; it is off by one on some words, which moves
# the score by a point or two, steady enough to compare runs with each other.
_TOKEN = re.compile(r"[A-Za-z0-9£][A-Za-z0-9'’,.£%-]*")
# A final e is usually silent ("make"), but not in "-le" after a consonant ("table").
_SILENT_END = re.compile(r"(?:[^laeiouy]es|[^laeiouydt]ed|[^laeiouy]e)$")
_VOWEL_GROUP = re.compile(r"[aeiouy]+")


def syllables(word: str) -> int:
    letters = re.sub(r"[^a-z]", "", word.lower())
    if not letters:
        return 1  # a figure such as 1,809 is read as one unit here
    if len(letters) <= 3:
        return 1
    extra = 1 if letters.endswith("ism") else 0  # "rac-is-m" has a vowel-less last beat
    letters = _SILENT_END.sub("", letters)
    letters = re.sub(r"^y", "", letters)
    return max(1, len(_VOWEL_GROUP.findall(letters))) + extra


def word_list(text: str) -> list[str]:
    return [t.rstrip(".,") for t in _TOKEN.findall(text)]


def flesch_reading_ease(text: str) -> float | None:
    """206.835 - 1.015 words/sentence - 84.6 syllables/word; None for empty text."""
    words = word_list(text)
    if not words:
        return None
    sentences = max(1, len(split_sentences(text)))
    total = sum(syllables(w) for w in words)
    return 206.835 - 1.015 * (len(words) / sentences) - 84.6 * (total / len(words))
