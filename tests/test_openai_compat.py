"""The one HTTP seam to model providers, mocked with respx at the HTTP edge."""

from __future__ import annotations

import json

import httpx
import pytest
import respx

from casebot.errors import ProviderError
from casebot.openai_compat import Endpoint
from tests.providers import LLM_BASE_URL, LLM_URL, chat_completion


@respx.mock
def test_a_chat_is_sent_with_the_key_model_and_messages_and_its_text_returned(
    http: httpx.Client,
) -> None:
    route = respx.post(LLM_URL).respond(json=chat_completion("hello"))
    endpoint = Endpoint(http, LLM_BASE_URL + "/", "sk-test", 7.0)
    assert endpoint.chat("m", [{"role": "user", "content": "hi"}]) == "hello"
    request = route.calls.last.request
    assert request.headers["authorization"] == "Bearer sk-test"
    assert request.extensions["timeout"]["read"] == 7.0
    body = json.loads(request.content)
    assert body == {"model": "m", "temperature": 0, "messages": [{"role": "user", "content": "hi"}]}


@pytest.mark.parametrize(
    ("reply", "reason"),
    [
        ({"return_value": httpx.Response(429)}, "returned HTTP 429"),
        ({"side_effect": httpx.ConnectError("refused")}, "unreachable: ConnectError"),
        ({"return_value": httpx.Response(200, text="<html>")}, "reply is not JSON"),
        ({"return_value": httpx.Response(200, json={"x": 1})}, "not a chat completion"),
        ({"return_value": httpx.Response(200, json=chat_completion(None))}, "no text content"),
    ],
    ids=["status", "unreachable", "not json", "not a completion", "no text"],
)
def test_a_failed_chat_is_a_provider_error_saying_what_failed(
    http: httpx.Client, reply: dict[str, object], reason: str
) -> None:
    with respx.mock() as mock:
        mock.post(LLM_URL).mock(**reply)
        with pytest.raises(ProviderError, match=reason):
            Endpoint(http, LLM_BASE_URL, None, 5.0).chat("m", [])
