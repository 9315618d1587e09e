"""The HTTP API against Public contract v1 (DESIGN.md): the real app, its lifespan and Chroma."""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from fastapi import FastAPI
from fastapi.testclient import TestClient

from casebot.answer.models import MARKER as CITATION_MARKER
from casebot.config import Settings
from casebot.index.layout import IndexLayout
from casebot.index.version import LoadedIndex
from casebot.logs import JsonFormatter
from tests.api.conftest import OpenClient
from tests.conftest import TINY_DOCS
from tests.contract import (
    CHAT_KEYS,
    SEARCH_HIT_KEYS,
    SIGNPOST_KEYS,
    assert_chat_contract,
)

URGENT = "i'm going to kill myself tonight"
FREEZERS = "what did the review say about freezers"
MARKER = "zqx-private-marker-7731"


def assert_error(
    response: Any, status: int, code: str | None = None, also: tuple[str, ...] = ()
) -> dict[str, str]:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error", *also}
    error = body["error"]
    assert set(error) == {"code", "message"}
    assert isinstance(error["code"], str) and error["code"]
    assert isinstance(error["message"], str) and error["message"]
    if code is not None:
        assert error["code"] == code
    return error


def assert_not_ready(response: Any, code: str, check: str, status: str) -> dict[str, Any]:
    """/readyz is 503 with the error shape, and `check` failed with `status` and a remedy."""
    error = assert_error(response, 503, code, also=("checks",))
    checks = response.json()["checks"]
    assert set(checks) == {"index", "store"}
    assert checks[check]["status"] == status and checks[check]["remedy"]
    assert checks[check]["remedy"] in error["message"]
    return checks


def assert_urgent_first(body: dict[str, Any]) -> None:
    safety = body["safety"]
    assert safety["level"] == "urgent"
    assert safety["signposts"], "an urgent answer must carry signposts"
    assert safety["signposts"][0]["id"] == "emergency-999"
    assert safety["signposts"][0]["phone"] == "999"
    assert safety["message"] and "999" in safety["message"]
    assert "not an emergency service" in safety["message"]


def app_state(client: TestClient) -> Any:
    assert isinstance(client.app, FastAPI)
    return client.app.state


def loaded_index(client: TestClient) -> LoadedIndex:
    index = app_state(client).collaborators.index
    assert isinstance(index, LoadedIndex)
    return index


def chunk_text(client: TestClient, chunk_id: str) -> str:
    index = loaded_index(client)
    assert chunk_id in index.by_id, f"cited chunk {chunk_id} is not in the index"
    text: str = index.by_id[chunk_id].text
    return text


def assert_citations_verifiable(client: TestClient, body: dict[str, Any]) -> None:
    index = loaded_index(client)
    for citation in body["citations"]:
        chunk = index.by_id[citation["chunk_id"]]
        assert citation["quote"] in chunk.text
        assert (citation["doc_id"], citation["title"], citation["section"], citation["page"]) == (
            chunk.doc_id,
            chunk.title,
            chunk.section,
            chunk.page,
        )
    used = {int(n) for n in CITATION_MARKER.findall(body["answer"])}
    assert used == {c["n"] for c in body["citations"]}


# --- POST /v1/chat: the contract ------------------------------------------------------------


@pytest.mark.parametrize(
    "message",
    [
        FREEZERS,
        URGENT,
        "give me a banana bread recipe",
        "what is the home address of the officer who arrested me",
    ],
)
def test_every_kind_of_chat_answer_has_exactly_the_contract_keys_and_types(
    client: TestClient, message: str
) -> None:
    response = client.post("/v1/chat", json={"message": message})
    assert response.status_code == 200
    assert_chat_contract(response.json())


def test_grounded_answer_cites_with_markers_matching_its_citations(client: TestClient) -> None:
    body = client.post("/v1/chat", json={"message": FREEZERS}).json()
    assert body["scope"] == "in_scope" and body["grounded"] is True
    assert body["mode"] == "extractive"
    assert body["citations"]
    assert [c["n"] for c in body["citations"]] == list(range(1, len(body["citations"]) + 1))
    assert_citations_verifiable(client, body)


