"""The OpenAI-compatible API: POST /v1/chat/completions (streamed or not), GET /v1/models."""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator
from typing import Literal

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sse_starlette import EventSourceResponse, ServerSentEvent
from starlette.background import BackgroundTask

from casebot.answer.pipeline import AnswerFailed
from casebot.api.admission import Started
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
from casebot.api.deps import WorkDep
from casebot.api.schemas import (
    POST_ERRORS,
    ChatResponse,
    ErrorBody,
    ErrorResponse,
    FailedChatResponse,
    error_responses,
)
from casebot.api.shed import over_limit
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

When casebot is too busy the request is refused with 503 and Retry-After, except an urgent
message: it is answered with the safety lead-in and a short answer saying casebot is busy.
Completions count against the same rate limits as POST /v1/chat (one budget for both):
over one, 429 with Retry-After whose body still carries the `safety` assessment, except an
urgent message, answered with its safety lead-in.
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
        **error_responses(*POST_ERRORS, 404, 429, s429=FailedChatResponse, s500=FailedChatResponse),
    },
)
async def chat_completions(
    body: CompletionRequest, request: Request, work: WorkDep
) -> JSONResponse | EventSourceResponse:
    _check_model(body.model)
    question, history = question_and_history(body)
    shed = await over_limit(request, work.deps, question, history, None)
    if not body.stream:
        result = shed.urgent_or_raise() if shed else await work.answer(question, history, None)
        return JSONResponse(completion(chat_response(result), question).model_dump())
    if shed is not None:
        started = Started.finished(shed.urgent_or_raise())
    else:
        started = await work.start(question, history, None)
    settings: Settings = request.app.state.settings
    include_usage = body.stream_options is not None and body.stream_options.include_usage
    return EventSourceResponse(
        completion_chunks(started, question, include_usage),
        ping=settings.stream_heartbeat_s,
        headers={"X-Accel-Buffering": "no"},
        # Releases the pool place of a stream whose chunks never began.
        background=BackgroundTask(started.release),
    )


def _check_model(model: str) -> None:
    if model != MODEL_ID:
        raise ModelNotFound(f"the only model is {MODEL_ID!r}")


async def completion_chunks(
    started: Started, question: str, include_usage: bool
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

    first = lead_in(safety_out(started.safety))
    try:
        yield chunk(Delta(role="assistant", content=first))
        try:
            result = await started.rest()
        except AnswerFailed:
            error = ErrorBody(code="internal_error", message="Something went wrong on our side.")
            yield ServerSentEvent(ErrorResponse(error=error).model_dump_json())
            return
    finally:
        started.release()
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
            id=completion_id, created=created, choices=[], usage=usage(question, text)
        )
        yield ServerSentEvent(last.data())
    yield ServerSentEvent("[DONE]")
