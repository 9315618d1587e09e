"""One index version on disk, written whole by ingest and read whole by retrieval.

A version directory holds manifest.json (what it was built from), chunks.jsonl (one chunk
a line), vectors.npy (a row per chunk), sentence_vectors.npy (a row per chunk sentence, in
chunk order), bm25/ (the lexical index) and, in embedded mode, chroma/. A version is built
in a partial directory and published atomically (layout.py), so readers never see half.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import secrets
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from casebot.errors import IndexNotReady
from casebot.index.layout import IndexLayout
from casebot.index.lexical import LexicalIndex
from casebot.index.manifest import MANIFEST_NAME, Manifest
from casebot.index.models import Chunk
from casebot.index.spelling import Speller
from casebot.index.store import ChromaStore, Store, StoreParams
from casebot.progress import Reporter

CHUNKS_NAME = "chunks.jsonl"
VECTORS_NAME = "vectors.npy"
SENTENCE_VECTORS_NAME = "sentence_vectors.npy"
LEXICAL_DIR = "bm25"

Matrix = np.ndarray[Any, Any]


class Row(NamedTuple):
    """One chunk as a version stores it: the chunk, its vector and its sentences' vectors."""

    chunk: Chunk
    vector: Matrix
    sentence_vectors: Matrix


def read_chunks(version_dir: Path) -> list[Chunk]:
    with open(version_dir / CHUNKS_NAME, encoding="utf-8") as handle:
        return [Chunk.from_record(json.loads(line)) for line in handle if line.strip()]


def read_rows(version_dir: Path, paths: Collection[str]) -> dict[str, list[Row]]:
    """The stored rows of the documents at `paths`, by document path, in stored order."""
    chunks = read_chunks(version_dir)
    vectors = np.load(version_dir / VECTORS_NAME)
    sentence_vectors = np.load(version_dir / SENTENCE_VECTORS_NAME)
    out: dict[str, list[Row]] = {}
    offset = 0
    for i, chunk in enumerate(chunks):
        n = len(chunk.sentences)
        if chunk.path in paths:
            row = Row(chunk, vectors[i], sentence_vectors[offset : offset + n])
            out.setdefault(chunk.path, []).append(row)
        offset += n
    return out


def publish(
    layout: IndexLayout,
    rows: Sequence[Row],
    manifest: Manifest,
    store: StoreParams,
    reporter: Reporter,
) -> str:
    """Write `rows` as a new version, make it current and drop superseded ones; its name."""
    version = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S") + "-" + secrets.token_hex(3)
    work = layout.start(version)
    _write(work, version, rows, dataclasses.replace(manifest, version=version), store, reporter)
    layout.publish(version)
    for stale in layout.prune():
        ChromaStore.drop(store, layout.version_dir(stale), stale)
    return version


def _write(
    work: Path,
    version: str,
    rows: Sequence[Row],
    manifest: Manifest,
    store: StoreParams,
    reporter: Reporter,
) -> None:
    chunks = [row.chunk for row in rows]
    vectors = np.stack([row.vector for row in rows]).astype(np.float32)
    parts = [row.sentence_vectors for row in rows if len(row.sentence_vectors)]
    sentence_vectors = (
        np.concatenate(parts) if parts else np.zeros((0, vectors.shape[1]), dtype=np.float32)
    ).astype(np.float32)
    with open(work / CHUNKS_NAME, "w", encoding="utf-8") as handle:
        for chunk in chunks:
            handle.write(json.dumps(chunk.to_record(), ensure_ascii=False) + "\n")
    np.save(work / VECTORS_NAME, vectors)
    np.save(work / SENTENCE_VECTORS_NAME, sentence_vectors)
    (work / LEXICAL_DIR).mkdir()
    ids = [c.chunk_id for c in chunks]
    LexicalIndex.build(ids, [c.embed_text for c in chunks]).save(work / LEXICAL_DIR)
    advance = reporter.stage("Writing vector store", len(chunks))
    written = 0

    def progress(done: int) -> None:
        nonlocal written
        advance(done - written)
        written = done

    metadatas = [_metadata(c) for c in chunks]
    ChromaStore.create(store, work, version, ids, vectors, metadatas, progress)
    (work / MANIFEST_NAME).write_text(manifest.to_json(), encoding="utf-8")


