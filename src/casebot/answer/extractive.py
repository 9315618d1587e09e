"""The extractive composer: the default answer mode, no model needed.

It picks the sentences that answer the question from the top chunks (by similarity of the
question's embedding to sentence embeddings computed at index time, plus word overlap),
and returns them verbatim, each with its citation.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import partial
from typing import Any

import numpy as np

from casebot.answer.models import Citation, Draft, Sentence, citation_for
from casebot.answer.strategies import DEFAULT, Strategy, sentence_bonus, sides
from casebot.index.models import Chunk
from casebot.index.version import LoadedIndex
from casebot.retrieval.hybrid import SearchResult, prefers_report
from casebot.text import tokenize

CONTEXT_LABEL = "Context, not a Casey Review finding: "
# A context page may restate what Casey herself said; a sentence that opens by naming her
# or her review as its source must not be labelled "not a Casey Review finding".
_CASEY_SPEAKS = re.compile(
    r"^(in [^,]{0,60}, )?(the )?((baroness )?casey|(casey )?review|final report)\b", re.IGNORECASE
)
CONTEXT_PENALTY = 0.05
REPORT_QUESTION_PENALTY = 0.1
LEXICAL_WEIGHT = 0.3
RANK_WEIGHT = 0.06
LIST_ITEMS = 10
DUPLICATE_SIMILARITY = 0.82


@dataclass(frozen=True, eq=False)  # one candidate is one place in one chunk: identity
class Candidate:
    chunk: Chunk
    rank: int
    position: int
    sentence: str
    vector: np.ndarray[Any, Any]
    score: float
    similarity: float

    @property
    def introduces(self) -> bool:
        """A sentence that introduces a list ("eight conclusions:") means nothing alone."""
        return self.sentence.rstrip().endswith(":")


def _candidates(
    question: str, result: SearchResult, index: LoadedIndex, strategy: Strategy
) -> list[Candidate]:
    terms = set(tokenize(question))
    context_penalty = REPORT_QUESTION_PENALTY if prefers_report(question) else CONTEXT_PENALTY
    out: list[Candidate] = []
    k = max(len(result.hits), 1)
    for rank, hit in enumerate(result.hits):
        rows = index.sentence_rows(hit.chunk.chunk_id)
        sims = rows @ result.query_vector if len(rows) else np.zeros(0)
        for position, sentence in enumerate(hit.chunk.sentences):
            words = set(tokenize(sentence))
            overlap = len(terms & words) / len(terms) if terms else 0.0
            similarity = float(sims[position]) if position < len(sims) else 0.0
            brevity = -0.1 if len(sentence.split()) < 5 else 0.0
            bonus = sentence_bonus(strategy, sentence, hit.chunk.kind)
            is_context = hit.chunk.kind == "context" or sentence.startswith("(Context")
            penalty = context_penalty if is_context else 0.0
            score = (
                similarity
                + LEXICAL_WEIGHT * overlap
                + RANK_WEIGHT * (k - rank) / k
                + brevity
                + bonus
                - penalty
            )
            out.append(
                Candidate(hit.chunk, rank, position, sentence, rows[position], score, similarity)
            )
    return out


@dataclass(frozen=True)
class ComposeParams:
    max_words: int
    max_sentences: int
    min_similarity: float  # below this, a sentence joins only as a chosen one's neighbour


def compose(
    question: str,
    result: SearchResult,
    index: LoadedIndex,
    params: ComposeParams,
    lead: Sequence[str],
    strategy: Strategy = DEFAULT,
) -> Draft:
    """Choose answer sentences; an empty draft means nothing good enough was found.

    `lead` names chunks whose opening sentence comes first, in that order, however the
    embedder scores their wording (retrieval/guidance.py pins guidance written lead-first).
    """
    if strategy.room != 1.0:
        params = replace(
            params,
            max_words=round(params.max_words * strategy.room),
            max_sentences=round(params.max_sentences * strategy.room),
        )
    pool = _candidates(question, result, index, strategy)
    openings = _openings(pool, lead)
    picking = _Picking(params, strategy, sides(question))
    chosen = _select([c for c in pool if c not in openings], openings, picking)
    if not chosen:
        return Draft((), ())
    return _numbered(_in_reading_order(chosen, lead))


def _openings(pool: Sequence[Candidate], lead: Sequence[str]) -> list[Candidate]:
    """The first sentence of each lead chunk that is not a list's introduction."""
    openers = [c for c in pool if not c.introduces]
    return [
        min((c for c in openers if c.chunk.chunk_id == cid), key=lambda c: c.position)
        for cid in lead
        if any(c.chunk.chunk_id == cid for c in openers)
    ]


