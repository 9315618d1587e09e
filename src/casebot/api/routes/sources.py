from __future__ import annotations

from fastapi import APIRouter

from casebot.api.deps import IndexDep
from casebot.api.schemas import GET_ERRORS, SourceOut, SourcesResponse, error_responses

router = APIRouter(prefix="/v1", tags=["sources"])


@router.get(
    "/sources", response_model=SourcesResponse, responses=error_responses(*GET_ERRORS, 503)
)
async def sources(index: IndexDep) -> SourcesResponse:
    """The documents in the current index."""
    return SourcesResponse(
        index_version=index.version,
        sources=[
            SourceOut(
                doc_id=d.doc_id,
                title=d.title,
                kind=d.kind,
                url=d.url,
                source=d.source,
                chunks=d.chunks,
                pages=list(d.pages),
            )
            for d in index.documents()
        ],
    )
