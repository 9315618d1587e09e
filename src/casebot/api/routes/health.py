"""Liveness and readiness, answered on the event loop from state already at hand: they
never wait for the work pool, the store or the disk (api/readiness.py re-checks those in
the background), so a probe gets its answer however busy casebot is."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from casebot.api.schemas import HealthResponse, NotReadyResponse, ReadyResponse
from casebot.health import Readiness

router = APIRouter(tags=["health"])


@router.get("/healthz", response_model=HealthResponse)
async def healthz() -> HealthResponse:
    """The process is up and its event loop answers."""
    return HealthResponse(status="ok")


@router.get(
    "/readyz",
    response_model=ReadyResponse,
    response_model_exclude_none=True,
    responses={503: {"model": NotReadyResponse, "description": "Not ready: see each check"}},
)
async def readyz(request: Request) -> ReadyResponse | JSONResponse:
    """The index version, its consistency and the store's reachability, each with its
    remedy; 503 while any check fails."""
    readiness: Readiness = request.app.state.readiness
    if not readiness.ready:
        body = {
            "error": {"code": readiness.code, "message": readiness.message},
            "checks": readiness.checks(),
        }
        return JSONResponse(status_code=503, content=body)
    return ReadyResponse.model_validate(
        {
            "status": "ready",
            "index_version": readiness.version,
            "chunks": readiness.chunks,
            "checks": readiness.checks(),
        }
    )
