"""Documents and chunks: what ingestion produces and retrieval serves."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

# overview: casebot's own short statements of the review's findings, cited like the report;
# context: events and inquiries that are not Casey findings, labelled so in answers.
Kind = Literal["report", "overview", "context", "support"]


@dataclass(frozen=True)
class Block:
    """A paragraph of a document with where it stands: its section path and page."""

    text: str
    section: tuple[str, ...] = ()
    page: int | None = None
    serves: tuple[str, ...] = ()  # safety categories this section's guidance answers


@dataclass(frozen=True)
class Document:
    doc_id: str
    path: str
    title: str
    kind: Kind
    blocks: tuple[Block, ...]
    source: str | None = None
    url: str | None = None
    published: str | None = None
    serves: tuple[str, ...] = ()  # safety categories this guidance answers


@dataclass(frozen=True)
class Chunk:
    chunk_id: str
    doc_id: str
    path: str
    title: str
    kind: Kind
    text: str
    section: str | None = None
    page: int | None = None
    url: str | None = None
    source: str | None = None
    sentences: tuple[str, ...] = field(default=())
    serves: tuple[str, ...] = field(default=())

    @property
    def embed_text(self) -> str:
        """What the embedder sees: the heading trail gives a short chunk its topic."""
        head = self.title if not self.section else f"{self.title} - {self.section}"
        return f"{head}\n{self.text}"

    def to_record(self) -> dict[str, Any]:
        record = asdict(self)
        record["sentences"] = list(self.sentences)
        record["serves"] = list(self.serves)
        return record

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> Chunk:
        data = dict(record)
        data["sentences"] = tuple(data.get("sentences", ()))
        data["serves"] = tuple(data.get("serves", ()))
        return cls(**data)
