"""The answer pipeline: pure functions with their collaborators passed in.

safety.assess -> retrieval.search (steered by guidance) -> gate -> compose (extractive |
llm) -> citations.verify. Safety is decided first and is part of every outcome, including
failures further on.
"""

from __future__ import annotations

import dataclasses
import logging
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from casebot.answer.citations import verify

# Collaborators, PipelineParams, History, Embedded, Assessed and Plan are named here too:
# the API, the evals and the tests take them from the pipeline.
from casebot.answer.collaborators import Collaborators as Collaborators
from casebot.answer.collaborators import PipelineParams as PipelineParams
from casebot.answer.composer import composer_for
from casebot.answer.followup import other_reading, retrieval_query, searchable
from casebot.answer.models import Answer, Draft, Scope
from casebot.answer.plan import Assessed as Assessed
from casebot.answer.plan import Embedded as Embedded
from casebot.answer.plan import History as History
from casebot.answer.plan import Plan as Plan
from casebot.answer.strategies import Steered, strategy_for
from casebot.answer.timing import Stopwatch
from casebot.answer.unheld import not_held
from casebot.config import Mode, RequestedMode
from casebot.embeddings import Embedder
from casebot.errors import RetrievalUnavailable
from casebot.index.version import LoadedIndex
from casebot.retrieval import guidance
from casebot.retrieval.gate import Gate, gate
from casebot.retrieval.hybrid import SearchResult, search
from casebot.safety.models import SafetyAssessment

log = logging.getLogger("casebot.answer")

UNAVAILABLE = (
    "I can't search the knowledge base right now, so I can't answer that question. "
    "Please try again later."
)
# What a rate-limited message gets in place of an answer: its safety assessment still
# comes with it, so limits shed answers and never signposts.
BUSY = (
    "casebot is answering a lot of questions from here just now, so it can't answer this "
    "one. Please try again in a minute."
)
# What an urgent message gets when the work pool has no room or time for an answer.
OVERLOADED = (
    "casebot is very busy right now, so I can't answer that question yet. "
    "Please try again in a moment."
)


class AnswerFailed(Exception):
    """Something unexpected failed after the safety assessment: the error response still
    carries the assessment (api/errors.py), so 999 reaches a person in danger."""

    def __init__(self, safety: SafetyAssessment) -> None:
        super().__init__("the answer failed after the safety assessment")
        self.safety = safety


def embed_batch(embedder: Embedder | None, texts: Sequence[str]) -> Any:
    """One embedding call; None when there is no embedder or it failed."""
    if embedder is None:
        return None
    try:
        return embedder.embed(list(texts))
    except RetrievalUnavailable:
        log.warning("embedder unavailable; safety scores the text alone")
        return None


def embed_message(message: str, history: History, deps: Collaborators) -> Embedded:
    texts = deps.assessor.texts(message, history)
    query, reading = None, None
    if deps.index is not None:
        query = retrieval_query(message, history, deps.index.speller)
        other = other_reading(message, history)
        reading = searchable(other, deps.index.speller) if other is not None else None
    # Each distinct text once: a follow-up's other reading is often the message itself.
    wanted = [t for t in (query, reading) if t is not None]
    batch = list(dict.fromkeys([*texts, *wanted]))
    rows = embed_batch(deps.embedder, batch)
    if rows is None:
        return Embedded(None, query, None)
    row = {text: rows[i] for i, text in enumerate(batch)}
    query_vector = row[query] if query is not None else None
    readings = (row[reading],) if reading is not None and reading != query else ()
    return Embedded(rows[: len(texts)], query, query_vector, readings)


def _outcome(
    text: str, safety: SafetyAssessment, scope: Scope, mode: Mode, notes: Sequence[str] = ()
) -> Answer:
    return Answer(
        answer_id=uuid.uuid4().hex,
        text=text,
        citations=(),
        safety=safety,
        scope=scope,
        grounded=False,
        mode=mode,
        notes=tuple(notes),
    )


def resolve_mode(requested: RequestedMode | None, deps: Collaborators) -> Mode:
    """The mode an answer is composed in: the model only when one is configured."""
    choice = requested or deps.params.mode
    if choice == "auto" or (choice == "llm" and deps.generator is None):
        return "llm" if deps.generator is not None else "extractive"
    return choice


