"""The rest of an answer once its safety assessment has gone out, for a stream.

Retrieval, composing and verifying run on threads the caller provides (the API's bounded
work pool). A model is awaited through the asynchronous client under a total deadline: a
client that goes away cancels the call (the stream's task is cancelled, and with it the
request), and a model that hangs gives way to the extractive answer when the deadline
passes.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any, Protocol, TypeVar

from casebot.answer.models import Answer, Draft
from casebot.answer.pipeline import (
    Assessed,
    Collaborators,
    Plan,
    extractive_draft,
    failing_after,
    fallback,
    finish,
    llm_draft,
    model_input,
    plan,
)
from casebot.config import Mode
from casebot.errors import GeneratorError

log = logging.getLogger("casebot.answer")

T = TypeVar("T")


class Runner(Protocol):
    """Runs blocking work off the event loop and awaits it."""

    def __call__(self, fn: Callable[..., T], /, *args: Any) -> Awaitable[T]: ...


async def complete(assessed: Assessed, deps: Collaborators, run: Runner) -> Answer:
    """The answer to an assessed message, its blocking stages run by `run`; AnswerFailed
    (carrying the assessment) if anything unexpected fails."""
    with failing_after(assessed.safety):
        planned = await run(plan, assessed, deps)
        if isinstance(planned, Answer):
            return planned
        draft, mode, notes = await _draft(planned, deps, run)
        return await run(finish, planned, draft, mode, notes, deps)


async def _draft(
    planned: Plan, deps: Collaborators, run: Runner
) -> tuple[Draft, Mode, list[str]]:
    if planned.mode != "llm" or deps.generator is None:
        return await run(extractive_draft, planned, deps), planned.mode, []
    deadline = deps.params.model_timeout_s
    try:
        raw = await asyncio.wait_for(
            deps.generator.agenerate(*model_input(planned)), timeout=deadline
        )
    except TimeoutError:
        log.warning("model gave no answer within %.1f s; extractive answer given", deadline)
        return await run(fallback, planned, deps, "llm timed out")
    except GeneratorError as exc:
        return await run(fallback, planned, deps, f"llm failed ({exc})")
    return await run(llm_draft, raw, planned, deps)
