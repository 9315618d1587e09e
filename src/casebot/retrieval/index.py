"""A loaded, read-only index version: chunks, vectors, BM25 and the Chroma store."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from casebot.errors import IndexNotReady
from casebot.ingest.indexer import SENTENCE_VECTORS_NAME, VECTORS_NAME, read_chunks
from casebot.ingest.layout import IndexLayout
from casebot.ingest.manifest import Manifest
from casebot.ingest.models import Chunk
from casebot.retrieval.lexical import LexicalIndex
from casebot.retrieval.spelling import Speller
from casebot.retrieval.store import ChromaStore, Store

if TYPE_CHECKING:
    from casebot.config import Settings


@dataclass(frozen=True)
class SourceDocument:
    doc_id: str
    title: str
    kind: str
    url: str | None
    source: str | None
    chunks: int
    pages: tuple[int, ...]


@dataclass
class LoadedIndex:
    version: str
    chunks: list[Chunk]
    vectors: np.ndarray[Any, Any]
    sentence_vectors: np.ndarray[Any, Any]
    store: Store
    lexical: LexicalIndex
    skipped: dict[str, str]

    def __post_init__(self) -> None:
        self.by_id = {c.chunk_id: c for c in self.chunks}
        self.position = {c.chunk_id: i for i, c in enumerate(self.chunks)}
        offsets = np.cumsum([0] + [len(c.sentences) for c in self.chunks])
        self.sentence_offsets: list[int] = [int(x) for x in offsets]
        self.speller = Speller(c.embed_text for c in self.chunks)
        # Which chunk each sentence vector belongs to, for sentence-level dense ranking.
        self.sentence_owner = np.repeat(
            np.arange(len(self.chunks)), [len(c.sentences) for c in self.chunks]
        )

    def sentence_rows(self, chunk_id: str) -> np.ndarray[Any, Any]:
        i = self.position[chunk_id]
        return self.sentence_vectors[self.sentence_offsets[i] : self.sentence_offsets[i + 1]]

    def documents(self) -> list[SourceDocument]:
        docs: dict[str, list[Chunk]] = {}
        for chunk in self.chunks:
            docs.setdefault(chunk.doc_id, []).append(chunk)
        return [
            SourceDocument(
                doc_id=doc_id,
                title=group[0].title,
                kind=group[0].kind,
                url=group[0].url,
                source=group[0].source,
                chunks=len(group),
                pages=tuple(sorted({c.page for c in group if c.page is not None})),
            )
            for doc_id, group in docs.items()
        ]


def load_index(settings: Settings, store: Store | None = None) -> LoadedIndex:
    """Open the current version; IndexNotReady when none has been built."""
    layout = IndexLayout(settings.index_root)
    version = layout.current_version()
    if version is None:
        raise IndexNotReady("no index has been built yet: run `casebot ingest`")
    directory: Path = layout.version_dir(version)
    try:
        chunks = read_chunks(directory)
        vectors = np.load(directory / VECTORS_NAME)
        sentence_vectors = np.load(directory / SENTENCE_VECTORS_NAME)
        lexical = LexicalIndex.load(directory / "bm25")
    except (OSError, ValueError) as exc:
        raise IndexNotReady(f"index version {version} is unreadable: {exc}") from exc
    manifest = Manifest.read(directory)
    if store is None:
        store = ChromaStore.open(settings, directory, version)
    return LoadedIndex(
        version=version,
        chunks=chunks,
        vectors=vectors,
        sentence_vectors=sentence_vectors,
        store=store,
        lexical=lexical,
        skipped=manifest.skipped if manifest else {},
    )
