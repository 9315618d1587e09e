"""POST /v1/chat/stream: safety first, the answer a sentence at a time, the model under a
deadline and cancelled with its client. The real app under TestClient, and under a real
uvicorn where timing or a disconnect matters."""

from __future__ import annotations

import asyncio
import dataclasses
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
import respx
from fastapi.testclient import TestClient

from casebot.answer.pipeline import Collaborators
from casebot.api.app import create_app
from casebot.config import Settings
from casebot.embeddings import LocalEmbedder
from casebot.runtime import build_collaborators
from tests.answer.test_pipeline import numbered_sources
from tests.api.test_app import FREEZERS, URGENT, assert_error, assert_urgent_first
from tests.contract import CITATION_KEYS, SAFETY_KEYS
from tests.fakes import GatedStore, HashingEmbedder
from tests.providers import LLM_BASE_URL, LLM_URL, PROVIDERS, Provider, chat_completion
from tests.servers import serve
from tests.sse import Event, events, parse

ORDER = ["safety", "delta", "citations", "done"]


def stream(client: TestClient, body: dict[str, Any]) -> list[Event]:
    response = client.post("/v1/chat/stream", json=body)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/event-stream")
    assert response.headers["x-accel-buffering"] == "no"
    assert response.headers["cache-control"] == "no-store"
    return parse(response.text)


def names(found: list[Event]) -> list[str]:
    """Event names with runs of deltas folded into one."""
    out: list[str] = []
    for event in found:
        if not (out and out[-1] == event.name == "delta"):
            out.append(event.name)
    return out


def test_a_question_streams_safety_then_sentences_then_citations_then_done(
    client: TestClient,
) -> None:
    found = stream(client, {"message": FREEZERS})
    assert names(found) == ORDER
    safety = found[0].json()
    assert set(safety) == SAFETY_KEYS and safety["level"] == "none"
    deltas = [e.json()["text"] for e in found if e.name == "delta"]
    citations = next(e for e in found if e.name == "citations").json()["citations"]
    done = found[-1].json()
    assert set(done) == {"answer_id", "scope", "grounded", "mode"}
    assert done["scope"] == "in_scope" and done["grounded"] and done["mode"] == "extractive"
    assert citations and all(set(c) == CITATION_KEYS for c in citations)
    # The deltas are the /v1/chat answer, a sentence at a time.
    plain = client.post("/v1/chat", json={"message": FREEZERS}).json()
    assert "".join(deltas) == plain["answer"]
    assert len(deltas) == plain["answer"].count("[") >= 1
    assert [c["quote"] for c in citations] == [c["quote"] for c in plain["citations"]]


def test_an_urgent_message_gets_999_in_the_first_event(client: TestClient) -> None:
    found = stream(client, {"message": URGENT})
    assert found[0].name == "safety"
    assert_urgent_first({"safety": found[0].json()})
    assert names(found)[-1] == "done"


def test_a_refusal_streams_its_reason_and_no_citations(client: TestClient) -> None:
    found = stream(client, {"message": "find me the home address of the officer who hurt me"})
    done = found[-1].json()
    assert done["scope"] == "refused" and not done["grounded"]
    assert next(e for e in found if e.name == "citations").json() == {"citations": []}


def test_the_stream_takes_the_chat_requests_limits_and_never_echoes_them(
    client: TestClient,
) -> None:
    marker = "zqx-stream-marker-5521"
    error = assert_error(
        client.post("/v1/chat/stream", json={"message": marker + "x" * 2001}), 422
    )
    assert marker not in error["message"]
    assert_error(client.post("/v1/chat/stream", json={"message": "hi", "extra": 1}), 422)
    assert_error(client.post("/v1/chat/stream", json={"history": []}), 422)
    big = {"message": "x", "history": [{"role": "user", "content": "y" * 7000}] * 10}
    assert_error(client.post("/v1/chat/stream", json=big), 413, "payload_too_large")


