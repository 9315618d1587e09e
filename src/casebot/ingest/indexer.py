"""Build an index version: incremental (content hashes) and atomic (build beside, then swap)."""

from __future__ import annotations

import datetime as dt
import fcntl
import hashlib
import json
import secrets
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from casebot.errors import ConfigError, IngestError
from casebot.ingest.chunking import chunk_document
from casebot.ingest.layout import IndexLayout
from casebot.ingest.loaders import DATA_SUFFIXES, SUPPORTED_SUFFIXES, load_document
from casebot.ingest.manifest import MANIFEST_NAME, Changes, Manifest, diff, file_hash
from casebot.ingest.models import Chunk
from casebot.progress import Reporter, SilentReporter
from casebot.retrieval.lexical import LexicalIndex
from casebot.retrieval.store import ChromaStore

if TYPE_CHECKING:
    from casebot.config import Settings
    from casebot.retrieval.embeddings import Embedder

CHUNKER_VERSION = "9"
CHUNKS_NAME = "chunks.jsonl"
VECTORS_NAME = "vectors.npy"
SENTENCE_VECTORS_NAME = "sentence_vectors.npy"
_EMBED_BATCH = 64


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


def fingerprint(settings: Settings, embedder_name: str) -> str:
    raw = json.dumps(
        [CHUNKER_VERSION, settings.chunk_tokens, settings.chunk_overlap_sentences, embedder_name]
    )
    return hashlib.sha256(raw.encode()).hexdigest()[:16]


def scan(knowledge_dir: Path) -> tuple[dict[str, Path], dict[str, str]]:
    """Documents to index (relative path -> file) and files skipped with the reason."""
    if not knowledge_dir.is_dir():
        raise ConfigError(f"knowledge directory not found: {knowledge_dir}")
    found: dict[str, Path] = {}
    skipped: dict[str, str] = {}
    for path in sorted(knowledge_dir.rglob("*")):
        rel = path.relative_to(knowledge_dir).as_posix()
        if path.is_dir() or any(
            part.startswith(".") for part in path.relative_to(knowledge_dir).parts
        ):
            continue
        suffix = path.suffix.lower()
        if suffix in SUPPORTED_SUFFIXES:
            found[rel] = path
        elif suffix not in DATA_SUFFIXES:
            skipped[rel] = f"unsupported file type {suffix or '(none)'!r}"
    return found, skipped


