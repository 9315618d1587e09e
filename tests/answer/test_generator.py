"""ChatGenerator against an OpenAI-compatible endpoint mocked at the HTTP edge with respx."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx

from casebot.answer.generator import AnswerPrompt, ChatGenerator, load_answer_prompt
from casebot.errors import GeneratorError, PromptError
from casebot.index.models import Chunk
from casebot.openai_compat import Endpoint
from casebot.text import split_sentences
from tests.conftest import REPO
from tests.providers import LLM_BASE_URL, LLM_URL, chat_completion

MakeGenerator = Callable[..., ChatGenerator]


def sent_messages(route: respx.Route) -> list[dict[str, Any]]:
    body = json.loads(route.calls.last.request.content)
    messages: list[dict[str, Any]] = body["messages"]
    return messages


FREEZER_TEXT = (
    "The review found freezers storing rape kits were overstuffed and broken. "
    "A freezer broke in the 2022 heatwave and evidence was destroyed."
)


@pytest.fixture
def freezer_chunk() -> Chunk:
    return Chunk(
        chunk_id="casey-review/05-public-protection#000",
        doc_id="casey-review/05-public-protection",
        path="casey-review/05-public-protection.md",
        title="Public protection",
        kind="report",
        text=FREEZER_TEXT,
        section="The freezers",
        page=52,
        sentences=tuple(split_sentences(FREEZER_TEXT)),
    )


@pytest.fixture
def prompt() -> AnswerPrompt:
    return load_answer_prompt(REPO / "prompts/answer.yaml")


@pytest.fixture
def make_generator(prompt: AnswerPrompt, http: httpx.Client) -> MakeGenerator:
    def make(api_key: str | None = None) -> ChatGenerator:
        return ChatGenerator(prompt, Endpoint(http, LLM_BASE_URL, api_key, 5.0), "test-model", 77)

    return make


def test_generator_returns_the_model_reply(
    make_generator: MakeGenerator, freezer_chunk: Chunk
) -> None:
    reply = "The freezers broke in the 2022 heatwave [1]."
    with respx.mock() as mock:
        route = mock.post(LLM_URL).respond(json=chat_completion(reply))
        text = make_generator().generate("when did the freezer break?", [(1, freezer_chunk)], [])
    assert text == reply
    assert route.call_count == 1


def test_generator_sends_prompt_numbered_sources_history_and_question(
    make_generator: MakeGenerator, freezer_chunk: Chunk
) -> None:
    history = [("user", "what did the review say about freezers"), ("assistant", "They broke [1].")]
    with respx.mock() as mock:
        route = mock.post(LLM_URL).respond(json=chat_completion("ok [1]."))
        make_generator().generate("when did one break?", [(3, freezer_chunk)], history)
    body = json.loads(route.calls.last.request.content)
    assert body["model"] == "test-model"
    assert body["temperature"] == 0
    messages = body["messages"]
    assert [m["role"] for m in messages] == ["system", "user", "assistant", "user"]
    assert "at most 77 words" in messages[0]["content"]
    assert messages[1]["content"] == history[0][1]
    assert messages[2]["content"] == history[1][1]
    final = messages[-1]["content"]
    assert "[3] (report) Public protection - The freezers (page 52)" in final
    assert FREEZER_TEXT in final
    assert final.rstrip().endswith("Question: when did one break?")


def test_generator_sends_only_the_last_six_history_turns(
    make_generator: MakeGenerator, freezer_chunk: Chunk
) -> None:
    history = [("user" if i % 2 == 0 else "assistant", f"turn {i}") for i in range(10)]
    with respx.mock() as mock:
        route = mock.post(LLM_URL).respond(json=chat_completion("ok [1]."))
        make_generator().generate("and then?", [(1, freezer_chunk)], history)
    middle = [m["content"] for m in sent_messages(route)[1:-1]]
    assert middle == [f"turn {i}" for i in range(4, 10)]


def test_generator_sends_the_api_key_as_a_bearer_token(
    make_generator: MakeGenerator, freezer_chunk: Chunk
) -> None:
    with respx.mock() as mock:
        route = mock.post(LLM_URL).respond(json=chat_completion("ok [1]."))
        make_generator(api_key="sk-test-key").generate("q", [(1, freezer_chunk)], [])
    assert route.calls.last.request.headers["authorization"] == "Bearer sk-test-key"


@pytest.mark.parametrize(
    "failure",
    [
        pytest.param({"side_effect": httpx.ReadTimeout("timed out")}, id="timeout"),
        pytest.param({"return_value": httpx.Response(500, json={"error": "boom"})}, id="500"),
        pytest.param({"return_value": httpx.Response(429, json={"error": "slow down"})}, id="429"),
        pytest.param({"side_effect": httpx.ConnectError("refused")}, id="connection refused"),
        pytest.param({"return_value": httpx.Response(200, text="not json")}, id="garbage"),
    ],
)
def test_provider_failure_becomes_a_generator_error(
    make_generator: MakeGenerator, freezer_chunk: Chunk, failure: dict[str, Any]
) -> None:
    with respx.mock() as mock:
        route = mock.post(LLM_URL).mock(**failure)
        with pytest.raises(GeneratorError, match="model call failed"):
            make_generator().generate("q", [(1, freezer_chunk)], [])
    assert route.call_count == 1, "no retries: the pipeline falls back instead"


@pytest.mark.parametrize("content", ["", "   \n", None])
def test_empty_model_reply_is_a_generator_error(
    make_generator: MakeGenerator, freezer_chunk: Chunk, content: str | None
) -> None:
    with respx.mock() as mock:
        mock.post(LLM_URL).respond(json=chat_completion(content))
        with pytest.raises(GeneratorError, match="no text"):
            make_generator().generate("q", [(1, freezer_chunk)], [])


def test_generator_error_does_not_carry_the_question(
    make_generator: MakeGenerator, freezer_chunk: Chunk
) -> None:
    marker = "zqx-private-question-5521"
    with respx.mock() as mock:
        route = mock.post(LLM_URL).respond(500, json={"error": {"message": f"bad input {marker}"}})
        with pytest.raises(GeneratorError) as caught:
            make_generator().generate(marker, [(1, freezer_chunk)], [])
    assert route.called
    assert marker not in str(caught.value)


def test_shipped_answer_prompt_renders_sources_and_question(
    prompt: AnswerPrompt, freezer_chunk: Chunk
) -> None:
    system, user = prompt.render("when?", [(1, freezer_chunk), (2, freezer_chunk)], 42)
    assert "42 words" in system
    assert "[1] (report)" in user and "[2] (report)" in user
    assert user.count(FREEZER_TEXT) == 2


@pytest.mark.parametrize(
    "text",
    [
        "system: too short\nuser: Sources {sources} {question}\nsource: '[{n}] {text}'\n",
        "user: Sources {sources} {question}\nsource: '[{n}] {text}'\n",
        "system: "
        + "x" * 60
        + " {unknown_field}\nuser: {sources} {question}\nsource: '[{n}] {text}'\n",
        "system: [unclosed\n",
    ],
    ids=["too short", "missing system", "unknown placeholder", "bad yaml"],
)
def test_invalid_answer_prompt_is_refused_at_load(tmp_path: Path, text: str) -> None:
    path = tmp_path / "answer.yaml"
    path.write_text(text)
    with pytest.raises(PromptError, match=r"answer\.yaml"):
        load_answer_prompt(path)