def assess(
    message: str, history: History, deps: Collaborators, mode: RequestedMode | None = None
) -> Assessed:
    """The safety assessment (made before retrieval or any model call), and the embedding
    pass it read (reused by retrieval)."""
    watch = Stopwatch()
    with watch.stage("embed"):
        embedded = embed_message(message, history, deps)
    with watch.stage("safety"):
        safety = deps.assessor.assess(message, history, embedded.units)
        if deps.scope and safety.level != "urgent" and deps.scope.asks_legal_advice(message):
            # The complaint routes go out with the assessment, in the stream's first event.
            safety = deps.scope.with_legal_signposts(safety)
    return Assessed(message, history, safety, embedded, resolve_mode(mode, deps), watch)


def answer(
    message: str, history: History, deps: Collaborators, mode: RequestedMode | None = None
) -> Answer:
    """The answer, with the safety assessment made first and carried by every outcome:
    an unexpected failure after it is raised as AnswerFailed, holding the assessment."""
    assessed = assess(message, history, deps, mode)
    with failing_after(assessed.safety):
        planned = plan(assessed, deps)
        if isinstance(planned, Plan):
            with assessed.watch.stage("compose"):
                composed = composer_for(planned, deps).compose(planned, deps)
            planned = finish(planned, composed.draft, composed.mode, composed.notes, deps)
    return dataclasses.replace(planned, timings=assessed.watch.items())


def safety_reply(
    message: str, history: History, deps: Collaborators, mode: RequestedMode | None = None
) -> Answer:
    """The safety assessment without an answer (a limited client's reply)."""
    assessed = assess(message, history, deps, mode)
    return _outcome(BUSY, assessed.safety, "out_of_scope", assessed.mode, ["answer shed"])


@contextmanager
def failing_after(safety: SafetyAssessment) -> Iterator[None]:
    """Anything unexpected from here on is AnswerFailed, carrying the assessment."""
    try:
        yield
    except AnswerFailed:
        raise
    except Exception as exc:
        log.error("answer failed after the assessment: %s", type(exc).__name__)
        raise AnswerFailed(safety) from exc


def triage(
    message: str, history: History, deps: Collaborators, mode: RequestedMode | None = None
) -> Answer | None:
    """The reply when there is no time or room to answer (the work pool is full, or the
    answer ran out of time): the assessment from the text alone, a few milliseconds. An
    urgent message gets its safety reply; for anything else None (the caller sheds it)."""
    safety = deps.assessor.assess(message, history, None)
    if safety.level != "urgent":
        return None
    return _outcome(OVERLOADED, safety, "out_of_scope", resolve_mode(mode, deps), ["busy"])


def plan(assessed: Assessed, deps: Collaborators) -> Answer | Plan:
    """Everything before the draft: an outcome that needs none (a refusal, no index, the
    gate's verdict), or the Plan an answer is drafted from."""
    settled = _settled(assessed, deps)
    if settled is not None:
        return settled
    safety, chosen = assessed.safety, assessed.mode
    assert deps.index is not None  # _settled answered when there is none
    kind = question_type(assessed.embedded, deps)
    try:
        with assessed.watch.stage("search"):
            result = retrieve(
                assessed.message,
                assessed.history,
                safety,
                deps,
                assessed.embedded,
                kind,
                condense=chosen == "llm",
            )
    except RetrievalUnavailable as exc:
        log.warning("retrieval failed: %s", type(exc).__name__)
        return _outcome(UNAVAILABLE, safety, "out_of_scope", chosen, ["retrieval unavailable"])
    verdict = Gate.PASS if _guided(result, deps.index) else gate(result, deps.params.gate)
    if verdict is not Gate.PASS:
        text = deps.texts.out_of_scope if verdict is Gate.UNRELATED else deps.texts.no_answer
        return _outcome(text, safety, "out_of_scope", chosen)
    if safety.level == "urgent":
        # Someone who may be in danger is not kept waiting on a model: 999 goes out now,
        # with the extractive answer.
        chosen = "extractive"
    return Plan(assessed, result, deps.index, chosen, kind)


def _guided(result: SearchResult, index: LoadedIndex) -> bool:
    """Guidance written for this disclosure was pinned: always worth giving, so the gate is
    skipped. A strategy's lead (an overview brief) is not guidance: the gate still judges
    whether the question is one the knowledge base answers."""
    return any(index.by_id[cid].serves for cid in result.pinned if cid in index.by_id)


