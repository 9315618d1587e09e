"""Follow-ups rewritten by the configured model into standalone questions.

With a model configured, one call turns a follow-up ("and what did she want done with
it?") and the last three exchanges into a question search can answer alone. The offline
rewrite (followup.py) stays the fallback: any failure of the call, or a reply that is not
one short question, leaves the query as the offline rewrite made it. The prompt comes from
prompts/condense.yaml.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from casebot.answer.followup import TURNS, plain
from casebot.errors import PromptError, ProviderError
from casebot.openai_compat import Endpoint

log = logging.getLogger("casebot.answer")

History = Sequence[tuple[str, str]]
TURN_WORDS = 80  # each earlier turn is cut to this: the referents are in its opening
MAX_CHARS = 400  # a reply longer than this is not one question


class CondensePrompt(BaseModel):
    model_config = ConfigDict(extra="forbid")

    system: str = Field(min_length=50)
    user: str = Field(min_length=10)
    turn: str = Field(min_length=5)

    def render(self, question: str, history: History) -> tuple[str, str]:
        turns = "\n".join(
            self.turn.format(
                speaker="User" if role == "user" else "Assistant",
                text=" ".join(plain(text).split()[:TURN_WORDS]),
            )
            for role, text in history
        )
        return self.system, self.user.format(conversation=turns, question=question)


def load_condense_prompt(path: Path) -> CondensePrompt:
    try:
        prompt = CondensePrompt.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
        prompt.render("q", [("user", "u"), ("assistant", "a")])
    except (OSError, yaml.YAMLError, ValidationError, KeyError, IndexError) as exc:
        raise PromptError(f"{path}: invalid condense prompt: {exc}") from exc
    return prompt


class Condenser:
    """Rewrites a follow-up through an OpenAI-compatible /chat/completions endpoint."""

    def __init__(self, prompt: CondensePrompt, endpoint: Endpoint, model: str) -> None:
        self._prompt = prompt
        self._endpoint = endpoint
        self._model = model

    def condense(self, question: str, history: History) -> str | None:
        """The standalone question; None without earlier user turns or when the call or
        its reply fails (the caller keeps the offline rewrite)."""
        window = list(history[-2 * TURNS :])
        if not any(role == "user" for role, _ in window):
            return None
        system, user = self._prompt.render(question, window)
        messages = [{"role": "system", "content": system}, {"role": "user", "content": user}]
        try:
            reply = self._endpoint.chat(self._model, messages)
        except ProviderError as exc:
            log.warning("condense call failed (%s); offline rewrite used", exc)
            return None
        return _question(reply)


def _question(reply: str) -> str | None:
    """The reply as one question, or None when it is empty or too long to be one."""
    lines = [line.strip().strip('"').strip() for line in reply.strip().splitlines()]
    text = next((line for line in lines if line), "")
    if not text or len(text) > MAX_CHARS:
        return None
    return text
