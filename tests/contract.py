"""The public contract v1 (DESIGN.md) as assertions, shared by the API and CLI tests."""

from __future__ import annotations

from typing import Any

CHAT_KEYS = {"answer_id", "answer", "citations", "safety", "scope", "grounded", "mode"}
CITATION_KEYS = {"n", "chunk_id", "doc_id", "title", "section", "page", "url", "quote"}
SAFETY_KEYS = {"level", "categories", "message", "signposts", "check_in"}
SIGNPOST_KEYS = {"id", "name", "phone", "text", "url", "hours", "description"}
SEARCH_HIT_KEYS = {"chunk_id", "doc_id", "title", "section", "page", "url", "text", "score"}


def is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def optional(value: Any, kind: type) -> bool:
    return value is None or isinstance(value, kind)


def assert_chat_contract(body: dict[str, Any]) -> None:
    assert set(body) == CHAT_KEYS
    assert isinstance(body["answer_id"], str) and body["answer_id"]
    assert isinstance(body["answer"], str) and body["answer"]
    assert body["scope"] in {"in_scope", "out_of_scope", "refused"}
    assert isinstance(body["grounded"], bool)
    assert body["mode"] in {"extractive", "llm"}
    assert isinstance(body["citations"], list)
    for citation in body["citations"]:
        assert set(citation) == CITATION_KEYS
        assert is_int(citation["n"]) and citation["n"] >= 1
        for key in ("chunk_id", "doc_id", "title", "quote"):
            assert isinstance(citation[key], str) and citation[key], key
        assert optional(citation["section"], str)
        assert citation["page"] is None or is_int(citation["page"])
        assert optional(citation["url"], str)
    safety = body["safety"]
    assert set(safety) == SAFETY_KEYS
    assert safety["level"] in {"none", "sensitive", "urgent"}
    assert isinstance(safety["categories"], list)
    assert all(isinstance(c, str) for c in safety["categories"])
    assert optional(safety["message"], str)
    assert isinstance(safety["check_in"], bool)
    assert isinstance(safety["signposts"], list)
    for signpost in safety["signposts"]:
        assert set(signpost) == SIGNPOST_KEYS
        for key in ("id", "name", "description"):
            assert isinstance(signpost[key], str) and signpost[key], key
        for key in ("phone", "text", "url", "hours"):
            assert optional(signpost[key], str), key
