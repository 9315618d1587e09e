"""The dense store: a Chroma collection we always feed our own vectors.

Chroma never sees an embedding function (its default one downloads a model); we pass
vectors in and query by vector. Embedded mode keeps the collection inside the index
version directory; HTTP mode keeps one collection per index version on a Chroma server.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from casebot.config import ChromaMode
from casebot.errors import RetrievalUnavailable
from casebot.offline import enforce_offline

Vector = Sequence[float] | np.ndarray[Any, Any]
COLLECTION_PREFIX = "casebot-"
_BATCH = 500


@dataclass(frozen=True)
class StoreParams:
    """Where collections live: in each version's directory, or on a Chroma server."""

    mode: ChromaMode
    host: str
    port: int


class Store(Protocol):
    """Nearest chunks to a query vector, as (chunk_id, cosine similarity)."""

    def query(self, vector: Vector, k: int) -> list[tuple[str, float]]: ...

    def count(self) -> int: ...


def _chroma_settings() -> Any:
    enforce_offline()
    from chromadb.config import Settings as ChromaSettings

    return ChromaSettings(anonymized_telemetry=False, allow_reset=False)


def embedded_client(path: Path) -> Any:
    """A Chroma client on files under `path`, telemetry off; the eval's peer uses it too."""
    settings = _chroma_settings()
    import chromadb

    return chromadb.PersistentClient(path=str(path), settings=settings)


def _client(params: StoreParams, version_dir: Path) -> Any:
    if params.mode == "http":
        settings = _chroma_settings()
        import chromadb

        return chromadb.HttpClient(host=params.host, port=params.port, settings=settings)
    return embedded_client(version_dir / "chroma")


def collection_name(version: str) -> str:
    return f"{COLLECTION_PREFIX}{version}"[:63]


class ChromaStore:
    def __init__(self, collection: Any) -> None:
        self._collection = collection
        # A version's collection never changes once published; its size is read once for
        # queries (count() is a store round trip). count() itself always asks the store.
        self._size: int | None = None

    @classmethod
    def create(
        cls,
        params: StoreParams,
        version_dir: Path,
        version: str,
        ids: Sequence[str],
        vectors: np.ndarray[Any, Any],
        metadatas: Sequence[dict[str, Any]],
        progress: Callable[[int], None],
    ) -> ChromaStore:
        """A new collection holding `vectors`; `progress` hears how many rows are written."""
        try:
            client = _client(params, version_dir)
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
                progress(min(end, len(ids)))
        except RetrievalUnavailable:
            raise
        except Exception as exc:  # chromadb raises many unrelated types; map them at the edge
            raise RetrievalUnavailable(f"could not write the vector store: {exc}") from exc
        return cls(collection)

    @classmethod
    def open(cls, params: StoreParams, version_dir: Path, version: str) -> ChromaStore:
        try:
            client = _client(params, version_dir)
            collection = client.get_collection(
                name=collection_name(version), embedding_function=None
            )
        except Exception as exc:  # mapped at the edge, as above
            raise RetrievalUnavailable(f"could not open the vector store: {exc}") from exc
        return cls(collection)

    @staticmethod
    def drop(params: StoreParams, version_dir: Path, version: str) -> None:
        """Remove a superseded version's collection (HTTP mode; embedded dies with its dir)."""
        if params.mode != "http":
            return
        # chromadb raises several unrelated types for "not there"; a collection already gone
        # is the goal, so any failure here is fine.
        with contextlib.suppress(Exception):
            _client(params, version_dir).delete_collection(collection_name(version))

    def query(self, vector: Vector, k: int) -> list[tuple[str, float]]:
        try:
            result = self._collection.query(
                query_embeddings=[list(map(float, vector))],
                n_results=max(1, min(k, self._rows())),
                include=["distances"],
            )
        except Exception as exc:  # mapped at the edge, as above
            raise RetrievalUnavailable(f"vector search failed: {exc}") from exc
        ids = result["ids"][0]
        distances = result["distances"][0]
        return [(cid, 1.0 - float(d)) for cid, d in zip(ids, distances, strict=True)]

    def _rows(self) -> int:
        if self._size is None:
            self._size = self.count()
        return self._size

    def count(self) -> int:
        try:
            return int(self._collection.count())
        except Exception as exc:  # mapped at the edge, as above
            raise RetrievalUnavailable(f"vector store unavailable: {exc}") from exc
