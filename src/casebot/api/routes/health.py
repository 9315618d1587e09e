from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from casebot.api.deps import IndexDep

router = APIRouter(tags=["health"])


@router.get("/healthz")
def healthz() -> dict[str, str]:
    """The process is up."""
    return {"status": "ok"}


@router.get("/readyz")
def readyz(index: IndexDep) -> dict[str, Any]:
    """The index is loaded and answers can be grounded."""
    return {"status": "ready", "index_version": index.version, "chunks": len(index.chunks)}