def test_a_failure_after_the_assessment_is_an_error_event_after_safety(
    open_client: Callable[..., TestClient], tiny_index: Settings, fake_embedder: HashingEmbedder
) -> None:
    class Broken:
        def query(self, vector: Any, k: int) -> Any:
            raise RuntimeError("a bug")

        def count(self) -> int:
            return 1

    def build(settings: Settings, http: httpx.Client) -> Collaborators:
        deps = build_collaborators(settings, http, embedder=fake_embedder)
        assert deps.index is not None
        return dataclasses.replace(deps, index=dataclasses.replace(deps.index, store=Broken()))

    client = open_client(tiny_index, build)
    found = stream(client, {"message": URGENT})
    assert [e.name for e in found] == ["safety", "error"]
    assert_urgent_first({"safety": found[0].json()})
    assert found[1].json() == {
        "code": "internal_error",
        "message": "Something went wrong on our side.",
    }


# --- under a real uvicorn --------------------------------------------------------------


@pytest.fixture
def llm_settings(tiny_index: Settings) -> Settings:
    return tiny_index.model_copy(
        update={"llm_base_url": LLM_BASE_URL, "llm_model": "test-model", "mode": "llm"}
    )


@pytest.fixture
def served(fake_embedder: HashingEmbedder) -> Iterator[Callable[..., str]]:
    """Start the real app under uvicorn; `wrap` may change the collaborators it builds."""
    from contextlib import ExitStack

    with ExitStack() as stack:

        def start(
            settings: Settings, wrap: Callable[[Collaborators], Collaborators] = lambda d: d
        ) -> str:
            async_client = stack.enter_context(_async_client())

            def build(s: Settings, http: httpx.Client) -> Collaborators:
                return wrap(
                    build_collaborators(s, http, embedder=fake_embedder, ahttp=async_client)
                )

            return stack.enter_context(serve(create_app(settings, build=build)))

        yield start


class _async_client:
    """An httpx.AsyncClient opened and closed on whichever loop uses it."""

    def __enter__(self) -> httpx.AsyncClient:
        self.client = httpx.AsyncClient()
        return self.client

    def __exit__(self, *exc: object) -> None:
        asyncio.run(self.client.aclose())


@pytest.fixture
def model() -> Iterator[respx.MockRouter]:
    """The model provider, mocked; casebot's own server on loopback is let through."""
    with respx.mock(assert_all_called=False) as mock:
        mock.route(host="127.0.0.1").pass_through()
        yield mock


def test_safety_goes_out_before_retrieval_finishes(
    served: Callable[..., str], tiny_index: Settings
) -> None:
    gates: list[GatedStore] = []

    def gated(deps: Collaborators) -> Collaborators:
        assert deps.index is not None
        gates.append(GatedStore(deps.index.store))
        return dataclasses.replace(deps, index=dataclasses.replace(deps.index, store=gates[0]))

    base = served(tiny_index, gated)
    with (
        httpx.Client(base_url=base, timeout=30) as client,
        client.stream("POST", "/v1/chat/stream", json={"message": URGENT}) as response,
    ):
        found = events(response.iter_lines())
        first = next(found)
        # The store is still holding retrieval: the assessment did not wait for it.
        assert first.name == "safety" and not gates[0].gate.is_set()
        assert_urgent_first({"safety": first.json()})
        gates[0].gate.set()
        assert names(list(found)) == ORDER[1:]


