"""Canned replies of an OpenAI-compatible model provider, for tests that mock it with respx."""

from __future__ import annotations

from typing import Any

LLM_BASE_URL = "http://llm.test/v1"
LLM_URL = f"{LLM_BASE_URL}/chat/completions"


def chat_completion(content: str | None, model: str = "test-model") -> dict[str, Any]:
    """An OpenAI-style chat completion body."""
    return {
        "id": "chatcmpl-test",
        "object": "chat.completion",
        "created": 1_700_000_000,
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": content},
                "finish_reason": "stop",
            }
        ],
        "usage": {"prompt_tokens": 10, "completion_tokens": 10, "total_tokens": 20},
    }
