"""Hybrid search: dense (Chroma) and BM25 candidates fused by reciprocal rank fusion."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from casebot.errors import RetrievalUnavailable
from casebot.index.models import Chunk

if TYPE_CHECKING:
    from casebot.embeddings import Embedder
    from casebot.index.version import LoadedIndex


@dataclass(frozen=True)
class ScoredChunk:
    chunk: Chunk
    score: float  # fused RRF score: the ranking
    similarity: float  # cosine similarity of query and chunk: what the gate reads
    lexical: float  # BM25 score, 0 when BM25 did not find it


@dataclass(frozen=True)
class SearchResult:
    query: str
    query_vector: np.ndarray[Any, Any]
    hits: list[ScoredChunk]
    dense_ok: bool = True
    # Guidance chunks led with because they were written for the disclosure's situation.
    guidance: tuple[str, ...] = ()

    @property
    def top_similarity(self) -> float:
        return max((h.similarity for h in self.hits), default=0.0)


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
PREFERRED_BOOST = 1.3
# How much guidance leads the results: in danger, the top of the page written for the most
# pressing category; otherwise the best-matching passage for each of the first categories.
PINNED_URGENT = 3
PINNED_CATEGORIES = 2


def prefers_report(query: str) -> bool:
    return bool(_ABOUT_REVIEW.search(query)) and not _ABOUT_CONTEXT.search(query)


def rrf(rankings: list[list[str]], k: int = 60) -> dict[str, float]:
    scores: dict[str, float] = {}
    for ranking in rankings:
        for rank, item in enumerate(ranking):
            scores[item] = scores.get(item, 0.0) + 1.0 / (k + rank + 1)
    return scores


def sentence_ranking(index: LoadedIndex, query_vector: np.ndarray[Any, Any], n: int) -> list[str]:
    """Chunks ordered by their best-matching sentence: a precise fact in a broad chunk counts."""
    if not len(index.sentence_vectors):
        return []
    sims = index.sentence_vectors @ query_vector
    ranked: list[str] = []
    for row in np.argsort(-sims):
        cid = index.chunks[int(index.sentence_owner[row])].chunk_id
        if cid not in ranked:
            ranked.append(cid)
            if len(ranked) == n:
                break
    return ranked


def guidance_ranking(
    index: LoadedIndex, query_vector: np.ndarray[Any, Any], serving: Sequence[str], n: int
) -> list[str]:
    """Guidance written for the disclosure's categories, the most pressing category first.

    Within a category, guidance reads in the order its pages were written, most urgent
    first ("if you are in danger now" before "if you are worried about someone else").
    """
    priority = {category: i for i, category in enumerate(serving)}
    scored = []
    place: dict[str, int] = {}
    for i, chunk in enumerate(index.chunks):
        place[chunk.doc_id] = place.get(chunk.doc_id, -1) + 1
        ranks = [priority[c] for c in chunk.serves if c in priority]
        if ranks:
            similarity = float(index.vectors[i] @ query_vector)
            scored.append((min(ranks), place[chunk.doc_id], -similarity, chunk.chunk_id))
    return [item[-1] for item in sorted(scored)[:n]]


def pinned_guidance(
    index: LoadedIndex,
    serving: Sequence[str],
    needs: Sequence[str],
    guidance: list[str],
    ranked: list[str],
    urgent: bool,
) -> list[str]:
    """The guidance that leads whatever fusion thinks of it.

    The safety rules know that "ending it" is about suicide; neither MiniLM nor BM25 does.
    """
    if not serving:
        return []

    def best_serving(name: str, taken: list[str]) -> str | None:
        return next(
            (
                cid
                for cid in ranked
                if cid in index.by_id and name in index.by_id[cid].serves and cid not in taken
            ),
            None,
        )

    def where_need_starts(need: str, taken: list[str]) -> str | None:
        # Fusion finds the page; its section on the need is read from the start, because
        # guidance is written lead-first ("If it is not safe to talk, ..." opens it).
        found = best_serving(need, taken)
        if found is None:
            return None
        doc_id = index.by_id[found].doc_id
        start = next(c.chunk_id for c in index.chunks if c.doc_id == doc_id and need in c.serves)
        return found if start in taken else start

    # In danger: the page's opening ("call 999"), then how to use it for someone who cannot
    # speak or hear, then the rest of the page as written.
    page = [cid for cid in guidance if serving[0] in index.by_id[cid].serves] if urgent else []
    pinned = page[:1]
    for need in needs:
        lead = where_need_starts(need, pinned)
        if lead is not None:
            pinned.append(lead)
    if urgent:
        pinned += [cid for cid in page if cid not in pinned]
        return pinned[:PINNED_URGENT]
    for category in serving[:PINNED_CATEGORIES]:
        best = best_serving(category, pinned)
        if best is not None:
            pinned.append(best)
    return pinned


def search(
    query: str,
    index: LoadedIndex,
    embedder: Embedder,
    k: int = 6,
    candidates: int = 30,
    rrf_k: int = 60,
    prefer_kind: str | None = None,
    query_vector: np.ndarray[Any, Any] | None = None,
    serving: Sequence[str] = (),
    urgent: bool = False,
    needs: Sequence[str] = (),
) -> SearchResult:
    """Top-k chunks for a query. If the vector store fails, BM25 alone still answers.

    Three rankings are fused: chunk vectors (Chroma), best sentence vector, and BM25.
    `prefer_kind` lifts one kind of document, e.g. support guidance for someone at risk.
    `serving` (a disclosure's safety categories, most pressing first) adds a fourth ranking,
    the guidance written for them, and pins the best of it first (`urgent`: the top of the
    page), so someone thinking of suicide finds Samaritans. `needs` (e.g. "cannot_speak")
    lifts the guidance that makes help usable: the silent 999 call.
    `query_vector`, when given, is the embedding of `query` as written; it is reused unless
    spelling repair changed the text.
    """
    corrected = index.speller.correct(query)
    if query_vector is None or corrected != query:
        query_vector = embedder.embed([corrected])[0]
    query = corrected
    lexical = index.lexical.query(query, candidates)
    dense_ok = True
    try:
        dense = index.store.query(query_vector, candidates)
    except RetrievalUnavailable:
        dense, dense_ok = [], False
    by_sentence = sentence_ranking(index, query_vector, candidates)
    rankings = [[cid for cid, _ in dense], by_sentence, [cid for cid, _ in lexical]]
    guidance = (
        guidance_ranking(index, query_vector, (*serving, *needs), candidates) if serving else []
    )
    if guidance:
        rankings.append(guidance)
    fused = rrf(rankings, rrf_k)
    report_first = prefers_report(query)
    for cid in fused:
        chunk = index.by_id.get(cid)
        if chunk is None:
            continue
        if report_first and chunk.kind == "context":
            fused[cid] *= CONTEXT_DISCOUNT
        if prefer_kind is not None and chunk.kind == prefer_kind:
            fused[cid] *= PREFERRED_BOOST
    lexical_scores = dict(lexical)
    ranked = sorted(fused, key=lambda cid: (-fused[cid], index.position.get(cid, 0)))
    pinned = pinned_guidance(index, serving, needs, guidance, ranked, urgent)
    ranked = pinned + [cid for cid in ranked if cid not in pinned]
    hits = []
    for cid in ranked:
        if cid not in index.by_id:
            continue
        similarity = float(index.vectors[index.position[cid]] @ query_vector)
        hits.append(
            ScoredChunk(index.by_id[cid], fused[cid], similarity, lexical_scores.get(cid, 0.0))
        )
        if len(hits) == k:
            break
    return SearchResult(
        query=query,
        query_vector=query_vector,
        hits=hits,
        dense_ok=dense_ok,
        guidance=tuple(pinned),
    )
