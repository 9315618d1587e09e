"""Hybrid search: dense (Chroma), sentence and BM25 rankings fused by reciprocal rank fusion.

Search knows nothing of safety. A caller that wants more (retrieval/guidance.py, for a
disclosure) passes a Steering: extra rankings, per-chunk boosts, and chunks to lead with.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from casebot.embeddings import Embedder
from casebot.errors import RetrievalUnavailable
from casebot.index.models import Chunk
from casebot.index.version import LoadedIndex
from casebot.retrieval.rerank import Candidates, Reranker

Vector = np.ndarray[Any, Any]


@dataclass(frozen=True)
class SearchParams:
    k: int  # chunks returned
    candidates: int  # taken from each ranking before fusion
    rrf_k: int  # the reciprocal rank fusion constant
    # Chunks asked of the vector store, then rescored exactly with the version's vectors.
    # HNSW search is approximate, and what it misses changes between builds and even between
    # processes on one build: a dev question's true 8th chunk was missing at 30 and at 100
    # and found at 200. Up to this many chunks the store returns all of them (0.8 ms for
    # 323), so the dense ranking is exact and the same however the index was built.
    dense_pool: int = 2000
    # Fused candidates a reranker reorders (after any pinned); past them the fused order
    # stands. Among the first 30 fused candidates of the 347 dev questions with evidence,
    # 0.98 had a relevant chunk and 0.88 of the evidence entries were held.
    rerank_depth: int = 30


@dataclass(frozen=True)
class ScoredChunk:
    chunk: Chunk
    # the ranking's score: the reranker's probability that the chunk holds evidence, or
    # the fused RRF score (without a reranker, and for a chunk the steering pinned)
    score: float
    similarity: float  # cosine similarity of query and chunk: what the gate reads
    lexical: float  # BM25 score, 0 when BM25 did not find it
    # cosine similarity of the query and the chunk's closest sentence: a fact held in one
    # sentence of a long chunk is close to that sentence, not to the chunk as a whole
    sentence_similarity: float = 0.0


@dataclass(frozen=True)
class SearchResult:
    query: str
    query_vector: Vector
    hits: list[ScoredChunk]
    dense_ok: bool = True
    pinned: tuple[str, ...] = ()  # chunks the caller's Steering put first, in that order
    # the fused candidates after the pins, as a reranker sees them (what it learns from)
    candidates: Candidates | None = None

    @property
    def top_similarity(self) -> float:
        return max((h.similarity for h in self.hits), default=0.0)

    @property
    def top_sentence_similarity(self) -> float:
        return max((h.sentence_similarity for h in self.hits), default=0.0)


class Steering(Protocol):
    """What a caller adds to plain fusion, without search knowing why."""

    def rankings(self, query_vector: Vector, n: int) -> list[list[str]]:
        """Extra rankings of chunk ids to fuse, at most `n` long each."""
        ...

    def boost(self, chunk: Chunk) -> float:
        """A factor on the chunk's fused score (1.0 leaves it alone)."""
        ...

    def pins(self, ranked: Sequence[str], extra: Sequence[list[str]]) -> list[str]:
        """Chunk ids to lead with, given the fused ranking and the extra rankings."""
        ...


class _Plain:
    def rankings(self, query_vector: Vector, n: int) -> list[list[str]]:
        return []

    def boost(self, chunk: Chunk) -> float:
        return 1.0

    def pins(self, ranked: Sequence[str], extra: Sequence[list[str]]) -> list[str]:
        return []


PLAIN: Steering = _Plain()

# A question about "the review" is answered by the review; context pages (what came before
# or after, other inquiries) only lead when the question names their subject.
_ABOUT_REVIEW = re.compile(
    r"\b(casey|review|report|baroness|she (found|said|say))\b", re.IGNORECASE
)
_ABOUT_CONTEXT = re.compile(
    r"\b(after|since|later|now|respon\w*|reaction|rowley|khan|mayor|braverman|starmer|sunak|"
    r"government|couzens|carrick|port|everard|macpherson|lawrence|angiolini|audit|grooming|"
    r"policing board|new met|progress|sentenc\w*|convicted|daniel morgan|charit\w*|before|"
    r"vetting review)\b",
    re.IGNORECASE,
)
CONTEXT_DISCOUNT = 0.9
# An overview passage restates, in brief, findings a report passage gives in detail; when
# both match, the detail should lead, and the brief only where it matches clearly better
# (a question about the review or a chapter as a whole).
OVERVIEW_DISCOUNT = 0.9


def prefers_report(query: str) -> bool:
    return bool(_ABOUT_REVIEW.search(query)) and not _ABOUT_CONTEXT.search(query)


def rrf(rankings: Sequence[Sequence[str]], k: int) -> dict[str, float]:
    scores: dict[str, float] = {}
    for ranking in rankings:
        for rank, item in enumerate(ranking):
            scores[item] = scores.get(item, 0.0) + 1.0 / (k + rank + 1)
    return scores


