"""Annotated dependency aliases: route signatures read like plain typed parameters."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Request

from casebot.answer.pipeline import Collaborators
from casebot.api.admission import Work
from casebot.api.metrics import Metrics
from casebot.api.middleware import DEADLINE
from casebot.api.shed import count_request
from casebot.api.workpool import WorkPool
from casebot.errors import FeedbackUnavailable, IndexNotReady, RetrievalUnavailable
from casebot.feedback.store import FeedbackStore
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


async def get_work(
    request: Request,
    deps: Annotated[Collaborators, Depends(get_collaborators)],
    pool: Annotated[WorkPool, Depends(get_pool)],
    timeout: Annotated[float, Depends(work_timeout)],
) -> Work:
    return Work(request, pool, deps, timeout)


async def get_metrics(request: Request) -> Metrics:
    metrics: Metrics = request.app.state.metrics
    return metrics


async def get_feedback(request: Request) -> FeedbackStore:
    store: FeedbackStore | None = getattr(request.app.state, "feedback", None)
    if store is None:
        raise FeedbackUnavailable("the feedback store is not open")
    return store


def limited(route: str) -> Callable[[Request], None]:
    """A dependency refusing the request with 429 and Retry-After when over a limit."""

    def check(request: Request) -> None:
        refusal = count_request(request, route)
        if refusal is not None:
            raise refusal.error()

    return check


CollaboratorsDep = Annotated[Collaborators, Depends(get_collaborators)]
IndexDep = Annotated[LoadedIndex, Depends(get_index)]
WorkDep = Annotated[Work, Depends(get_work)]
MetricsDep = Annotated[Metrics, Depends(get_metrics)]
FeedbackDep = Annotated[FeedbackStore, Depends(get_feedback)]
