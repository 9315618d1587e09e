"""The bounded work pool, saturated on purpose: health still answers, non-urgent work is
shed with 503 and Retry-After, and an urgent message still gets its safety reply."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from casebot.answer.pipeline import OVERLOADED, Collaborators
from casebot.config import Settings
from casebot.runtime import build_collaborators
from tests.api.conftest import OpenClient
from tests.api.test_app import URGENT, assert_error, assert_urgent_first
from tests.contract import assert_chat_contract
from tests.fakes import HashingEmbedder
from tests.sse import parse

FREEZERS = "what did the review say about freezers"


class GatedEmbedder(HashingEmbedder):
    """Embeds only once the gate opens (after start-up's warm-up), so work piles up."""

    def __init__(self) -> None:
        super().__init__()
        self.gate = threading.Event()
        self.gate.set()
        self.waiting = threading.Semaphore(0)

    def embed(self, texts: Sequence[str]) -> Any:
        if not self.gate.is_set():
            self.waiting.release()
            self.gate.wait(30)
        return super().embed(texts)


@pytest.fixture
def gated() -> Iterator[GatedEmbedder]:
    embedder = GatedEmbedder()
    yield embedder
    embedder.gate.set()


def _open(open_client: OpenClient, settings: Settings, embedder: GatedEmbedder) -> TestClient:
    def build(s: Settings, http: httpx.Client) -> Collaborators:
        return build_collaborators(s, http, embedder=embedder)

    return open_client(settings, build)


def _fill(client: TestClient, embedder: GatedEmbedder, n: int) -> list[Future[Any]]:
    """`n` chats stuck in the pool (each holds a thread or a queue place)."""
    embedder.gate.clear()
    executor = ThreadPoolExecutor(n)
    futures = [
        executor.submit(client.post, "/v1/chat", json={"message": FREEZERS}) for _ in range(n)
    ]
    assert embedder.waiting.acquire(timeout=10), "the first chat reached the embedder"
    deadline = time.monotonic() + 10
    while client.app.state.pool.admitted < n and time.monotonic() < deadline:  # type: ignore[attr-defined]
        time.sleep(0.01)
    executor.shutdown(wait=False)
    return futures


def test_a_saturated_pool_sheds_with_503_and_retry_after_while_health_and_999_answer(
    open_client: OpenClient, tiny_index: Settings, gated: GatedEmbedder
) -> None:
    settings = tiny_index.model_copy(update={"work_threads": 1, "work_queue": 1, "retry_after_s": 7})
    client = _open(open_client, settings, gated)
    stuck = _fill(client, gated, 2)
    started = time.monotonic()
    shed = client.post("/v1/chat", json={"message": FREEZERS})
    assert_error(shed, 503, "overloaded")
    assert shed.headers["retry-after"] == "7"
    assert_error(client.post("/v1/search", json={"query": "freezers"}), 503, "overloaded")
    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.get("/readyz").status_code == 200
    urgent = client.post("/v1/chat", json={"message": URGENT})
    assert time.monotonic() - started < 5, "shedding and the safety reply do not wait"
    assert urgent.status_code == 200
    body = urgent.json()
    assert_chat_contract(body)
    assert_urgent_first(body)
    assert body["answer"] == OVERLOADED and body["grounded"] is False
    gated.gate.set()
    assert [f.result(timeout=30).status_code for f in stuck] == [200, 200]
    assert client.post("/v1/chat", json={"message": FREEZERS}).status_code == 200
    metrics = client.get("/metrics").text
    # The shed chat and search, and the urgent chat answered from triage alone.
    assert 'casebot_pool_shed_total{route="/v1/chat"} 2.0' in metrics
    assert 'casebot_pool_shed_total{route="/v1/search"} 1.0' in metrics
    assert "casebot_pool_in_flight 0.0" in metrics


def test_work_past_its_deadline_is_504_but_an_urgent_message_still_gets_999(
    open_client: OpenClient, tiny_index: Settings, gated: GatedEmbedder
) -> None:
    settings = tiny_index.model_copy(update={"request_timeout_s": 1.5})
    client = _open(open_client, settings, gated)
    gated.gate.clear()
    started = time.monotonic()
    late = client.post("/v1/chat", json={"message": FREEZERS})
    assert_error(late, 504, "deadline_exceeded")
    urgent = client.post("/v1/chat", json={"message": URGENT})
    assert time.monotonic() - started < 6
    assert urgent.status_code == 200
    assert_urgent_first(urgent.json())


class ThreadsSeen(GatedEmbedder):
    """Records which threads embed: the pool's are named casebot-work."""

    def __init__(self) -> None:
        super().__init__()
        self.threads: list[str] = []

    def embed(self, texts: Sequence[str]) -> Any:
        self.threads.append(threading.current_thread().name)
        return super().embed(texts)


def _one_place(tiny_index: Settings) -> Settings:
    return tiny_index.model_copy(update={"work_threads": 1, "work_queue": 0, "retry_after_s": 7})


def _complete(client: TestClient, message: str, stream: bool = False) -> httpx.Response:
    body = {"model": "casebot", "messages": [{"role": "user", "content": message}]}
    return client.post("/v1/chat/completions", json={**body, "stream": stream})


def test_a_full_pool_sheds_streams_and_completions_with_503_before_any_event(
    open_client: OpenClient, tiny_index: Settings, gated: GatedEmbedder
) -> None:
    client = _open(open_client, _one_place(tiny_index), gated)
    stuck = _fill(client, gated, 1)
    started = time.monotonic()
    shed = [
        client.post("/v1/chat/stream", json={"message": FREEZERS}),
        _complete(client, FREEZERS),
        _complete(client, FREEZERS, stream=True),
    ]
    assert time.monotonic() - started < 5, "shedding does not wait for a place"
    for response in shed:
        assert_error(response, 503, "overloaded")
        assert response.headers["retry-after"] == "7"
    metrics = client.get("/metrics").text
    assert 'casebot_pool_shed_total{route="/v1/chat/stream"} 1.0' in metrics
    assert 'casebot_pool_shed_total{route="/v1/chat/completions"} 2.0' in metrics
    assert 'casebot_pool_admitted_total{route="/v1/chat"} 1.0' in metrics
    assert "casebot_pool_in_flight 1.0" in metrics
    gated.gate.set()
    assert stuck[0].result(timeout=30).status_code == 200


def test_an_urgent_stream_or_completion_on_a_full_pool_still_gets_999(
    open_client: OpenClient, tiny_index: Settings, gated: GatedEmbedder
) -> None:
    client = _open(open_client, _one_place(tiny_index), gated)
    stuck = _fill(client, gated, 1)
    found = parse(client.post("/v1/chat/stream", json={"message": URGENT}).text)
    assert [e.name for e in found] == ["safety", "delta", "citations", "done"]
    assert_urgent_first({"safety": found[0].json()})
    assert found[1].json()["text"] == OVERLOADED
    assert found[-1].json()["grounded"] is False
    plain = _complete(client, URGENT)
    assert plain.status_code == 200
    extension = plain.json()["casebot"]
    assert_urgent_first(extension)
    assert extension["answer"] == OVERLOADED
    assert plain.json()["choices"][0]["message"]["content"].startswith(
        extension["safety"]["message"]
    )
    chunks = [e.data for e in parse(_complete(client, URGENT, stream=True).text)]
    assert chunks[-1] == "[DONE]"
    first = json.loads(chunks[0])["choices"][0]["delta"]["content"]
    assert first.startswith(extension["safety"]["message"]) and "999" in first
    gated.gate.set()
    assert stuck[0].result(timeout=30).status_code == 200


@pytest.mark.parametrize(
    "ask",
    [
        lambda c: c.post("/v1/chat/stream", json={"message": FREEZERS}),
        lambda c: _complete(c, FREEZERS),
        lambda c: _complete(c, FREEZERS, stream=True),
    ],
    ids=["stream", "completion", "streamed completion"],
)
def test_streams_and_completions_embed_on_the_pool_and_give_their_place_back(
    open_client: OpenClient,
    tiny_index: Settings,
    ask: Callable[[TestClient], httpx.Response],
) -> None:
    embedder = ThreadsSeen()
    client = _open(open_client, _one_place(tiny_index), embedder)
    embedder.threads.clear()  # start-up's warm-up embeds on a start-up thread
    # One place: a place kept after an answer would shed every request after the first.
    for _ in range(3):
        response = ask(client)
        assert response.status_code == 200, response.text
        assert "overloaded" not in response.text
    assert embedder.threads and all(t.startswith("casebot-work") for t in embedder.threads)
    assert client.app.state.pool.admitted == 0  # type: ignore[attr-defined]
