"""The dense store: a Chroma collection we always feed our own vectors.

Chroma never sees an embedding function (its default one downloads a model); we pass
vectors in and query by vector. Embedded mode keeps the collection inside the index
version directory; HTTP mode keeps one collection per index version on a Chroma server.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from casebot.errors import RetrievalUnavailable

if TYPE_CHECKING:
    from casebot.config import Settings

Vector = Sequence[float] | np.ndarray[Any, Any]
COLLECTION_PREFIX = "casebot-"
_BATCH = 500


class Store(Protocol):
    """Nearest chunks to a query vector, as (chunk_id, cosine similarity)."""

    def query(self, vector: Vector, k: int) -> list[tuple[str, float]]: ...

    def count(self) -> int: ...


def _client(settings: Settings, version_dir: Path) -> Any:
    from casebot.offline import enforce_offline

    enforce_offline()
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
    if settings.chroma_mode == "http":
        return chromadb.HttpClient(
            host=settings.chroma_host, port=settings.chroma_port, settings=chroma_settings
        )
    return chromadb.PersistentClient(path=str(version_dir / "chroma"), settings=chroma_settings)


def collection_name(version: str) -> str:
    return f"{COLLECTION_PREFIX}{version}"[:63]


class ChromaStore:
    def __init__(self, collection: Any) -> None:
        self._collection = collection

    @classmethod
    def create(
        cls,
        settings: Settings,
        version_dir: Path,
        version: str,
        ids: Sequence[str],
        vectors: np.ndarray[Any, Any],
        metadatas: Sequence[dict[str, Any]],
        progress: Any = None,
    ) -> ChromaStore:
        try:
            client = _client(settings, version_dir)
            collection = client.create_collection(
                name=collection_name(version),
                embedding_function=None,
                metadata={"hnsw:space": "cosine"},
            )
            for start in range(0, len(ids), _BATCH):
                end = start + _BATCH
                collection.add(
                    ids=list(ids[start:end]),
                    embeddings=vectors[start:end].tolist(),
                    metadatas=list(metadatas[start:end]),
                )
                if progress is not None:
                    progress(min(end, len(ids)))
        except RetrievalUnavailable:
            raise
        except Exception as exc:  # chromadb raises many unrelated types; map them at the edge
            raise RetrievalUnavailable(f"could not write the vector store: {exc}") from exc
        return cls(collection)

    @classmethod
    def open(cls, settings: Settings, version_dir: Path, version: str) -> ChromaStore:
        try:
            client = _client(settings, version_dir)
            collection = client.get_collection(
                name=collection_name(version), embedding_function=None
            )
        except Exception as exc:  # mapped at the edge, as above
            raise RetrievalUnavailable(f"could not open the vector store: {exc}") from exc
        return cls(collection)

    @staticmethod
    def drop(settings: Settings, version_dir: Path, version: str) -> None:
        """Remove a superseded version's collection (HTTP mode; embedded dies with its dir)."""
        if settings.chroma_mode != "http":
            return
        # chromadb raises several unrelated types for "not there"; a collection already gone
        # is the goal, so any failure here is fine.
        with contextlib.suppress(Exception):
            _client(settings, version_dir).delete_collection(collection_name(version))

    def query(self, vector: Vector, k: int) -> list[tuple[str, float]]:
        try:
            result = self._collection.query(
                query_embeddings=[list(map(float, vector))],
                n_results=max(1, min(k, self.count())),
                include=["distances"],
            )
        except Exception as exc:  # mapped at the edge, as above
            raise RetrievalUnavailable(f"vector search failed: {exc}") from exc
        ids = result["ids"][0]
        distances = result["distances"][0]
        return [(cid, 1.0 - float(d)) for cid, d in zip(ids, distances, strict=True)]

    def count(self) -> int:
        try:
            return int(self._collection.count())
        except Exception as exc:  # mapped at the edge, as above
            raise RetrievalUnavailable(f"vector store unavailable: {exc}") from exc
