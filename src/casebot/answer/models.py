"""The answer pipeline's own types; the API maps them to its public schema."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from casebot.safety.models import SafetyAssessment

Scope = Literal["in_scope", "out_of_scope", "refused"]
Mode = Literal["extractive", "llm"]


@dataclass(frozen=True)
class Citation:
    n: int
    chunk_id: str
    doc_id: str
    title: str
    section: str | None
    page: int | None
    url: str | None
    quote: str


@dataclass(frozen=True)
class Draft:
    """Answer sentences, each with the citation numbers that support it."""

    sentences: tuple[tuple[str, tuple[int, ...]], ...]
    citations: tuple[Citation, ...]

    @property
    def text(self) -> str:
        return " ".join(_with_markers(s, ns) for s, ns in self.sentences)


def _with_markers(sentence: str, numbers: tuple[int, ...]) -> str:
    markers = "".join(f"[{n}]" for n in numbers)
    body = sentence.rstrip()
    if body and body[-1] in ".!?":
        return f"{body[:-1]} {markers}{body[-1]}"
    return f"{body} {markers}"


@dataclass(frozen=True)
class Answer:
    answer_id: str
    text: str
    citations: tuple[Citation, ...]
    safety: SafetyAssessment
    scope: Scope
    grounded: bool
    mode: Mode
    notes: tuple[str, ...] = field(default=())  # operational notes (never message text)
