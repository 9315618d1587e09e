"""The answer pipeline: pure functions with their collaborators passed in.

safety.assess -> retrieval.search -> gate -> compose (extractive | llm) -> citations.verify.
Safety is decided first and is part of every outcome, including failures further on.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from casebot.answer import extractive
from casebot.answer.citations import best_quote, parse_marked, verify
from casebot.answer.extractive import citation_for
from casebot.answer.followup import retrieval_query
from casebot.answer.generator import Generator
from casebot.answer.models import Answer, Draft, Mode, Scope
from casebot.errors import GeneratorError, RetrievalUnavailable
from casebot.retrieval.gate import passes_gate
from casebot.retrieval.hybrid import SearchResult, search
from casebot.safety.assess import SafetyAssessor, pressing_first
from casebot.safety.catalog import Catalog
from casebot.safety.models import NEEDS, SafetyAssessment
from casebot.safety.responses import SafetyTexts

if TYPE_CHECKING:
    from casebot.config import Settings
    from casebot.embeddings import Embedder
    from casebot.index.version import LoadedIndex

log = logging.getLogger("casebot.answer")

UNAVAILABLE = (
    "I can't search the knowledge base right now, so I can't answer that question. "
    "Please try again later."
)


@dataclass
class Collaborators:
    """Everything the pipeline needs, built once (in the app lifespan or the CLI)."""

    settings: Settings
    assessor: SafetyAssessor
    texts: SafetyTexts
    catalog: Catalog
    embedder: Embedder | None
    index: LoadedIndex | None
    generator: Generator | None = None


def _embed(embedder: Embedder | None, text: str) -> Any:
    if embedder is None:
        return None
    try:
        return embedder.embed([text])[0]
    except RetrievalUnavailable:
        log.warning("embedder unavailable; safety falls back to rules only")
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


def resolve_mode(
    requested: Literal["auto", "extractive", "llm"] | None, deps: Collaborators
) -> Mode:
    choice = requested or deps.settings.mode
    if choice == "auto":
        return "llm" if deps.generator is not None else "extractive"
    return choice


def answer(
    message: str,
    history: Sequence[tuple[str, str]],
    deps: Collaborators,
    mode: Literal["auto", "extractive", "llm"] | None = None,
) -> Answer:
    chosen = resolve_mode(mode, deps)
    if chosen == "llm" and deps.generator is None:
        chosen = "extractive"
    vector = _embed(deps.embedder, message)
    safety = deps.assessor.assess(message, history, vector)

    if safety.refused:
        return _outcome(safety.refusal or "", safety, "refused", chosen)
    if "injection" in safety.cues:
        return _outcome(deps.texts.injection, safety, "out_of_scope", chosen)
    if deps.index is None or deps.embedder is None:
        return _outcome(UNAVAILABLE, safety, "out_of_scope", chosen, ["index unavailable"])

    settings = deps.settings
    try:
        result = retrieve(message, history, safety, deps, vector)
    except RetrievalUnavailable as exc:
        log.warning("retrieval failed: %s", type(exc).__name__)
        return _outcome(UNAVAILABLE, safety, "out_of_scope", chosen, ["retrieval unavailable"])

    if not passes_gate(
        result,
        settings.gate_min_similarity,
        settings.gate_strong_similarity,
        settings.gate_min_lexical_score,
    ):
        unrelated = result.top_similarity < settings.gate_min_similarity + 0.08
        text = deps.texts.out_of_scope if unrelated else deps.texts.no_answer
        return _outcome(text, safety, "out_of_scope", chosen)

    notes: list[str] = []
    draft: Draft | None = None
    if chosen == "llm" and deps.generator is not None:
        try:
            draft = _llm_draft(result.query, result, history, deps.generator)
        except GeneratorError as exc:
            notes.append(f"llm failed ({exc}); extractive answer given")
            chosen = "extractive"
    if draft is None:
        draft = extractive.compose(
            result.query,
            result,
            deps.index,
            settings.answer_max_words,
            settings.answer_max_sentences,
            settings.sentence_min_similarity,
        )
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
    history: Sequence[tuple[str, str]],
    safety: SafetyAssessment,
    deps: Collaborators,
    vector: Any = None,
    k: int | None = None,
) -> SearchResult:
    """What the answer is drawn from: the eval scores this very function."""
    if deps.index is None or deps.embedder is None:
        raise RetrievalUnavailable("no index is loaded")
    query = retrieval_query(message, history)
    settings = deps.settings
    # Guidance is pinned for what this message discloses; an earlier turn's disclosure must
    # not crowd out a later question about the report.
    own = deps.assessor.assess(message, (), vector) if history else safety
    return search(
        query,
        deps.index,
        deps.embedder,
        k or settings.top_k,
        settings.candidates,
        settings.rrf_k,
        # Someone disclosing harm most needs the support guidance, not the report's figures.
        prefer_kind="support" if safety.level != "none" else None,
        # Guidance leads in the order the signposts do.
        serving=pressing_first(own.categories) if own.level != "none" else (),
        urgent=own.level == "urgent",
        needs=tuple(need for need in NEEDS if need in own.cues) if own.level != "none" else (),
        # The message was embedded once for the safety vote; reuse it when it is the query.
        query_vector=vector if query == message else None,
    )


def _llm_draft(
    question: str, result: SearchResult, history: Sequence[tuple[str, str]], generator: Generator
) -> Draft:
    sources = [(i + 1, hit.chunk) for i, hit in enumerate(result.hits)]
    raw = generator.generate(question, sources, history)
    sentences = parse_marked(raw)
    by_n = dict(sources)
    citations = []
    for n in sorted({n for _, ns in sentences for n in ns if n in by_n}):
        supporting = [s for s, ns in sentences if n in ns]
        citations.append(citation_for(by_n[n], n, best_quote(" ".join(supporting), by_n[n])))
    return Draft(tuple(sentences), tuple(citations))
