"""Public contract v1 (DESIGN.md). Field names and shapes are a promise to clients."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

MAX_MESSAGE = 2000
MAX_TURNS = 20


class Turn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    role: Literal["user", "assistant"]
    content: str = Field(max_length=8000)


class ChatRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    message: str = Field(min_length=1, max_length=MAX_MESSAGE)
    history: list[Turn] = Field(default_factory=list, max_length=MAX_TURNS)
    mode: Literal["auto", "extractive", "llm"] | None = None


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
    level: Literal["none", "sensitive", "urgent"]
    categories: list[str]
    message: str | None
    signposts: list[SignpostOut]


class ChatResponse(BaseModel):
    answer_id: str
    answer: str
    citations: list[CitationOut]
    safety: SafetyOut
    scope: Literal["in_scope", "out_of_scope", "refused"]
    grounded: bool
    mode: Literal["extractive", "llm"]


class SearchRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    query: str = Field(min_length=1, max_length=MAX_MESSAGE)
    k: int = Field(default=5, ge=1, le=20)


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


class ErrorBody(BaseModel):
    code: str
    message: str


class ErrorResponse(BaseModel):
    error: ErrorBody
