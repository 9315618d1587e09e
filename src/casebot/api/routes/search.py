from __future__ import annotations

from dataclasses import replace

from fastapi import APIRouter, Depends

from casebot.api.deps import CollaboratorsDep, IndexDep, WorkDep, limited
from casebot.api.schemas import (
    POST_ERRORS,
    SearchHit,
    SearchRequest,
    SearchResponse,
    error_responses,
)
from casebot.errors import RetrievalUnavailable
from casebot.retrieval.hybrid import search as hybrid_search

router = APIRouter(prefix="/v1", tags=["search"])


@router.post(
    "/search",
    response_model=SearchResponse,
    responses=error_responses(*POST_ERRORS, 429),
    dependencies=[Depends(limited("search"))],
)
async def search(
    body: SearchRequest,
    deps: CollaboratorsDep,
    index: IndexDep,
    work: WorkDep,
) -> SearchResponse:
    """Hybrid search over the knowledge base (dense + BM25, reciprocal rank fusion)."""
    if deps.embedder is None:
        raise RetrievalUnavailable("no embedder configured")
    pipeline = deps.params.search
    params = replace(pipeline, k=body.k, candidates=max(pipeline.candidates, body.k))
    result = await work.run(hybrid_search, body.query, index, deps.embedder, params)
    return SearchResponse(
        results=[
            SearchHit(
                chunk_id=h.chunk.chunk_id,
                doc_id=h.chunk.doc_id,
                title=h.chunk.title,
                section=h.chunk.section,
                page=h.chunk.page,
                url=h.chunk.url,
                text=h.chunk.text,
                score=round(h.score, 6),
            )
            for h in result.hits
        ]
    )
