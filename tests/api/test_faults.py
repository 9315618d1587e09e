"""Safety never drops: each fault injected, and 999 still reaches a person in danger."""

from __future__ import annotations

import dataclasses
import signal
import subprocess
import sys
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
from casebot.ingest.build import ingest
from casebot.progress import SilentReporter
from casebot.runtime import build_collaborators, ingest_params
from tests.api.conftest import OpenClient
from tests.api.test_app import URGENT, assert_not_ready, assert_urgent_first
from tests.conftest import REPO
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


def llm_client(
    open_client: OpenClient, settings: Settings, embedder: HashingEmbedder
) -> TestClient:
    """The app with a chat model configured (its HTTP calls mocked by each test)."""
    with_llm = settings.model_copy(update={"llm_base_url": LLM_BASE_URL, "mode": "llm"})

    def build(s: Settings, http: httpx.Client) -> Collaborators:
        return build_collaborators(s, http, embedder=embedder)

    return open_client(with_llm, build)


def test_a_model_that_hangs_never_holds_up_999(
    open_client: OpenClient, tiny_index: Settings, fake_embedder: HashingEmbedder
) -> None:
    client = llm_client(open_client, tiny_index, fake_embedder)
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


# --- faults from outside the process: an ingest killed, files corrupted, a model's garbage --

KILLED_INGEST = """
import sys, time
from pathlib import Path
from casebot.config import Settings
from casebot.ingest.build import ingest
from casebot.runtime import ingest_params
from tests.fakes import HashingEmbedder

class Stalling:
    # Writing the new version takes forever: the ingest is killed half way through it.
    def stage(self, description, total):
        def advance(n):
            if description.startswith("Writing"):
                print("writing", flush=True)
                time.sleep(600)
        return advance

settings = Settings(knowledge_dir=Path(sys.argv[1]), data_dir=Path(sys.argv[2]))
embedder = HashingEmbedder()
ingest(ingest_params(settings, embedder.name), lambda: embedder, Stalling(), force=True)
"""


def test_an_ingest_killed_mid_write_leaves_the_served_version_whole(
    open_client: OpenClient, tiny_index: Settings, fake_embedder: HashingEmbedder
) -> None:
    layout = IndexLayout(tiny_index.index_root)
    before = layout.current_version()
    child = subprocess.Popen(
        [sys.executable, "-c", KILLED_INGEST, str(tiny_index.knowledge_dir), str(tiny_index.data_dir)],
        cwd=REPO,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout is not None and child.stdout.readline().strip() == "writing"
        assert any(p.name.endswith(".partial") for p in layout.versions.iterdir())
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
        if child.stdout is not None:
            child.stdout.close()
    assert layout.current_version() == before
    client = open_client(tiny_index)
    assert client.get("/readyz").json()["index_version"] == before
    assert client.post("/v1/chat", json={"message": FREEZERS}).json()["grounded"] is True
    assert_urgent_first(client.post("/v1/chat", json={"message": URGENT}).json())
    params = ingest_params(tiny_index, fake_embedder.name)
    rebuilt = ingest(params, lambda: fake_embedder, SilentReporter(), force=True)
    assert rebuilt.version != before and layout.current_version() == rebuilt.version
    assert not any(p.name.endswith(".partial") for p in layout.versions.iterdir())


@pytest.mark.parametrize(
    ("name", "damage"),
    [
        ("chunks.jsonl", b"{not json\n"),
        ("vectors.npy", b"\x93NUMPY garbage"),
        ("sentence_vectors.npy", b""),
    ],
)
def test_a_corrupted_index_file_is_not_ready_with_the_rebuild_remedy_and_999_still_answers(
    open_client: OpenClient, tiny_index: Settings, name: str, damage: bytes
) -> None:
    layout = IndexLayout(tiny_index.index_root)
    version = layout.current_version()
    assert version is not None
    (layout.version_dir(version) / name).write_bytes(damage)
    client = open_client(tiny_index)
    checks = assert_not_ready(client.get("/readyz"), "index_not_ready", "index", "inconsistent")
    assert checks["index"]["remedy"] == "run `casebot ingest --force` to rebuild it"
    assert_urgent_first(client.post("/v1/chat", json={"message": URGENT}).json())
    question = client.post("/v1/chat", json={"message": FREEZERS}).json()
    assert question["grounded"] is False and "can't search" in question["answer"]


@pytest.mark.parametrize(
    "garbage",
    [
        httpx.Response(200, text="<html>not json</html>"),
        httpx.Response(200, json={"choices": []}),
        httpx.Response(200, json={"choices": [{"message": {"content": "Made up [9] claims [x]."}}]}),
        httpx.Response(500, json={"error": "boom"}),
    ],
)
def test_a_model_that_returns_garbage_falls_back_and_999_never_waits_for_it(
    open_client: OpenClient, tiny_index: Settings, fake_embedder: HashingEmbedder, garbage: httpx.Response
) -> None:
    client = llm_client(open_client, tiny_index, fake_embedder)
    with respx.mock(assert_all_called=False) as mock:
        mock.route(host="testserver").pass_through()
        model = mock.post(LLM_URL).mock(return_value=garbage)
        urgent = client.post("/v1/chat", json={"message": URGENT})
        assert_urgent_first(urgent.json())
        calm = client.post("/v1/chat", json={"message": FREEZERS})
    assert model.called
    assert calm.status_code == 200
    body = calm.json()
    assert_chat_contract(body)
    assert "[9]" not in body["answer"], "no citation the sources cannot back"
