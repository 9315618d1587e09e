"""The answer pipeline: pure functions with their collaborators passed in.

safety.assess -> retrieval.search (steered by guidance) -> gate -> compose (extractive |
llm) -> citations.verify. Safety is decided first and is part of every outcome, including
failures further on.
"""

from __future__ import annotations

import dataclasses
import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from casebot.answer.citations import best_quote, parse_marked, verify
from casebot.answer.extractive import ComposeParams, compose
from casebot.answer.followup import retrieval_query
from casebot.answer.generator import Generator
from casebot.answer.models import Answer, Draft, Scope, citation_for
from casebot.answer.timing import Stopwatch
from casebot.config import Mode, RequestedMode
from casebot.embeddings import Embedder
from casebot.errors import GeneratorError, RetrievalUnavailable
from casebot.index.version import LoadedIndex
from casebot.retrieval import guidance
from casebot.retrieval.gate import Gate, GateParams, gate
from casebot.retrieval.hybrid import SearchParams, SearchResult, search
from casebot.safety.assess import SafetyAssessor
from casebot.safety.catalog import Catalog
from casebot.safety.models import SafetyAssessment
from casebot.safety.responses import SafetyTexts

log = logging.getLogger("casebot.answer")

History = Sequence[tuple[str, str]]

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


@dataclass(frozen=True)
class PipelineParams:
    """Each stage's parameters, built once from Settings (runtime.py)."""

    search: SearchParams
    gate: GateParams
    compose: ComposeParams
    mode: RequestedMode  # when a request names none


@dataclass
class Collaborators:
    """Everything the pipeline needs, built once (in the app lifespan or the CLI)."""

    params: PipelineParams
    assessor: SafetyAssessor
    texts: SafetyTexts
    catalog: Catalog
    embedder: Embedder | None
    index: LoadedIndex | None
    generator: Generator | None = None
    index_problem: str | None = None  # why there is no index, for /readyz


class AnswerFailed(Exception):
    """Something unexpected failed after the safety assessment: the error response still
    carries the assessment (api/errors.py), so 999 reaches a person in danger."""

    def __init__(self, safety: SafetyAssessment) -> None:
        super().__init__("the answer failed after the safety assessment")
        self.safety = safety


def embed_batch(embedder: Embedder | None, texts: Sequence[str]) -> Any:
    """The one embedding call of an answer: the assessor's texts, the message first."""
    if embedder is None:
        return None
    try:
        return embedder.embed(list(texts))
    except RetrievalUnavailable:
        log.warning("embedder unavailable; safety scores the text alone")
        return None


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
    message: str, history: History, deps: Collaborators, watch: Stopwatch | None = None
) -> tuple[SafetyAssessment, Any]:
    """The safety assessment, and the embeddings it read (reused by retrieval)."""
    watch = watch or Stopwatch()
    with watch.stage("embed"):
        vectors = embed_batch(deps.embedder, deps.assessor.texts(message, history))
    with watch.stage("safety"):
        safety = deps.assessor.assess(message, history, vectors)
    return safety, vectors


def answer(
    message: str, history: History, deps: Collaborators, mode: RequestedMode | None = None
) -> Answer:
    """The answer, with the safety assessment made first and carried by every outcome:
    an unexpected failure after it is raised as AnswerFailed, holding the assessment."""
    chosen = resolve_mode(mode, deps)
    watch = Stopwatch()
    safety, vectors = assess(message, history, deps, watch)
    try:
        result = _answer(message, history, deps, chosen, safety, vectors, watch)
    except Exception as exc:
        log.error("answer failed after the assessment: %s", type(exc).__name__)
        raise AnswerFailed(safety) from exc
    return dataclasses.replace(result, timings=watch.items())


def safety_reply(
    message: str, history: History, deps: Collaborators, mode: RequestedMode | None = None
) -> Answer:
    """The safety assessment without an answer (a limited client's reply)."""
    safety, _ = assess(message, history, deps)
    return _outcome(BUSY, safety, "out_of_scope", resolve_mode(mode, deps), ["answer shed"])


