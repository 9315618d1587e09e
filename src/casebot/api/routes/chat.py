from __future__ import annotations

from fastapi import APIRouter, Request

from casebot.answer.models import Answer
from casebot.answer.pipeline import History, answer, triage
from casebot.api.convert import chat_response
from casebot.api.deps import CollaboratorsDep, PoolDep, WorkTimeout
from casebot.api.middleware import OUTCOME
from casebot.api.schemas import (
    POST_ERRORS,
    ChatRequest,
    ChatResponse,
    FailedChatResponse,
    error_responses,
)
from casebot.errors import DeadlineExceeded, Overloaded

router = APIRouter(prefix="/v1", tags=["chat"])


@router.post(
    "/chat",
    response_model=ChatResponse,
    responses=error_responses(*POST_ERRORS, s500=FailedChatResponse),
)
async def chat(
    body: ChatRequest,
    request: Request,
    deps: CollaboratorsDep,
    pool: PoolDep,
    timeout: WorkTimeout,
) -> ChatResponse:
    """Answer a question with citations; safety signposts come with every answer. When
    casebot is too busy (503, Retry-After) an urgent message still gets its safety reply."""
    history: History = [(turn.role, turn.content) for turn in body.history]
    try:
        result = await pool.run(timeout, answer, body.message, history, deps, body.mode)
    except (Overloaded, DeadlineExceeded) as exc:
        shed = await pool.triage(triage, body.message, history, deps, body.mode)
        if shed is None:
            setattr(request.state, OUTCOME, {"shed": True})
            raise exc from None
        result = shed
    setattr(request.state, OUTCOME, outcome(result))
    return chat_response(result)


def outcome(result: Answer) -> dict[str, str]:
    """What the access log may say about an answer: never its text."""
    return {"mode": result.mode, "scope": result.scope, "safety_level": result.safety.level}
