"""The Composer seam: what writes an answer's draft once its question passed the gate.

Two composers sit behind it. ExtractiveComposer picks verbatim sentences by the question
type's strategy (extractive.py); ModelComposer has the configured model write the answer
and keeps the sentences a reader can check in their quotes (checks.py), giving the
extractive draft, with a note saying why, when the model fails or too little survives.
composer_for picks one for a plan; the pipeline and the stream both draft through it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from casebot.answer.checks import check_reply, embedding_similarity
from casebot.answer.collaborators import Collaborators
from casebot.answer.extractive import compose
from casebot.answer.generator import Generator
from casebot.answer.models import Draft
from casebot.answer.plan import History, Plan
from casebot.config import Mode
from casebot.errors import GeneratorError
from casebot.index.models import Chunk

log = logging.getLogger("casebot.answer")

T = TypeVar("T")


@dataclass(frozen=True)
class Composed:
    """A draft, the mode that wrote it (a model's failure makes it extractive) and notes."""

    draft: Draft
    mode: Mode
    notes: tuple[str, ...] = ()


class Composer(Protocol):
    """Writes the draft of a planned answer; the pipeline verifies it afterwards."""

    def compose(self, planned: Plan, deps: Collaborators) -> Composed: ...


class Runner(Protocol):
    """Runs blocking work off the event loop and awaits it."""

    def __call__(self, fn: Callable[..., T], /, *args: Any) -> Awaitable[T]: ...


class ExtractiveComposer:
    """Verbatim sentences from the hits, chosen by the question type's strategy."""

    def compose(self, planned: Plan, deps: Collaborators) -> Composed:
        result = planned.result
        draft = compose(
            result.query,
            result,
            planned.index,
            deps.params.compose,
            lead=result.pinned,
            strategy=planned.strategy,
        )
        return Composed(draft, "extractive")


EXTRACTIVE = ExtractiveComposer()


@dataclass(frozen=True)
class ModelComposer:
    """The model's answer, each sentence checked against its quotes; the extractive draft
    when the model fails or what it wrote cannot be checked."""

    generator: Generator
    fallback_to: Composer = EXTRACTIVE

    def compose(self, planned: Plan, deps: Collaborators) -> Composed:
        try:
            raw = self.generator.generate(*model_input(planned))
        except GeneratorError as exc:
            return self.fallback(planned, deps, f"llm failed ({exc})")
        return self.checked(raw, planned, deps)

    async def acompose(self, planned: Plan, deps: Collaborators, run: Runner) -> Composed:
        """compose(), for a stream: the model is awaited under the deadline (a client that
        goes away cancels it) and the blocking work runs on `run`."""
        deadline = deps.params.model_timeout_s
        try:
            raw = await asyncio.wait_for(
                self.generator.agenerate(*model_input(planned)), timeout=deadline
            )
        except TimeoutError:
            log.warning("model gave no answer within %.1f s; extractive answer given", deadline)
            return await run(self.fallback, planned, deps, "llm timed out")
        except GeneratorError as exc:
            return await run(self.fallback, planned, deps, f"llm failed ({exc})")
        return await run(self.checked, raw, planned, deps)

    def checked(self, raw: str, planned: Plan, deps: Collaborators) -> Composed:
        """The model's sentences that a reader can check in their quotes (answer/checks.py);
        the extractive draft when the reply carried no markers or too little of it survived."""
        params = deps.params.checks
        sources = dict(model_input(planned)[1])
        similarity = embedding_similarity(deps.embedder)
        checked = check_reply(
            raw, sources, similarity, params, deps.instructs or (lambda _: False)
        )
        kept = len(checked.draft.sentences)
        if not checked.marked:
            return self.fallback(
                planned, deps, "llm reply carried no citation markers", checked.notes
            )
        if kept == 0 or kept < params.min_kept * checked.written:
            why = f"llm reply mostly unsupported ({kept} of {checked.written} sentences kept)"
            return self.fallback(planned, deps, why, checked.notes)
        return Composed(checked.draft, "llm", checked.notes)

    def fallback(
        self, planned: Plan, deps: Collaborators, why: str, notes: Sequence[str] = ()
    ) -> Composed:
        """The extractive draft when the model could not write one, and the note saying why."""
        composed = self.fallback_to.compose(planned, deps)
        return Composed(composed.draft, "extractive", (*notes, f"{why}; extractive answer given"))


def composer_for(planned: Plan, deps: Collaborators) -> Composer:
    """The model when the plan's mode is llm and one is configured; otherwise extractive
    (an urgent message's plan is extractive: nobody in danger waits on a model)."""
    if planned.mode == "llm" and deps.generator is not None:
        return ModelComposer(deps.generator)
    return EXTRACTIVE


def model_input(planned: Plan) -> tuple[str, list[tuple[int, Chunk]], History]:
    """What the model is given: the question, its numbered sources and the history."""
    result = planned.result
    sources = [(i + 1, hit.chunk) for i, hit in enumerate(result.hits)]
    return result.query, sources, planned.assessed.history
