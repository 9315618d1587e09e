"""Rate limits: per client and per tenant, in memory and in a real redis-server; limits shed
answers, never signposts; a client's address is never logged or stored."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from casebot.api.app import create_app
from casebot.api.limits import RateLimits
from casebot.config import Settings
from casebot.logs import JsonFormatter
from casebot.runtime import build_collaborators
from tests.api.conftest import OpenClient
from tests.api.test_app import FREEZERS, URGENT, assert_urgent_first
from tests.fakes import HashingEmbedder
from tests.sse import parse

ADDRESS = "203.0.113.77"


@pytest.fixture
def limited_settings(tiny_index: Settings) -> Settings:
    return tiny_index.model_copy(update={"rate_limit_client": "2/minute", "rate_limit_tenant": "100/minute"})


def client_from(settings: Settings, embedder: HashingEmbedder, address: str = ADDRESS) -> TestClient:
    app = create_app(settings, build=lambda s, http: build_collaborators(s, http, embedder=embedder))
    return TestClient(app, client=(address, 50000))


def ask(client: TestClient, message: str = FREEZERS) -> tuple[int, dict[str, object], str | None]:
    response = client.post("/v1/chat", json={"message": message})
    return response.status_code, response.json(), response.headers.get("retry-after")


def test_a_client_over_its_limit_gets_429_with_retry_after_and_still_its_signposts(
    limited_settings: Settings, fake_embedder: HashingEmbedder
) -> None:
    with client_from(limited_settings, fake_embedder) as client:
        statuses = [ask(client)[0] for _ in range(2)]
        status, body, retry_after = ask(client, "I was raped last year and I have never told anyone")
    assert statuses == [200, 200]
    assert status == 429
    assert retry_after is not None and 1 <= int(retry_after) <= 60
    assert body["error"]["code"] == "rate_limited"  # type: ignore[index]
    assert any(s["id"] == "rape-crisis-247" for s in body["safety"]["signposts"])  # type: ignore[index]
    assert "answer" not in body


def test_a_limited_client_who_writes_something_urgent_gets_999_first(
    limited_settings: Settings, fake_embedder: HashingEmbedder
) -> None:
    with client_from(limited_settings, fake_embedder) as client:
        for _ in range(2):
            ask(client)
        status, body, _ = ask(client, URGENT)
        metrics = client.get("/metrics").text
    assert status == 200
    assert_urgent_first(body)
    assert body["scope"] == "out_of_scope" and body["citations"] == []
    assert 'casebot_shed_total{level="urgent"} 1.0' in metrics
    assert 'casebot_limited_total{limit="client",tenant="open"} 1.0' in metrics


def test_clients_are_limited_apart_and_a_tenant_limit_covers_them_all(
    tiny_index: Settings, fake_embedder: HashingEmbedder
) -> None:
    settings = tiny_index.model_copy(update={"rate_limit_client": "2/minute", "rate_limit_tenant": "3/minute"})
    app = create_app(settings, build=lambda s, http: build_collaborators(s, http, embedder=fake_embedder))
    with TestClient(app, client=("198.51.100.1", 1)) as first, TestClient(app, client=("198.51.100.2", 1)) as second:
        seen = [ask(first)[0], ask(first)[0], ask(first)[0], ask(second)[0], ask(second)[0]]
    assert seen == [200, 200, 429, 200, 429]


def test_search_and_feedback_are_limited_too(limited_settings: Settings, fake_embedder: HashingEmbedder) -> None:
    with client_from(limited_settings, fake_embedder) as client:
        searched = [client.post("/v1/search", json={"query": "freezers"}).status_code for _ in range(3)]
        refused = client.post("/v1/search", json={"query": "freezers"})
    assert searched == [200, 200, 429]
    assert refused.json()["error"]["code"] == "rate_limited" and int(refused.headers["retry-after"]) >= 1


def test_the_address_is_never_logged(
    limited_settings: Settings, fake_embedder: HashingEmbedder, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    with client_from(limited_settings, fake_embedder) as client:
        for _ in range(3):
            ask(client)
        key = client.app.state.limits.client_key(ADDRESS)  # type: ignore[attr-defined]
    lines = [JsonFormatter().format(r) for r in caplog.records]
    access = [json.loads(line) for line in lines if '"casebot.access"' in line]
    assert any(a["route"] == "/v1/chat" and a["status"] == 429 for a in access)
    logged = "\n".join(lines)
    assert ADDRESS not in logged and key not in logged


def test_client_keys_are_salted_hashes() -> None:
    one = RateLimits("memory://", b"salt-one", "2/minute", "9/minute")
    two = RateLimits("memory://", b"salt-two", "2/minute", "9/minute")
    assert one.client_key(ADDRESS) != two.client_key(ADDRESS)
    assert one.client_key(ADDRESS) == RateLimits("memory://", b"salt-one", "1/second", "1/second").client_key(ADDRESS)
    assert ADDRESS not in one.client_key(ADDRESS)


def test_two_apps_sharing_redis_share_limits_and_redis_holds_no_address(
    limited_settings: Settings, fake_embedder: HashingEmbedder, redis_url: str
) -> None:
    import redis

    shared = limited_settings.model_copy(update={"rate_limit_storage": redis_url, "client_key_salt": SecretStr("one salt for all workers")})
    with client_from(shared, fake_embedder) as first, client_from(shared, fake_embedder) as second:
        seen = [ask(first)[0], ask(second)[0], ask(first)[0]]
    assert seen == [200, 200, 429]
    keys = [k.decode() for k in redis.Redis.from_url(redis_url).keys("*")]
    assert keys, "the limits live in Redis"
    assert not any(ADDRESS in k for k in keys)


def test_answers_go_on_when_the_limit_store_is_down(
    limited_settings: Settings, fake_embedder: HashingEmbedder
) -> None:
    from tests.servers import free_port

    gone = limited_settings.model_copy(update={"rate_limit_storage": f"redis://127.0.0.1:{free_port()}/0", "client_key_salt": SecretStr("s")})
    with client_from(gone, fake_embedder) as client:
        assert [ask(client)[0] for _ in range(3)] == [200, 200, 200]


@pytest.mark.parametrize(
    ("overrides", "problem"),
    [
        ({"workers": 2}, "several workers need shared rate limits"),
        ({"rate_limit_storage": "redis://127.0.0.1:6379/0"}, "CASEBOT_CLIENT_KEY_SALT"),
        ({"rate_limit_client": "lots"}, "not a rate limit"),
        ({"tenants_file": "tenants.yaml", "cors_origins": ["https://a.example"]}, "unset CASEBOT_CORS_ORIGINS"),
    ],
)
def test_settings_that_would_split_or_break_limits_are_refused(overrides: dict[str, object], problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        Settings(**overrides)  # type: ignore[arg-type]


def test_without_a_tenants_file_the_open_app_still_limits_by_client(open_client: OpenClient, limited_settings: Settings) -> None:
    client = open_client(limited_settings)
    assert [ask(client)[0] for _ in range(3)] == [200, 200, 429]


def test_a_tenant_can_have_limits_of_its_own(open_client: OpenClient, limited_settings: Settings) -> None:
    from tests.api.test_tenants import headers
    from tests.tenants.conftest import EXAMPLE, SERVER_KEY

    client = open_client(limited_settings.model_copy(update={"tenants_file": EXAMPLE, "tenants_allow_examples": True}))

    def search(sent: dict[str, str]) -> int:
        return client.post("/v1/search", json={"query": "freezers"}, headers=sent).status_code

    borough = [search(headers()) for _ in range(3)]  # its own client limit: 10 a minute
    partner = [search(headers(key=SERVER_KEY, origin="https://partner.example.net")) for _ in range(3)]
    assert borough == [200, 200, 200]
    assert partner == [200, 200, 429]


DISCLOSURE = "I was raped last year and I have never told anyone"


def complete(client: TestClient, message: str = FREEZERS, stream: bool = False, **sent: str) -> Any:
    body = {"model": "casebot", "messages": [{"role": "user", "content": message}], "stream": stream}
    return client.post("/v1/chat/completions", json=body, headers=sent)


@pytest.mark.parametrize("stream", [False, True], ids=["completion", "streamed completion"])
def test_completions_over_the_limit_get_429_with_retry_after_and_still_their_signposts(
    limited_settings: Settings, fake_embedder: HashingEmbedder, stream: bool
) -> None:
    with client_from(limited_settings, fake_embedder) as client:
        statuses = [complete(client).status_code for _ in range(2)]
        refused = complete(client, DISCLOSURE, stream=stream)
        metrics = client.get("/metrics").text
    assert statuses == [200, 200]
    assert refused.status_code == 429
    assert 1 <= int(refused.headers["retry-after"]) <= 60
    body = refused.json()
    assert body["error"]["code"] == "rate_limited"
    assert any(s["id"] == "rape-crisis-247" for s in body["safety"]["signposts"])
    assert 'casebot_limited_total{limit="client",tenant="open"} 1.0' in metrics
    assert 'casebot_shed_total{level="sensitive"} 1.0' in metrics


def test_a_limited_urgent_completion_is_answered_with_999_first(
    limited_settings: Settings, fake_embedder: HashingEmbedder
) -> None:
    with client_from(limited_settings, fake_embedder) as client:
        for _ in range(2):
            complete(client)
        plain = complete(client, URGENT)
        streamed = complete(client, URGENT, stream=True)
    assert plain.status_code == 200
    extension = plain.json()["casebot"]
    assert_urgent_first(extension)
    assert extension["citations"] == [] and extension["scope"] == "out_of_scope"
    lead_in = extension["safety"]["message"]
    assert plain.json()["choices"][0]["message"]["content"].startswith(lead_in)
    assert streamed.status_code == 200
    chunks = parse(streamed.text)
    assert chunks[-1].data == "[DONE]"
    assert chunks[0].json()["choices"][0]["delta"]["content"].startswith(lead_in)


def test_chat_and_completions_share_one_budget(
    limited_settings: Settings, fake_embedder: HashingEmbedder
) -> None:
    with client_from(limited_settings, fake_embedder) as client:
        seen = [ask(client)[0], complete(client).status_code, complete(client).status_code]
        streamed = client.post("/v1/chat/stream", json={"message": FREEZERS})
    assert seen == [200, 200, 429]
    assert [e.name for e in parse(streamed.text)] == ["safety", "error"]


def test_a_tenant_sending_its_key_as_a_bearer_token_is_limited_as_that_tenant(
    open_client: OpenClient, limited_settings: Settings
) -> None:
    from tests.tenants.conftest import EXAMPLE, SERVER_KEY

    tenants = {"tenants_file": EXAMPLE, "tenants_allow_examples": True}
    client = open_client(limited_settings.model_copy(update=tenants))
    bearer = {"authorization": f"Bearer {SERVER_KEY}"}
    seen = [complete(client, **bearer).status_code for _ in range(3)]
    metrics = client.get("/metrics").text
    assert seen == [200, 200, 429]
    assert 'casebot_limited_total{limit="client",tenant="example-partner-server"} 1.0' in metrics
