"""Which embedder Settings give: the backend, the threads, and the LRU only when serving."""

from __future__ import annotations

from collections.abc import Callable

import httpx

from casebot.config import Settings, cores
from casebot.embeddings import CachedEmbedder, OnnxEmbedder, TorchEmbedder, build_embedder


def test_serving_gets_onnx_with_one_thread_behind_the_lru(
    make_settings: Callable[..., Settings], http: httpx.Client
) -> None:
    embedder = build_embedder(make_settings(), http)
    assert isinstance(embedder, CachedEmbedder)
    assert isinstance(embedder.inner, OnnxEmbedder)
    assert embedder.inner.threads == 1


def test_ingest_gets_every_core_and_no_lru(
    make_settings: Callable[..., Settings], http: httpx.Client
) -> None:
    embedder = build_embedder(make_settings(), http, ingest=True)
    assert isinstance(embedder, OnnxEmbedder)
    assert embedder.threads == cores()


def test_the_torch_fallback_is_a_setting_and_the_lru_can_be_turned_off(
    make_settings: Callable[..., Settings], http: httpx.Client
) -> None:
    embedder = build_embedder(make_settings(embedder_backend="torch", embed_cache_size=0), http)
    assert isinstance(embedder, TorchEmbedder)
    assert embedder.name == OnnxEmbedder.name  # one model: an index from either reads the same
