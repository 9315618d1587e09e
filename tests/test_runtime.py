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
