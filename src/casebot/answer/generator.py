"""The Generator seam: an LLM writes the answer, casebot checks every citation.

LangChainGenerator talks to any OpenAI-compatible chat endpoint (OpenAI, vLLM, Ollama's
/v1) through LangChain's ChatOpenAI. Prompts come from prompts/answer.yaml.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from casebot.errors import GeneratorError, PromptError
from casebot.index.models import Chunk


class Generator(Protocol):
    """Writes an answer with [n] markers from numbered sources."""

    def generate(
        self,
        question: str,
        sources: Sequence[tuple[int, Chunk]],
        history: Sequence[tuple[str, str]],
    ) -> str: ...


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


class LangChainGenerator:
    def __init__(
        self,
        prompt: AnswerPrompt,
        base_url: str,
        model: str,
        api_key: str | None,
        timeout: float,
        max_words: int,
    ) -> None:
        from langchain_openai import ChatOpenAI

        self._prompt = prompt
        self._max_words = max_words
        self._model = ChatOpenAI(
            base_url=base_url,
            model=model,
            api_key=api_key or "not-needed",  # type: ignore[arg-type]
            timeout=timeout,
            max_retries=0,
            temperature=0,
        )

    def generate(
        self,
        question: str,
        sources: Sequence[tuple[int, Chunk]],
        history: Sequence[tuple[str, str]],
    ) -> str:
        from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage

        system, user = self._prompt.render(question, sources, self._max_words)
        messages: list[BaseMessage] = [SystemMessage(system)]
        for role, text in history[-6:]:
            messages.append(HumanMessage(text) if role == "user" else AIMessage(text))
        messages.append(HumanMessage(user))
        try:
            reply = self._model.invoke(messages)
        except Exception as exc:  # provider SDKs raise many types; map them at this edge
            raise GeneratorError(f"model call failed: {type(exc).__name__}") from exc
        content = reply.content
        if not isinstance(content, str) or not content.strip():
            raise GeneratorError("model returned no text")
        return content