@dataclass(frozen=True)
class _Picking:
    """What the greedy choice weighs: the budgets, the strategy, a comparison's sides."""

    params: ComposeParams
    strategy: Strategy
    sides: tuple[str, ...]


def _select(
    pool: list[Candidate], openings: Sequence[Candidate], picking: _Picking
) -> list[Candidate]:
    """Greedy choice after the openings, within the sentence and word budgets."""
    params = picking.params
    chosen = list(openings)
    words = sum(_size(c) for c in chosen)
    # Chunks overlap by a sentence; the sentence after a shared one may be in the next chunk.
    places: dict[str, list[tuple[str, int]]] = {}
    for cand in (*chosen, *pool):
        places.setdefault(cand.sentence, []).append((cand.chunk.chunk_id, cand.position))
    while pool and len(chosen) < params.max_sentences and words < params.max_words:
        best = _best(pool, chosen, places, picking)
        if best is None:
            break
        pool.remove(best)
        if best.introduces:
            # The question is answered by a list: give it whole, as the passage writes it.
            items = [best, *_items_after(best, pool, params.max_words)]
            if words + sum(_size(c) for c in items) > params.max_words:
                chosen = []  # the whole list matters more than what led up to it
            return chosen + items
        words = _add(chosen, words, best, openings, params.max_words)
    return chosen


def _best(
    pool: Sequence[Candidate],
    chosen: Sequence[Candidate],
    places: dict[str, list[tuple[str, int]]],
    picking: _Picking,
) -> Candidate | None:
    """The candidate worth most given what is chosen, or None when nothing is worth adding."""
    taken = {place for c in chosen for place in places[c.sentence]}
    covered = {side for c in chosen for side in picking.sides if side in c.sentence.lower()}
    gain = partial(_gain, taken=taken, chosen=chosen, picking=picking, covered=covered)
    best = max(pool, key=gain)
    return None if gain(best) == float("-inf") else best


def _add(
    chosen: list[Candidate],
    words: int,
    cand: Candidate,
    openings: Sequence[Candidate],
    max_words: int,
) -> int:
    """Add `cand` to `chosen` if it fits; the words chosen afterwards."""
    size = _size(cand)
    twin = next((c for c in chosen if float(cand.vector @ c.vector) > DUPLICATE_SIMILARITY), None)
    if twin is not None:
        # Of two sentences saying the same, keep the one that says it all ("text register
        # to 999" loses to "text register to 999, read the reply, then reply yes").
        twin_size = _size(twin)
        replace = twin not in openings and _says_more(cand, twin)
        if replace and words - twin_size + size <= max_words:
            chosen[chosen.index(twin)] = cand
            return words + size - twin_size
        return words
    if chosen and words + size > max_words:
        return words
    chosen.append(cand)
    return words + size


def _in_reading_order(chosen: list[Candidate], lead: Sequence[str]) -> list[Candidate]:
    """Lead chunks first, then chunks by their best sentence; sentences in document order."""
    leading = {cid: i for i, cid in enumerate(lead)}
    best: dict[str, float] = {}
    for cand in chosen:
        best.setdefault(cand.chunk.chunk_id, cand.score)
    return sorted(
        chosen,
        key=lambda c: (
            leading.get(c.chunk.chunk_id, len(leading)),
            -best[c.chunk.chunk_id],
            c.position,
        ),
    )


