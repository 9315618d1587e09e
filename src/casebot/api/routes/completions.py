"""The OpenAI-compatible API: POST /v1/chat/completions (streamed or not), GET /v1/models."""

from __future__ import annotations

import dataclasses
import time
import uuid
from collections.abc import AsyncIterator
from typing import Literal

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sse_starlette import EventSourceResponse, ServerSentEvent
from starlette.concurrency import run_in_threadpool

from casebot.answer.pipeline import AnswerFailed, Assessed, Collaborators, answer, assess
from casebot.answer.stream import complete
from casebot.api.completions import (
    MODEL_ID,
    ChatCompletion,
    ChatCompletionChunk,
    ChunkChoice,
    CompletionRequest,
    Delta,
    ModelCard,
    ModelList,
    completion,
    footnotes,
    lead_in,
    question_and_history,
    usage,
)
from casebot.api.convert import chat_response, safety_out
from casebot.api.deps import CollaboratorsDep
from casebot.api.schemas import (
    POST_ERRORS,
    ChatResponse,
    ErrorBody,
    ErrorResponse,
    FailedChatResponse,
    error_responses,
)
from casebot.api.tenancy import localise
from casebot.config import Settings
from casebot.errors import ModelNotFound

router = APIRouter(prefix="/v1", tags=["openai-compatible"])

DESCRIPTION = f"""\
OpenAI's chat completions, for clients that already speak that API. Model `{MODEL_ID}`.
The last message is the question (it must be the user's); earlier user and assistant
messages are the history (system messages are ignored: casebot keeps its own rules).

`content` starts with the safety lead-in and signposts, then the answer with `[n]`
markers, then numbered footnotes, each with its verbatim quote, title, section, page and
link. The full POST /v1/chat response rides along as the `{MODEL_ID}` extension object.

With `"stream": true` the reply is `text/event-stream` of `chat.completion.chunk` objects:
the first carries the role and the safety lead-in (sent before retrieval or any model
call), then the answer a sentence at a time, then the footnotes, then a chunk with
`finish_reason: "stop"` and the `{MODEL_ID}` extension, then `data: [DONE]`.
"""


@router.get("/models", response_model=ModelList)
def list_models() -> ModelList:
    """The one model casebot serves."""
    return ModelList(data=[ModelCard()])


@router.get("/models/{model}", response_model=ModelCard, responses={404: {"model": ErrorResponse}})
def get_model(model: str) -> ModelCard:
    _check_model(model)
    return ModelCard()


@router.post(
    "/chat/completions",
    response_model=ChatCompletion,
    description=DESCRIPTION,
    responses={
        200: {
            "content": {
                "text/event-stream": {
                    "schema": {"type": "string"},
                    "example": 'data: {"object": "chat.completion.chunk", ...}\n\n'
                    "data: [DONE]\n\n",
                }
            }
        },
        **error_responses(*POST_ERRORS, 404, s500=FailedChatResponse),
    },
)
async def chat_completions(
    body: CompletionRequest, deps: CollaboratorsDep, request: Request
) -> JSONResponse | EventSourceResponse:
    _check_model(body.model)
    question, history = question_and_history(body)
    if not body.stream:
        result = await run_in_threadpool(answer, question, history, deps, None)
        result = dataclasses.replace(result, safety=localise(request, result.safety))
        return JSONResponse(completion(chat_response(result), question).model_dump())
    assessed = await run_in_threadpool(assess, question, history, deps, None)
    assessed = dataclasses.replace(assessed, safety=localise(request, assessed.safety))
    settings: Settings = request.app.state.settings
    include_usage = body.stream_options is not None and body.stream_options.include_usage
    return EventSourceResponse(
        completion_chunks(assessed, deps, include_usage),
        ping=settings.stream_heartbeat_s,
        headers={"X-Accel-Buffering": "no"},
    )


def _check_model(model: str) -> None:
    if model != MODEL_ID:
        raise ModelNotFound(f"the only model is {MODEL_ID!r}")


async def completion_chunks(
    assessed: Assessed, deps: Collaborators, include_usage: bool
) -> AsyncIterator[ServerSentEvent]:
    completion_id, created = f"chatcmpl-{uuid.uuid4().hex}", int(time.time())

    def chunk(
        delta: Delta, finish: Literal["stop"] | None = None, extension: ChatResponse | None = None
    ) -> ServerSentEvent:
        choice = ChunkChoice(delta=delta, finish_reason=finish)
        body = ChatCompletionChunk(
            id=completion_id, created=created, choices=[choice], casebot=extension
        )
        return ServerSentEvent(body.data())

    first = lead_in(safety_out(assessed.safety))
    yield chunk(Delta(role="assistant", content=first))
    try:
        result = await complete(assessed, deps)
    except AnswerFailed:
        error = ErrorBody(code="internal_error", message="Something went wrong on our side.")
        yield ServerSentEvent(ErrorResponse(error=error).model_dump_json())
        return
    response = chat_response(result)
    for text in result.deltas:
        yield chunk(Delta(content=text))
    notes = footnotes(response.citations)
    if notes:
        yield chunk(Delta(content=notes))
    yield chunk(Delta(), "stop", response)
    if include_usage:
        text = first + result.text + notes
        last = ChatCompletionChunk(
            id=completion_id, created=created, choices=[], usage=usage(assessed.message, text)
        )
        yield ServerSentEvent(last.data())
    yield ServerSentEvent("[DONE]")