def dense_ranking(
    index: LoadedIndex, query_vector: Vector, params: SearchParams
) -> list[tuple[str, float]]:
    """The store's nearest chunks, rescored with the version's own vectors: exact cosine
    similarity, ties by chunk id, so the order never depends on the store's graph.

    Each similarity is its own row's dot product, the number the gate reads too: one
    product over the pool's rows in the order the store returned them would round a row
    differently as its place in that order moved.
    """
    pool = index.store.query(query_vector, max(params.candidates, params.dense_pool))
    found = [index.position[cid] for cid, _ in pool if cid in index.position]
    sims = np.array([float(index.vectors[i] @ query_vector) for i in found])
    order = np.lexsort((index.id_rank[found], -sims))[: params.candidates]
    return [(index.chunks[found[i]].chunk_id, float(sims[i])) for i in order]


def sentence_ranking(index: LoadedIndex, query_vector: Vector, n: int) -> list[str]:
    """Chunks ordered by their best-matching sentence: a precise fact in a broad chunk counts.
    A sentence two chunks share (overlap) ties, and the lower chunk id goes first."""
    if not len(index.sentence_vectors):
        return []
    sims = index.sentence_vectors @ query_vector
    ranked: list[str] = []
    for row in np.lexsort((index.id_rank[index.sentence_owner], -sims)):
        cid = index.chunks[int(index.sentence_owner[row])].chunk_id
        if cid not in ranked:
            ranked.append(cid)
            if len(ranked) == n:
                break
    return ranked


def vector_rankings(
    index: LoadedIndex, vector: Vector, params: SearchParams, dense_ok: bool
) -> list[list[str]]:
    """A vector's chunk ranking (while the store answers) and sentence ranking."""
    sentences = sentence_ranking(index, vector, params.candidates)
    if not dense_ok:
        return [sentences]
    try:
        dense = [cid for cid, _ in dense_ranking(index, vector, params)]
    except RetrievalUnavailable:
        return [sentences]
    return [dense, sentences]


def search(
    query: str,
    index: LoadedIndex,
    embedder: Embedder,
    params: SearchParams,
    *,
    query_vector: Vector | None = None,
    steering: Steering = PLAIN,
    readings: Sequence[Vector] = (),
    reranker: Reranker | None = None,
) -> SearchResult:
    """Top-k chunks for a query. If the vector store fails, BM25 alone still answers.

    Three rankings are fused: chunk vectors (Chroma), best sentence vector, and BM25, plus
    any the steering adds. `query_vector`, when given, is the embedding of `query` as
    written; it is reused unless spelling repair changed the text. `readings` are the
    embeddings of other readings of the question (a follow-up read alone, or a standalone
    read with the previous question): each adds its chunk and sentence rankings, so a
    passage either reading finds is among the hits, and one both find leads. A `reranker`
    then reorders the first fused candidates after the pinned ones (retrieval/rerank.py).
    """
    corrected = index.speller.correct(query)
    if query_vector is None or corrected != query:
        query_vector = embedder.embed([corrected])[0]
    lexical = index.lexical.query(corrected, params.candidates)
    try:
        dense, dense_ok = dense_ranking(index, query_vector, params), True
    except RetrievalUnavailable:
        dense, dense_ok = [], False
    extra = steering.rankings(query_vector, params.candidates)
    rankings = [
        [cid for cid, _ in dense],
        sentence_ranking(index, query_vector, params.candidates),
        [cid for cid, _ in lexical],
        *extra,
    ]
    for reading in readings:
        rankings += vector_rankings(index, reading, params, dense_ok)
    fused = _weighed(rrf(rankings, params.rrf_k), index, prefers_report(corrected), steering)
    ranked = sorted(fused, key=lambda cid: (-fused[cid], cid))
    pinned = steering.pins(ranked, extra)
    rest = [cid for cid in ranked if cid not in pinned and cid in index.by_id]
    head, found_by_bm25 = rest[: params.rerank_depth], dict(lexical)
    found = Candidates(
        head,
        [fused[cid] for cid in head],
        [found_by_bm25.get(cid, 0.0) for cid in head],
        query_vector,
        tuple(readings),
    )
    if reranker is not None:
        reordered = reranker.order(index, found)
        fused.update(reordered)
        rest = [cid for cid, _ in reordered] + rest[len(head) :]
    hits = _top(pinned + rest, fused, found_by_bm25, index, query_vector, params.k)
    return SearchResult(corrected, query_vector, hits, dense_ok, tuple(pinned), found)


def _weighed(
    fused: dict[str, float], index: LoadedIndex, report_first: bool, steering: Steering
) -> dict[str, float]:
    for cid in fused:
        chunk = index.by_id.get(cid)
        if chunk is None:
            continue
        if report_first and chunk.kind == "context":
            fused[cid] *= CONTEXT_DISCOUNT
        if chunk.kind == "overview":
            fused[cid] *= OVERVIEW_DISCOUNT
        factor = steering.boost(chunk)
        if factor != 1.0:
            fused[cid] *= factor
    return fused


def _top(
    ranked: Sequence[str],
    fused: dict[str, float],
    lexical: dict[str, float],
    index: LoadedIndex,
    query_vector: Vector,
    k: int,
) -> list[ScoredChunk]:
    hits = []
    for cid in ranked:
        if cid not in index.by_id:
            continue
        similarity = float(index.vectors[index.position[cid]] @ query_vector)
        sentences = index.sentence_rows(cid)
        closest = float(np.max(sentences @ query_vector)) if len(sentences) else 0.0
        hits.append(
            ScoredChunk(index.by_id[cid], fused[cid], similarity, lexical.get(cid, 0.0), closest)
        )
        if len(hits) == k:
            break
    return hits
