"""Canned replies of an OpenAI-compatible model provider, for tests that mock it with respx."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
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


# Ollama serves the same API under /v1 on its own port, and answers in its own dialect of
# the body: its own ids and a system fingerprint, no usage when it did not count.
OLLAMA_BASE_URL = "http://localhost:11434/v1"
OLLAMA_URL = f"{OLLAMA_BASE_URL}/chat/completions"


def ollama_chat_completion(content: str | None, model: str = "llama3.2") -> dict[str, Any]:
    """A chat completion as Ollama's OpenAI-compatible endpoint writes it."""
    return {
        "id": "chatcmpl-417",
        "object": "chat.completion",
        "created": 1_700_000_000,
        "model": model,
        "system_fingerprint": "fp_ollama",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": content},
                "finish_reason": "stop",
            }
        ],
    }


@dataclass(frozen=True)
class Provider:
    """A model provider as casebot is configured for it, and how it writes a reply."""

    name: str
    base_url: str
    url: str
    model: str
    reply: Callable[[str | None], dict[str, Any]]


PROVIDERS = (
    Provider("openai-compatible", LLM_BASE_URL, LLM_URL, "test-model", chat_completion),
    Provider("ollama", OLLAMA_BASE_URL, OLLAMA_URL, "llama3.2", ollama_chat_completion),
)
