"""The vanilla peer: a textbook LangChain RAG retriever on the same corpus and embedder.

It loads each knowledge file with casebot's own loaders (one text per document), splits
it with RecursiveCharacterTextSplitter(1000, 200), indexes it in Chroma and searches by
plain similarity with k=4, the LangChain defaults. Only retrieval is compared: the margin
is what casebot's chunking, BM25 fusion and follow-up handling buy over the tutorial.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from langchain_core.documents import Document as LCDocument
from langchain_core.embeddings import Embeddings

from casebot.embeddings import Embedder
from casebot.errors import IngestError, RetrievalUnavailable
from casebot.evals.metrics import Passage
from casebot.evals.runner import History, Retrieval
from casebot.index.store import embedded_client
from casebot.ingest.loaders import load_document, scan

PEER_NAME = "peer"
PEER_K = 4
CHUNK_SIZE = 1000
CHUNK_OVERLAP = 200


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
        return [_passage(doc) for doc in found]

    def retrieval(self) -> Retrieval:
        return Retrieval(
            name=PEER_NAME, retrieve=self.retrieve, corpus=self.passages, k=self.k, use_page=False
        )


def _passage(doc: LCDocument) -> Passage:
    return Passage(
        chunk_id=str(doc.metadata["chunk_id"]),
        doc_id=str(doc.metadata["doc_id"]),
        text=doc.page_content,
    )


def build_peer(
    knowledge_dir: Path, embedder: Embedder, directory: Path, k: int = PEER_K
) -> VanillaPeer:
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
    return VanillaPeer(store=store, passages=[_passage(c) for c in chunks], k=k)