def test_an_idle_stream_sends_heartbeat_comments(
    served: Callable[..., str], llm_settings: Settings, model: respx.MockRouter
) -> None:
    async def slow(request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(1.0)
        return httpx.Response(200, json=chat_completion("The freezers were broken [1]."))

    model.post(LLM_URL).mock(side_effect=slow)
    base = served(llm_settings.model_copy(update={"stream_heartbeat_s": 0.1}))
    with httpx.Client(base_url=base, timeout=30) as client:
        response = client.post("/v1/chat/stream", json={"message": FREEZERS})
    found = parse(response.text)
    assert names(found) == ORDER
    waited = next(e for e in found if e.name == "delta").comments
    # A second's wait at a tenth of a second: several pings, each a comment line.
    assert len(waited) >= 3 and all(c.startswith("ping") for c in waited)
    assert found[-1].json()["mode"] == "llm"


def test_a_client_that_goes_away_cancels_the_model_call(
    served: Callable[..., str], llm_settings: Settings, model: respx.MockRouter
) -> None:
    called, cancelled = threading.Event(), threading.Event()

    async def hang(request: httpx.Request) -> httpx.Response:
        called.set()
        try:
            await asyncio.sleep(60)
        except asyncio.CancelledError:
            cancelled.set()
            raise
        return httpx.Response(200, json=chat_completion("too late [1]."))

    model.post(LLM_URL).mock(side_effect=hang)
    base = served(llm_settings)
    with (
        httpx.Client(base_url=base, timeout=30) as client,
        client.stream("POST", "/v1/chat/stream", json={"message": FREEZERS}) as response,
    ):
        # Held: a dropped iterator closes the response, and the client would leave before
        # the model is called.
        found = events(response.iter_lines())
        assert next(found).name == "safety"
        assert called.wait(10), "the model was never called"
    # The response is closed: the client has gone.
    assert cancelled.wait(10), "the model call went on after the client left"


def test_a_client_that_leaves_after_the_safety_event_gives_its_pool_place_back(
    served: Callable[..., str], tiny_index: Settings
) -> None:
    one_place = {"work_threads": 1, "work_queue": 0, "rate_limit_client": "1000/minute"}
    base = served(tiny_index.model_copy(update=one_place))
    with httpx.Client(base_url=base, timeout=30) as client:
        for _ in range(3):
            with client.stream("POST", "/v1/chat/stream", json={"message": FREEZERS}) as left:
                assert next(events(left.iter_lines())).name == "safety"
            # One place: a place kept by a stream whose client left sheds every request.
            deadline = time.monotonic() + 10
            answered = client.post("/v1/chat", json={"message": FREEZERS})
            while answered.status_code == 503 and time.monotonic() < deadline:
                time.sleep(0.05)
                answered = client.post("/v1/chat", json={"message": FREEZERS})
            assert answered.status_code == 200, answered.text


def test_a_model_that_hangs_gives_way_to_the_extractive_answer_after_the_deadline(
    served: Callable[..., str], llm_settings: Settings, model: respx.MockRouter
) -> None:
    called, cancelled = threading.Event(), threading.Event()

    async def hang(request: httpx.Request) -> httpx.Response:
        called.set()
        try:
            await asyncio.sleep(60)
        except asyncio.CancelledError:
            cancelled.set()
            raise
        return httpx.Response(200, json=chat_completion("too late [1]."))

    model.post(LLM_URL).mock(side_effect=hang)
    base = served(llm_settings.model_copy(update={"llm_timeout_s": 0.5}))
    started = time.monotonic()
    with httpx.Client(base_url=base, timeout=30) as client:
        found = parse(client.post("/v1/chat/stream", json={"message": FREEZERS}).text)
    took = time.monotonic() - started
    assert called.is_set() and cancelled.is_set()
    assert names(found) == ORDER
    done = found[-1].json()
    assert done["mode"] == "extractive" and done["grounded"] and done["scope"] == "in_scope"
    assert "freezer" in "".join(e.json()["text"] for e in found if e.name == "delta").lower()
    assert took < 10, "the deadline held the answer back far longer than it should"


def test_a_model_that_answers_streams_its_verified_sentences(
    served: Callable[..., str], llm_settings: Settings, model: respx.MockRouter
) -> None:
    reply = (
        "The review found freezers storing rape kits were overstuffed and broken [1]. "
        "A freezer broke in the 2022 heatwave and evidence was destroyed [1]."
    )
    model.post(LLM_URL).mock(return_value=httpx.Response(200, json=chat_completion(reply)))
    base = served(llm_settings)
    with httpx.Client(base_url=base, timeout=30) as client:
        found = parse(client.post("/v1/chat/stream", json={"message": FREEZERS}).text)
    assert names(found) == ORDER
    deltas = [e.json()["text"] for e in found if e.name == "delta"]
    assert len(deltas) == 2 and deltas[1].startswith(" ")
    # Each sentence is cited with its own quote: the second one's marker becomes [2].
    first, second = reply.split(" [1]. ")
    assert "".join(deltas) == f"{first} [1]. {second.replace('[1]', '[2]')}"
    citations = next(e for e in found if e.name == "citations").json()["citations"]
    assert [c["quote"] for c in citations] == [f"{first}.", second.replace(" [1]", "")]
    assert found[-1].json()["mode"] == "llm"


# --- adversarial model replies, streamed, over the real corpus ------------------------------


@pytest.fixture(params=PROVIDERS, ids=lambda p: p.name)
def provider(request: pytest.FixtureRequest) -> Provider:
    found: Provider = request.param
    return found


@pytest.fixture
def real_model_client(
    open_client: Callable[..., TestClient],
    real_settings: Settings,
    local_embedder: LocalEmbedder,
    provider: Provider,
) -> Iterator[TestClient]:
    """The app over the real corpus, answering through the provider's model."""
    settings = real_settings.model_copy(
        update={"llm_base_url": provider.base_url, "llm_model": provider.model, "mode": "llm"}
    )
    with _async_client() as ahttp:

        def build(s: Settings, http: httpx.Client) -> Collaborators:
            return build_collaborators(s, http, embedder=local_embedder, ahttp=ahttp)

        yield open_client(settings, build)


MISCONDUCT = "How many officers with repeated misconduct allegations were dismissed?"
SWAPPED = (
    "The interim report found that 13 Met officers and staff had faced more than one "
    "misconduct allegation, and that 1,809 of them had been dismissed"
)
METRO = "Metro reported that 1,263 officers and staff had been caught up in at least two cases"


def streamed_reply(
    client: TestClient, provider: Provider, write: Callable[[dict[int, str]], str]
) -> list[Event]:
    def reply(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json=provider.reply(write(numbered_sources(request))))

    with respx.mock(assert_all_called=True) as mock:
        mock.post(provider.url).mock(side_effect=reply)
        return stream(client, {"message": MISCONDUCT})


def holding(sources: dict[int, str], phrase: str) -> int:
    return next(n for n, text in sources.items() if phrase in text)


def test_a_streamed_model_answer_loses_its_swapped_figures_and_keeps_the_rest(
    real_model_client: TestClient, provider: Provider
) -> None:
    found = streamed_reply(
        real_model_client,
        provider,
        lambda sources: f"{SWAPPED} [{holding(sources, '1,809')}, {holding(sources, '1,263')}]. "
        f"{METRO} [{holding(sources, '1,263')}].",
    )
    assert names(found) == ORDER
    deltas = "".join(e.json()["text"] for e in found if e.name == "delta")
    assert deltas == f"{METRO} [1]."
    (citation,) = next(e for e in found if e.name == "citations").json()["citations"]
    assert "1,263" in citation["quote"]
    assert found[-1].json()["mode"] == "llm"


def test_a_streamed_model_answer_without_markers_streams_the_extractive_answer(
    real_model_client: TestClient, provider: Provider
) -> None:
    found = streamed_reply(real_model_client, provider, lambda _: f"{METRO}.")
    assert names(found) == ORDER
    assert found[-1].json()["mode"] == "extractive" and found[-1].json()["grounded"]
    extractive = real_model_client.post(
        "/v1/chat", json={"message": MISCONDUCT, "mode": "extractive"}
    ).json()
    assert "".join(e.json()["text"] for e in found if e.name == "delta") == extractive["answer"]


def test_a_client_over_its_limit_still_gets_the_safety_event_then_rate_limited(
    open_client: Callable[..., TestClient], tiny_index: Settings
) -> None:
    settings = tiny_index.model_copy(
        update={"rate_limit_client": "1/minute", "rate_limit_tenant": "100/minute"}
    )
    client = open_client(settings)
    assert names(stream(client, {"message": FREEZERS})) == ORDER
    found = stream(client, {"message": URGENT})
    assert [e.name for e in found] == ["safety", "error"]
    assert_urgent_first({"safety": found[0].json()})
    assert found[1].json()["code"] == "rate_limited"
