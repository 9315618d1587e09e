"""The composition root sizes a serving process's threads from Settings."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import httpx
from threadpoolctl import threadpool_info, threadpool_limits

from casebot.check import check_data
from casebot.config import Settings, cores
from casebot.embeddings import MODEL_NAME
from casebot.runtime import build_collaborators, build_reranker
from tests.fakes import HashingEmbedder


def blas_threads() -> set[int]:
    return {pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"}


def test_building_the_pipeline_puts_numpy_on_one_thread_whatever_the_compute_threads(
    make_settings: Callable[..., Settings], http: httpx.Client
) -> None:
    with threadpool_limits(limits=None):  # restore whatever the session had afterwards
        threadpool_limits(limits=2)
        build_collaborators(make_settings(threads=2), http, embedder=HashingEmbedder())
        assert blas_threads() == {1}


def test_threads_default_to_the_workers_share_of_the_cores(
    make_settings: Callable[..., Settings],
) -> None:
    assert make_settings(workers=1).compute_threads == cores()
    shared = {"rate_limit_storage": "redis://127.0.0.1:1/0", "client_key_salt": "s"}
    assert make_settings(workers=cores(), **shared).compute_threads == 1
    assert make_settings(threads=3).compute_threads == 3


def test_the_reranker_is_served_only_for_the_embedder_it_was_trained_on(
    make_settings: Callable[..., Settings], tmp_path: Path
) -> None:
    settings = make_settings()
    assert build_reranker(settings, MODEL_NAME) is not None
    # Another embedder's similarities are on another scale: the fused order stands.
    assert build_reranker(settings, HashingEmbedder.name) is None
    # Before the first `casebot rerank train` there is no model: the fused order stands.
    assert build_reranker(make_settings(rerank_model_dir=tmp_path / "none"), MODEL_NAME) is None


def test_check_reports_a_missing_reranker(
    make_settings: Callable[..., Settings], tmp_path: Path
) -> None:
    problems = check_data(make_settings(rerank_model_dir=tmp_path / "none"))
    assert any("reranker" in p.line() for p in problems)