def _metadata(chunk: Chunk) -> dict[str, Any]:
    meta: dict[str, Any] = {"doc_id": chunk.doc_id, "kind": chunk.kind, "title": chunk.title}
    if chunk.page is not None:
        meta["page"] = chunk.page
    if chunk.section:
        meta["section"] = chunk.section
    return meta


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
    """A read-only version in memory: chunks, vectors, BM25 and the Chroma store."""

    version: str
    chunks: list[Chunk]
    vectors: Matrix
    sentence_vectors: Matrix
    store: Store
    lexical: LexicalIndex
    skipped: dict[str, str]

    def __post_init__(self) -> None:
        self.by_id = {c.chunk_id: c for c in self.chunks}
        self.position = {c.chunk_id: i for i, c in enumerate(self.chunks)}
        # Each chunk's place in chunk-id order: rankings break ties by it, never by where a
        # build happened to store the chunk.
        self.id_rank = np.argsort(np.argsort([c.chunk_id for c in self.chunks], kind="stable"))
        offsets = np.cumsum([0] + [len(c.sentences) for c in self.chunks])
        self.sentence_offsets: list[int] = [int(x) for x in offsets]
        self.speller = Speller(c.embed_text for c in self.chunks)
        # Which chunk each sentence vector belongs to, for sentence-level dense ranking.
        self.sentence_owner = np.repeat(
            np.arange(len(self.chunks)), [len(c.sentences) for c in self.chunks]
        )

    def sentence_rows(self, chunk_id: str) -> Matrix:
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


def inconsistency(
    chunks: Sequence[Chunk], vectors: Matrix, sentence_vectors: Matrix, lexical: LexicalIndex
) -> str | None:
    """What disagrees between the parts of a version (None when they agree): answers
    from a version whose rows do not line up would cite the wrong text."""
    sentences = sum(len(c.sentences) for c in chunks)
    if len(vectors) != len(chunks):
        return f"{len(vectors)} vectors for {len(chunks)} chunks"
    if len(sentence_vectors) != sentences:
        return f"{len(sentence_vectors)} sentence vectors for {sentences} sentences"
    if lexical.ids != [c.chunk_id for c in chunks]:
        return f"the BM25 index holds {len(lexical.ids)} ids that are not the {len(chunks)} chunks"
    return None


def load_index(root: Path, store: StoreParams) -> LoadedIndex:
    """Open the current version under `root`; IndexNotReady when none has been built."""
    layout = IndexLayout(root)
    version = layout.current_version()
    if version is None:
        raise IndexNotReady("no index has been built yet: run `casebot ingest`")
    directory = layout.version_dir(version)
    try:
        chunks = read_chunks(directory)
        vectors = np.load(directory / VECTORS_NAME)
        sentence_vectors = np.load(directory / SENTENCE_VECTORS_NAME)
        lexical = LexicalIndex.load(directory / LEXICAL_DIR)
    except (OSError, ValueError, EOFError) as exc:  # EOFError: a file cut short
        raise IndexNotReady(f"index version {version} is unreadable: {exc}") from exc
    problem = inconsistency(chunks, vectors, sentence_vectors, lexical)
    if problem:
        raise IndexNotReady(f"index version {version} is inconsistent: {problem}")
    manifest = Manifest.read(directory)
    return LoadedIndex(
        version=version,
        chunks=chunks,
        vectors=vectors,
        sentence_vectors=sentence_vectors,
        store=ChromaStore.open(store, directory, version),
        lexical=lexical,
        skipped=manifest.skipped if manifest else {},
    )
