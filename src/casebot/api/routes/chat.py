from __future__ import annotations

from fastapi import APIRouter, Request

from casebot.answer.pipeline import History
from casebot.api.convert import chat_response
from casebot.api.deps import MetricsDep, WorkDep
from casebot.api.middleware import OUTCOME
from casebot.api.schemas import (
    POST_ERRORS,
    ChatRequest,
    ChatResponse,
    FailedChatResponse,
    error_responses,
)
from casebot.api.shed import outcome, over_limit

router = APIRouter(prefix="/v1", tags=["chat"])


@router.post(
    "/chat",
    response_model=ChatResponse,
    responses=error_responses(*POST_ERRORS, 429, s429=FailedChatResponse, s500=FailedChatResponse),
)
async def chat(
    body: ChatRequest, request: Request, metrics: MetricsDep, work: WorkDep
) -> ChatResponse:
    """Answer a question with citations; safety signposts come with every answer, and with
    a rate-limited request too (the answer is shed, the signposts never are). When casebot
    is too busy (503, Retry-After) an urgent message still gets its safety reply."""
    history: History = [(turn.role, turn.content) for turn in body.history]
    shed = await over_limit(request, work.deps, body.message, history, body.mode)
    if shed is not None:
        return chat_response(shed.urgent_or_raise())
    result = await work.answer(body.message, history, body.mode)
    metrics.observe_answer(result)
    setattr(request.state, OUTCOME, outcome(result))
    return chat_response(result)
