import dataclasses

import pytest

from casebot.config import Settings
from casebot.retrieval.gate import passes_gate
from casebot.retrieval.hybrid import rrf, search
from casebot.retrieval.langchain import HybridRetriever
from casebot.runtime import open_index
from tests.fakes import FailingStore, HashingEmbedder


def test_rrf_rewards_agreement_between_rankings() -> None:
    scores = rrf([["a", "b", "c"], ["b", "a", "d"]], k=60)
    assert scores["a"] == pytest.approx(1 / 61 + 1 / 62)
    assert scores["a"] == scores["b"]
    assert scores["a"] > scores["c"] > 0 and scores["c"] == scores["d"]


def test_search_finds_the_freezer_chunk(
    tiny_index: Settings, fake_embedder: HashingEmbedder
) -> None:
    index = open_index(tiny_index)
    result = search("broken freezers rape kits", index, fake_embedder, k=2)
    assert result.hits[0].chunk.doc_id == "casey-review/05-public-protection"
    assert result.dense_ok
    assert result.hits[0].lexical > 0 and result.hits[0].similarity > 0


def test_bm25_still_answers_when_the_vector_store_is_down(
    tiny_index: Settings, fake_embedder: HashingEmbedder
) -> None:
    index = dataclasses.replace(open_index(tiny_index), store=FailingStore())
    result = search("misconduct allegation dismissed", index, fake_embedder, k=3)
    assert not result.dense_ok
    assert result.hits and result.hits[0].chunk.doc_id == "casey-review/01-summary"


def test_gate_rejects_an_unrelated_question(real_settings: Settings, local_embedder) -> None:  # type: ignore[no-untyped-def]
    index = open_index(real_settings)
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
    retriever = HybridRetriever(index=open_index(tiny_index), embedder=fake_embedder, k=2)
    docs = retriever.invoke("Sarah Everard murder")
    assert docs[0].metadata["doc_id"] == "context/everard"
    assert docs[0].metadata["kind"] == "context"
    assert docs[0].page_content.startswith("Wayne Couzens")
    assert len(docs) == 2


ENDING_IT = "i keep thinking about ending it since what that officer did to me. who can i talk to?"


def test_urgent_disclosure_leads_with_the_top_of_the_page_written_for_it(
    real_settings: Settings,
    local_embedder,  # type: ignore[no-untyped-def]
) -> None:
    index = open_index(real_settings)
    plain = search(ENDING_IT, index, local_embedder, k=6)
    # MiniLM does not know that "ending it" is about suicide ...
    assert all("suicide" not in h.chunk.doc_id for h in plain.hits[:3])
    serving = ("suicide_self_harm", "police_perpetrated_abuse")
    pinned = search(ENDING_IT, index, local_embedder, k=6, serving=serving, urgent=True)
    # ... the safety rules do, so the suicide guidance leads, from the top of its page.
    top = [h.chunk for h in pinned.hits[:3]]
    assert {c.doc_id for c in top} == {"support/suicide-and-self-harm-support"}
    assert [index.position[c.chunk_id] for c in top] == sorted(
        index.position[c.chunk_id] for c in top
    )
    assert pinned.guidance == tuple(c.chunk_id for c in top)
    assert any("Samaritans" in c.text for c in top)


def test_sensitive_disclosure_pins_the_best_matching_section_for_each_category(
    real_settings: Settings,
    local_embedder,  # type: ignore[no-untyped-def]
) -> None:
    index = open_index(real_settings)
    question = "my family say i'm shaming them and want to force me to marry. who helps?"
    result = search(question, index, local_embedder, k=6, serving=("honour_based_abuse",))
    assert len(result.guidance) == 1
    assert "Karma Nirvana" in result.hits[0].chunk.text
    assert "honour_based_abuse" in result.hits[0].chunk.serves


CANNOT_TALK = "he's banging on my door right now and i cant talk, how do i call 999 without speaking"


def test_someone_who_cannot_talk_is_pinned_the_silent_call_after_the_call_999_opening(
    real_settings: Settings,
    local_embedder,  # type: ignore[no-untyped-def]
) -> None:
    index = open_index(real_settings)
    serving = ("immediate_danger",)
    page_order = search(CANNOT_TALK, index, local_embedder, k=6, serving=serving, urgent=True)
    assert "cannot_speak" not in index.by_id[page_order.guidance[1]].serves  # precondition
    result = search(
        CANNOT_TALK, index, local_embedder, k=6, serving=serving, urgent=True, needs=("cannot_speak",)
    )
    first, second = (index.by_id[cid] for cid in result.guidance[:2])
    assert first.chunk_id == page_order.guidance[0]
    assert first.text.startswith("If you or someone else is in danger right now, call 999")
    assert "cannot_speak" in second.serves and "55" in second.text
