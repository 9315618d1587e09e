"""The optional judged tier: a model scores faithfulness and relevance (off by default).

The judge speaks the OpenAI-compatible chat API through casebot's one HTTP seam, so any
provider casebot can generate with can judge too. It only ever sees eval questions, answers
and cited chunks.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from casebot.errors import GeneratorError, ProviderError
from casebot.openai_compat import Endpoint

# Kept beside the code that parses its reply: the two change together.
SYSTEM_PROMPT = (
    "You grade answers from a question-answering assistant. You are given a question, the "
    "assistant's answer and the source passages the answer cites. Score two things from 0 to "
    "1: faithfulness (1 = every claim in the answer is supported by the passages; 0 = the "
    "answer is unsupported or contradicts them) and relevance (1 = the answer addresses the "
    "question directly; 0 = it does not address it). Reply with JSON only, exactly: "
    '{"faithfulness": <number>, "relevance": <number>}'
)
_JSON_OBJECT = re.compile(r"\{.*\}", re.DOTALL)


@dataclass(frozen=True)
class Judgement:
    faithfulness: float
    relevance: float


class Judge(Protocol):
    def judge(self, question: str, answer: str, contexts: Sequence[str]) -> Judgement: ...


def user_prompt(question: str, answer: str, contexts: Sequence[str]) -> str:
    passages = "\n\n".join(f"[{i}] {text}" for i, text in enumerate(contexts, start=1))
    return f"Question:\n{question}\n\nAnswer:\n{answer}\n\nPassages:\n{passages or '(none)'}"


def parse_judgement(content: str) -> Judgement:
    """The scores from the model's reply; GeneratorError when it is not the JSON asked for."""
    match = _JSON_OBJECT.search(content)
    if not match:
        raise GeneratorError("judge reply has no JSON object")
    try:
        data = json.loads(match.group(0))
        scores = [float(data["faithfulness"]), float(data["relevance"])]
    except (ValueError, KeyError, TypeError) as exc:
        raise GeneratorError(f"judge reply is not the expected JSON: {exc}") from exc
    faithfulness, relevance = (min(1.0, max(0.0, s)) for s in scores)
    return Judgement(faithfulness, relevance)


class ChatJudge:
    """A judge behind an OpenAI-compatible /chat/completions endpoint."""

    def __init__(self, endpoint: Endpoint, model: str) -> None:
        self._endpoint = endpoint
        self._model = model

    def judge(self, question: str, answer: str, contexts: Sequence[str]) -> Judgement:
        messages = [
            {"role": "system", "content": SYSTEM_PROMPT},
            {"role": "user", "content": user_prompt(question, answer, contexts)},
        ]
        try:
            content = self._endpoint.chat(self._model, messages)
        except ProviderError as exc:
            raise GeneratorError(f"judge {exc}") from exc
        return parse_judgement(content)
