"""API-only fixtures: the real app (lifespan runs) over tiny, missing, failing and real indexes."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from contextlib import ExitStack

import httpx
import pytest
from fastapi.testclient import TestClient

from casebot.answer.pipeline import Collaborators
from casebot.api.app import Builder, create_app
from casebot.config import Settings
from casebot.runtime import build_collaborators
from tests.fakes import FailingStore, HashingEmbedder

OpenClient = Callable[..., TestClient]


@pytest.fixture
def open_client(fake_embedder: HashingEmbedder) -> Iterator[OpenClient]:
    """Start the real app for `settings` (lifespan runs); closed when the test ends."""
    with ExitStack() as stack:

        def open_(settings: Settings, build: Builder | None = None) -> TestClient:
            builder = build or (
                lambda s, http: build_collaborators(s, http, embedder=fake_embedder)
            )
            return stack.enter_context(TestClient(create_app(settings, build=builder)))

        yield open_


@pytest.fixture
def client(open_client: OpenClient, tiny_index: Settings) -> TestClient:
    """The app over the tiny corpus, indexed with the hashing embedder."""
    return open_client(tiny_index)


@pytest.fixture
def client_without_index(open_client: OpenClient, tiny_settings: Settings) -> TestClient:
    """The app over an empty data dir: nothing has been ingested."""
    assert not tiny_settings.index_root.exists()
    return open_client(tiny_settings)


@pytest.fixture
def client_with_failing_store(
    open_client: OpenClient, tiny_index: Settings, fake_embedder: HashingEmbedder
) -> TestClient:
    """The app whose vector store has gone away (connection refused on every query)."""

    def build(settings: Settings, http: httpx.Client) -> Collaborators:
        deps = build_collaborators(settings, http, embedder=fake_embedder)
        assert deps.index is not None
        return dataclasses.replace(
            deps, index=dataclasses.replace(deps.index, store=FailingStore())
        )

    return open_client(tiny_index, build)


@pytest.fixture
def real_client(
    open_client: OpenClient, real_settings: Settings, real_deps: Collaborators
) -> TestClient:
    """The app over the real corpus and the bundled MiniLM model (built once per session)."""
    return open_client(real_settings, lambda s, http: real_deps)
