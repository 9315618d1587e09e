"""Hybrid search: three rankings fused, BM25 alone when the store is down, plain by default."""

import dataclasses
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from casebot.config import Settings
from casebot.index.layout import IndexLayout
from casebot.index.manifest import Manifest
from casebot.index.version import load_index, publish, read_rows
from casebot.progress import SilentReporter
from casebot.retrieval.hybrid import SearchParams, SearchResult, prefers_report, rrf, search
from casebot.runtime import open_index, pipeline_params, store_params
from tests.conftest import build_index, write_doc
from tests.fakes import FailingStore, HashingEmbedder


def params(settings: Settings, k: int) -> SearchParams:
    return dataclasses.replace(pipeline_params(settings).search, k=k)


def test_rrf_rewards_agreement_between_rankings() -> None:
    scores = rrf([["a", "b", "c"], ["b", "a", "d"]], k=60)
    assert scores["a"] == pytest.approx(1 / 61 + 1 / 62)
    assert scores["a"] == scores["b"]
    assert scores["a"] > scores["c"] > 0 and scores["c"] == scores["d"]


def test_search_finds_the_freezer_chunk(
    tiny_index: Settings, fake_embedder: HashingEmbedder
) -> None:
    index = open_index(tiny_index)
    result = search("broken freezers rape kits", index, fake_embedder, params(tiny_index, 2))
    assert result.hits[0].chunk.doc_id == "casey-review/05-public-protection"
    assert result.dense_ok and result.pinned == ()
    assert result.hits[0].lexical > 0 and result.hits[0].similarity > 0


def test_bm25_still_answers_when_the_vector_store_is_down(
    tiny_index: Settings, fake_embedder: HashingEmbedder
) -> None:
    index = dataclasses.replace(open_index(tiny_index), store=FailingStore())
    result = search(
        "misconduct allegation dismissed", index, fake_embedder, params(tiny_index, 3)
    )
    assert not result.dense_ok
    assert result.hits and result.hits[0].chunk.doc_id == "casey-review/01-summary"


def test_a_question_about_the_review_prefers_the_review_to_a_context_page(
    make_settings: Callable[..., Settings], tmp_path: Path, fake_embedder: HashingEmbedder
) -> None:
    knowledge = tmp_path / "twins"
    freezers = "Freezers storing rape kits were broken and overstuffed."
    write_doc(knowledge, "casey-review/freezers.md", "Freezers", f"# F\n## F\n{freezers}")
    # The context page says it too, and a little more: fusion alone ranks it first.
    more = f"{freezers} Broken freezers storing rape kits were replaced."
    write_doc(knowledge, "context/freezers.md", "Freezers", f"# F\n## F\n{more}", kind="context")
    settings = make_settings(knowledge_dir=knowledge)
    build_index(settings, fake_embedder)
    index = open_index(settings)

    def first(question: str) -> str:
        return search(question, index, fake_embedder, params(settings, 2)).hits[0].chunk.kind

    plain = "freezers storing rape kits broken"
    about_the_review = "what did the review say about freezers storing rape kits broken"
    assert not prefers_report(plain) and prefers_report(about_the_review)
    assert first(plain) == "context"
    assert first(about_the_review) == "report"


def test_another_reading_of_the_question_raises_the_passage_it_finds(
    tiny_index: Settings, fake_embedder: HashingEmbedder
) -> None:
    """A follow-up's other reading adds its own rankings: the passage it matches moves up,
    and the question's own hits stay among the results."""
    index = open_index(tiny_index)
    query = "misconduct allegation dismissed"
    alone = search(query, index, fake_embedder, params(tiny_index, 5))
    reading = fake_embedder.embed(["broken freezers rape kits"])[0]
    both = search(query, index, fake_embedder, params(tiny_index, 5), readings=[reading])

    def place(result: SearchResult, doc: str) -> int:
        docs = [h.chunk.doc_id for h in result.hits]
        return docs.index(doc) if doc in docs else len(docs)

    freezers = "casey-review/05-public-protection"
    assert place(both, freezers) < place(alone, freezers)
    assert both.hits[0].chunk.doc_id == alone.hits[0].chunk.doc_id
    down = dataclasses.replace(index, store=FailingStore())
    failed = search(query, down, fake_embedder, params(tiny_index, 5), readings=[reading])
    assert not failed.dense_ok and place(failed, freezers) < len(failed.hits)


