"""Wire the real casebot (and the peer) from Settings for an eval run."""

from __future__ import annotations

import dataclasses
import shutil
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from casebot.answer.models import Answer
from casebot.answer.pipeline import Collaborators, answer, resolve_mode
from casebot.answer.pipeline import retrieve as pipeline_retrieve
from casebot.config import Settings
from casebot.embeddings import Embedder, Vectors, build_embedder
from casebot.errors import IndexNotReady
from casebot.evals.metrics import Passage
from casebot.evals.peer import PEER_K, build_peer
from casebot.evals.registry import K
from casebot.evals.runner import History, Retrieval, Subject
from casebot.index.models import Chunk
from casebot.index.version import LoadedIndex
from casebot.ingest.build import ingest
from casebot.progress import Reporter
from casebot.runtime import build_collaborators, ingest_params

CASEBOT_NAME = "casebot"


@dataclass
class Wiring:
    subject: Subject
    peer: Retrieval | None
    context: dict[str, Any]  # what the run measured: index version, embedder, peer setup
    cleanups: list[Callable[[], None]] = field(default_factory=list)

    def close(self) -> None:
        for cleanup in reversed(self.cleanups):
            cleanup()


class QueryCache:
    """Embeds each single query once: both retrievers under test ask for the same questions.

    Only the eval's retrieval scoring goes through it; answers use the bare embedder so
    their latency is what production pays.
    """

    def __init__(self, embedder: Embedder) -> None:
        self._embedder = embedder
        self._cache: dict[str, Vectors] = {}
        self.name = embedder.name

    def embed(self, texts: Sequence[str]) -> Vectors:
        if len(texts) != 1:
            return self._embedder.embed(texts)
        if texts[0] not in self._cache:
            self._cache[texts[0]] = self._embedder.embed(texts)
        return self._cache[texts[0]]


def passage(chunk: Chunk) -> Passage:
    return Passage(chunk_id=chunk.chunk_id, doc_id=chunk.doc_id, text=chunk.text, page=chunk.page)


def casebot_retrieval(deps: Collaborators, index: LoadedIndex, embedder: Embedder) -> Retrieval:
    """The pipeline's own retrieval, safety assessment included, cut at the eval's k."""
    top_k = dataclasses.replace(deps.params, search=dataclasses.replace(deps.params.search, k=K))
    cached = dataclasses.replace(deps, embedder=embedder, index=index, params=top_k)

    def retrieve(message: str, history: History) -> list[Passage]:
        vector = embedder.embed([message])[0]
        safety = deps.assessor.assess(message, history, vector)
        result = pipeline_retrieve(message, history, safety, cached, vector)
        return [passage(hit.chunk) for hit in result.hits]

    return Retrieval(
        name=CASEBOT_NAME, retrieve=retrieve, corpus=[passage(c) for c in index.chunks], k=K
    )


def casebot_answerer(deps: Collaborators) -> Callable[[str, History], Answer]:
    def respond(message: str, history: History) -> Answer:
        return answer(message, history, deps)

    return respond


def ensure_index(settings: Settings, embedder: Embedder, reporter: Reporter) -> None:
    """Bring the index up to date with knowledge/ (a no-op when nothing changed)."""
    ingest(ingest_params(settings, embedder.name), lambda: embedder, reporter)


def build_wiring(
    settings: Settings,
    http: httpx.Client,
    reporter: Reporter,
    with_peer: bool,
    embedder: Embedder | None = None,
) -> Wiring:
    embedder = embedder or build_embedder(settings, http)
    ensure_index(settings, embedder, reporter)
    deps = build_collaborators(settings, http, embedder=embedder)
    if deps.index is None:
        raise IndexNotReady(f"the index in {settings.data_dir} could not be loaded")
    queries = QueryCache(embedder)
    wiring = Wiring(
        subject=Subject(casebot_answerer(deps), casebot_retrieval(deps, deps.index, queries)),
        peer=None,
        context={
            "index_version": deps.index.version,
            "chunks": len(deps.index.chunks),
            "embedder": embedder.name,
            "mode": resolve_mode(None, deps),
            "top_k": settings.top_k,
            "k": K,
        },
    )
    if with_peer:
        directory = Path(tempfile.mkdtemp(prefix="casebot-peer-"))
        wiring.cleanups.append(lambda: shutil.rmtree(directory, ignore_errors=True))
        advance = reporter.stage("Indexing the vanilla peer", 1)
        try:
            peer = build_peer(settings.knowledge_dir, queries, directory)
        except BaseException:
            wiring.close()
            raise
        advance(1)
        wiring.peer = peer.retrieval()
        wiring.context["peer"] = {
            "chunks": len(peer.passages),
            "k": PEER_K,
            "splitter": "RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200)",
            "search": "Chroma similarity_search",
        }
    return wiring
