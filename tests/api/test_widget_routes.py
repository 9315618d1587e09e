"""GET /widget.js and GET /widget/demo over HTTP: type, caching, size, the demo's policy."""

from __future__ import annotations

import gzip
import json
import re
from collections.abc import Iterator

from fastapi.testclient import TestClient

from casebot.api.routes.widget import FEEDBACK_SLOT, asset, widget_script
from casebot.feedback.models import DOWN_REASONS, MAX_COMMENT, REASON_LABELS, UP_REASONS

MAX_GZIPPED = 30 * 1024


def test_widget_js_is_javascript_cached_for_a_week_and_revalidated(client: TestClient) -> None:
    response = client.get("/widget.js")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/javascript; charset=utf-8"
    cache = response.headers["cache-control"]
    assert "public" in cache and "max-age=604800" in cache and "no-store" not in cache
    assert response.headers.get_list("cache-control") == [cache]
    assert response.content == widget_script()
    assert "customElements.define" in response.text
    again = client.get("/widget.js", headers={"if-none-match": response.headers["etag"]})
    assert again.status_code == 304 and again.content == b""


def test_widget_js_offers_the_feedback_reasons_the_api_accepts(client: TestClient) -> None:
    assert FEEDBACK_SLOT in asset("widget.js").decode()
    text = client.get("/widget.js").text
    assert FEEDBACK_SLOT not in text
    found = re.search(r"const FEEDBACK = (\{.*?\});\n", text)
    assert found is not None
    choices = json.loads(found.group(1))
    assert [r["id"] for r in choices["up"]] == list(UP_REASONS)
    assert [r["id"] for r in choices["down"]] == list(DOWN_REASONS)
    assert all(r["label"] == REASON_LABELS[r["id"]] for r in choices["up"] + choices["down"])
    assert choices["max_comment"] == MAX_COMMENT


def test_widget_js_is_at_most_30_kb_gzipped(client: TestClient) -> None:
    body = client.get("/widget.js").content
    assert len(gzip.compress(body, compresslevel=9)) <= MAX_GZIPPED


def test_widget_js_keeps_nothing_in_the_browser(client: TestClient) -> None:
    """No storage API appears in the script at all (the browser test checks it at run time)."""
    text = client.get("/widget.js").text
    for api in ("localStorage", "sessionStorage", "indexedDB", "document.cookie", "innerHTML"):
        assert api not in text, api


def test_the_demo_page_embeds_the_widget_under_a_strict_policy(client: TestClient) -> None:
    response = client.get("/widget/demo")
    assert response.status_code == 200
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "style-src 'self'" in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    page = response.text
    assert '<script src="/widget.js" data-casebot-key="pk_demo" async></script>' in page
    assert "<style" not in page and "style=" not in page
    assert 'data-casebot-mode="inline"' not in page
    inline = client.get("/widget/demo", params={"mode": "inline"}).text
    assert '<casebot-chat data-casebot-mode="inline"></casebot-chat>' in inline
    assert client.get("/widget/demo", params={"mode": "popup"}).status_code == 422
    assert client.get("/widget/demo.css").headers["content-type"].startswith("text/css")


def test_answers_are_still_never_cached(client: TestClient) -> None:
    response = client.post("/v1/chat", json={"message": "what did the review find?"})
    assert response.headers.get_list("cache-control") == ["no-store"]


def test_openapi_documents_the_stream_the_openai_api_and_the_widget(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    paths = spec["paths"]
    stream = paths["/v1/chat/stream"]["post"]
    assert "text/event-stream" in stream["responses"]["200"]["content"]
    for event in ("`safety`", "`delta`", "`citations`", "`done`", "`error`"):
        assert event in stream["description"]
    assert stream["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "/ChatRequest"
    )
    completions = paths["/v1/chat/completions"]["post"]
    content = completions["responses"]["200"]["content"]
    assert {"application/json", "text/event-stream"} <= set(content)
    assert content["application/json"]["schema"]["$ref"].endswith("/ChatCompletion")
    assert "casebot" in spec["components"]["schemas"]["ChatCompletion"]["properties"]
    assert {"/v1/models", "/v1/models/{model}", "/widget.js", "/widget/demo"} <= set(paths)
    data = stream["responses"]["200"]["content"]["text/event-stream"]["schema"]["oneOf"]
    assert [d["title"] for d in data] == ["safety", "delta", "citations", "done", "error"]
    refs = set(_refs(data))
    assert refs == {"SafetyOut", "CitationOut", "ErrorBody"}
    assert refs <= set(spec["components"]["schemas"])


def _refs(node: object) -> Iterator[str]:
    if isinstance(node, dict):
        if "$ref" in node:
            yield str(node["$ref"]).rsplit("/", 1)[-1]
        for value in node.values():
            yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)
