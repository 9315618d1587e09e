"""Annotated dependency aliases: route signatures read like plain typed parameters."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Request

from casebot.answer.pipeline import Collaborators
from casebot.api.limits import RateLimits, Refusal
from casebot.api.metrics import Metrics
from casebot.api.tenancy import tenant_id
from casebot.errors import FeedbackUnavailable, IndexNotReady, RateLimited
from casebot.feedback.store import FeedbackStore
from casebot.index.version import LoadedIndex


def get_collaborators(request: Request) -> Collaborators:
    deps: Collaborators = request.app.state.collaborators
    return deps


def get_index(request: Request) -> LoadedIndex:
    deps = get_collaborators(request)
    if deps.index is None:
        reason = deps.index_problem or "the knowledge index is not loaded"
        raise IndexNotReady(f"{reason} (run `casebot ingest`)")
    return deps.index


def get_metrics(request: Request) -> Metrics:
    metrics: Metrics = request.app.state.metrics
    return metrics


def get_feedback(request: Request) -> FeedbackStore:
    store: FeedbackStore | None = getattr(request.app.state, "feedback", None)
    if store is None:
        raise FeedbackUnavailable("the feedback store is not open")
    return store


def count_request(request: Request, route: str) -> Refusal | None:
    """Count the request against its client's and tenant's limits (blocking: Redis)."""
    limits: RateLimits = request.app.state.limits
    tenant = tenant_id(request)
    address = request.client.host if request.client else "unknown"
    refusal = limits.check(tenant, address, route)
    if refusal is not None:
        get_metrics(request).limited.labels(refusal.limit, tenant).inc()
    return refusal


def limited(route: str) -> Callable[[Request], None]:
    """A dependency refusing the request with 429 and Retry-After when over a limit."""

    def check(request: Request) -> None:
        refusal = count_request(request, route)
        if refusal is not None:
            raise RateLimited(
                f"too many requests from this {refusal.limit}; try again later",
                refusal.retry_after,
            )

    return check


CollaboratorsDep = Annotated[Collaborators, Depends(get_collaborators)]
IndexDep = Annotated[LoadedIndex, Depends(get_index)]
MetricsDep = Annotated[Metrics, Depends(get_metrics)]
FeedbackDep = Annotated[FeedbackStore, Depends(get_feedback)]
