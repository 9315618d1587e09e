"""GET /widget.js and GET /widget/demo over HTTP: type, caching, size, the demo's policy."""

from __future__ import annotations

import gzip

from fastapi.testclient import TestClient

from casebot.api.routes.widget import asset

MAX_GZIPPED = 30 * 1024


def test_widget_js_is_javascript_cached_for_a_week_and_revalidated(client: TestClient) -> None:
    response = client.get("/widget.js")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/javascript; charset=utf-8"
    cache = response.headers["cache-control"]
    assert "public" in cache and "max-age=604800" in cache and "no-store" not in cache
    assert response.headers.get_list("cache-control") == [cache]
    assert response.content == asset("widget.js")
    assert "customElements.define" in response.text
    again = client.get("/widget.js", headers={"if-none-match": response.headers["etag"]})
    assert again.status_code == 304 and again.content == b""


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
