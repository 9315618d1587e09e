from __future__ import annotations

import dataclasses

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from casebot.answer.models import Answer
from casebot.answer.pipeline import History, safety_reply
from casebot.api.convert import chat_response, safety_out
from casebot.api.deps import CollaboratorsDep, MetricsDep, WorkDep, count_request
from casebot.api.limits import Refusal
from casebot.api.middleware import OUTCOME
from casebot.api.schemas import (
    POST_ERRORS,
    ChatRequest,
    ChatResponse,
    FailedChatResponse,
    error_responses,
)
from casebot.api.tenancy import localise
from casebot.errors import RateLimited

router = APIRouter(prefix="/v1", tags=["chat"])


@router.post(
    "/chat",
    response_model=ChatResponse,
    responses=error_responses(*POST_ERRORS, 429, s429=FailedChatResponse, s500=FailedChatResponse),
)
async def chat(
    body: ChatRequest, request: Request, deps: CollaboratorsDep, metrics: MetricsDep, work: WorkDep
) -> ChatResponse | JSONResponse:
    """Answer a question with citations; safety signposts come with every answer, and with
    a rate-limited request too (the answer is shed, the signposts never are). When casebot
    is too busy (503, Retry-After) an urgent message still gets its safety reply."""
    history: History = [(turn.role, turn.content) for turn in body.history]
    refusal = await run_in_threadpool(count_request, request, "chat")
    if refusal is not None:
        shed = await run_in_threadpool(safety_reply, body.message, history, deps, body.mode)
        setattr(request.state, OUTCOME, outcome(shed))
        return _limited(_localised(request, shed), refusal, metrics)
    result = await work.answer(body.message, history, body.mode)
    metrics.observe_answer(result)
    setattr(request.state, OUTCOME, outcome(result))
    return chat_response(result)


def outcome(result: Answer) -> dict[str, str]:
    """What the access log may say about an answer: never its text."""
    return {"mode": result.mode, "scope": result.scope, "safety_level": result.safety.level}


def _localised(request: Request, result: Answer) -> Answer:
    return dataclasses.replace(result, safety=localise(request, result.safety))


def _limited(shed: Answer, refusal: Refusal, metrics: MetricsDep) -> ChatResponse | JSONResponse:
    """Someone who may be in danger gets the safety reply as an ordinary answer (any client
    shows it); anyone else a 429 that still carries the assessment."""
    metrics.shed.labels(shed.safety.level).inc()
    if shed.safety.level == "urgent":
        return chat_response(shed)
    exc = RateLimited(f"too many requests from this {refusal.limit}; try again later", 0)
    body = {
        "error": {"code": exc.code, "message": str(exc)},
        "safety": safety_out(shed.safety).model_dump(),
    }
    headers = {"retry-after": str(refusal.retry_after)}
    return JSONResponse(status_code=exc.status, content=body, headers=headers)
