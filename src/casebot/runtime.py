"""Build the pipeline's collaborators from Settings: shared by the API lifespan, CLI and evals."""

from __future__ import annotations

import logging
from collections.abc import Callable

import httpx

from casebot.answer.condense import Condenser, load_condense_prompt
from casebot.answer.extractive import ComposeParams
from casebot.answer.generator import ChatGenerator, Generator, load_answer_prompt
from casebot.answer.pipeline import Collaborators, PipelineParams
from casebot.answer.qtype import QuestionTyper
from casebot.answer.qtype import load as load_typer
from casebot.answer.scope import load_scope_texts
from casebot.config import Settings
from casebot.embeddings import MODEL_NAME, Embedder, build_embedder, warm
from casebot.errors import IndexNotReady, RetrievalUnavailable
from casebot.index.store import StoreParams
from casebot.index.version import LoadedIndex, load_index
from casebot.ingest.build import IngestParams
from casebot.ingest.chunking import ChunkParams
from casebot.offline import enforce_offline
from casebot.openai_compat import Endpoint
from casebot.retrieval.gate import GateParams
from casebot.retrieval.hybrid import SearchParams
from casebot.retrieval.rerank import META as RERANK_META
from casebot.retrieval.rerank import Reranker
from casebot.retrieval.rerank import load as load_reranker
from casebot.safety.assess import Assessor
from casebot.safety.catalog import Catalog, load_catalog
from casebot.safety.normalise import load_lexicon
from casebot.safety.responses import SafetyTexts, load_safety_texts
from casebot.safety.scanning import Rules, load_rules
from casebot.safety.scoring import load_model

log = logging.getLogger("casebot.runtime")

CATALOG_PATH = "support/services.yaml"
RULES_FILE = "safety_rules.yaml"
LEXICON_FILE = "safety_lexicon.yaml"
CONDENSE_FILE = "condense.yaml"
SCOPE_FILE = "scope.yaml"


def load_safety_rules(settings: Settings) -> Rules:
    lexicon = load_lexicon(settings.prompts_dir / LEXICON_FILE)
    return load_rules(settings.prompts_dir / RULES_FILE, lexicon)


def build_assessor(
    settings: Settings, catalog: Catalog, texts: SafetyTexts, embedder: str | None
) -> Assessor:
    """Rules, the committed classifier, routing over the catalog. The classifier reads the
    shared embedding only when the embedder is the one it was trained with."""
    model = load_model(settings.safety_model_dir)
    return Assessor(
        catalog, texts, load_safety_rules(settings), model, embeddings=embedder == model.embedder
    )


def pipeline_params(settings: Settings) -> PipelineParams:
    """Every stage's parameters, read from Settings once."""
    return PipelineParams(
        search=SearchParams(k=settings.top_k, candidates=settings.candidates, rrf_k=settings.rrf_k),
        gate=GateParams(
            min_similarity=settings.gate_min_similarity,
            strong_similarity=settings.gate_strong_similarity,
            min_lexical_score=settings.gate_min_lexical_score,
            sentence_similarity=settings.gate_sentence_similarity,
        ),
        compose=ComposeParams(
            max_words=settings.answer_max_words,
            max_sentences=settings.answer_max_sentences,
            min_similarity=settings.sentence_min_similarity,
        ),
        mode=settings.mode,
        model_timeout_s=settings.llm_timeout_s,
    )


def llm_endpoint(
    settings: Settings, http: httpx.Client, ahttp: httpx.AsyncClient | None = None
) -> Endpoint | None:
    """The configured chat model's endpoint: the generator's, and the eval judge's."""
    if not settings.llm_base_url:
        return None
    return Endpoint(
        http, settings.llm_base_url, settings.llm_api_key, settings.llm_timeout_s, ahttp
    )


def build_generator(
    settings: Settings, http: httpx.Client, ahttp: httpx.AsyncClient | None = None
) -> Generator | None:
    endpoint = llm_endpoint(settings, http, ahttp)
    if endpoint is None:
        return None
    prompt = load_answer_prompt(settings.prompts_dir / "answer.yaml")
    return ChatGenerator(prompt, endpoint, settings.llm_model, settings.answer_max_words)


