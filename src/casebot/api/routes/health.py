from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from casebot.api.deps import IndexDep
from casebot.errors import RetrievalUnavailable

router = APIRouter(tags=["health"])


@router.get("/healthz")
def healthz() -> dict[str, str]:
    """The process is up."""
    return {"status": "ok"}


@router.get("/readyz")
def readyz(index: IndexDep) -> dict[str, Any]:
    """The index is loaded and consistent, and its vector store answers."""
    try:
        stored = index.store.count()
    except RetrievalUnavailable as exc:
        raise RetrievalUnavailable(f"the vector store is unreachable: {exc}") from exc
    except Exception as exc:  # a store client raises many types; any of them means not ready
        raise RetrievalUnavailable(f"the vector store failed: {type(exc).__name__}") from exc
    if stored != len(index.chunks):
        raise RetrievalUnavailable(f"the vector store holds {stored} of {len(index.chunks)} chunks")
    return {"status": "ready", "index_version": index.version, "chunks": len(index.chunks)}