def _answer(
    message: str,
    history: History,
    deps: Collaborators,
    chosen: Mode,
    safety: SafetyAssessment,
    vectors: Any,
    watch: Stopwatch,
) -> Answer:
    if safety.refused:
        return _outcome(safety.refusal or "", safety, "refused", chosen)
    if "injection" in safety.cues:
        return _outcome(deps.texts.injection, safety, "out_of_scope", chosen)
    if deps.index is None or deps.embedder is None:
        return _outcome(UNAVAILABLE, safety, "out_of_scope", chosen, ["index unavailable"])
    try:
        with watch.stage("search"):
            result = retrieve(message, history, safety, deps, vectors)
    except RetrievalUnavailable as exc:
        log.warning("retrieval failed: %s", type(exc).__name__)
        return _outcome(UNAVAILABLE, safety, "out_of_scope", chosen, ["retrieval unavailable"])
    # Guidance written for this disclosure is always worth giving: it skips the gate.
    verdict = Gate.PASS if result.pinned else gate(result, deps.params.gate)
    if verdict is not Gate.PASS:
        text = deps.texts.out_of_scope if verdict is Gate.UNRELATED else deps.texts.no_answer
        return _outcome(text, safety, "out_of_scope", chosen)
    if safety.level == "urgent":
        # Someone who may be in danger is not kept waiting on a model: 999 goes out now,
        # with the extractive answer.
        chosen = "extractive"
    with watch.stage("compose"):
        draft, chosen, notes = _draft(result, history, deps, deps.index, chosen)
    with watch.stage("verify"):
        checked, problems = verify(draft, deps.index.by_id)
    notes += problems
    if not checked.sentences:
        return _outcome(deps.texts.no_answer, safety, "out_of_scope", chosen, notes)
    return Answer(
        answer_id=uuid.uuid4().hex,
        text=checked.text,
        citations=checked.citations,
        safety=safety,
        scope="in_scope",
        grounded=True,
        mode=chosen,
        notes=tuple(notes),
    )


def retrieve(
    message: str,
    history: History,
    safety: SafetyAssessment,
    deps: Collaborators,
    vectors: Any = None,
) -> SearchResult:
    """What the answer is drawn from: the eval scores this very function."""
    if deps.index is None or deps.embedder is None:
        raise RetrievalUnavailable("no index is loaded")
    query = retrieval_query(message, history)
    steering = guidance.for_message(deps.assessor, message, history, safety, vectors, deps.index)
    # The message was embedded once, first in the assessor's batch; reuse it when it is
    # the query.
    reuse = vectors is not None and len(vectors) and query == message
    return search(
        query,
        deps.index,
        deps.embedder,
        deps.params.search,
        query_vector=vectors[0] if reuse else None,
        steering=steering,
    )


def _draft(
    result: SearchResult, history: History, deps: Collaborators, index: LoadedIndex, mode: Mode
) -> tuple[Draft, Mode, list[str]]:
    """The draft answer, the mode that wrote it, and notes (a model failure falls back)."""
    if mode == "llm" and deps.generator is not None:
        try:
            return _llm_draft(result.query, result, history, deps.generator), mode, []
        except GeneratorError as exc:
            notes = [f"llm failed ({exc}); extractive answer given"]
            return _extractive(result, index, deps.params.compose), "extractive", notes
    return _extractive(result, index, deps.params.compose), mode, []


def _extractive(result: SearchResult, index: LoadedIndex, params: ComposeParams) -> Draft:
    return compose(result.query, result, index, params, lead=result.pinned)


def _llm_draft(
    question: str, result: SearchResult, history: History, generator: Generator
) -> Draft:
    sources = [(i + 1, hit.chunk) for i, hit in enumerate(result.hits)]
    raw = generator.generate(question, sources, history)
    sentences = parse_marked(raw)
    by_n = dict(sources)
    citations = []
    for n in sorted({n for s in sentences for n in s.refs if n in by_n}):
        supporting = [s.text for s in sentences if n in s.refs]
        citations.append(citation_for(by_n[n], n, best_quote(" ".join(supporting), by_n[n])))
    return Draft(tuple(sentences), tuple(citations))
