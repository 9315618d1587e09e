"""POST /v1/chat/stream: the answer as Server-Sent Events, the safety assessment first."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel
from sse_starlette import EventSourceResponse, ServerSentEvent
from starlette.background import BackgroundTask

from casebot.answer.pipeline import AnswerFailed
from casebot.api.admission import Started
from casebot.api.convert import chat_response, safety_out
from casebot.api.deps import WorkDep
from casebot.api.limits import Refusal
from casebot.api.schemas import (
    POST_ERRORS,
    ChatRequest,
    ErrorBody,
    StreamCitations,
    StreamDelta,
    StreamDone,
    error_responses,
)
from casebot.api.shed import over_limit
from casebot.config import Settings
from casebot.safety.models import SafetyAssessment

router = APIRouter(prefix="/v1", tags=["chat"])

STREAM_DESCRIPTION = """\
Server-Sent Events, in this order:

- `safety` (SafetyOut): the assessment and signposts, sent before retrieval or any model
  call, so 999 and the right service reach a person first;
- `delta` ({"text"}): answer text, a sentence at a time with its `[n]` markers; the deltas
  joined are the answer of POST /v1/chat;
- `citations` ({"citations": [CitationOut]});
- `done` ({"answer_id", "scope", "grounded", "mode"});
- `error` ({"code", "message"}) instead of the rest when the answer fails after `safety`,
  or when the client is over a rate limit (`rate_limited`: the answer is shed, never the
  safety event).

When casebot is too busy (every place in its work pool taken) the request is refused
with 503 and Retry-After before any event, except an urgent message: its stream carries
the safety event, then a short answer saying casebot is busy.

A comment line (`: ping`) goes out every CASEBOT_STREAM_HEARTBEAT_S seconds (15 by default)
while the stream is idle. A client that disconnects cancels the model call; a model that
gives no answer within CASEBOT_LLM_TIMEOUT_S gives way to the extractive answer.
"""


def _data_schema(event: str, model: type[BaseModel]) -> dict[str, Any]:
    """The JSON schema of one event's data, its references into the document's components
    (where the models /v1/chat uses already are)."""
    schema = model.model_json_schema(ref_template=COMPONENT)
    schema.pop("$defs", None)
    return {**schema, "title": event}


def _event(event: str, data: dict[str, Any]) -> dict[str, Any]:
    """One event as a client's SSE parser gives it: its name, and its data as a string of
    JSON whose schema is `data` (so validators read the event, not only its data)."""
    return {
        "title": event,
        "type": "object",
        "required": ["event", "data"],
        "properties": {
            "event": {"const": event},
            "data": {
                "type": "string",
                "contentMediaType": "application/json",
                "contentSchema": data,
            },
        },
    }


COMPONENT = "#/components/schemas/{model}"
EVENTS_SCHEMA = {
    "description": "Each event's `data` is JSON, by the event's name:",
    "oneOf": [
        _event("safety", {"$ref": COMPONENT.format(model="SafetyOut")}),
        _event("delta", _data_schema("delta", StreamDelta)),
        _event("citations", _data_schema("citations", StreamCitations)),
        _event("done", _data_schema("done", StreamDone)),
        _event("error", {"$ref": COMPONENT.format(model="ErrorBody")}),
    ],
}

EXAMPLE = (
    'event: safety\ndata: {"level": "none", "categories": [], "message": null, '
    '"signposts": [], "check_in": false}\n\n'
    'event: delta\ndata: {"text": "The review found freezers storing rape kits were '
    'overstuffed and broken [1]."}\n\n'
    'event: citations\ndata: {"citations": [{"n": 1, "...": "..."}]}\n\n'
    'event: done\ndata: {"answer_id": "...", "scope": "in_scope", "grounded": true, '
    '"mode": "extractive"}\n\n'
)


@router.post(
    "/chat/stream",
    response_class=EventSourceResponse,
    summary="Chat, streamed as Server-Sent Events",
    description=STREAM_DESCRIPTION,
    responses={
        200: {
            "description": "An event stream (see above).",
            "content": {"text/event-stream": {"schema": EVENTS_SCHEMA, "example": EXAMPLE}},
        },
        **error_responses(*POST_ERRORS, 429),
    },
)
async def chat_stream(body: ChatRequest, request: Request, work: WorkDep) -> EventSourceResponse:
    history = [(turn.role, turn.content) for turn in body.history]
    settings: Settings = request.app.state.settings
    # Assessed before the response starts: a failure here is a plain 500, a full pool a 503
    # (unless the message is urgent), and the stream opens with the assessment (the
    # tenant's local services among its signposts).
    shed = await over_limit(request, work.deps, body.message, history, body.mode)
    if shed is not None:
        return _respond(shed_events(shed.reply.safety, shed.refusal), settings)
    started = await work.start(body.message, history, body.mode)
    return _respond(chat_events(started), settings, BackgroundTask(started.release))


def _respond(
    events: AsyncIterator[ServerSentEvent],
    settings: Settings,
    background: BackgroundTask | None = None,
) -> EventSourceResponse:
    # The background task releases the pool place of a stream whose events never began.
    return EventSourceResponse(
        events,
        ping=settings.stream_heartbeat_s,
        headers={"X-Accel-Buffering": "no"},
        background=background,
    )


async def shed_events(
    safety: SafetyAssessment, refusal: Refusal
) -> AsyncIterator[ServerSentEvent]:
    """Over a limit: the answer is shed, the safety event never is."""
    yield ServerSentEvent(safety_out(safety).model_dump_json(), event="safety")
    limited = refusal.error()
    error = ErrorBody(code=limited.code, message=str(limited))
    yield ServerSentEvent(error.model_dump_json(), event="error")


async def chat_events(started: Started) -> AsyncIterator[ServerSentEvent]:
    try:
        yield ServerSentEvent(safety_out(started.safety).model_dump_json(), event="safety")
        try:
            answer = await started.rest()
        except AnswerFailed:
            error = ErrorBody(code="internal_error", message="Something went wrong on our side.")
            yield ServerSentEvent(error.model_dump_json(), event="error")
            return
    finally:
        started.release()
    for text in answer.deltas:
        yield ServerSentEvent(StreamDelta(text=text).model_dump_json(), event="delta")
    response = chat_response(answer)
    citations = StreamCitations(citations=response.citations)
    yield ServerSentEvent(citations.model_dump_json(), event="citations")
    done = StreamDone(
        answer_id=answer.answer_id, scope=answer.scope, grounded=answer.grounded, mode=answer.mode
    )
    yield ServerSentEvent(done.model_dump_json(), event="done")
