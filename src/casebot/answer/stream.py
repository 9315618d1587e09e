"""The rest of an answer once its safety assessment has gone out, for a stream.

Retrieval, composing and verifying run on threads the caller provides (the API's bounded
work pool). A model is awaited through the asynchronous client under a total deadline: a
client that goes away cancels the call (the stream's task is cancelled, and with it the
request), and a model that hangs gives way to the extractive answer when the deadline
passes.
"""

from __future__ import annotations

from casebot.answer.composer import Composed, ModelComposer, Runner, composer_for
from casebot.answer.models import Answer
from casebot.answer.pipeline import Assessed, Collaborators, Plan, failing_after, finish, plan


async def complete(assessed: Assessed, deps: Collaborators, run: Runner) -> Answer:
    """The answer to an assessed message, its blocking stages run by `run`; AnswerFailed
    (carrying the assessment) if anything unexpected fails."""
    with failing_after(assessed.safety):
        planned = await run(plan, assessed, deps)
        if isinstance(planned, Answer):
            return planned
        composed = await _compose(planned, deps, run)
        return await run(finish, planned, composed.draft, composed.mode, composed.notes, deps)


async def _compose(planned: Plan, deps: Collaborators, run: Runner) -> Composed:
    composer = composer_for(planned, deps)
    if isinstance(composer, ModelComposer):
        # Awaited, so the deadline holds and a client that goes away cancels the call.
        return await composer.acompose(planned, deps, run)
    return await run(composer.compose, planned, deps)
