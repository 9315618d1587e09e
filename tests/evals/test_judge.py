"""The judged tier over an OpenAI-compatible endpoint, mocked with respx only."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
import respx

from casebot.errors import GeneratorError
from casebot.evals.dataset import load_datasets
from casebot.evals.judge import SYSTEM_PROMPT, ChatJudge, parse_judgement
from casebot.evals.metrics import measure
from casebot.evals.runner import run
from casebot.evals.systems import Wiring
from casebot.openai_compat import Endpoint

URL = "http://judge.test/v1"


def _completion(content: str) -> httpx.Response:
    return httpx.Response(200, json={"choices": [{"message": {"content": content}}]})


@respx.mock
def test_judge_sends_question_answer_and_passages_and_reads_scores(http: httpx.Client) -> None:
    route = respx.post(f"{URL}/chat/completions").mock(
        return_value=_completion('{"faithfulness": 0.8, "relevance": 1}')
    )
    judge = ChatJudge(Endpoint(http, URL + "/", "sk-test", 5.0), "judge-model")
    verdict = judge.judge("what about freezers?", "A freezer broke.", ["A freezer broke in 2022."])
    assert (verdict.faithfulness, verdict.relevance) == (0.8, 1.0)
    request = route.calls.last.request
    assert request.headers["Authorization"] == "Bearer sk-test"
    body = json.loads(request.content)
    assert body["model"] == "judge-model" and body["temperature"] == 0
    assert body["messages"][0] == {"role": "system", "content": SYSTEM_PROMPT}
    user = body["messages"][1]["content"]
    assert "what about freezers?" in user and "[1] A freezer broke in 2022." in user


def test_fenced_replies_are_read_and_scores_clamped() -> None:
    verdict = parse_judgement('```json\n{"faithfulness": 1.7, "relevance": -0.2}\n```')
    assert (verdict.faithfulness, verdict.relevance) == (1.0, 0.0)


@pytest.mark.parametrize("content", ["I think it is fine", '{"faithfulness": "high"}', "{}"])
def test_replies_without_the_scores_are_generator_errors(content: str) -> None:
    with pytest.raises(GeneratorError):
        parse_judgement(content)


@respx.mock
def test_provider_failures_are_generator_errors(http: httpx.Client) -> None:
    respx.post(f"{URL}/chat/completions").mock(return_value=httpx.Response(500))
    with pytest.raises(GeneratorError, match="HTTP 500"):
        ChatJudge(Endpoint(http, URL, None, 5.0), "m").judge("q", "a", [])
    respx.post(f"{URL}/chat/completions").mock(side_effect=httpx.ConnectTimeout("slow"))
    with pytest.raises(GeneratorError, match="unreachable"):
        ChatJudge(Endpoint(http, URL, None, 5.0), "m").judge("q", "a", [])
    respx.post(f"{URL}/chat/completions").mock(return_value=httpx.Response(200, json={"x": 1}))
    with pytest.raises(GeneratorError, match="not a chat completion"):
        ChatJudge(Endpoint(http, URL, None, 5.0), "m").judge("q", "a", [])


@respx.mock
def test_runner_adds_judged_metrics_for_grounded_answers(
    wired: Wiring, datasets: dict[str, Path], http: httpx.Client
) -> None:
    replies = iter(
        [_completion('{"faithfulness": 1, "relevance": 0.5}'), httpx.Response(503)]
        + [_completion('{"faithfulness": 0.5, "relevance": 0.5}')] * 20
    )
    route = respx.post(f"{URL}/chat/completions").mock(side_effect=lambda request: next(replies))
    records = run(
        load_datasets([datasets["qa"]]),
        wired.subject,
        None,
        judge=ChatJudge(Endpoint(http, URL, None, 5.0), "m"),
    )
    grounded = [r for r in records if r.expected_scope == "in_scope" and r.scope == "in_scope"]
    assert route.call_count == len(grounded) >= 3
    judged = [r.judged for r in records if r.judged is not None]
    assert len(judged) == len(grounded) - 1  # the 503 is reported, not scored
    assert any(p.startswith("judge failed") for r in records for p in r.problems)
    values = measure(records, "casebot")
    expected = (1 + 0.5 * (len(judged) - 1)) / len(judged)
    assert values["judged_faithfulness"].value == pytest.approx(expected)
    assert values["judged_relevance"].value == pytest.approx(0.5)


def test_without_a_judge_there_are_no_judged_metrics(
    wired: Wiring, datasets: dict[str, Path]
) -> None:
    records = run(load_datasets([datasets["qa"]]), wired.subject, None)
    assert "judged_faithfulness" not in measure(records, "casebot")