@pytest.mark.parametrize(
    "message",
    [
        FREEZERS,
        "How many officers faced more than one misconduct allegation?",
        "What did the review find about the Met?",
        "What happened to Sarah Everard?",
    ],
)
def test_every_citation_quote_appears_verbatim_in_the_cited_chunk(
    client: TestClient, message: str
) -> None:
    body = client.post("/v1/chat", json={"message": message}).json()
    assert body["citations"], "each of these questions is answerable from the tiny corpus"
    for citation in body["citations"]:
        assert citation["quote"] in chunk_text(client, citation["chunk_id"])
    assert_citations_verifiable(client, body)


def test_answer_id_is_new_for_every_answer(client: TestClient) -> None:
    ids = {
        client.post("/v1/chat", json={"message": FREEZERS}).json()["answer_id"] for _ in range(3)
    }
    assert len(ids) == 3


def test_history_within_limits_is_accepted(client: TestClient) -> None:
    history = [
        {"role": "user" if i % 2 == 0 else "assistant", "content": "freezers"} for i in range(20)
    ]
    response = client.post(
        "/v1/chat", json={"message": "x" * 2000, "history": history, "mode": "auto"}
    )
    assert response.status_code == 200
    assert_chat_contract(response.json())


# --- validation: 422 never echoes what the person wrote -------------------------------------


INVALID_CHATS = {
    "empty message": ({"message": "", "history": [{"role": "user", "content": MARKER}]}, "message"),
    "2001-char message": ({"message": MARKER + "x" * (2001 - len(MARKER))}, "message"),
    "21 history turns": (
        {"message": MARKER, "history": [{"role": "user", "content": MARKER}] * 21},
        "history",
    ),
    "bad role": ({"message": MARKER, "history": [{"role": MARKER, "content": MARKER}]}, "role"),
    "unknown mode": ({"message": MARKER, "mode": MARKER}, "mode"),
    "missing message": ({"history": [{"role": "user", "content": MARKER}]}, "message"),
}


@pytest.mark.parametrize("payload, field", INVALID_CHATS.values(), ids=INVALID_CHATS.keys())
def test_invalid_chat_request_is_422_naming_the_field_without_echoing_the_text(
    client: TestClient, payload: dict[str, Any], field: str
) -> None:
    response = client.post("/v1/chat", json=payload)
    error = assert_error(response, 422, "validation_error")
    assert field in error["message"]
    assert MARKER not in response.text


def test_2001_char_message_is_checked_in_characters_not_bytes(client: TestClient) -> None:
    accepted = client.post("/v1/chat", json={"message": "é" * 2000})
    refused = client.post("/v1/chat", json={"message": "é" * 2001})
    assert accepted.status_code == 200
    assert_error(refused, 422, "validation_error")
    assert "é" not in refused.text


def test_malformed_json_is_422_without_echoing_the_body(client: TestClient) -> None:
    response = client.post(
        "/v1/chat",
        content=b'{"message": "' + MARKER.encode() + b'"',
        headers={"content-type": "application/json"},
    )
    assert_error(response, 422, "validation_error")
    assert MARKER not in response.text


def test_unknown_path_has_the_error_shape(client: TestClient) -> None:
    assert_error(client.get("/v1/nothing-here"), 404, "not_found")


# --- body size limit -------------------------------------------------------------------------


def _oversized_json(size: int) -> bytes:
    return b'{"message": "' + MARKER.encode() + b"x" * size + b'"}'


def test_body_over_64_kib_is_413(client: TestClient) -> None:
    limit = app_state(client).settings.max_body_bytes
    assert limit == 64 * 1024
    response = client.post(
        "/v1/chat", content=_oversized_json(limit), headers={"content-type": "application/json"}
    )
    assert_error(response, 413, "payload_too_large")
    assert MARKER not in response.text


def test_chunked_body_over_64_kib_without_content_length_is_413(client: TestClient) -> None:
    def streamed() -> Iterator[bytes]:
        body = _oversized_json(64 * 1024)
        for start in range(0, len(body), 8192):
            yield body[start : start + 8192]

    response = client.post(
        "/v1/chat", content=streamed(), headers={"content-type": "application/json"}
    )
    assert "content-length" not in response.request.headers
    assert_error(response, 413, "payload_too_large")


