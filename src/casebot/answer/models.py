"""The answer pipeline's own types; the API maps them to its public schema."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal, NamedTuple

from casebot.config import Mode
from casebot.index.models import Chunk
from casebot.safety.models import SafetyAssessment

Scope = Literal["in_scope", "out_of_scope", "refused"]
Role = Literal["user", "assistant"]  # who said a turn of the history
# What a question asks for (answer/qtype.py); the composer chooses its strategy by it.
QuestionType = Literal[
    "overview", "why_how", "number", "list_compare", "when", "who_what", "attribution", "support"
]

# A citation marker as answers carry it: "... broken [1]." The one definition of its form.
MARKER = re.compile(r"\[(\d+)\]")


def strip_markers(text: str) -> str:
    return MARKER.sub("", text)


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


def citation_for(chunk: Chunk, n: int, quote: str) -> Citation:
    return Citation(
        n=n,
        chunk_id=chunk.chunk_id,
        doc_id=chunk.doc_id,
        title=chunk.title,
        section=chunk.section,
        page=chunk.page,
        url=chunk.url,
        quote=quote,
    )


class Sentence(NamedTuple):
    """An answer sentence and the numbers of the citations that support it."""

    text: str
    refs: tuple[int, ...]


@dataclass(frozen=True)
class Draft:
    sentences: tuple[Sentence, ...]
    citations: tuple[Citation, ...]

    @property
    def text(self) -> str:
        return " ".join(with_markers(s) for s in self.sentences)


def with_markers(sentence: Sentence) -> str:
    markers = "".join(f"[{n}]" for n in sentence.refs)
    body = sentence.text.rstrip()
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
    timings: tuple[tuple[str, float], ...] = field(default=())  # seconds per stage
    sentences: tuple[Sentence, ...] = field(default=())  # a grounded answer's, verified
    question_type: str | None = None  # what the question asks for (answer/qtype.py)

    @property
    def deltas(self) -> tuple[str, ...]:
        """The text as it is streamed: a sentence at a time with its markers (a space
        before each but the first). Joined, they are `text`."""
        if not self.sentences:
            return (self.text,)
        parts = [with_markers(s) for s in self.sentences]
        return (parts[0], *(" " + part for part in parts[1:]))
