from __future__ import annotations

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool

from casebot.answer.pipeline import answer
from casebot.api.convert import chat_response
from casebot.api.deps import CollaboratorsDep
from casebot.api.schemas import ChatRequest, ChatResponse, ErrorResponse, FailedChatResponse

router = APIRouter(prefix="/v1", tags=["chat"])


@router.post(
    "/chat",
    response_model=ChatResponse,
    responses={
        413: {"model": ErrorResponse},
        422: {"model": ErrorResponse},
        500: {"model": FailedChatResponse},
    },
)
async def chat(body: ChatRequest, deps: CollaboratorsDep) -> ChatResponse:
    """Answer a question with citations; safety signposts come with every answer."""
    history = [(turn.role, turn.content) for turn in body.history]
    result = await run_in_threadpool(answer, body.message, history, deps, body.mode)
    return chat_response(result)
