"""The composition root sizes a serving process's threads from Settings."""

from __future__ import annotations

from collections.abc import Callable

import httpx
from threadpoolctl import threadpool_info, threadpool_limits

from casebot.config import Settings, cores
from casebot.runtime import build_collaborators
from tests.fakes import HashingEmbedder


def blas_threads() -> set[int]:
    return {pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"}


def test_building_the_pipeline_puts_numpy_on_the_configured_threads(
    make_settings: Callable[..., Settings], http: httpx.Client
) -> None:
    with threadpool_limits(limits=None):  # restore whatever the session had afterwards
        threadpool_limits(limits=2)
        build_collaborators(make_settings(threads=1), http, embedder=HashingEmbedder())
        assert blas_threads() == {1}


def test_workers_default_to_one_per_core_and_threads_to_one(
    make_settings: Callable[..., Settings],
) -> None:
    settings = make_settings()
    assert (settings.workers, settings.threads) == (cores(), 1)
