"""Which embedder Settings give: the backend, the threads, and the LRU only when serving."""

from __future__ import annotations

from collections.abc import Callable

import httpx

from casebot.config import Settings, cores
from casebot.embeddings import CachedEmbedder, OnnxEmbedder, TorchEmbedder, build_embedder


def test_serving_gets_onnx_on_its_workers_share_of_the_cores_behind_the_lru(
    make_settings: Callable[..., Settings], http: httpx.Client
) -> None:
    one_worker = build_embedder(make_settings(workers=1), http)
    assert isinstance(one_worker, CachedEmbedder)
    assert isinstance(one_worker.inner, OnnxEmbedder)
    assert one_worker.inner.threads == cores()
    shared = {"rate_limit_storage": "redis://127.0.0.1:1/0", "client_key_salt": "s"}
    per_core = build_embedder(make_settings(workers=cores(), **shared), http)
    assert isinstance(per_core, CachedEmbedder)
    assert isinstance(per_core.inner, OnnxEmbedder)
    assert per_core.inner.threads == 1


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
