"""The systems an eval run scores: the real casebot, and the vanilla LangChain peer.

casebot is built from Settings exactly as the API builds it. The peer is a textbook
LangChain RAG retriever on the same corpus and embedder: each knowledge file loaded with
casebot's own loaders (one text per document), split with RecursiveCharacterTextSplitter
(1000, 200), indexed in Chroma and searched by plain similarity with k=4, the LangChain
defaults. Only retrieval is compared: the margin is what casebot's chunking, BM25 fusion
and follow-up handling buy over the tutorial.
"""

from __future__ import annotations

import dataclasses
import shutil
import tempfile
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from langchain_core.documents import Document as LCDocument
from langchain_core.embeddings import Embeddings

from casebot.answer.models import Answer
from casebot.answer.pipeline import (
    Collaborators,
    answer,
    embed_message,
    question_type,
    resolve_mode,
    retrieve,
)
from casebot.config import Settings
from casebot.embeddings import Embedder, Vectors, build_embedder
from casebot.errors import IndexNotReady, IngestError, RetrievalUnavailable
from casebot.evals.metrics import K
from casebot.evals.runner import History, Retrieval, Subject
from casebot.evals.scoring import Passage
from casebot.index.models import Chunk
from casebot.index.store import embedded_client
from casebot.index.version import LoadedIndex
from casebot.ingest.build import ingest
from casebot.ingest.loaders import load_document, scan
from casebot.progress import Reporter
from casebot.runtime import build_collaborators, ingest_params

CASEBOT_NAME = "casebot"
PEER_NAME = "peer"
PEER_K = 4
CHUNK_SIZE = 1000
CHUNK_OVERLAP = 200


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

    def search(message: str, history: History) -> list[Passage]:
        embedded = embed_message(message, history, cached)
        safety = deps.assessor.assess(message, history, embedded.units)
        kind = question_type(embedded, cached)
        result = retrieve(message, history, safety, cached, embedded, kind)
        return [passage(hit.chunk) for hit in result.hits]

    return Retrieval(
        name=CASEBOT_NAME, retrieve=search, corpus=[passage(c) for c in index.chunks], k=K
    )


def casebot_answerer(deps: Collaborators) -> Callable[[str, History], Answer]:
    def respond(message: str, history: History) -> Answer:
        return answer(message, history, deps)

    return respond


def build_wiring(
    settings: Settings,
    http: httpx.Client,
    reporter: Reporter,
    with_peer: bool,
    embedder: Embedder | None = None,
) -> Wiring:
    """casebot (its index brought up to date first) and, `with_peer`, the vanilla peer."""
    embedder = embedder or build_embedder(settings, http)
    ingest(ingest_params(settings, embedder.name), lambda: embedder, reporter)
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
            "top_k": deps.params.search.k,
            "k": K,
        },
    )
    if with_peer:
        _add_peer(wiring, settings.knowledge_dir, queries, reporter)
    return wiring


def _add_peer(wiring: Wiring, knowledge_dir: Path, embedder: Embedder, reporter: Reporter) -> None:
    directory = Path(tempfile.mkdtemp(prefix="casebot-peer-"))
    wiring.cleanups.append(lambda: shutil.rmtree(directory, ignore_errors=True))
    advance = reporter.stage("Indexing the vanilla peer", 1)
    try:
        peer = build_peer(knowledge_dir, embedder, directory)
    except BaseException:
        wiring.close()
        raise
    advance(1)
    wiring.peer = peer.retrieval()
    wiring.context["peer"] = {
        "chunks": len(peer.passages),
        "k": PEER_K,
        "splitter": f"RecursiveCharacterTextSplitter(chunk_size={CHUNK_SIZE}, "
        f"chunk_overlap={CHUNK_OVERLAP})",
        "search": "Chroma similarity_search",
    }


class EmbedderEmbeddings(Embeddings):
    """casebot's Embedder behind LangChain's Embeddings interface (same model, same vectors)."""

    def __init__(self, embedder: Embedder) -> None:
        self._embedder = embedder

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return [[float(x) for x in row] for row in self._embedder.embed(texts)]

    def embed_query(self, text: str) -> list[float]:
        return [float(x) for x in self._embedder.embed([text])[0]]


def load_corpus(knowledge_dir: Path) -> list[LCDocument]:
    """Every document casebot would index, as one LangChain Document each."""
    files, _ = scan(knowledge_dir)
    documents = []
    for path in files.values():
        try:
            doc = load_document(path, knowledge_dir)
        except IngestError:
            continue  # casebot skips it too
        text = "\n\n".join(block.text for block in doc.blocks)
        documents.append(LCDocument(page_content=text, metadata={"doc_id": doc.doc_id}))
    return documents


def split(documents: Sequence[LCDocument]) -> list[LCDocument]:
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    splitter = RecursiveCharacterTextSplitter(chunk_size=CHUNK_SIZE, chunk_overlap=CHUNK_OVERLAP)
    chunks = splitter.split_documents(list(documents))
    for number, chunk in enumerate(chunks):
        chunk.metadata["chunk_id"] = f"{chunk.metadata['doc_id']}@{number}"
    return chunks


@dataclass
class VanillaPeer:
    store: Any  # langchain_chroma.Chroma
    passages: list[Passage]
    k: int = PEER_K

    def retrieve(self, message: str, history: History = ()) -> list[Passage]:
        """Vanilla: the message as written, with no use of the conversation."""
        found = self.store.similarity_search(message, k=self.k)
        return [_peer_passage(doc) for doc in found]

    def retrieval(self) -> Retrieval:
        return Retrieval(
            name=PEER_NAME, retrieve=self.retrieve, corpus=self.passages, k=self.k, use_page=False
        )


def _peer_passage(doc: LCDocument) -> Passage:
    return Passage(
        chunk_id=str(doc.metadata["chunk_id"]),
        doc_id=str(doc.metadata["doc_id"]),
        text=doc.page_content,
    )


def build_peer(knowledge_dir: Path, embedder: Embedder, directory: Path) -> VanillaPeer:
    """Index the corpus the vanilla way into an embedded Chroma under `directory`."""
    chunks = split(load_corpus(knowledge_dir))
    try:
        client = embedded_client(directory)
        from langchain_chroma import Chroma

        store = Chroma(
            collection_name=f"peer-{uuid.uuid4().hex[:12]}",
            embedding_function=EmbedderEmbeddings(embedder),
            client=client,
        )
        if chunks:
            store.add_documents(chunks, ids=[c.metadata["chunk_id"] for c in chunks])
    except RetrievalUnavailable:
        raise
    except Exception as exc:  # chromadb raises many unrelated types; map them at the edge
        raise RetrievalUnavailable(f"could not build the peer's vector store: {exc}") from exc
    return VanillaPeer(store=store, passages=[_peer_passage(c) for c in chunks])
