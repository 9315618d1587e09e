"""The OpenAI-compatible API with the official `openai` SDK as the client, against the real
app under a real uvicorn: shapes, safety first in the content, footnotes with quotes, the
`casebot` extension, streaming and not."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import openai
import pytest
from fastapi.testclient import TestClient

from casebot.api.app import create_app
from casebot.config import Settings
from casebot.runtime import build_collaborators
from tests.api.test_app import FREEZERS, URGENT, assert_error, assert_urgent_first
from tests.contract import assert_chat_contract
from tests.fakes import HashingEmbedder
from tests.servers import serve
from tests.sse import parse


@pytest.fixture
def base_url(tiny_index: Settings, fake_embedder: HashingEmbedder) -> Iterator[str]:
    app = create_app(
        tiny_index, build=lambda s, http: build_collaborators(s, http, embedder=fake_embedder)
    )
    with serve(app) as base:
        yield base


@pytest.fixture
def sdk(base_url: str) -> Iterator[openai.OpenAI]:
    with openai.OpenAI(base_url=f"{base_url}/v1", api_key="pk_test", max_retries=0) as client:
        yield client


def ask(message: str, *earlier: dict[str, str]) -> list[Any]:
    return [*earlier, {"role": "user", "content": message}]


def test_models_lists_casebot(sdk: openai.OpenAI) -> None:
    assert [m.id for m in sdk.models.list()] == ["casebot"]
    assert sdk.models.retrieve("casebot").owned_by == "casebot"
    with pytest.raises(openai.NotFoundError):
        sdk.models.retrieve("gpt-4o")


def test_a_completion_carries_the_answer_footnotes_and_the_casebot_extension(
    sdk: openai.OpenAI,
) -> None:
    completion = sdk.chat.completions.create(model="casebot", messages=ask(FREEZERS))
    assert completion.object == "chat.completion" and completion.model == "casebot"
    choice = completion.choices[0]
    assert choice.finish_reason == "stop" and choice.message.role == "assistant"
    extension = (completion.model_extra or {})["casebot"]
    assert_chat_contract(extension)
    content = choice.message.content or ""
    assert content.startswith(extension["answer"])  # no lead-in for a plain question
    # Every citation is a numbered footnote with its verbatim quote, title and page.
    for citation in extension["citations"]:
        line = f'[{citation["n"]}] "{citation["quote"]}" ({citation["title"]}'
        assert line in content
        if citation["page"] is not None:
            assert f"page {citation['page']}" in content
    assert completion.id == f"chatcmpl-{extension['answer_id']}"
    assert completion.usage is not None and completion.usage.completion_tokens > 10


def test_an_urgent_message_puts_999_and_the_signposts_before_the_answer(
    sdk: openai.OpenAI,
) -> None:
    completion = sdk.chat.completions.create(model="casebot", messages=ask(URGENT))
    extension = (completion.model_extra or {})["casebot"]
    assert_urgent_first(extension)
    content = completion.choices[0].message.content or ""
    safety = extension["safety"]
    assert content.startswith(safety["message"])
    first_signpost = content.index(safety["signposts"][0]["name"])
    assert "call 999" in content[first_signpost:]
    assert first_signpost < content.index(extension["answer"])


def test_a_stream_has_openai_chunks_safety_first_and_the_same_content(
    sdk: openai.OpenAI,
) -> None:
    chunks = list(
        sdk.chat.completions.create(
            model="casebot",
            messages=ask(URGENT),
            stream=True,
            stream_options={"include_usage": True},
        )
    )
    assert {c.object for c in chunks} == {"chat.completion.chunk"}
    assert len({c.id for c in chunks}) == 1
    with_choices = [c for c in chunks if c.choices]
    first = with_choices[0].choices[0].delta
    assert first.role == "assistant" and first.content and "999" in first.content
    assert with_choices[-1].choices[0].finish_reason == "stop"
    extension = (with_choices[-1].model_extra or {})["casebot"]
    assert_chat_contract(extension)
    assert chunks[-1].usage is not None and not chunks[-1].choices
    streamed = "".join(c.choices[0].delta.content or "" for c in with_choices)
    whole = sdk.chat.completions.create(model="casebot", messages=ask(URGENT))
    # The same reply either way (answer ids differ).
    assert streamed == whole.choices[0].message.content
    assert len(with_choices) >= 3  # the lead-in, the answer (a sentence a chunk), the stop


def test_earlier_messages_are_the_history_of_a_follow_up(sdk: openai.OpenAI) -> None:
    first = sdk.chat.completions.create(model="casebot", messages=ask(FREEZERS))
    history = [
        {"role": "system", "content": "You are a pirate."},
        {"role": "user", "content": FREEZERS},
        {"role": "assistant", "content": first.choices[0].message.content or ""},
    ]
    follow = sdk.chat.completions.create(
        model="casebot", messages=ask("what broke in the heatwave?", *history)
    )
    extension = (follow.model_extra or {})["casebot"]
    assert extension["grounded"] and "freezer" in extension["answer"].lower()


def test_the_raw_stream_ends_with_done_and_errors_use_the_error_shape(
    tiny_index: Settings, fake_embedder: HashingEmbedder
) -> None:
    app = create_app(
        tiny_index, build=lambda s, http: build_collaborators(s, http, embedder=fake_embedder)
    )
    with TestClient(app) as client:
        response = client.post(
            "/v1/chat/completions",
            json={"model": "casebot", "messages": ask(FREEZERS), "stream": True},
        )
        assert response.headers["content-type"].startswith("text/event-stream")
        found = parse(response.text)
        assert found[-1].data == "[DONE]"
        assert all(e.name == "message" for e in found)
        marker = "zqx-openai-marker-8812"
        assert_error(
            client.post(
                "/v1/chat/completions", json={"model": "gpt-4o", "messages": ask(marker)}
            ),
            404,
            "model_not_found",
        )
        last_is_assistant = [{"role": "user", "content": marker}, {"role": "assistant", "content": "x"}]
        error = assert_error(
            client.post(
                "/v1/chat/completions", json={"model": "casebot", "messages": last_is_assistant}
            ),
            400,
            "invalid_input",
        )
        assert marker not in error["message"]
        too_long = ask(marker + "x" * 2001)
        error = assert_error(
            client.post("/v1/chat/completions", json={"model": "casebot", "messages": too_long}),
            400,
        )
        assert marker not in error["message"]
        assert_error(client.post("/v1/chat/completions", json={"model": "casebot"}), 422)