def build_condenser(settings: Settings, http: httpx.Client) -> Condenser | None:
    """The configured model's rewrite of follow-ups; None offline."""
    endpoint = llm_endpoint(settings, http)
    if endpoint is None:
        return None
    prompt = load_condense_prompt(settings.prompts_dir / CONDENSE_FILE)
    return Condenser(prompt, endpoint, settings.llm_model)


def limit_threads(threads: int = 1) -> None:
    """Numpy's BLAS computes on `threads` threads in this process. A serving process keeps
    it to one: its products (a query against the safety memory, the sentence vectors) take
    well under a millisecond, and a second BLAS thread, spinning while it waits, fights
    ONNX Runtime's pool for the same cores: measured in process, the answer p50 went from
    42 ms to 19 ms when BLAS dropped from two threads to one (docs/performance.md). ONNX
    Runtime's threads are set per session."""
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=threads, user_api="blas")


def store_params(settings: Settings) -> StoreParams:
    return StoreParams(settings.chroma_mode, settings.chroma_host, settings.chroma_port)


def embedder_name(settings: Settings) -> str:
    return MODEL_NAME if settings.embedder == "local" else settings.embedder_model


def ingest_params(settings: Settings, embedder: str) -> IngestParams:
    """What ingest needs; `embedder` names the model whose vectors the index holds."""
    return IngestParams(
        knowledge_dir=settings.knowledge_dir,
        index_root=settings.index_root,
        chunking=ChunkParams(settings.chunk_tokens, settings.chunk_overlap_sentences),
        store=store_params(settings),
        embedder=embedder,
    )


def open_index(settings: Settings) -> LoadedIndex:
    """The current index version; IndexNotReady when none has been built."""
    return load_index(settings.index_root, store_params(settings))


def try_open_index(settings: Settings) -> LoadedIndex | IndexNotReady:
    """The current index, or why there is none (answers then carry signposts and say
    search is down; /readyz gives the reason)."""
    try:
        return open_index(settings)
    except (IndexNotReady, RetrievalUnavailable) as exc:
        log.warning("index not loaded: %s", type(exc).__name__)
        return exc if isinstance(exc, IndexNotReady) else IndexNotReady(str(exc))


def load_service_catalog(settings: Settings) -> Catalog:
    return load_catalog(settings.knowledge_dir / CATALOG_PATH)


def build_collaborators(
    settings: Settings,
    http: httpx.Client,
    *,
    embedder: Embedder | None = None,
    index_loader: Callable[[Settings], LoadedIndex | IndexNotReady | None] = try_open_index,
    generator: Generator | None = None,
    ahttp: httpx.AsyncClient | None = None,
) -> Collaborators:
    """Everything an answer needs. Safety data that fails validation stops start-up."""
    enforce_offline()
    limit_threads()
    catalog = load_service_catalog(settings)
    texts = load_safety_texts(settings.prompts_dir / "safety.yaml", catalog)
    embedder = embedder or build_embedder(settings, http)
    warm(embedder)
    # Why there is no index is for /readyz, which probes for itself (health.py).
    loaded = index_loader(settings)
    index = loaded if isinstance(loaded, LoadedIndex) else None
    assessor = build_assessor(settings, catalog, texts, embedder.name)
    return Collaborators(
        params=pipeline_params(settings),
        assessor=assessor,
        instructs=lambda text: assessor.rules.scan(text).injection,
        texts=texts,
        catalog=catalog,
        embedder=embedder,
        index=index,
        generator=generator or build_generator(settings, http, ahttp),
        typer=build_typer(settings, embedder.name),
        reranker=build_reranker(settings, embedder.name),
        condenser=build_condenser(settings, http),
        scope=load_scope_texts(settings.prompts_dir / SCOPE_FILE, catalog),
    )


def build_typer(settings: Settings, embedder: str) -> QuestionTyper | None:
    """The committed question-type classifier, when it reads this embedder's vectors (with
    another embedder, every question is composed by the default strategy)."""
    typer = load_typer(settings.qtype_model_dir)
    return typer if typer.embedder == embedder else None


def build_reranker(settings: Settings, embedder: str) -> Reranker | None:
    """The committed reranker, when it was trained on this embedder's similarities (with
    another embedder, or before the first `casebot rerank train`, the fused order stands;
    `casebot check` reports a missing one)."""
    if not (settings.rerank_model_dir / RERANK_META).exists():
        return None
    reranker = load_reranker(settings.rerank_model_dir)
    return reranker if reranker.embedder == embedder else None
