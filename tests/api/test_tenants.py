"""Tenants at the API: key and origin together, CORS per tenant, local services, branding."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from casebot.config import Settings
from casebot.errors import TenantsError
from tests.api.conftest import OpenClient
from tests.api.test_app import URGENT, assert_error, assert_urgent_first
from tests.tenants.conftest import BOROUGH_KEY, EXAMPLE, SERVER_KEY

SITE = "https://support.example.org"
DISCLOSURE = "I was raped last year and I have never told anyone"


def headers(key: str | None = BOROUGH_KEY, origin: str | None = SITE) -> dict[str, str]:
    sent = {}
    if key is not None:
        sent["x-casebot-key"] = key
    if origin is not None:
        sent["origin"] = origin
    return sent


@pytest.fixture
def tenant_settings(tiny_index: Settings) -> Settings:
    return tiny_index.model_copy(update={"tenants_file": EXAMPLE, "tenants_allow_examples": True})


@pytest.fixture
def tenant_client(open_client: OpenClient, tenant_settings: Settings) -> TestClient:
    return open_client(tenant_settings)


def test_a_tenants_key_from_its_own_site_is_answered_with_cors_for_that_site(tenant_client: TestClient) -> None:
    response = tenant_client.post("/v1/chat", json={"message": "what did the review say about freezers"}, headers=headers())
    assert response.status_code == 200, response.text
    assert response.headers["access-control-allow-origin"] == SITE
    assert "origin" in response.headers["vary"].lower()


@pytest.mark.parametrize(
    ("sent", "status", "code"),
    [
        (headers(key=None), 401, "invalid_key"),
        (headers(key="cbk_not_a_real_key"), 401, "invalid_key"),
        (headers(origin="https://elsewhere.example.com"), 403, "origin_not_allowed"),
        (headers(origin="https://partner.example.net"), 403, "origin_not_allowed"),
        (headers(origin=None), 403, "origin_not_allowed"),
    ],
    ids=["no key", "unknown key", "unknown site", "another tenant's site", "no origin"],
)
def test_a_request_without_a_matching_key_and_site_is_refused_without_cors(
    tenant_client: TestClient, sent: dict[str, str], status: int, code: str
) -> None:
    response = tenant_client.post("/v1/chat", json={"message": "hello"}, headers=sent)
    assert_error(response, status, code)
    assert "access-control-allow-origin" not in response.headers


def test_a_server_side_tenant_may_send_no_origin(tenant_client: TestClient) -> None:
    response = tenant_client.get("/v1/tenant", headers=headers(key=SERVER_KEY, origin=None))
    assert response.status_code == 200
    assert response.json()["id"] == "example-partner-server"


def test_preflight_is_answered_for_any_tenants_site_and_refused_for_others(tenant_client: TestClient) -> None:
    ask = {"access-control-request-method": "POST", "access-control-request-headers": "content-type, x-casebot-key"}
    allowed = tenant_client.options("/v1/chat", headers={**ask, "origin": "https://partner.example.net"})
    refused = tenant_client.options("/v1/chat", headers={**ask, "origin": "https://elsewhere.example.com"})
    assert allowed.status_code == 204
    assert allowed.headers["access-control-allow-origin"] == "https://partner.example.net"
    assert "x-casebot-key" in allowed.headers["access-control-allow-headers"]
    assert refused.status_code == 403
    assert "access-control-allow-origin" not in refused.headers


def test_health_and_metrics_need_no_key(tenant_client: TestClient) -> None:
    assert tenant_client.get("/healthz").status_code == 200
    assert tenant_client.get("/metrics").status_code == 200


def test_a_disclosure_shows_the_tenants_local_service_before_the_national_lines(tenant_client: TestClient) -> None:
    body = tenant_client.post("/v1/chat", json={"message": DISCLOSURE}, headers=headers()).json()
    ids = [s["id"] for s in body["safety"]["signposts"]]
    assert "sexual_violence" in body["safety"]["categories"]
    assert ids[0] == "example-borough-isva"
    assert ids.index("example-borough-isva") < ids.index("rape-crisis-247")


def test_urgent_replies_keep_999_first_for_a_tenant(tenant_client: TestClient) -> None:
    body = tenant_client.post("/v1/chat", json={"message": URGENT}, headers=headers()).json()
    assert_urgent_first(body)


def test_the_same_disclosure_without_the_tenant_has_no_local_service(client: TestClient) -> None:
    body = client.post("/v1/chat", json={"message": DISCLOSURE}).json()
    assert "example-borough-isva" not in [s["id"] for s in body["safety"]["signposts"]]


def test_the_widget_reads_its_tenants_branding(tenant_client: TestClient, client: TestClient) -> None:
    mine = tenant_client.get("/v1/tenant", headers=headers()).json()
    assert mine["id"] == "example-borough-support"
    assert mine["branding"]["primary_colour"] == "#6b21a8"
    assert mine["branding"]["exit_url"].startswith("https://")
    assert client.get("/v1/tenant").json()["id"] == "open"


def test_the_tenants_local_services_are_listed_with_the_catalog(tenant_client: TestClient) -> None:
    listed = tenant_client.get("/v1/services", headers=headers()).json()["services"]
    assert listed[0]["id"] == "example-borough-isva"
    assert listed[0]["source"] and listed[0]["verified_on"] == "2026-12-01"
    assert any(s["id"] == "emergency-999" for s in listed)


def test_an_invalid_tenants_file_stops_the_app_from_being_built(
    open_client: OpenClient, tiny_settings: Settings
) -> None:
    with pytest.raises(TenantsError, match="EXAMPLE service"):
        open_client(tiny_settings.model_copy(update={"tenants_file": EXAMPLE}))


def _completion(client: TestClient, sent: dict[str, str]) -> Any:
    body = {"model": "casebot", "messages": [{"role": "user", "content": DISCLOSURE}]}
    return client.post("/v1/chat/completions", json=body, headers=sent)


@pytest.mark.parametrize("scheme", ["Bearer", "bearer"])
def test_an_openai_client_may_send_the_key_as_a_bearer_token(
    tenant_client: TestClient, scheme: str
) -> None:
    response = _completion(tenant_client, {"authorization": f"{scheme} {BOROUGH_KEY}", "origin": SITE})
    assert response.status_code == 200, response.text
    assert response.headers["access-control-allow-origin"] == SITE
    signposts = response.json()["casebot"]["safety"]["signposts"]
    assert signposts[0]["id"] == "example-borough-isva"  # the tenant's own service: admitted as it


@pytest.mark.parametrize(
    ("sent", "status", "code"),
    [
        ({"authorization": "Bearer cbk_not_a_real_key"}, 401, "invalid_key"),
        ({"authorization": f"Basic {SERVER_KEY}"}, 401, "invalid_key"),
        ({"authorization": "Bearer "}, 401, "invalid_key"),
        ({"authorization": f"Bearer {BOROUGH_KEY}"}, 403, "origin_not_allowed"),
        # The widget's header wins over a bearer token: this one is unknown.
        ({"authorization": f"Bearer {SERVER_KEY}", "x-casebot-key": "cbk_unknown"}, 401, "invalid_key"),
    ],
    ids=["unknown key", "not a bearer token", "empty token", "site key with no origin", "header wins"],
)
def test_a_bearer_token_is_checked_like_the_key_header(
    tenant_client: TestClient, sent: dict[str, str], status: int, code: str
) -> None:
    assert_error(_completion(tenant_client, sent), status, code)


def test_a_server_side_openai_client_with_its_key_as_api_key_is_answered(
    tenant_client: TestClient,
) -> None:
    response = _completion(tenant_client, {"authorization": f"Bearer {SERVER_KEY}"})
    assert response.status_code == 200, response.text
    assert response.json()["object"] == "chat.completion"


def test_preflight_lets_a_browser_send_authorization(tenant_client: TestClient) -> None:
    ask = {
        "access-control-request-method": "POST",
        "access-control-request-headers": "authorization, content-type",
        "origin": SITE,
    }
    allowed = tenant_client.options("/v1/chat/completions", headers=ask)
    assert allowed.status_code == 204
    assert "authorization" in allowed.headers["access-control-allow-headers"]


def test_every_route_documented_with_401_refuses_a_request_without_a_key(
    tenant_client: TestClient,
) -> None:
    paths = tenant_client.get("/openapi.json").json()["paths"]
    walked = 0
    for path, operations in paths.items():
        for method, operation in operations.items():
            if "401" not in operation["responses"]:
                continue
            url = path.replace("{model}", "casebot")
            response = tenant_client.request(method.upper(), url, json={}, headers={"origin": SITE})
            assert_error(response, 401, "invalid_key")
            walked += 1
    assert walked >= 10
