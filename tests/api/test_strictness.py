"""API strictness: 405 with Allow, strict types, 422s that repeat nothing, every status in
the OpenAPI schema, and docs pages that load nothing from another site."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from tests.api.test_app import assert_error

MARKER = "zqx-unknown-key-5512"


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [("GET", "/v1/chat", "POST"), ("DELETE", "/v1/search", "POST"), ("POST", "/healthz", "GET")],
)
def test_a_wrong_method_is_405_with_allow(
    client: TestClient, method: str, path: str, allow: str
) -> None:
    response = client.request(method, path)
    assert_error(response, 405, "method_not_allowed")
    assert response.headers["allow"] == allow


@pytest.mark.parametrize(
    "body",
    [{"query": "freezers", "k": True}, {"query": "freezers", "k": "5"}, {"query": 5}],
)
def test_search_refuses_a_value_of_the_wrong_type(client: TestClient, body: dict[str, object]) -> None:
    assert_error(client.post("/v1/search", json=body), 422, "validation_error")


def test_a_whole_number_written_as_5_point_0_is_the_integer_5(client: TestClient) -> None:
    response = client.post("/v1/search", json={"query": "freezers", "k": 2.0})
    assert response.status_code == 200 and len(response.json()["results"]) <= 2
    assert_error(client.post("/v1/search", json={"query": "freezers", "k": 2.5}), 422)


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/v1/chat", {"message": "freezers", MARKER: 1}),
        ("/v1/chat", {"message": "freezers", "history": [{"role": "user", "content": "x", MARKER: 1}]}),
        ("/v1/search", {"query": "freezers", MARKER: MARKER}),
    ],
)
def test_a_422_for_an_unknown_key_does_not_name_it(
    client: TestClient, path: str, body: dict[str, object]
) -> None:
    response = client.post(path, json=body)
    error = assert_error(response, 422, "validation_error")
    assert "unknown field" in error["message"]
    assert MARKER not in response.text


def test_openapi_lists_every_status_each_route_returns(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    for path in ("/v1/chat", "/v1/search"):
        assert {"200", "400", "408", "413", "422", "500", "503", "504"} <= set(
            paths[path]["post"]["responses"]
        ), path
    assert {"200", "500", "503", "504"} <= set(paths["/v1/sources"]["get"]["responses"])
    assert {"200", "500", "504"} <= set(paths["/v1/services"]["get"]["responses"])
    assert {"200", "503"} <= set(paths["/readyz"]["get"]["responses"])
    chat_500 = paths["/v1/chat"]["post"]["responses"]["500"]["content"]["application/json"]
    assert chat_500["schema"]["$ref"].endswith("/FailedChatResponse")


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
def test_docs_pages_load_only_assets_casebot_serves(client: TestClient, page: str) -> None:
    html = client.get(page).text
    urls = re.findall(r"""(?:src|href)\s*=\s*["']([^"']+)["']""", html)
    urls += re.findall(r"""url:\s*["']([^"']+)["']""", html)
    assert urls, html
    assert not re.search(r"https?://", html), "no third-party script, style, font or image"
    for url in urls:
        assert url.startswith("/"), url
        assert client.get(url).status_code == 200, url


def test_every_route_the_tenant_gate_guards_declares_401_and_403_with_the_error_schema(
    client: TestClient,
) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    guarded = set()
    for path, operations in paths.items():
        for method, operation in operations.items():
            declared = operation["responses"]
            if not path.startswith("/v1/"):
                assert not {"401", "403"} & set(declared), (method, path)
                continue
            guarded.add(path)
            for status in ("401", "403"):
                assert status in declared, (method, path, status)
                schema = declared[status]["content"]["application/json"]["schema"]
                assert schema["$ref"].endswith("/ErrorResponse"), (method, path, status)
    assert {
        "/v1/chat",
        "/v1/chat/stream",
        "/v1/chat/completions",
        "/v1/models",
        "/v1/search",
        "/v1/feedback",
        "/v1/tenant",
    } <= guarded
