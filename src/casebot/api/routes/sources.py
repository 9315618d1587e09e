from __future__ import annotations

from fastapi import APIRouter

from casebot.api.deps import IndexDep
from casebot.api.schemas import ErrorResponse, SourceOut, SourcesResponse

router = APIRouter(prefix="/v1", tags=["sources"])


@router.get("/sources", response_model=SourcesResponse, responses={503: {"model": ErrorResponse}})
def sources(index: IndexDep) -> SourcesResponse:
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
