"""The Generator seam: an LLM writes the answer, casebot checks every citation.

ChatGenerator talks to any OpenAI-compatible chat endpoint (OpenAI, vLLM, Ollama's /v1)
through casebot's one HTTP seam (openai_compat). Prompts come from prompts/answer.yaml.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Protocol

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from casebot.errors import GeneratorError, PromptError, ProviderError
from casebot.index.models import Chunk
from casebot.openai_compat import Endpoint

HISTORY_TURNS = 6  # the model sees the last three exchanges: enough for a follow-up


class Generator(Protocol):
    """Writes an answer with [n] markers from numbered sources."""

    def generate(
        self,
        question: str,
        sources: Sequence[tuple[int, Chunk]],
        history: Sequence[tuple[str, str]],
    ) -> str: ...

    async def agenerate(
        self,
        question: str,
        sources: Sequence[tuple[int, Chunk]],
        history: Sequence[tuple[str, str]],
    ) -> str:
        """generate(), awaited: a stream cancels it when its client goes away."""
        ...


class AnswerPrompt(BaseModel):
    model_config = ConfigDict(extra="forbid")

    system: str = Field(min_length=50)
    user: str = Field(min_length=10)
    source: str = Field(min_length=5)

    def render(
        self, question: str, sources: Sequence[tuple[int, Chunk]], max_words: int
    ) -> tuple[str, str]:
        blocks = "\n\n".join(
            self.source.format(
                n=n,
                title=chunk.title,
                section=chunk.section or "",
                page=chunk.page if chunk.page is not None else "n/a",
                kind=chunk.kind,
                text=chunk.text,
            )
            for n, chunk in sources
        )
        return (
            self.system.format(max_words=max_words),
            self.user.format(sources=blocks, question=question),
        )


def load_answer_prompt(path: Path) -> AnswerPrompt:
    try:
        prompt = AnswerPrompt.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
        prompt.render("q", [], 100)
    except (OSError, yaml.YAMLError, ValidationError, KeyError, IndexError) as exc:
        raise PromptError(f"{path}: invalid answer prompt: {exc}") from exc
    return prompt


class ChatGenerator:
    """Answers through an OpenAI-compatible /chat/completions endpoint."""

    def __init__(self, prompt: AnswerPrompt, endpoint: Endpoint, model: str, max_words: int):
        self._prompt = prompt
        self._endpoint = endpoint
        self._model = model
        self._max_words = max_words

    def generate(
        self,
        question: str,
        sources: Sequence[tuple[int, Chunk]],
        history: Sequence[tuple[str, str]],
    ) -> str:
        messages = self._messages(question, sources, history)
        with _reading_reply():
            return _text(self._endpoint.chat(self._model, messages))

    async def agenerate(
        self,
        question: str,
        sources: Sequence[tuple[int, Chunk]],
        history: Sequence[tuple[str, str]],
    ) -> str:
        messages = self._messages(question, sources, history)
        with _reading_reply():
            return _text(await self._endpoint.achat(self._model, messages))

    def _messages(
        self,
        question: str,
        sources: Sequence[tuple[int, Chunk]],
        history: Sequence[tuple[str, str]],
    ) -> list[dict[str, str]]:
        system, user = self._prompt.render(question, sources, self._max_words)
        messages = [{"role": "system", "content": system}]
        for role, text in history[-HISTORY_TURNS:]:
            messages.append({"role": "user" if role == "user" else "assistant", "content": text})
        messages.append({"role": "user", "content": user})
        return messages


@contextmanager
def _reading_reply() -> Iterator[None]:
    """The one way a reply is read, called or awaited: a provider's failure is the
    generator's (the pipeline falls back on it), naming what failed, never what was sent."""
    try:
        yield
    except ProviderError as exc:
        raise GeneratorError(f"model call failed: {exc}") from exc


def _text(content: str) -> str:
    if not content.strip():
        raise GeneratorError("model returned no text")
    return content
