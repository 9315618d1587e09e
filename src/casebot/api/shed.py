"""A chat over its client's or tenant's rate limit, whichever route it came by (/v1/chat,
its stream, the OpenAI-compatible completions): the answer is shed, the signposts never
are. An urgent message gets its safety reply as an ordinary answer (any client shows it);
anything else a 429 with Retry-After that still carries the assessment (api/errors.py)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from fastapi import Request
from starlette.concurrency import run_in_threadpool

from casebot.answer.models import Answer
from casebot.answer.pipeline import Collaborators, History, safety_reply
from casebot.api.limits import RateLimits, Refusal
from casebot.api.metrics import Metrics
from casebot.api.middleware import OUTCOME
from casebot.api.tenancy import localise, tenant_id
from casebot.config import RequestedMode
from casebot.errors import RateLimited
from casebot.safety.models import SafetyAssessment

# The limits a chat counts against, whichever route it came by: one budget, so switching
# APIs does not double it.
CHAT = "chat"


def count_request(request: Request, route: str) -> Refusal | None:
    """Count the request against its client's and tenant's limits (blocking: Redis)."""
    limits: RateLimits = request.app.state.limits
    tenant = tenant_id(request)
    address = request.client.host if request.client else "unknown"
    refusal = limits.check(tenant, address, route)
    if refusal is not None:
        metrics: Metrics = request.app.state.metrics
        metrics.limited.labels(refusal.limit, tenant).inc()
    return refusal


def outcome(result: Answer) -> dict[str, str]:
    """What the access log may say about an answer: never its text."""
    return {"mode": result.mode, "scope": result.scope, "safety_level": result.safety.level}


class AnswerShed(Exception):
    """A limited message that is not urgent: 429 with Retry-After, carrying its
    assessment."""

    def __init__(self, error: RateLimited, safety: SafetyAssessment) -> None:
        super().__init__(str(error))
        self.error = error
        self.safety = safety


@dataclass(frozen=True)
class Shed:
    """A chat over a limit: its safety reply (the tenant's services among its signposts)
    and the limit it is over."""

    reply: Answer
    refusal: Refusal

    def urgent_or_raise(self) -> Answer:
        """The safety reply when the message is urgent; AnswerShed otherwise."""
        if self.reply.safety.level == "urgent":
            return self.reply
        raise AnswerShed(self.refusal.error(), self.reply.safety)


async def over_limit(
    request: Request,
    deps: Collaborators,
    message: str,
    history: History,
    mode: RequestedMode | None,
) -> Shed | None:
    """None when the chat is within its limits; otherwise what it gets instead."""
    refusal = await run_in_threadpool(count_request, request, CHAT)
    if refusal is None:
        return None
    reply = await run_in_threadpool(safety_reply, message, history, deps, mode)
    reply = dataclasses.replace(reply, safety=localise(request, reply.safety))
    metrics: Metrics = request.app.state.metrics
    metrics.shed.labels(reply.safety.level).inc()
    setattr(request.state, OUTCOME, outcome(reply))
    return Shed(reply, refusal)