def test_each_hit_carries_its_closest_sentences_similarity(
    tiny_index: Settings, fake_embedder: HashingEmbedder
) -> None:
    index = open_index(tiny_index)
    question = "when did a freezer break in the heatwave"
    result = search(question, index, fake_embedder, params(tiny_index, 3))
    for hit in result.hits:
        rows = index.sentence_rows(hit.chunk.chunk_id)
        assert hit.sentence_similarity == pytest.approx(float(np.max(rows @ result.query_vector)))
    assert result.top_sentence_similarity == max(h.sentence_similarity for h in result.hits)


def test_a_report_passage_leads_an_overview_that_says_the_same(
    make_settings: Callable[..., Settings], tmp_path: Path, fake_embedder: HashingEmbedder
) -> None:
    knowledge = tmp_path / "twins"
    freezers = "Freezers storing rape kits were broken and overstuffed."
    write_doc(knowledge, "casey-review/freezers.md", "Freezers", f"# F\n## F\n{freezers}")
    # The overview says it too, and a little more: fusion alone would rank it first.
    more = f"{freezers} Broken freezers storing rape kits were replaced."
    write_doc(knowledge, "overview/brief.md", "Freezers", f"# F\n## F\n{more}", kind="overview")
    write_doc(knowledge, "overview/vetting.md", "Vetting", "# V\n## V\nVetting was poor.", "overview")
    settings = make_settings(knowledge_dir=knowledge)
    build_index(settings, fake_embedder)
    index = open_index(settings)

    def first(question: str) -> str:
        return search(question, index, fake_embedder, params(settings, 2)).hits[0].chunk.doc_id

    assert first("freezers storing rape kits broken") == "casey-review/freezers"
    assert first("was vetting poor") == "overview/vetting"


def test_ties_break_by_chunk_id_whatever_order_a_version_stores_its_rows(
    make_settings: Callable[..., Settings], tmp_path: Path, fake_embedder: HashingEmbedder
) -> None:
    knowledge = tmp_path / "twins"
    passage = "# F\n## F\nFreezers storing rape kits were broken. Evidence was lost."
    # The same passage in three reports: every ranking ties them.
    for name in ("a", "b", "c"):
        write_doc(knowledge, f"casey-review/{name}.md", "Freezers", passage)
    write_doc(knowledge, "casey-review/d.md", "Vetting", "# V\n## V\nVetting failed often.")
    settings = make_settings(knowledge_dir=knowledge)
    build_index(settings, fake_embedder)
    stored = open_index(settings)
    # The same rows, stored last to first, as a second version under another root.
    directory = IndexLayout(settings.index_root).version_dir(stored.version)
    rows = read_rows(directory, {c.path for c in stored.chunks})
    reversed_rows = [row for path in reversed(list(rows)) for row in reversed(rows[path])]
    other = IndexLayout(tmp_path / "reversed")
    store = store_params(settings)
    publish(other, reversed_rows, Manifest(fingerprint="test"), store, SilentReporter())
    backwards = load_index(other.root, store)
    assert [c.chunk_id for c in backwards.chunks] != [c.chunk_id for c in stored.chunks]
    for question in ("broken freezers", "evidence was lost", "rape kits", "vetting"):
        hits = [
            [(h.chunk.chunk_id, h.score, h.similarity) for h in result.hits]
            for index in (stored, backwards)
            for result in [search(question, index, fake_embedder, params(settings, 4))]
        ]
        assert hits[0] == hits[1]
        twins = [cid for cid, _, _ in hits[0] if cid.split("/")[1][0] in "abc"]
        assert twins == sorted(twins) and len(twins) == 3
