"""The OpenAI-compatible facade's shapes: requests, completions, chunks, and the text a
stock chat client shows (the safety lead-in and signposts first, the answer with [n]
markers, then numbered footnotes with their verbatim quotes).

Only text inside `content` is shown by every OpenAI-speaking client, so everything a
person needs is there; the full /v1/chat response rides along as the `casebot` extension.
"""

from __future__ import annotations

import json
import time
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from casebot.api.schemas import (
    MAX_MESSAGE,
    MAX_TURNS,
    ChatResponse,
    CitationOut,
    SafetyOut,
    SignpostOut,
)
from casebot.errors import InvalidInput
from casebot.tokens import count_tokens

MODEL_ID = "casebot"
MAX_TURN_CHARS = 8000  # the Turn limit of /v1/chat
CREATED = 1_700_000_000  # when casebot's model id first existed, for GET /v1/models


class ContentPart(BaseModel):
    model_config = ConfigDict(extra="ignore")

    type: str
    text: str | None = None


class Message(BaseModel):
    model_config = ConfigDict(extra="ignore")

    role: Literal["system", "developer", "user", "assistant", "tool"]
    content: str | list[ContentPart] | None = None

    @property
    def text(self) -> str:
        if isinstance(self.content, list):
            return "\n".join(p.text for p in self.content if p.type == "text" and p.text)
        return self.content or ""


class StreamOptions(BaseModel):
    model_config = ConfigDict(extra="ignore")

    include_usage: bool = False


class CompletionRequest(BaseModel):
    """OpenAI's request. Sampling parameters (temperature, top_p, max_tokens...) are
    accepted and ignored: casebot's answers are deterministic and checked."""

    model_config = ConfigDict(extra="ignore")

    model: str = Field(min_length=1, max_length=200)
    messages: list[Message] = Field(min_length=1, max_length=200)
    stream: bool = False
    stream_options: StreamOptions | None = None
    n: int = Field(default=1, ge=1, le=1)


def question_and_history(request: CompletionRequest) -> tuple[str, list[tuple[str, str]]]:
    """The last message is the question (from the user); earlier user and assistant
    messages are the history, the most recent MAX_TURNS of them."""
    *earlier, last = request.messages
    question = last.text.strip()
    if last.role != "user" or not 1 <= len(question) <= MAX_MESSAGE:
        raise InvalidInput(
            f"the last message must be the user's question, 1 to {MAX_MESSAGE} characters"
        )
    history: list[tuple[str, str]] = [
        (m.role, m.text[:MAX_TURN_CHARS])
        for m in earlier
        if m.role in ("user", "assistant") and m.text.strip()
    ]
    return question, history[-MAX_TURNS:]


def lead_in(safety: SafetyOut) -> str:
    """The safety lead-in and signposts, as the content's first paragraph(s)."""
    lines = [safety.message] if safety.message else []
    lines += [f"- {signpost_line(s)}" for s in safety.signposts]
    return "\n".join(lines) + "\n\n" if lines else ""


def signpost_line(signpost: SignpostOut) -> str:
    ways = [f"call {signpost.phone}"] if signpost.phone else []
    if signpost.text:
        ways.append(f"text {signpost.text}")
    if signpost.url:
        ways.append(signpost.url)
    hours = f" ({signpost.hours})" if signpost.hours else ""
    how = f": {', '.join(ways)}" if ways else ""
    return f"**{signpost.name}**{how}{hours}. {signpost.description}"


def footnotes(citations: list[CitationOut]) -> str:
    """Numbered footnotes: the verbatim quote, then where it is (title, section, page, link)."""
    if not citations:
        return ""
    return "\n\n" + "\n".join(footnote(c) for c in citations)


def footnote(citation: CitationOut) -> str:
    where = [citation.title]
    if citation.section:
        where.append(citation.section)
    if citation.page is not None:
        where.append(f"page {citation.page}")
    link = f" {citation.url}" if citation.url else ""
    return f'[{citation.n}] "{citation.quote}" ({", ".join(where)}){link}'


def content(response: ChatResponse) -> str:
    return lead_in(response.safety) + response.answer + footnotes(response.citations)


class Usage(BaseModel):
    prompt_tokens: int
    completion_tokens: int
    total_tokens: int


def usage(question: str, text: str) -> Usage:
    """cl100k tokens of the question and of the content, as OpenAI counts them."""
    prompt, completion_ = count_tokens(question), count_tokens(text)
    return Usage(
        prompt_tokens=prompt, completion_tokens=completion_, total_tokens=prompt + completion_
    )


class AssistantMessage(BaseModel):
    role: Literal["assistant"] = "assistant"
    content: str
    refusal: None = None


class Choice(BaseModel):
    index: int = 0
    message: AssistantMessage
    finish_reason: Literal["stop"] = "stop"
    logprobs: None = None


class ChatCompletion(BaseModel):
    id: str
    object: Literal["chat.completion"] = "chat.completion"
    created: int
    model: str = MODEL_ID
    choices: list[Choice]
    usage: Usage
    casebot: ChatResponse = Field(description="The full POST /v1/chat response.")


def completion(response: ChatResponse, question: str) -> ChatCompletion:
    text = content(response)
    return ChatCompletion(
        id=f"chatcmpl-{response.answer_id}",
        created=int(time.time()),
        choices=[Choice(message=AssistantMessage(content=text))],
        usage=usage(question, text),
        casebot=response,
    )


class Delta(BaseModel):
    role: Literal["assistant"] | None = None
    content: str | None = None


class ChunkChoice(BaseModel):
    index: int = 0
    delta: Delta
    finish_reason: Literal["stop"] | None = None
    logprobs: None = None


class ChatCompletionChunk(BaseModel):
    """One `data:` line of a streamed completion. The last chunk with a choice has
    finish_reason "stop" and the `casebot` extension; with stream_options.include_usage a
    chunk with no choices and the usage follows; then `data: [DONE]`."""

    id: str
    object: Literal["chat.completion.chunk"] = "chat.completion.chunk"
    created: int
    model: str = MODEL_ID
    choices: list[ChunkChoice]
    usage: Usage | None = None
    casebot: ChatResponse | None = None

    def data(self) -> str:
        # What a chunk does not carry is left out rather than sent as null; the extension
        # keeps its nulls (the /v1/chat contract).
        body = self.model_dump(mode="json", exclude={"casebot"}, exclude_none=True)
        if self.casebot is not None:
            body["casebot"] = self.casebot.model_dump(mode="json")
        return json.dumps(body, ensure_ascii=False)


class ModelCard(BaseModel):
    id: str = MODEL_ID
    object: Literal["model"] = "model"
    created: int = CREATED
    owned_by: str = MODEL_ID


class ModelList(BaseModel):
    object: Literal["list"] = "list"
    data: list[ModelCard]
