"""The rest of an answer once its safety assessment has gone out, for a stream.

Retrieval, composing and verifying run in worker threads. A model is awaited through the
asynchronous client under a total deadline: a client that goes away cancels the call
(the stream's task is cancelled, and with it the request), and a model that hangs gives way
to the extractive answer when the deadline passes.
"""

from __future__ import annotations

import asyncio
import logging

from anyio import to_thread

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


async def complete(assessed: Assessed, deps: Collaborators) -> Answer:
    """The answer to an assessed message; AnswerFailed (carrying the assessment) if
    anything unexpected fails."""
    with failing_after(assessed.safety):
        planned = await to_thread.run_sync(plan, assessed, deps)
        if isinstance(planned, Answer):
            return planned
        draft, mode, notes = await _draft(planned, deps)
        return await to_thread.run_sync(finish, planned, draft, mode, notes, deps)


async def _draft(planned: Plan, deps: Collaborators) -> tuple[Draft, Mode, list[str]]:
    if planned.mode != "llm" or deps.generator is None:
        return await to_thread.run_sync(extractive_draft, planned, deps), planned.mode, []
    deadline = deps.params.model_timeout_s
    try:
        raw = await asyncio.wait_for(
            deps.generator.agenerate(*model_input(planned)), timeout=deadline
        )
    except TimeoutError:
        log.warning("model gave no answer within %.1f s; extractive answer given", deadline)
        return await to_thread.run_sync(fallback, planned, deps, "llm timed out")
    except GeneratorError as exc:
        return await to_thread.run_sync(fallback, planned, deps, f"llm failed ({exc})")
    return await to_thread.run_sync(llm_draft, raw, planned, deps)
