"""One way to call an OpenAI-compatible endpoint (OpenAI, vLLM, Ollama's /v1).

The embedder, the answer generator and the eval's judge all speak through an Endpoint over
one injected httpx.Client. Whoever owns the process's lifetime builds that client and
closes it (the API lifespan, a CLI command, an eval run); tests mock it with respx.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx

from casebot.errors import ProviderError


def http_client() -> httpx.Client:
    """The client for model providers; timeouts are set per endpoint, on each request."""
    return httpx.Client()


def async_http_client() -> httpx.AsyncClient:
    """The asynchronous client a stream calls the model through, so that a client that
    goes away cancels the call (the API lifespan owns it)."""
    return httpx.AsyncClient()


@contextmanager
def _provider_errors() -> Iterator[None]:
    """ProviderError says what failed, never what was sent."""
    try:
        yield
    except httpx.HTTPStatusError as exc:
        raise ProviderError(f"returned HTTP {exc.response.status_code}") from exc
    except httpx.HTTPError as exc:
        raise ProviderError(f"unreachable: {type(exc).__name__}") from exc
    except ValueError as exc:
        raise ProviderError("reply is not JSON") from exc


@dataclass(frozen=True)
class Endpoint:
    client: httpx.Client
    base_url: str
    api_key: str | None
    timeout_s: float
    aclient: httpx.AsyncClient | None = None  # for streams; None where nothing streams

    def _target(self, path: str) -> tuple[str, dict[str, str]]:
        headers = {"Authorization": f"Bearer {self.api_key}"} if self.api_key else {}
        return self.base_url.rstrip("/") + path, headers

    def post(self, path: str, body: Mapping[str, Any]) -> Any:
        """The JSON reply to a POST."""
        url, headers = self._target(path)
        with _provider_errors():
            response = self.client.post(url, json=body, headers=headers, timeout=self.timeout_s)
            response.raise_for_status()
            return response.json()

    async def apost(self, path: str, body: Mapping[str, Any]) -> Any:
        """post(), awaited: cancelling the caller cancels the request."""
        if self.aclient is None:
            raise ProviderError("no asynchronous client configured")
        url, headers = self._target(path)
        with _provider_errors():
            response = await self.aclient.post(
                url, json=body, headers=headers, timeout=self.timeout_s
            )
            response.raise_for_status()
            return response.json()

    def chat(self, model: str, messages: Sequence[Mapping[str, str]]) -> str:
        """The reply's text. Temperature 0: an answer or a judgement should repeat."""
        return _content(self.post("/chat/completions", _chat_body(model, messages)))

    async def achat(self, model: str, messages: Sequence[Mapping[str, str]]) -> str:
        return _content(await self.apost("/chat/completions", _chat_body(model, messages)))

    def embeddings(self, model: str, texts: Sequence[str]) -> list[Any]:
        """One embedding per text, in the order of `texts`."""
        data = self.post("/embeddings", {"model": model, "input": list(texts)})
        try:
            rows = sorted(data["data"], key=lambda row: row["index"])
            return [row["embedding"] for row in rows]
        except (KeyError, TypeError) as exc:
            raise ProviderError("reply is not a list of embeddings") from exc


def _chat_body(model: str, messages: Sequence[Mapping[str, str]]) -> dict[str, Any]:
    return {"model": model, "temperature": 0, "messages": list(messages)}


def _content(data: Any) -> str:
    try:
        content = data["choices"][0]["message"]["content"]
    except (KeyError, IndexError, TypeError) as exc:
        raise ProviderError("reply is not a chat completion") from exc
    if not isinstance(content, str):
        raise ProviderError("reply has no text content")
    return content
