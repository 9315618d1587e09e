from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from starlette.concurrency import run_in_threadpool

from casebot.api.deps import FeedbackDep, MetricsDep, limited
from casebot.api.schemas import POST_ERRORS, FeedbackAccepted, FeedbackRequest, error_responses
from casebot.api.tenancy import tenant_id
from casebot.feedback.models import FeedbackEntry, utc_now
from casebot.feedback.redact import redact

router = APIRouter(prefix="/v1", tags=["feedback"])


@router.post(
    "/feedback",
    status_code=201,
    response_model=FeedbackAccepted,
    responses=error_responses(*POST_ERRORS, 429),
    dependencies=[Depends(limited("feedback"))],
)
async def feedback(
    body: FeedbackRequest, request: Request, store: FeedbackDep, metrics: MetricsDep
) -> FeedbackAccepted:
    """Rate an answer. Stored: the answer id, rating, reason, tenant, time and the comment
    with personal details taken out; never the question or the answer."""
    written = (body.comment or "").strip()
    comment = redact(written) if written else None
    tenant = tenant_id(request)
    entry = FeedbackEntry(body.answer_id, body.rating, body.reason, tenant, comment, utc_now())
    await run_in_threadpool(store.add, entry)
    metrics.feedback.labels(body.rating, tenant).inc()
    return FeedbackAccepted(status="stored", comment_redacted=comment != (written or None))
