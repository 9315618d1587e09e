import dataclasses

import pytest

from casebot.config import Settings
from casebot.retrieval.gate import passes_gate
from casebot.retrieval.hybrid import rrf, search
from casebot.retrieval.index import load_index
from casebot.retrieval.langchain import HybridRetriever
from tests.fakes import FailingStore, HashingEmbedder


def test_rrf_rewards_agreement_between_rankings() -> None:
    scores = rrf([["a", "b", "c"], ["b", "a", "d"]], k=60)
    assert scores["a"] == pytest.approx(1 / 61 + 1 / 62)
    assert scores["a"] == scores["b"]
    assert scores["a"] > scores["c"] > 0 and scores["c"] == scores["d"]


def test_search_finds_the_freezer_chunk(
    tiny_index: Settings, fake_embedder: HashingEmbedder
) -> None:
    index = load_index(tiny_index)
    result = search("broken freezers rape kits", index, fake_embedder, k=2)
    assert result.hits[0].chunk.doc_id == "casey-review/05-public-protection"
    assert result.dense_ok
    assert result.hits[0].lexical > 0 and result.hits[0].similarity > 0


def test_bm25_still_answers_when_the_vector_store_is_down(
    tiny_index: Settings, fake_embedder: HashingEmbedder
) -> None:
    index = dataclasses.replace(load_index(tiny_index), store=FailingStore())
    result = search("misconduct allegation dismissed", index, fake_embedder, k=3)
    assert not result.dense_ok
    assert result.hits and result.hits[0].chunk.doc_id == "casey-review/01-summary"


def test_gate_rejects_an_unrelated_question(real_settings: Settings, local_embedder) -> None:  # type: ignore[no-untyped-def]
    index = load_index(real_settings)
    off_topic = search("banana bread recipe with walnuts", index, local_embedder)
    on_topic = search("what did the review say about the rape kit freezers", index, local_embedder)
    s = real_settings
    gate = (s.gate_min_similarity, s.gate_strong_similarity, s.gate_min_lexical_score)
    assert not passes_gate(off_topic, *gate)
    assert passes_gate(on_topic, *gate)
    elsewhere = search("how does the NYPD investigate its own officers", index, local_embedder)
    assert not passes_gate(elsewhere, *gate)


def test_langchain_retriever_returns_documents_with_citation_metadata(
    tiny_index: Settings, fake_embedder: HashingEmbedder
) -> None:
    retriever = HybridRetriever(index=load_index(tiny_index), embedder=fake_embedder, k=2)
    docs = retriever.invoke("Sarah Everard murder")
    assert docs[0].metadata["doc_id"] == "context/everard"
    assert docs[0].metadata["kind"] == "context"
    assert docs[0].page_content.startswith("Wayne Couzens")
    assert len(docs) == 2
