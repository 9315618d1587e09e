"""Safety never drops: each fault injected, and 999 still reaches a person in danger."""

from __future__ import annotations

import dataclasses
from typing import Any

import httpx
import numpy as np
import pytest
import respx
from fastapi.testclient import TestClient

from casebot.answer import pipeline
from casebot.answer.pipeline import Collaborators
from casebot.config import Settings
from casebot.index.layout import IndexLayout
from casebot.index.version import VECTORS_NAME
from casebot.runtime import build_collaborators
from tests.api.conftest import OpenClient
from tests.api.test_app import URGENT, assert_not_ready, assert_urgent_first
from tests.contract import assert_chat_contract
from tests.fakes import HashingEmbedder
from tests.providers import LLM_BASE_URL, LLM_URL

FREEZERS = "what did the review say about freezers"


def test_an_unexpected_error_after_the_assessment_is_a_500_that_carries_it(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("a bug further on")

    monkeypatch.setattr(pipeline, "verify", broken)
    monkeypatch.setattr(pipeline, "retrieve", broken)
    response = client.post("/v1/chat", json={"message": URGENT})
    assert response.status_code == 500
    body = response.json()
    assert body["error"]["code"] == "internal_error"
    assert_urgent_first(body)
    calm = client.post("/v1/chat", json={"message": FREEZERS})
    assert calm.status_code == 500 and calm.json()["safety"]["level"] == "none"


def _corrupt_vectors(settings: Settings) -> None:
    layout = IndexLayout(settings.index_root)
    version = layout.current_version()
    assert version is not None
    path = layout.version_dir(version) / VECTORS_NAME
    vectors = np.load(path)
    np.save(path, vectors[:-1])  # one chunk short: the rows no longer line up


def test_an_inconsistent_index_is_not_ready_with_the_reason_and_answers_still_carry_999(
    open_client: OpenClient, tiny_index: Settings
) -> None:
    _corrupt_vectors(tiny_index)
    client = open_client(tiny_index)
    checks = assert_not_ready(client.get("/readyz"), "index_not_ready", "index", "inconsistent")
    assert "vectors" in checks["index"]["detail"]
    assert "casebot ingest --force" in checks["index"]["remedy"]
    body = client.post("/v1/chat", json={"message": URGENT}).json()
    assert_chat_contract(body)
    assert_urgent_first(body)
    question = client.post("/v1/chat", json={"message": FREEZERS}).json()
    assert "can't search" in question["answer"] and question["grounded"] is False


def test_a_store_that_is_down_is_not_ready_and_answers_still_carry_999(
    client_with_failing_store: TestClient,
) -> None:
    response = client_with_failing_store.get("/readyz")
    checks = assert_not_ready(response, "retrieval_unavailable", "store", "unreachable")
    assert "store" in checks["store"]["detail"] and checks["index"]["status"] == "ok"
    body = client_with_failing_store.post("/v1/chat", json={"message": URGENT}).json()
    assert_urgent_first(body)


def test_an_embedder_that_fails_still_gets_999_from_the_text_alone(
    open_client: OpenClient, tiny_index: Settings, fake_embedder: HashingEmbedder
) -> None:
    class Down(HashingEmbedder):
        def embed(self, texts: Any) -> Any:
            from casebot.errors import RetrievalUnavailable

            raise RetrievalUnavailable("embedding service down")

    def build(settings: Settings, http: httpx.Client) -> Collaborators:
        return build_collaborators(settings, http, embedder=Down())

    client = open_client(tiny_index, build)
    body = client.post("/v1/chat", json={"message": URGENT}).json()
    assert_urgent_first(body)


def test_a_model_that_hangs_never_holds_up_999(
    open_client: OpenClient, tiny_index: Settings, fake_embedder: HashingEmbedder
) -> None:
    settings = tiny_index.model_copy(update={"llm_base_url": LLM_BASE_URL, "mode": "llm"})

    def build(s: Settings, http: httpx.Client) -> Collaborators:
        return build_collaborators(s, http, embedder=fake_embedder)

    client = open_client(settings, build)
    with respx.mock(assert_all_called=False) as mock:
        mock.route(host="testserver").pass_through()
        hang = mock.post(LLM_URL).mock(side_effect=httpx.ReadTimeout("the model hangs"))
        body = client.post("/v1/chat", json={"message": URGENT}).json()
        assert not hang.called, "an urgent reply does not wait for the model"
        assert_urgent_first(body)
        calm = client.post("/v1/chat", json={"message": FREEZERS}).json()
    assert hang.called, "an ordinary question does ask the model (and falls back when it hangs)"
    assert calm["mode"] == "extractive"


def test_the_safety_block_says_when_the_reply_checks_in(client: TestClient) -> None:
    body = client.post("/v1/chat", json={"message": "Mój mąż mnie bije, pomocy"}).json()
    assert_chat_contract(body)
    assert body["safety"]["check_in"] is True
    assert body["safety"]["signposts"][0]["id"] == "emergency-999"
    assert "English" in body["safety"]["message"]
    calm = client.post("/v1/chat", json={"message": FREEZERS}).json()
    assert calm["safety"]["check_in"] is False


def test_readiness_and_answers_are_fine_when_nothing_is_wrong(client: TestClient) -> None:
    assert client.get("/readyz").status_code == 200
    assert dataclasses.is_dataclass(client.app.state.collaborators)  # type: ignore[attr-defined]
