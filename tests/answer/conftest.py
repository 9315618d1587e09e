"""The collaborators answer tests share: the tiny index with the fake embedder, extractive
only or with a model configured (its HTTP mocked with respx in each test)."""

from __future__ import annotations

import httpx
import pytest

from casebot.answer.pipeline import Collaborators
from casebot.config import Settings
from casebot.runtime import build_collaborators
from tests.fakes import HashingEmbedder
from tests.providers import LLM_BASE_URL


@pytest.fixture
def deps(tiny_index: Settings, fake_embedder: HashingEmbedder, http: httpx.Client) -> Collaborators:
    return build_collaborators(tiny_index, http, embedder=fake_embedder)


@pytest.fixture
def llm_deps(
    tiny_index: Settings, fake_embedder: HashingEmbedder, http: httpx.Client
) -> Collaborators:
    settings = tiny_index.model_copy(
        update={"llm_base_url": LLM_BASE_URL, "llm_model": "test-model"}
    )
    return build_collaborators(settings, http, embedder=fake_embedder)