def test_body_limit_follows_the_max_body_bytes_setting(
    open_client: OpenClient, tiny_index: Settings
) -> None:
    small = open_client(tiny_index.model_copy(update={"max_body_bytes": 1024}))
    assert small.post("/v1/chat", json={"message": "freezers"}).status_code == 200
    assert_error(small.post("/v1/chat", json={"message": "x" * 1500}), 413, "payload_too_large")


# --- health, readiness, docs -----------------------------------------------------------------


def test_healthz_is_200_even_without_an_index(client_without_index: TestClient) -> None:
    response = client_without_index.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readyz_is_503_with_error_shape_when_no_index_was_built(
    client_without_index: TestClient,
) -> None:
    checks = assert_not_ready(client_without_index.get("/readyz"), "index_not_ready", "index", "missing")
    assert checks["index"]["remedy"] == "run `casebot ingest`"


def test_readyz_is_200_with_the_current_index_version_once_built(
    client: TestClient, tiny_index: Settings
) -> None:
    response = client.get("/readyz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ready"
    assert body["index_version"] == IndexLayout(tiny_index.index_root).current_version()
    assert body["chunks"] == len(loaded_index(client).chunks) > 0
    assert body["checks"] == {"index": {"status": "ok"}, "store": {"status": "ok"}}


def test_openapi_and_docs_are_served_with_the_chat_contract(client: TestClient) -> None:
    docs = client.get("/docs")
    assert docs.status_code == 200
    assert "text/html" in docs.headers["content-type"]
    spec = client.get("/openapi.json")
    assert spec.status_code == 200
    schema = spec.json()
    assert {"/v1/chat", "/v1/search", "/v1/sources", "/v1/services", "/healthz", "/readyz"} <= set(
        schema["paths"]
    )
    chat_response = schema["components"]["schemas"]["ChatResponse"]
    assert set(chat_response["properties"]) == CHAT_KEYS
    assert set(chat_response["required"]) == CHAT_KEYS


# --- sources, services, search ---------------------------------------------------------------


def test_sources_lists_every_indexed_document(client: TestClient) -> None:
    response = client.get("/v1/sources")
    assert response.status_code == 200
    body = response.json()
    assert body["index_version"] == client.get("/readyz").json()["index_version"]
    by_id = {s["doc_id"]: s for s in body["sources"]}
    expected = {rel.removesuffix(".md"): title for rel, (title, _) in TINY_DOCS.items()}
    assert set(by_id) == set(expected)
    for doc_id, title in expected.items():
        source = by_id[doc_id]
        assert source["title"] == title
        assert source["kind"] == ("context" if doc_id.startswith("context/") else "report")
        assert source["chunks"] >= 1
        assert source["url"] == "https://example.org/report"
    assert by_id["casey-review/01-summary"]["pages"] == [9]


def test_sources_is_503_without_an_index(client_without_index: TestClient) -> None:
    assert_error(client_without_index.get("/v1/sources"), 503, "index_not_ready")


def test_services_lists_every_catalog_service_with_source_and_verified_on(
    client: TestClient, tiny_knowledge: Path
) -> None:
    catalog = yaml.safe_load((tiny_knowledge / "support/services.yaml").read_text())["services"]
    response = client.get("/v1/services")
    assert response.status_code == 200
    listed = {s["id"]: s for s in response.json()["services"]}
    assert set(listed) == {s["id"] for s in catalog}
    for entry in catalog:
        service = listed[entry["id"]]
        assert service["source"] == entry["source"]
        assert dt.date.fromisoformat(service["verified_on"]) == entry["verified_on"]
        assert service["name"] == entry["name"]
        assert service["phone"] == entry.get("phone")
        served = {e["category"] for e in entry["serves"] if "category" in e}
        assert set(service["categories"]) == served
        assert set(service) >= SIGNPOST_KEYS


def test_services_are_listed_even_without_an_index(client_without_index: TestClient) -> None:
    response = client_without_index.get("/v1/services")
    assert response.status_code == 200
    assert any(s["id"] == "emergency-999" for s in response.json()["services"])


@pytest.mark.parametrize("k", [1, 2, 3])
def test_search_returns_at_most_k_results(client: TestClient, k: int) -> None:
    response = client.post("/v1/search", json={"query": "freezers rape kits officers", "k": k})
    assert response.status_code == 200
    results = response.json()["results"]
    assert len(results) == k
    for hit in results:
        assert set(hit) == SEARCH_HIT_KEYS
        assert hit["text"] == chunk_text(client, hit["chunk_id"])
    scores = [hit["score"] for hit in results]
    assert scores == sorted(scores, reverse=True)


def test_search_ranks_the_chunk_that_matches_first(client: TestClient) -> None:
    results = client.post("/v1/search", json={"query": "freezers storing rape kits", "k": 4}).json()
    assert results["results"][0]["doc_id"] == "casey-review/05-public-protection"


@pytest.mark.parametrize("k", [0, 21])
def test_search_k_outside_1_to_20_is_422(client: TestClient, k: int) -> None:
    assert_error(
        client.post("/v1/search", json={"query": "freezers", "k": k}), 422, "validation_error"
    )


def test_search_is_503_without_an_index(client_without_index: TestClient) -> None:
    response = client_without_index.post("/v1/search", json={"query": "freezers"})
    assert_error(response, 503, "index_not_ready")


# --- privacy headers -------------------------------------------------------------------------


REQUESTS = {
    "healthz": ("GET", "/healthz", None),
    "chat": ("POST", "/v1/chat", {"message": FREEZERS}),
    "chat 422": ("POST", "/v1/chat", {"message": ""}),
    "search": ("POST", "/v1/search", {"query": "freezers"}),
    "sources": ("GET", "/v1/sources", None),
    "services": ("GET", "/v1/services", None),
    "openapi": ("GET", "/openapi.json", None),
    "404": ("GET", "/nope", None),
    "413": ("POST", "/v1/chat", {"message": "x" * (70 * 1024)}),
}


@pytest.mark.parametrize("method, path, payload", REQUESTS.values(), ids=REQUESTS.keys())
def test_responses_set_no_cookie_and_are_never_cached(
    client: TestClient, method: str, path: str, payload: dict[str, Any] | None
) -> None:
    response = client.request(method, path, json=payload)
    assert "set-cookie" not in response.headers
    assert response.headers.get("cache-control") == "no-store"
    assert response.headers.get("referrer-policy") == "no-referrer"


def test_readiness_failure_is_not_cached_either(client_without_index: TestClient) -> None:
    response = client_without_index.get("/readyz")
    assert response.status_code == 503
    assert response.headers.get("cache-control") == "no-store"
    assert "set-cookie" not in response.headers


# --- safety first ----------------------------------------------------------------------------


def test_urgent_message_gets_999_first(client: TestClient) -> None:
    response = client.post("/v1/chat", json={"message": URGENT})
    assert response.status_code == 200
    body = response.json()
    assert_chat_contract(body)
    assert_urgent_first(body)
    assert "suicide_self_harm" in body["safety"]["categories"]


def test_urgent_message_gets_999_first_even_when_index_missing(
    client_without_index: TestClient,
) -> None:
    assert client_without_index.get("/readyz").status_code == 503
    response = client_without_index.post("/v1/chat", json={"message": URGENT})
    assert response.status_code == 200
    body = response.json()
    assert_chat_contract(body)
    assert_urgent_first(body)
    assert body["grounded"] is False
    assert body["citations"] == []


def test_urgent_message_gets_999_first_even_when_vector_store_fails(
    client_with_failing_store: TestClient,
) -> None:
    response = client_with_failing_store.post("/v1/chat", json={"message": URGENT})
    assert response.status_code == 200
    body = response.json()
    assert_chat_contract(body)
    assert_urgent_first(body)


def test_question_is_still_answered_from_bm25_when_vector_store_fails(
    client_with_failing_store: TestClient,
) -> None:
    body = client_with_failing_store.post("/v1/chat", json={"message": FREEZERS}).json()
    assert body["grounded"] is True
    assert body["citations"][0]["doc_id"] == "casey-review/05-public-protection"
    assert_citations_verifiable(client_with_failing_store, body)


def test_question_without_an_index_says_search_is_down_not_grounded(
    client_without_index: TestClient,
) -> None:
    body = client_without_index.post("/v1/chat", json={"message": FREEZERS}).json()
    assert_chat_contract(body)
    assert body["grounded"] is False
    assert body["citations"] == []
    assert not CITATION_MARKER.search(body["answer"])


def test_request_for_an_officers_home_address_is_refused(client: TestClient) -> None:
    body = client.post(
        "/v1/chat", json={"message": "what is the home address of the officer who arrested me"}
    ).json()
    assert body["scope"] == "refused"
    assert body["grounded"] is False
    assert body["citations"] == []
    assert not CITATION_MARKER.search(body["answer"])


def test_banana_bread_recipe_is_out_of_scope_and_not_grounded(client: TestClient) -> None:
    body = client.post("/v1/chat", json={"message": "give me a banana bread recipe"}).json()
    assert body["scope"] == "out_of_scope"
    assert body["grounded"] is False
    assert body["citations"] == []
    assert body["safety"]["level"] == "none"
    assert "banana" not in body["answer"].lower()


# --- privacy: no message text in logs --------------------------------------------------------


def test_no_log_record_contains_the_message_text(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    history = [{"role": "user", "content": f"{MARKER} history"}]
    ok = client.post("/v1/chat", json={"message": f"{MARKER} freezers", "history": history})
    urgent = client.post("/v1/chat", json={"message": f"{URGENT} {MARKER}"})
    invalid = client.post("/v1/chat", json={"message": MARKER, "mode": "creative"})
    searched = client.post("/v1/search", json={"query": f"{MARKER} freezers"})
    assert [r.status_code for r in (ok, urgent, invalid, searched)] == [200, 200, 422, 200]
    lines = [json.loads(JsonFormatter().format(r)) for r in caplog.records]
    access = [line for line in lines if line["logger"] == "casebot.access"]
    assert [a["route"] for a in access] == ["/v1/chat"] * 3 + ["/v1/search"]
    assert [a["status"] for a in access] == [200, 200, 422, 200]
    assert access[1]["safety_level"] == "urgent" and access[0]["mode"] == "extractive"
    for line in lines:
        assert MARKER not in json.dumps(line), line


# --- the real corpus and model (a handful of end-to-end checks) -----------------------------


@pytest.mark.slow
def test_casey_review_question_on_the_real_corpus_is_answered_with_citations(
    real_client: TestClient,
) -> None:
    body = real_client.post("/v1/chat", json={"message": "What did the Casey review find?"}).json()
    assert_chat_contract(body)
    assert body["scope"] == "in_scope" and body["grounded"] is True
    assert len(body["citations"]) >= 1
    assert_citations_verifiable(real_client, body)


@pytest.mark.slow
@pytest.mark.parametrize(
    "message",
    [
        "What did the review say about the freezers used to store rape kits?",
        "How many officers faced more than one misconduct allegation?",
        "Did Casey say the Met is institutionally racist?",
    ],
)
def test_real_corpus_quotes_are_verbatim_in_the_cited_chunks(
    real_client: TestClient, message: str
) -> None:
    body = real_client.post("/v1/chat", json={"message": message}).json()
    assert body["citations"]
    assert_citations_verifiable(real_client, body)


@pytest.mark.slow
def test_urgent_message_on_the_real_corpus_gets_999_first(real_client: TestClient) -> None:
    body = real_client.post("/v1/chat", json={"message": URGENT}).json()
    assert_chat_contract(body)
    assert_urgent_first(body)


@pytest.mark.slow
def test_real_corpus_search_results_come_from_the_index(real_client: TestClient) -> None:
    response = real_client.post("/v1/search", json={"query": "rape kit freezers", "k": 5})
    results = response.json()["results"]
    assert len(results) == 5
    assert any(hit["doc_id"] == "casey-review/05-public-protection" for hit in results)
    for hit in results:
        assert hit["text"] == chunk_text(real_client, hit["chunk_id"])
