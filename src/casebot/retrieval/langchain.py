"""casebot's hybrid search as a LangChain BaseRetriever, for chains and peers."""

from __future__ import annotations

from typing import Any

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict

from casebot.retrieval.hybrid import search


class HybridRetriever(BaseRetriever):
    """Dense + BM25 with reciprocal rank fusion over a loaded casebot index."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    index: Any
    embedder: Any
    k: int = 6
    candidates: int = 30
    rrf_k: int = 60

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun
    ) -> list[Document]:
        result = search(query, self.index, self.embedder, self.k, self.candidates, self.rrf_k)
        return [
            Document(
                page_content=hit.chunk.text,
                id=hit.chunk.chunk_id,
                metadata={
                    "chunk_id": hit.chunk.chunk_id,
                    "doc_id": hit.chunk.doc_id,
                    "title": hit.chunk.title,
                    "section": hit.chunk.section,
                    "page": hit.chunk.page,
                    "url": hit.chunk.url,
                    "kind": hit.chunk.kind,
                    "score": hit.score,
                    "similarity": hit.similarity,
                },
            )
            for hit in result.hits
        ]
