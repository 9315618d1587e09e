"""What an answer is made with: each stage's parameters and the collaborators built once
from Settings (runtime.py).

Apart from pipeline.py so the composers (composer.py) can be given them without importing
the pipeline that calls them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from casebot.answer.checks import CheckParams
from casebot.answer.condense import Condenser
from casebot.answer.extractive import ComposeParams
from casebot.answer.generator import Generator
from casebot.answer.qtype import QuestionTyper
from casebot.answer.scope import ScopeTexts
from casebot.config import RequestedMode
from casebot.embeddings import Embedder
from casebot.index.version import LoadedIndex
from casebot.retrieval.gate import GateParams
from casebot.retrieval.hybrid import SearchParams
from casebot.retrieval.rerank import Reranker
from casebot.safety.assess import SafetyAssessor
from casebot.safety.catalog import Catalog
from casebot.safety.responses import SafetyTexts


@dataclass(frozen=True)
class PipelineParams:
    """Each stage's parameters, built once from Settings (runtime.py)."""

    search: SearchParams
    gate: GateParams
    compose: ComposeParams
    mode: RequestedMode  # when a request names none
    model_timeout_s: float = 20.0  # a stream's deadline for the model's whole answer
    # What a model's sentence must meet to be kept (answer/checks.py).
    checks: CheckParams = field(default_factory=CheckParams)


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
    typer: QuestionTyper | None = None  # what a question asks for (the composer's strategy)
    reranker: Reranker | None = None  # which fused candidates hold evidence (retrieval order)
    condenser: Condenser | None = None  # a configured model's rewrite of follow-ups
    scope: ScopeTexts | None = None  # what is out of scope however close, and what to say
    # Whether a text is addressed to casebot (the safety rules' injection tier): such a
    # retrieved sentence never supports a model's sentence.
    instructs: Callable[[str], bool] | None = None