def _numbered(chosen: Sequence[Candidate]) -> Draft:
    """Each run of adjacent sentences of one chunk is one citation quoting that run, so the
    quote of [n] holds every sentence that carries [n]; a context chunk's first sentence
    labelled."""
    citations: list[Citation] = []
    sentences: list[Sentence] = []
    labelled: set[str] = set()
    for run in _quoted_runs(chosen):
        n = len(citations) + 1
        citations.append(citation_for(run[0].chunk, n, " ".join(c.sentence for c in run)))
        for cand in run:
            cid, text = cand.chunk.chunk_id, cand.sentence
            context = cand.chunk.kind == "context" and cid not in labelled
            if context and not _CASEY_SPEAKS.match(text):
                text = CONTEXT_LABEL + text
                labelled.add(cid)
            sentences.append(Sentence(text, (n,)))
    return Draft(tuple(sentences), tuple(citations))


def _quoted_runs(chosen: Sequence[Candidate]) -> list[list[Candidate]]:
    """Adjacent answer sentences that follow each other in one chunk, as runs; a run whose
    joined text is not verbatim in its chunk is quoted a sentence at a time."""
    runs: list[list[Candidate]] = []
    for cand in chosen:
        last = runs[-1][-1] if runs else None
        if (
            last is not None
            and last.chunk.chunk_id == cand.chunk.chunk_id
            and last.position + 1 == cand.position
        ):
            runs[-1].append(cand)
        else:
            runs.append([cand])
    out: list[list[Candidate]] = []
    for run in runs:
        joined = " ".join(c.sentence for c in run)
        out += [run] if joined in run[0].chunk.text else [[c] for c in run]
    return out


def _size(cand: Candidate) -> int:
    return len(cand.sentence.split())


def _items_after(intro: Candidate, pool: list[Candidate], max_words: int) -> list[Candidate]:
    """The sentences after a list's introduction in its chunk, within the word budget."""
    cid = intro.chunk.chunk_id
    following = sorted(
        (c for c in pool if c.chunk.chunk_id == cid and c.position > intro.position),
        key=lambda c: c.position,
    )
    items: list[Candidate] = []
    words = len(intro.sentence.split())
    for cand in following[:LIST_ITEMS]:
        words += len(cand.sentence.split())
        if words > max_words:
            break
        items.append(cand)
    return items


def _says_more(cand: Candidate, other: Candidate) -> bool:
    mine, theirs = set(tokenize(cand.sentence)), set(tokenize(other.sentence))
    return theirs < mine


def _gain(
    cand: Candidate,
    taken: set[tuple[str, int]],
    chosen: Sequence[Candidate],
    picking: _Picking,
    covered: set[str],
) -> float:
    """A candidate's worth given what is chosen.

    The sentence next to one already chosen usually carries its detail (the figure after
    the claim), so neighbours gain and answers read as passages; a strategy that wants
    breadth penalises what repeats a chosen sentence and rewards an uncovered side.
    """
    cid, pos = cand.chunk.chunk_id, cand.position
    near = (cid, pos - 1) in taken or (cid, pos + 1) in taken
    anchored = bool(chosen)
    if anchored and cand.introduces and not near:
        return float("-inf")  # a list's introduction out of its passage would read oddly
    if not near and anchored and cand.similarity < picking.params.min_similarity:
        return float("-inf")  # off the point, and not the detail of a chosen sentence
    strategy = picking.strategy
    score = cand.score + (strategy.neighbour if near else 0.0)
    if strategy.diversity and anchored:
        score -= strategy.diversity * max(float(cand.vector @ c.vector) for c in chosen)
    if strategy.sides:
        lower = cand.sentence.lower()
        if any(side in lower and side not in covered for side in picking.sides):
            score += strategy.sides
    return score
