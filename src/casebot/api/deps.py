"""Annotated dependency aliases: route signatures read like plain typed parameters."""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import Depends, Request

from casebot.answer.pipeline import Collaborators
from casebot.api.middleware import DEADLINE
from casebot.api.workpool import WorkPool
from casebot.errors import IndexNotReady, RetrievalUnavailable
from casebot.health import Readiness
from casebot.index.version import LoadedIndex

# Every dependency is async: a sync one would run on a thread, and the event loop answers
# /healthz and /readyz without touching any thread.

# Time kept back from a request's deadline so a chat whose work ran out of time can still
# be given its safety reply.
TRIAGE_RESERVE_S = 1.0


async def get_collaborators(request: Request) -> Collaborators:
    # Read once a request: an index swapped in meanwhile serves the next request.
    deps: Collaborators = request.app.state.collaborators
    return deps


async def get_index(request: Request) -> LoadedIndex:
    deps = await get_collaborators(request)
    if deps.index is None:
        readiness: Readiness = request.app.state.readiness
        error = IndexNotReady if readiness.code == IndexNotReady.code else RetrievalUnavailable
        raise error(readiness.message or "the knowledge index is not loaded")
    return deps.index


async def get_pool(request: Request) -> WorkPool:
    pool: WorkPool = request.app.state.pool
    return pool


async def work_timeout(request: Request) -> float:
    """Seconds the request's work may take: its deadline less the triage reserve."""
    deadline: float | None = getattr(request.state, DEADLINE, None)
    if deadline is None:
        return float(request.app.state.settings.request_timeout_s)
    return max(0.0, deadline - asyncio.get_running_loop().time() - TRIAGE_RESERVE_S)


CollaboratorsDep = Annotated[Collaborators, Depends(get_collaborators)]
IndexDep = Annotated[LoadedIndex, Depends(get_index)]
PoolDep = Annotated[WorkPool, Depends(get_pool)]
WorkTimeout = Annotated[float, Depends(work_timeout)]