@contextmanager
def _ingest_lock(root: Path) -> Iterator[None]:
    root.mkdir(parents=True, exist_ok=True)
    with open(root / ".lock", "w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise ConfigError("another ingest is running on this data directory") from exc
        yield


def read_chunks(version_dir: Path) -> list[Chunk]:
    with open(version_dir / CHUNKS_NAME, encoding="utf-8") as handle:
        return [Chunk.from_record(json.loads(line)) for line in handle if line.strip()]


def _embed(embedder: Embedder, texts: Sequence[str], advance: Callable[[int], None]) -> Any:
    parts = []
    for start in range(0, len(texts), _EMBED_BATCH):
        batch = texts[start : start + _EMBED_BATCH]
        parts.append(embedder.embed(batch))
        advance(len(batch))
    return np.concatenate(parts) if parts else np.zeros((0, 384), dtype=np.float32)


def ingest(
    settings: Settings,
    embedder_factory: Callable[[], Embedder],
    embedder_name: str,
    reporter: Reporter | None = None,
    force: bool = False,
) -> IngestReport:
    """Bring the index up to date with knowledge/. Safe to kill at any point."""
    reporter = reporter or SilentReporter()
    started = time.perf_counter()
    layout = IndexLayout(settings.index_root)
    with _ingest_lock(layout.root):
        files, skipped = scan(settings.knowledge_dir)
        hashes = {rel: file_hash(path) for rel, path in files.items()}
        print_ = fingerprint(settings, embedder_name)
        current = layout.current_version()
        old = Manifest.read(layout.version_dir(current)) if current else None
        reusable = old is not None and old.fingerprint == print_ and not force
        changes = diff(old.documents if reusable and old else {}, hashes)
        if reusable and old and changes.count == 0:
            return IngestReport(
                version=current,
                built=False,
                changes=changes,
                skipped={**skipped, **old.skipped},
                chunks=0,
                seconds=time.perf_counter() - started,
            )

        layout.prune()
        old_chunks: dict[str, list[tuple[Chunk, Any, Any]]] = {}
        if reusable and old and current:
            old_chunks = _reusable_chunks(layout.version_dir(current), set(changes.unchanged))
        carried_skips = {
            p: r for p, r in (old.skipped if old else {}).items() if p in changes.unchanged
        }

        fresh: list[Chunk] = []
        advance = reporter.stage("Reading documents", len(changes.added) + len(changes.changed))
        for rel in (*changes.added, *changes.changed):
            try:
                doc = load_document(files[rel], settings.knowledge_dir)
                fresh.extend(
                    chunk_document(doc, settings.chunk_tokens, settings.chunk_overlap_sentences)
                )
            except IngestError as exc:
                skipped[rel] = str(exc)
            advance(1)
        skipped.update(carried_skips)

        embedder = embedder_factory() if fresh else None
        sentences = [s for c in fresh for s in c.sentences]
        if embedder is not None:
            advance = reporter.stage("Embedding chunks", len(fresh))
            fresh_vectors = _embed(embedder, [c.embed_text for c in fresh], advance)
            advance = reporter.stage("Embedding sentences", len(sentences))
            fresh_sentence_vectors = _embed(embedder, sentences, advance)
        else:
            fresh_vectors = fresh_sentence_vectors = np.zeros((0, 384), dtype=np.float32)

        chunks, vectors, sentence_vectors = _assemble(
            old_chunks, files, fresh, fresh_vectors, fresh_sentence_vectors
        )
        if not chunks:
            problems = "; ".join(f"{path}: {reason}" for path, reason in sorted(skipped.items()))
            raise IngestError(
                f"no document in {settings.knowledge_dir} could be indexed"
                + (f" (skipped {problems})" if problems else "")
            )
        version = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S") + "-" + secrets.token_hex(3)
        work = layout.start(version)
        manifest = Manifest(
            fingerprint=print_,
            documents=hashes,
            version=version,
            skipped={p: r for p, r in skipped.items() if p in hashes},
        )
        _write_version(settings, work, version, chunks, vectors, sentence_vectors, reporter)
        (work / MANIFEST_NAME).write_text(manifest.to_json(), encoding="utf-8")
        layout.publish(version)
        for stale in layout.prune():
            ChromaStore.drop(settings, layout.version_dir(stale), stale)
        return IngestReport(
            version=version,
            built=True,
            changes=changes,
            skipped=skipped,
            chunks=len(chunks),
            seconds=time.perf_counter() - started,
        )


def _reusable_chunks(
    version_dir: Path, unchanged: set[str]
) -> dict[str, list[tuple[Chunk, Any, Any]]]:
    """Chunks, vectors and sentence vectors of unchanged documents, keyed by document path."""
    chunks = read_chunks(version_dir)
    vectors = np.load(version_dir / VECTORS_NAME)
    sentence_vectors = np.load(version_dir / SENTENCE_VECTORS_NAME)
    out: dict[str, list[tuple[Chunk, Any, Any]]] = {}
    offset = 0
    for i, chunk in enumerate(chunks):
        n = len(chunk.sentences)
        path = chunk.path
        if path in unchanged:
            out.setdefault(path, []).append(
                (chunk, vectors[i], sentence_vectors[offset : offset + n])
            )
        offset += n
    return out


def _assemble(
    old: dict[str, list[tuple[Chunk, Any, Any]]],
    files: dict[str, Path],
    fresh: list[Chunk],
    fresh_vectors: Any,
    fresh_sentence_vectors: Any,
) -> tuple[list[Chunk], Any, Any]:
    """All chunks in knowledge-file order, with their vectors aligned row for row."""
    by_path: dict[str, list[tuple[Chunk, Any, Any]]] = dict(old)
    offset = 0
    for i, chunk in enumerate(fresh):
        n = len(chunk.sentences)
        by_path.setdefault(chunk.path, []).append(
            (chunk, fresh_vectors[i], fresh_sentence_vectors[offset : offset + n])
        )
        offset += n
    rows = [row for rel in files if rel in by_path for row in by_path[rel]]
    chunks = [r[0] for r in rows]
    dim = fresh_vectors.shape[1] if len(fresh) else (rows[0][1].shape[0] if rows else 384)
    vectors = np.stack([r[1] for r in rows]) if rows else np.zeros((0, dim), dtype=np.float32)
    sentence_parts = [r[2] for r in rows if len(r[2])]
    sentence_vectors = (
        np.concatenate(sentence_parts) if sentence_parts else np.zeros((0, dim), dtype=np.float32)
    )
    return chunks, vectors.astype(np.float32), sentence_vectors.astype(np.float32)


def _write_version(
    settings: Settings,
    work: Path,
    version: str,
    chunks: list[Chunk],
    vectors: Any,
    sentence_vectors: Any,
    reporter: Reporter,
) -> None:
    with open(work / CHUNKS_NAME, "w", encoding="utf-8") as handle:
        for chunk in chunks:
            handle.write(json.dumps(chunk.to_record(), ensure_ascii=False) + "\n")
    np.save(work / VECTORS_NAME, vectors)
    np.save(work / SENTENCE_VECTORS_NAME, sentence_vectors)
    (work / "bm25").mkdir()
    LexicalIndex.build([c.chunk_id for c in chunks], [c.embed_text for c in chunks]).save(
        work / "bm25"
    )
    advance = reporter.stage("Writing vector store", len(chunks))
    written = 0

    def progress(done: int) -> None:
        nonlocal written
        advance(done - written)
        written = done

    ChromaStore.create(
        settings,
        work,
        version,
        [c.chunk_id for c in chunks],
        vectors,
        [_metadata(c) for c in chunks],
        progress,
    )


def _metadata(chunk: Chunk) -> dict[str, Any]:
    meta: dict[str, Any] = {"doc_id": chunk.doc_id, "kind": chunk.kind, "title": chunk.title}
    if chunk.page is not None:
        meta["page"] = chunk.page
    if chunk.section:
        meta["section"] = chunk.section
    return meta
