"""With a model configured, a follow-up is rewritten into a standalone question; any
failure keeps the offline rewrite. The model is mocked at the HTTP edge with respx."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
import respx

from casebot.answer.condense import CondensePrompt, Condenser, load_condense_prompt
from casebot.answer.extractive import CONTEXT_LABEL
from casebot.answer.pipeline import Collaborators, answer, retrieve
from casebot.errors import PromptError
from casebot.openai_compat import Endpoint
from tests.conftest import REPO
from tests.providers import LLM_BASE_URL, LLM_URL, chat_completion

FREEZERS = "what did the review say about the freezers"
HISTORY = [
    ("user", FREEZERS),
    ("assistant", f"{CONTEXT_LABEL}The freezers storing rape kits broke [1]."),
]


@pytest.fixture
def prompt() -> CondensePrompt:
    return load_condense_prompt(REPO / "prompts/condense.yaml")


@pytest.fixture
def condenser(prompt: CondensePrompt, http: httpx.Client) -> Condenser:
    return Condenser(prompt, Endpoint(http, LLM_BASE_URL, None, 5.0), "test-model")


def test_the_model_rewrites_a_follow_up_into_a_standalone_question(condenser: Condenser) -> None:
    with respx.mock() as mock:
        route = mock.post(LLM_URL).respond(
            json=chat_completion("When did a rape kit freezer break?\n")
        )
        question = condenser.condense("when did one break?", HISTORY)
    assert question == "When did a rape kit freezer break?"
    sent = json.loads(route.calls.last.request.content)["messages"]
    assert [m["role"] for m in sent] == ["system", "user"]
    assert "when did one break?" in sent[1]["content"]
    assert "[1]" not in sent[1]["content"]
    assert CONTEXT_LABEL.strip() not in sent[1]["content"]


@pytest.mark.parametrize(
    "reply",
    [
        httpx.Response(500),
        httpx.Response(200, json=chat_completion("   ")),
        httpx.Response(200, json=chat_completion("word " * 200)),
        httpx.Response(200, text="not json"),
    ],
    ids=["server error", "empty", "too long", "not json"],
)
def test_a_failed_rewrite_gives_none(condenser: Condenser, reply: httpx.Response) -> None:
    with respx.mock() as mock:
        mock.post(LLM_URL).mock(return_value=reply)
        assert condenser.condense("when did one break?", HISTORY) is None


def test_no_call_is_made_without_an_earlier_question(condenser: Condenser) -> None:
    with respx.mock(assert_all_called=False) as mock:
        route = mock.post(LLM_URL).respond(json=chat_completion("x"))
        assert condenser.condense("when did one break?", [("assistant", "Hello.")]) is None
    assert not route.called


def test_a_prompt_without_its_placeholders_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "condense.yaml"
    path.write_text(
        "system: " + "x" * 60 + "\nuser: 'Conversation: {nothing}'\nturn: '{speaker}: {text}'\n"
    )
    with pytest.raises(PromptError):
        load_condense_prompt(path)


def test_retrieval_searches_with_the_models_standalone_question(llm_deps: Collaborators) -> None:
    safety = llm_deps.assessor.assess("and then?", HISTORY, None)
    with respx.mock() as mock:
        mock.post(LLM_URL).respond(json=chat_completion("When did a freezer break in the heatwave?"))
        result = retrieve("and then?", HISTORY, safety, llm_deps, condense=True)
    assert result.query == "When did a freezer break in the heatwave?"


def test_retrieval_falls_back_to_the_offline_rewrite_when_the_model_fails(
    llm_deps: Collaborators,
) -> None:
    safety = llm_deps.assessor.assess("and then?", HISTORY, None)
    with respx.mock() as mock:
        mock.post(LLM_URL).respond(status_code=503)
        result = retrieve("and then?", HISTORY, safety, llm_deps, condense=True)
    assert result.query.startswith(FREEZERS)
    assert "and then?" in result.query


def test_an_llm_answer_to_a_follow_up_condenses_then_answers(llm_deps: Collaborators) -> None:
    replies = iter(
        [
            chat_completion("When did a freezer break?"),
            chat_completion("A freezer broke in the 2022 heatwave [1]."),
        ]
    )
    with respx.mock() as mock:
        route = mock.post(LLM_URL).mock(side_effect=lambda _: httpx.Response(200, json=next(replies)))
        result = answer("when did one break?", HISTORY, llm_deps, "llm")
    assert route.call_count == 2
    assert result.mode == "llm" and result.grounded


def test_an_extractive_answer_never_asks_the_model_to_condense(llm_deps: Collaborators) -> None:
    with respx.mock(assert_all_called=False) as mock:
        route = mock.post(LLM_URL).respond(json=chat_completion("x"))
        result = answer("when did one break?", HISTORY, llm_deps, "extractive")
    assert not route.called
    assert result.scope == "in_scope"