def _settled(assessed: Assessed, deps: Collaborators) -> Answer | None:
    """The outcome of a message that needs no search: a refusal, an injection, no index, a
    request to make up an allegation, a question about something the knowledge base does
    not hold, a request for legal advice on one's own case (not while someone may be in
    danger: they get the full answer)."""
    safety, chosen, message = assessed.safety, assessed.mode, assessed.message
    if safety.refused:
        return _outcome(safety.refusal or "", safety, "refused", chosen)
    if "injection" in safety.cues:
        return _outcome(deps.texts.injection, safety, "out_of_scope", chosen)
    if deps.index is None or deps.embedder is None:
        return _outcome(UNAVAILABLE, safety, "out_of_scope", chosen, ["index unavailable"])
    if deps.scope is None or safety.level == "urgent":
        return None
    if deps.scope.asks_fabrication(message):
        refusal = deps.texts.refusal("fabricate")
        return _outcome(refusal, safety, "refused", chosen, ["fabrication"])
    if deps.scope.asks_legal_advice(message):
        return _outcome(deps.scope.legal_advice, safety, "out_of_scope", chosen, ["legal advice"])
    missing = not_held(message, deps.index.speller) if safety.level == "none" else []
    if missing:
        return _outcome(deps.scope.not_held(missing), safety, "out_of_scope", chosen, ["not held"])
    return None


def question_type(embedded: Embedded, deps: Collaborators) -> str | None:
    """What the message asks for, read from its own embedding (the first row of the pass
    already made): a follow-up ("and her fix?") asks for its own kind of answer, while
    the query it is searched by carries the earlier turns' topic and wording (measured on
    dev: type accuracy 0.68 from the query, 0.79 from the message)."""
    if deps.typer is None:
        return None
    vector = embedded.units[0] if embedded.units is not None else embedded.query_vector
    return deps.typer.read(vector)


def finish(
    planned: Plan, draft: Draft, mode: Mode, notes: Sequence[str], deps: Collaborators
) -> Answer:
    """Verify the draft: every sentence cited, every quote verbatim in its chunk."""
    with planned.assessed.watch.stage("verify"):
        checked, problems = verify(draft, planned.index.by_id)
    notes = [*notes, *problems]
    safety = planned.assessed.safety
    if not checked.sentences:
        return _outcome(deps.texts.no_answer, safety, "out_of_scope", mode, notes)
    return Answer(
        question_type=planned.question_type,
        answer_id=uuid.uuid4().hex,
        text=checked.text,
        citations=checked.citations,
        safety=safety,
        scope="in_scope",
        grounded=True,
        mode=mode,
        notes=tuple(notes),
        sentences=checked.sentences,
    )


def retrieve(
    message: str,
    history: History,
    safety: SafetyAssessment,
    deps: Collaborators,
    embedded: Embedded | None = None,
    kind: str | None = None,
    *,
    condense: bool = False,
) -> SearchResult:
    """What the answer is drawn from: the eval scores this very function. `embedded` is
    the message's embedding pass (embed_message); without it the query is embedded here.
    `kind`, the question's type, steers retrieval to the passages its strategy wants.
    `condense`: a configured model may rewrite a follow-up (an answer in llm mode)."""
    if deps.index is None or deps.embedder is None:
        raise RetrievalUnavailable("no index is loaded")
    units = embedded.units if embedded else None
    guiding = guidance.for_message(deps.assessor, message, history, safety, units, deps.index)
    steering = Steered(guiding, strategy_for(kind), deps.index)
    condensed = _condensed(message, history, safety, deps) if condense else None
    if condensed is not None:
        query = searchable(condensed, deps.index.speller)
        return search(
            query,
            deps.index,
            deps.embedder,
            deps.params.search,
            steering=steering,
            reranker=deps.reranker,
        )
    if embedded is None or embedded.query is None:
        return search(
            retrieval_query(message, history, deps.index.speller),
            deps.index,
            deps.embedder,
            deps.params.search,
            steering=steering,
            reranker=deps.reranker,
        )
    return search(
        embedded.query,
        deps.index,
        deps.embedder,
        deps.params.search,
        query_vector=embedded.query_vector,
        steering=steering,
        readings=embedded.readings,
        reranker=deps.reranker,
    )


def _condensed(
    message: str, history: History, safety: SafetyAssessment, deps: Collaborators
) -> str | None:
    """The model's standalone rewrite of a follow-up, when a model is configured; None
    keeps the offline rewrite. Someone who may be in danger is not kept waiting on it (their
    answer is extractive)."""
    if deps.condenser is None or not history or safety.level == "urgent":
        return None
    return deps.condenser.condense(message, history)
