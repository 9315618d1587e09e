"""Public contract v1 (DESIGN.md). Field names and shapes are a promise to clients."""

from __future__ import annotations

from typing import Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from casebot.answer.models import Role, Scope
from casebot.config import Mode, RequestedMode
from casebot.errors import InvalidInput
from casebot.feedback.models import MAX_COMMENT, Rating, Reason
from casebot.safety.models import Level

MAX_MESSAGE = 2000
MAX_TURNS = 20


# Requests are strict: true is not a number and a number is not text.
_REQUEST = ConfigDict(extra="forbid", strict=True)


class Turn(BaseModel):
    model_config = _REQUEST

    role: Role
    content: str = Field(max_length=8000)


class ChatRequest(BaseModel):
    model_config = _REQUEST

    message: str = Field(min_length=1, max_length=MAX_MESSAGE)
    history: list[Turn] = Field(default_factory=list, max_length=MAX_TURNS)
    mode: RequestedMode | None = None


def chat_request(message: str, mode: str | None) -> ChatRequest:
    """A ChatRequest from CLI arguments; InvalidInput names what is wrong, never echoing it."""
    try:
        return ChatRequest.model_validate({"message": message, "mode": mode})
    except ValidationError as exc:
        fields = {str(error["loc"][0]) for error in exc.errors()}
    if "message" in fields:
        raise InvalidInput(f"the question must be 1 to {MAX_MESSAGE} characters")
    *first, last = get_args(RequestedMode)
    raise InvalidInput(f"mode must be {', '.join(first)} or {last}")


class CitationOut(BaseModel):
    n: int
    chunk_id: str
    doc_id: str
    title: str
    section: str | None
    page: int | None
    url: str | None
    quote: str


class SignpostOut(BaseModel):
    id: str
    name: str
    phone: str | None
    text: str | None
    url: str | None
    hours: str | None
    description: str


class SafetyOut(BaseModel):
    level: Level
    categories: list[str]
    message: str | None
    signposts: list[SignpostOut]
    # Additive (contract v1 allows it): the reply leads with 999 and asks plainly whether
    # the person is safe right now; the level is then "urgent".
    check_in: bool = False


class ChatResponse(BaseModel):
    answer_id: str
    answer: str
    citations: list[CitationOut]
    safety: SafetyOut
    scope: Scope
    grounded: bool
    mode: Mode


class SearchRequest(BaseModel):
    model_config = _REQUEST

    query: str = Field(min_length=1, max_length=MAX_MESSAGE)
    k: int = Field(default=5, ge=1, le=20)

    @field_validator("k", mode="before")
    @classmethod
    def _whole_number(cls, value: Any) -> Any:
        # JSON has one number type: 5.0 is the integer 5 (as JSON Schema says); true is not.
        if isinstance(value, float) and value.is_integer():
            return int(value)
        return value


class SearchHit(BaseModel):
    chunk_id: str
    doc_id: str
    title: str
    section: str | None
    page: int | None
    url: str | None
    text: str
    score: float


class SearchResponse(BaseModel):
    results: list[SearchHit]


class SourceOut(BaseModel):
    doc_id: str
    title: str
    kind: str
    url: str | None
    source: str | None
    chunks: int
    pages: list[int]


class SourcesResponse(BaseModel):
    index_version: str
    sources: list[SourceOut]


class ServiceOut(SignpostOut):
    categories: list[str]
    always_open: bool
    non_police: bool
    source: str
    verified_on: str


class ServicesResponse(BaseModel):
    services: list[ServiceOut]


class FeedbackRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    answer_id: str = Field(pattern=r"^[0-9a-f]{32}$")
    rating: Rating
    reason: Reason
    comment: str | None = Field(default=None, max_length=MAX_COMMENT)


class FeedbackAccepted(BaseModel):
    status: Literal["stored"]
    # Personal details were taken out of the comment before it was stored.
    comment_redacted: bool


class BrandingOut(BaseModel):
    name: str
    primary_colour: str
    background_colour: str
    text_colour: str
    exit_url: str


class TenantOut(BaseModel):
    id: str
    name: str
    branding: BrandingOut


class ErrorBody(BaseModel):
    code: str
    message: str


class ErrorResponse(BaseModel):
    error: ErrorBody


class FailedChatResponse(ErrorResponse):
    """A 500 after the safety assessment still carries it: 999 reaches a person in danger."""

    safety: SafetyOut


class Check(BaseModel):
    status: str
    detail: str | None = None
    remedy: str | None = None


class Checks(BaseModel):
    index: Check
    store: Check


class ReadyResponse(BaseModel):
    status: Literal["ready"]
    index_version: str
    chunks: int
    checks: Checks


class NotReadyResponse(ErrorResponse):
    """Not ready: the first problem in `error`, every check with its remedy in `checks`."""

    checks: Checks


class HealthResponse(BaseModel):
    status: Literal["ok"]


_DESCRIPTIONS = {
    400: "The body is not readable JSON text",
    408: "The request body stalled",
    401: "A tenant's publishable key is missing or unknown",
    403: "The key's tenant does not allow this site",
    404: "Not found (the OpenAI-compatible API names one model)",
    413: "The request body is over the limit",
    422: "The request does not match the schema (the input is never repeated)",
    429: "Over a client's or tenant's rate limit (Retry-After says when to try again)",
    500: "Something went wrong on our side",
    503: "Not ready, or busy (then Retry-After says when to try again)",
    504: "The request did not finish in time",
}
POST_ERRORS = (400, 408, 413, 422, 500, 503, 504)
GET_ERRORS = (500, 504)


def error_responses(*statuses: int, **models: type[BaseModel]) -> dict[int | str, Any]:
    """OpenAPI entries for the error statuses a route returns (models by "s<status>")."""
    return {
        status: {
            "model": models.get(f"s{status}", ErrorResponse),
            "description": _DESCRIPTIONS[status],
        }
        for status in statuses
    }
# POST /v1/chat/stream: the data of each Server-Sent Event (the `safety` event's is SafetyOut,
# the `error` event's is ErrorBody).
class StreamDelta(BaseModel):
    """Answer text: a sentence at a time with its [n] markers; joined, the deltas are the
    answer."""

    text: str


class StreamCitations(BaseModel):
    citations: list[CitationOut]


class StreamDone(BaseModel):
    answer_id: str
    scope: Scope
    grounded: bool
    mode: Mode
