"""The extractive composer: the default answer mode, no model needed.

It picks the sentences that answer the question from the top chunks (by similarity of the
question's embedding to sentence embeddings computed at index time, plus word overlap),
and returns them verbatim, each with its citation.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import partial
from typing import Any

import numpy as np

from casebot.answer.models import Citation, Draft
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
CHUNK_WEIGHT = 0.4
NEIGHBOUR_BONUS = 0.3
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


# A "when" question is answered by the sentence carrying the date, which similarity alone
# ranks no higher than its neighbours. (The same lift for figures after "how many" and
# causes after "why" was measured and dropped: it promoted a disputed figure and no fact.)
_ASKS_WHEN = re.compile(
    r"\bwhen (did|was|were|is|will|does|do|are)\b|\bwhat (date|year)\b", re.IGNORECASE
)
_DATE = re.compile(
    r"\b(19|20)\d\d\b|\b(January|February|March|April|May|June|July|August|September|"
    r"October|November|December)\b"
)
DATE_WEIGHT = 0.1


def _candidates(question: str, result: SearchResult, index: LoadedIndex) -> list[Candidate]:
    terms = set(tokenize(question))
    asks_when = bool(_ASKS_WHEN.search(question))
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
            dated = DATE_WEIGHT if asks_when and _DATE.search(sentence) else 0.0
            is_context = hit.chunk.kind == "context" or sentence.startswith("(Context")
            penalty = context_penalty if is_context else 0.0
            score = (
                similarity
                + LEXICAL_WEIGHT * overlap
                + RANK_WEIGHT * (k - rank) / k
                + brevity
                + dated
                - penalty
            )
            out.append(
                Candidate(hit.chunk, rank, position, sentence, rows[position], score, similarity)
            )
    return out


def compose(
    question: str,
    result: SearchResult,
    index: LoadedIndex,
    max_words: int = 120,
    max_sentences: int = 5,
    min_similarity: float = 0.25,
) -> Draft:
    """Choose answer sentences; an empty draft means nothing good enough was found."""
    pool = _candidates(question, result, index)
    # Someone disclosing harm hears first from the guidance written for their situation: the
    # opening sentence of each pinned passage (guidance is written lead-first), however the
    # embedder scores its wording ("ending it" is far from "Samaritans" for MiniLM).
    openers = [c for c in pool if not c.introduces]
    chosen = [
        min((c for c in openers if c.chunk.chunk_id == cid), key=lambda c: c.position)
        for cid in result.guidance
        if any(c.chunk.chunk_id == cid for c in openers)
    ]
    for cand in chosen:
        pool.remove(cand)
    openings = list(chosen)
    words = sum(len(c.sentence.split()) for c in chosen)
    # Chunks overlap by a sentence; the sentence after a shared one may be in the next chunk.
    places: dict[str, list[tuple[str, int]]] = {}
    for cand in (*chosen, *pool):
        places.setdefault(cand.sentence, []).append((cand.chunk.chunk_id, cand.position))
    while pool and len(chosen) < max_sentences and words < max_words:
        # The sentence next to one already chosen usually carries its detail (the figure
        # after the claim), so neighbours get a bonus and answers read as passages.
        taken = {place for c in chosen for place in places[c.sentence]}
        gain = partial(_gain, taken=taken, anchored=bool(chosen), min_similarity=min_similarity)
        best_cand = max(pool, key=gain)
        if gain(best_cand) == float("-inf"):
            break
        pool.remove(best_cand)
        if best_cand.introduces:
            # The question is answered by a list: give it whole, as the passage writes it.
            items = [best_cand, *_items_after(best_cand, pool, max_words)]
            if words + sum(len(c.sentence.split()) for c in items) > max_words:
                chosen = []  # the whole list matters more than what led up to it
            chosen += items
            break
        size = len(best_cand.sentence.split())
        twin = next(
            (c for c in chosen if float(best_cand.vector @ c.vector) > DUPLICATE_SIMILARITY), None
        )
        if twin is not None:
            # Of two sentences saying the same, keep the one that says it all ("text register
            # to 999" loses to "text register to 999, read the reply, then reply yes").
            twin_size = len(twin.sentence.split())
            replace = twin not in openings and _says_more(best_cand, twin)
            if replace and words - twin_size + size <= max_words:
                chosen[chosen.index(twin)] = best_cand
                words += size - twin_size
            continue
        if chosen and words + size > max_words:
            continue
        chosen.append(best_cand)
        words += size
    if not chosen:
        return Draft((), ())
    # Read in a natural order: pinned guidance first, then chunks by their best sentence;
    # sentences in document order.
    lead = {cid: i for i, cid in enumerate(result.guidance)}
    best: dict[str, float] = {}
    for cand in chosen:
        best.setdefault(cand.chunk.chunk_id, cand.score)
    chosen.sort(
        key=lambda c: (lead.get(c.chunk.chunk_id, len(lead)), -best[c.chunk.chunk_id], c.position)
    )
    numbers: dict[str, int] = {}
    citations: list[Citation] = []
    sentences: list[tuple[str, tuple[int, ...]]] = []
    labelled: set[str] = set()
    for cand in chosen:
        cid = cand.chunk.chunk_id
        if cid not in numbers:
            numbers[cid] = len(numbers) + 1
            quote = max(
                (c for c in chosen if c.chunk.chunk_id == cid), key=lambda c: c.score
            ).sentence
            citations.append(citation_for(cand.chunk, numbers[cid], quote))
        text = cand.sentence
        if cand.chunk.kind == "context" and cid not in labelled and not _CASEY_SPEAKS.match(text):
            text = CONTEXT_LABEL + text
            labelled.add(cid)
        sentences.append((text, (numbers[cid],)))
    return Draft(tuple(sentences), tuple(citations))


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
    cand: Candidate, taken: set[tuple[str, int]], anchored: bool, min_similarity: float
) -> float:
    """A candidate's worth given what is chosen: neighbours of chosen sentences gain."""
    cid, pos = cand.chunk.chunk_id, cand.position
    near = (cid, pos - 1) in taken or (cid, pos + 1) in taken
    if anchored and cand.introduces and not near:
        return float("-inf")  # a list's introduction out of its passage would read oddly
    if not near and anchored and cand.similarity < min_similarity:
        return float("-inf")  # off the point, and not the detail of a chosen sentence
    return cand.score + (NEIGHBOUR_BONUS if near else 0.0)


def citation_for(chunk: Chunk, n: int, quote: str) -> Citation:
    return Citation(
        n=n,
        chunk_id=chunk.chunk_id,
        doc_id=chunk.doc_id,
        title=chunk.title,
        section=chunk.section,
        page=chunk.page,
        url=chunk.url,
        quote=quote,
    )
