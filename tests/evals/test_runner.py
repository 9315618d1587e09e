"""The runner on a small real index (Chroma in tmp, fake embedder) with injected collaborators."""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from langchain_core.documents import Document as LCDocument

from casebot.answer import pipeline
from casebot.answer.models import Answer, Citation
from casebot.config import Settings
from casebot.evals.dataset import Dataset, load_datasets
from casebot.evals.metrics import by_tag, measure
from casebot.evals.runner import CaseRecord, History, Retrieval, Subject, run
from casebot.evals.safety import load_expectations
from casebot.evals.scoring import Passage
from casebot.evals.systems import PEER_K, EmbedderEmbeddings, Wiring, load_corpus, split
from casebot.ingest.loaders import load_document
from casebot.retrieval.hybrid import SearchResult
from casebot.safety.catalog import load_catalog
from casebot.safety.models import SafetyAssessment, Signpost
from casebot.text import split_sentences
from tests.conftest import REPO
from tests.evals.conftest import EVAL_DOCS, worst_first
from tests.fakes import HashingEmbedder

LINES = load_expectations(
    REPO / "evals/safety_expectations.yaml",
    [s.id for s in load_catalog(REPO / "knowledge/support/services.yaml").services],
)


@pytest.fixture(scope="module")
def loaded(datasets: dict[str, Path]) -> list[Dataset]:
    return load_datasets([datasets["qa"], datasets["conversations"], datasets["safety"]])


@pytest.fixture(scope="module")
def records(wired: Wiring, loaded: list[Dataset]) -> list[CaseRecord]:
    return run(loaded, wired.subject, wired.peer, lines=LINES)


def test_every_case_and_turn_yields_one_record(records: list[CaseRecord]) -> None:
    ids = [r.case_id for r in records]
    assert ids == [
        "t-001",
        "t-002",
        "t-003",
        "t-004",
        "t-005",
        "c-001#1",
        "c-001#2",
        "s-urgent",
        "s-none",
    ]
    assert {r.kind for r in records} == {"qa", "conversations", "safety"}


def test_both_systems_are_scored_on_cases_with_evidence_at_their_own_depth(
    records: list[CaseRecord],
) -> None:
    with_evidence = [r for r in records if r.case_id not in ("t-005", "s-urgent", "s-none")]
    for record in with_evidence:
        assert set(record.retrieval) == {"casebot", "peer"}
        assert 0 < len(record.retrieval["casebot"].retrieved) <= 5
        assert 0 < len(record.retrieval["peer"].retrieved) <= PEER_K
    assert all(not r.retrieval for r in records if r.case_id in ("t-005", "s-urgent"))


def test_metrics_agree_with_the_records(records: list[CaseRecord]) -> None:
    values = measure(records, "casebot")
    scored = [r for r in records if r.expected_scope is not None]
    right_scope = sum(r.scope == r.expected_scope for r in scored) / len(scored)
    assert values["scope_accuracy"].value == pytest.approx(right_scope)
    coverage = [r.coverage for r in records if r.coverage is not None]
    assert values["key_fact_coverage"].value == pytest.approx(sum(coverage) / len(coverage))
    assert values["key_fact_coverage"].n == 6  # 4 in-scope qa cases with facts + 2 turns
    hits = [r.retrieval["casebot"].recall for r in records if r.retrieval]
    assert values["evidence_recall_at_5"].value == pytest.approx(sum(hits) / len(hits))
    assert values["urgent_recall"].n == 1  # the labelled safety cases only
    assert values["false_urgent_rate"].n == 1
    assert values["qa_questions_refused"].n == 7  # 5 qa cases and 2 turns, none refused
    assert set(measure(records, "peer", peer_only=True)) == {
        "evidence_recall_at_5",
        "evidence_entry_recall_at_5",
        "evidence_mrr",
        "evidence_ndcg_at_5",
    }


def test_a_degraded_retriever_scores_lower_than_the_real_one(
    wired: Wiring, loaded: list[Dataset], records: list[CaseRecord]
) -> None:
    degraded = dataclasses.replace(wired.subject, retrieval=worst_first(wired.subject.retrieval))
    worse = run(loaded, degraded, None)
    good = measure(records, "casebot")["evidence_recall_at_5"].value
    bad = measure(worse, "casebot")["evidence_recall_at_5"].value
    assert good is not None and bad is not None
    assert good >= 0.8 and bad < good
    problems = [p for r in worse for p in r.problems]
    assert any(p.startswith("no relevant chunk in the top 5") for p in problems)


