"""Build an index version: incremental (content hashes) and atomic (build beside, then swap).

Ingest turns knowledge files into chunks and vectors; index/ owns how a version is stored.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from casebot.embeddings import Embedder, Vectors
from casebot.errors import ConfigError, IngestError
from casebot.index import version
from casebot.index.layout import IndexLayout
from casebot.index.manifest import Changes, Manifest, diff, file_hash
from casebot.index.models import Chunk
from casebot.index.store import StoreParams
from casebot.index.version import Row
from casebot.ingest.chunking import ChunkParams, chunk_document
from casebot.ingest.loaders import load_document, scan
from casebot.progress import Reporter

# Bumped when a version's rows change for the same files (chunking, or how texts are
# batched for the model): rows of an older version are then not reused.
CHUNKER_VERSION = "10"
_EMBED_BATCH = 64


@dataclass(frozen=True)
class IngestParams:
    knowledge_dir: Path
    index_root: Path
    chunking: ChunkParams
    store: StoreParams
    embedder: str  # the model's name: vectors from another model cannot be reused


@dataclass
class IngestReport:
    version: str | None
    built: bool
    changes: Changes
    skipped: dict[str, str] = field(default_factory=dict)
    chunks: int = 0
    seconds: float = 0.0

    @property
    def changed_documents(self) -> int:
        return self.changes.count


def fingerprint(params: IngestParams) -> str:
    chunking = params.chunking
    raw = json.dumps(
        [CHUNKER_VERSION, chunking.tokens, chunking.overlap_sentences, params.embedder]
    )
    return hashlib.sha256(raw.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class _Plan:
    """What this run must do: the files found and how they differ from the current version."""

    files: dict[str, Path]
    hashes: dict[str, str]
    skipped: dict[str, str]
    changes: Changes
    current: str | None
    reusable: Manifest | None  # the current version's manifest, when its rows can be reused

    @property
    def up_to_date(self) -> bool:
        return self.reusable is not None and self.changes.count == 0


def ingest(
    params: IngestParams,
    embedder_factory: Callable[[], Embedder],
    reporter: Reporter,
    force: bool = False,
) -> IngestReport:
    """Bring the index up to date with knowledge/. Safe to kill at any point."""
    started = time.perf_counter()
    layout = IndexLayout(params.index_root)
    with _ingest_lock(layout.root):
        plan = _plan(params, layout, force)
        if plan.up_to_date and plan.reusable is not None:
            skipped = {**plan.skipped, **plan.reusable.skipped}
            seconds = time.perf_counter() - started
            return IngestReport(plan.current, False, plan.changes, skipped, 0, seconds)
        layout.prune()
        kept: dict[str, list[Row]] = {}
        if plan.reusable is not None and plan.current is not None:
            kept = version.read_rows(layout.version_dir(plan.current), plan.changes.unchanged)
        fresh, skipped = _load(params, plan, reporter)
        rows = _in_file_order(plan.files, kept, _embed_all(fresh, embedder_factory, reporter))
        if not rows:
            problems = "; ".join(f"{path}: {reason}" for path, reason in sorted(skipped.items()))
            raise IngestError(
                f"no document in {params.knowledge_dir} could be indexed"
                + (f" (skipped {problems})" if problems else "")
            )
        manifest = Manifest(
            fingerprint=fingerprint(params),
            documents=plan.hashes,
            skipped={p: r for p, r in skipped.items() if p in plan.hashes},
        )
        name = version.publish(layout, rows, manifest, params.store, reporter)
        seconds = time.perf_counter() - started
        return IngestReport(name, True, plan.changes, skipped, len(rows), seconds)


def _plan(params: IngestParams, layout: IndexLayout, force: bool) -> _Plan:
    files, skipped = scan(params.knowledge_dir)
    hashes = {rel: file_hash(path) for rel, path in files.items()}
    current = layout.current_version()
    old = Manifest.read(layout.version_dir(current)) if current else None
    reusable = old if old and old.fingerprint == fingerprint(params) and not force else None
    changes = diff(reusable.documents if reusable else {}, hashes)
    return _Plan(files, hashes, skipped, changes, current, reusable)


def _load(
    params: IngestParams, plan: _Plan, reporter: Reporter
) -> tuple[list[Chunk], dict[str, str]]:
    """Chunks of the added and changed documents, and every skipped file with its reason."""
    skipped = dict(plan.skipped)
    fresh: list[Chunk] = []
    todo = (*plan.changes.added, *plan.changes.changed)
    advance = reporter.stage("Reading documents", len(todo))
    for rel in todo:
        try:
            doc = load_document(plan.files[rel], params.knowledge_dir)
            fresh.extend(chunk_document(doc, params.chunking))
        except IngestError as exc:
            skipped[rel] = str(exc)
        advance(1)
    # An unchanged file that failed before fails again: carry its reason, do not reread it.
    if plan.reusable is not None:
        unchanged = set(plan.changes.unchanged)
        skipped.update((p, r) for p, r in plan.reusable.skipped.items() if p in unchanged)
    return fresh, skipped


def _embed_all(
    fresh: Sequence[Chunk], embedder_factory: Callable[[], Embedder], reporter: Reporter
) -> list[Row]:
    """A row per chunk. Each document is embedded on its own, each distinct text once.

    A model pads a batch to its longest text, so a row's last bits depend on the texts it
    was batched with. Batching within a document makes a document's rows a function of its
    content alone: rows kept from an earlier version are the rows a fresh build computes,
    and a sentence repeated by chunk overlap gets one vector, so its tie stays a tie.
    """
    if not fresh:
        return []  # nothing new: the model is never loaded
    embedder = embedder_factory()
    documents: dict[str, list[Chunk]] = {}
    for chunk in fresh:
        documents.setdefault(chunk.path, []).append(chunk)
    chunk_stage = reporter.stage("Embedding chunks", len(fresh))
    sentence_stage = reporter.stage("Embedding sentences", sum(len(c.sentences) for c in fresh))
    rows: list[Row] = []
    for chunks in documents.values():
        vectors = _embed_distinct(embedder, [c.embed_text for c in chunks])
        chunk_stage(len(chunks))
        sentences = [s for c in chunks for s in c.sentences]
        sentence_vectors = _embed_distinct(embedder, sentences)
        sentence_stage(len(sentences))
        offset = 0
        for chunk, vector in zip(chunks, vectors, strict=True):
            n = len(chunk.sentences)
            rows.append(Row(chunk, vector, sentence_vectors[offset : offset + n]))
            offset += n
    return rows


def _embed_distinct(embedder: Embedder, texts: Sequence[str]) -> Vectors:
    """A row per text; equal texts share the row of their first occurrence."""
    distinct = list(dict.fromkeys(texts))
    if not distinct:
        return np.zeros((0, 0), dtype=np.float32)
    where = {text: i for i, text in enumerate(distinct)}
    parts = [
        embedder.embed(distinct[start : start + _EMBED_BATCH])
        for start in range(0, len(distinct), _EMBED_BATCH)
    ]
    return np.concatenate(parts)[[where[text] for text in texts]]


def _in_file_order(
    files: dict[str, Path], kept: dict[str, list[Row]], fresh: Sequence[Row]
) -> list[Row]:
    """Every row in knowledge-file order, so a version reads the same however it was built."""
    by_path = dict(kept)
    for row in fresh:
        by_path.setdefault(row.chunk.path, []).append(row)
    return [row for rel in files if rel in by_path for row in by_path[rel]]


@contextmanager
def _ingest_lock(root: Path) -> Iterator[None]:
    root.mkdir(parents=True, exist_ok=True)
    with open(root / ".lock", "w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise ConfigError("another ingest is running on this data directory") from exc
        yield