def test_conversation_turns_get_the_history_and_casebot_retrieves_with_context(
    wired: Wiring, loaded: list[Dataset], monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[tuple[str, list[tuple[str, str]]]] = []
    calls: dict[str, list[tuple[str, list[tuple[str, str]]]]] = {"casebot": [], "peer": []}

    def answerer(message: str, history: History) -> Answer:
        seen.append((message, list(history)))
        return wired.subject.answer(message, history)

    def spy(system: Retrieval) -> Retrieval:
        def retrieve(message: str, history: History) -> Sequence[Passage]:
            calls[system.name].append((message, list(history)))
            return system.retrieve(message, history)

        return dataclasses.replace(system, retrieve=retrieve)

    assert wired.peer is not None
    conversations = [d for d in loaded if d.kind == "conversations"]
    run(conversations, Subject(answerer, spy(wired.subject.retrieval)), spy(wired.peer))
    (first, first_history), (second, second_history) = seen
    assert first_history == []
    assert second_history[0] == ("user", first)
    assert second_history[1][0] == "assistant" and second_history[1][1]
    # Both retrievers hear the conversation; casebot resolves the follow-up with the earlier
    # turn, the vanilla peer searches the message as written.
    assert calls["casebot"][1] == calls["peer"][1] == (second, second_history)
    searched: list[str] = []
    real_search = pipeline.search

    def spying_search(query: str, *args: Any, **kwargs: Any) -> SearchResult:
        searched.append(query)
        return real_search(query, *args, **kwargs)

    monkeypatch.setattr(pipeline, "search", spying_search)
    wired.subject.retrieval.retrieve(second, second_history)
    assert searched[-1].startswith(f"{first} ") and searched[-1].endswith(f" {second}")
    assert wired.peer.retrieve(second, second_history) == wired.peer.retrieve(second, [])


def _answer(text: str, citations: tuple[Citation, ...]) -> Answer:
    safety = SafetyAssessment("none", (), (Signpost("emergency-999", "999", "d"),))
    return Answer("id", text, citations, safety, "in_scope", True, "extractive")


def test_citation_and_number_checks_use_the_index_chunks(
    wired: Wiring, loaded: list[Dataset]
) -> None:
    chunk = next(p for p in wired.subject.retrieval.corpus if "1,809" in p.text)

    def invent(message: str, history: History) -> Answer:
        good = Citation(1, chunk.chunk_id, chunk.doc_id, "t", None, chunk.page, None, "1,809")
        bogus = Citation(2, chunk.chunk_id, chunk.doc_id, "t", None, 999, None, "made up")
        return _answer("1,809 officers [1], 2,500 cases [2].", (good, bogus))

    qa = [d for d in loaded if d.kind == "qa"]
    records = run(qa, Subject(invent, wired.subject.retrieval))
    problems = records[0].problems
    assert f"[2] page 999 is not a page of {chunk.doc_id}" in problems
    assert "[2] quote is not verbatim in its chunk" in problems
    assert "number 2500 is not in a cited chunk" in problems
    values = measure(records, "casebot")
    assert values["citation_validity"].value == 0.0
    assert values["number_faithfulness"].value == 0.0


def test_a_sentence_is_checkable_only_when_a_quote_it_carries_holds_its_figures_and_names(
    wired: Wiring, loaded: list[Dataset]
) -> None:
    chunk = next(p for p in wired.subject.retrieval.corpus if "1,809" in p.text)
    first, second = split_sentences(chunk.text)

    def cite(n: int, quote: str) -> Citation:
        return Citation(n, chunk.chunk_id, chunk.doc_id, "t", None, chunk.page, None, quote)

    def answerer(message: str, history: History) -> Answer:
        text = (
            "1,809 officers faced more than one allegation [1]. "  # in its quote
            "Only 13 of them were dismissed [1]. "  # 13 is in the chunk, not in quote [1]
            "The Met dismissed 13 officers [2]. "  # the quote says nothing of "Met"
            "Casey found that 13 were dismissed [2]."  # her name is the source, not a claim
        )
        return _answer(text, (cite(1, first), cite(2, second)))

    qa = [d for d in loaded if d.kind == "qa"]
    (record, *_) = run(qa, Subject(answerer, wired.subject.retrieval))
    assert record.sentences_checkable == [True, False, False, True]
    assert "sentence 2: 13 not in its quotes" in record.problems
    assert "sentence 3: Met not in its quotes" in record.problems
    assert record.unsupported_numbers == []  # every figure is in a cited chunk all the same


def test_casebot_answers_cite_quotes_that_hold_every_figure_and_name(
    records: list[CaseRecord],
) -> None:
    value = measure(records, "casebot")["sentences_checkable"]
    assert value.n >= 5, "precondition: grounded answers with several sentences"
    assert value.value == 1.0, [p for r in records for p in r.problems if "quotes" in p]


def test_latency_is_measured_with_the_injected_clock(wired: Wiring, loaded: list[Dataset]) -> None:
    ticks = itertools.count(step=0.004)  # every reading 4 ms after the last
    qa = [d for d in loaded if d.kind == "qa"]
    records = run(qa, dataclasses.replace(wired.subject), clock=lambda: next(ticks))
    assert [round(r.latency_ms, 6) for r in records] == [4.0] * len(records)
    assert measure(records, "casebot")["latency_p95_ms"].value == pytest.approx(4.0)


def test_evidence_no_chunk_can_match_is_flagged_as_a_dataset_problem(
    wired: Wiring, tmp_path: Path
) -> None:
    path = tmp_path / "qa.yaml"
    path.write_text(
        "version: 1\ncases:\n  - id: typo\n    question: what happened to the freezers\n"
        "    evidence: [{doc_id: casey-review/05-public-protection, regex: 'freezzer'}]\n"
    )
    records = run(load_datasets([path]), wired.subject, None)
    assert any(p.startswith("dataset: no chunk in the index matches") for p in records[0].problems)


def test_tags_break_down_coverage_and_recall(records: list[CaseRecord]) -> None:
    rows = {row.tag: row for row in by_tag(records, "casebot", "peer")}
    assert rows["figures"].cases == 2
    figures = [r for r in records if "figures" in r.tags]
    assert rows["figures"].recall == pytest.approx(
        sum(r.retrieval["casebot"].recall for r in figures) / 2
    )
    assert rows["direct"].coverage is None  # a safety case has no facts to cover


def test_the_peer_loads_one_text_per_document_with_casebots_loaders(settings: Settings) -> None:
    documents = load_corpus(settings.knowledge_dir)
    assert sorted(d.metadata["doc_id"] for d in documents) == sorted(
        rel.removesuffix(".md") for rel in EVAL_DOCS
    )
    summary = next(d for d in documents if d.metadata["doc_id"] == "casey-review/01-summary")
    blocks = load_document(
        settings.knowledge_dir / "casey-review/01-summary.md", settings.knowledge_dir
    ).blocks
    assert summary.page_content == "\n\n".join(b.text for b in blocks)


def test_the_peer_splits_at_1000_characters_with_unique_ids() -> None:
    long = LCDocument(page_content="\n\n".join(["word " * 60] * 12), metadata={"doc_id": "d"})
    chunks = split([long])
    assert len(chunks) > 1 and all(len(c.page_content) <= 1000 for c in chunks)
    ids = [c.metadata["chunk_id"] for c in chunks]
    assert len(set(ids)) == len(ids)


def test_the_peer_embeds_with_the_same_embedder() -> None:
    embedder = HashingEmbedder()
    wrapped = EmbedderEmbeddings(embedder)
    texts = ["the freezers broke", "stop and search"]
    np.testing.assert_allclose(wrapped.embed_documents(texts), embedder.embed(texts), rtol=1e-6)
    np.testing.assert_allclose(wrapped.embed_query(texts[0]), embedder.embed(texts)[0], rtol=1e-6)


def test_peer_passages_carry_no_page_and_the_peer_ignores_page_evidence(wired: Wiring) -> None:
    assert wired.peer is not None and wired.peer.use_page is False and wired.peer.k == PEER_K
    found = wired.peer.retrieve("what happened to the freezers in the heatwave", [])
    assert found and all(p.page is None for p in found)
    assert found[0].doc_id == "casey-review/05-public-protection"
