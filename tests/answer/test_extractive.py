"""The extractive composer: verbatim sentences from the retrieved chunks, each with its [n]."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable

import numpy as np
import pytest

from casebot.answer.extractive import CONTEXT_LABEL, Candidate, ComposeParams, _numbered, compose
from casebot.answer.models import Draft
from casebot.config import Settings
from casebot.index.models import Chunk
from casebot.index.version import LoadedIndex
from casebot.retrieval.hybrid import SearchResult, search
from casebot.runtime import open_index, pipeline_params
from casebot.text import split_sentences
from tests.fakes import HashingEmbedder

Compose = Callable[..., Draft]
# A question touching every tiny document, so a generous budget picks many sentences.
BROAD = "officers dismissed misconduct allegation freezers broke heatwave racist"
QUESTIONS = [
    BROAD,
    "what did the review say about freezers",
    "What did the review find about misconduct and public consent?",
    "What happened to Sarah Everard?",
]


@pytest.fixture
def index(tiny_index: Settings) -> LoadedIndex:
    return open_index(tiny_index)


@pytest.fixture
def draft_for(index: LoadedIndex, fake_embedder: HashingEmbedder, tiny_index: Settings) -> Compose:
    search_params = dataclasses.replace(pipeline_params(tiny_index).search, k=6)

    def run(
        question: str, max_words: int = 120, max_sentences: int = 5, min_similarity: float = 0.0
    ) -> Draft:
        result = search(question, index, fake_embedder, search_params)
        params = ComposeParams(max_words, max_sentences, min_similarity)
        return compose(question, result, index, params, lead=result.pinned)

    return run


def words(draft: Draft) -> int:
    return sum(len(sentence.removeprefix(CONTEXT_LABEL).split()) for sentence, _ in draft.sentences)


@pytest.mark.parametrize("question", QUESTIONS)
def test_each_draft_sentence_ends_with_its_citation_marker(
    draft_for: Compose, question: str
) -> None:
    draft = draft_for(question)
    assert draft.sentences
    rendered = split_sentences(draft.text)
    assert len(rendered) == len(draft.sentences)
    for text, (_, numbers) in zip(rendered, draft.sentences, strict=True):
        assert len(numbers) == 1
        assert re.search(rf" \[{numbers[0]}\][.!?]$", text), text


@pytest.mark.parametrize("question", QUESTIONS)
def test_citations_are_numbered_in_order_of_first_use(draft_for: Compose, question: str) -> None:
    draft = draft_for(question)
    first_use = list(dict.fromkeys(n for _, numbers in draft.sentences for n in numbers))
    assert first_use == list(range(1, len(draft.citations) + 1))
    assert [c.n for c in draft.citations] == first_use


@pytest.mark.parametrize("question", QUESTIONS)
def test_sentences_and_quotes_are_verbatim_from_the_cited_chunk(
    draft_for: Compose, index: LoadedIndex, question: str
) -> None:
    draft = draft_for(question)
    by_n = {c.n: index.by_id[c.chunk_id] for c in draft.citations}
    for sentence, (n,) in draft.sentences:
        chunk = by_n[n]
        assert sentence.removeprefix(CONTEXT_LABEL) in chunk.sentences
    for citation in draft.citations:
        chunk = index.by_id[citation.chunk_id]
        assert citation.quote in chunk.text
        assert (citation.doc_id, citation.title, citation.section, citation.page, citation.url) == (
            chunk.doc_id,
            chunk.title,
            chunk.section,
            chunk.page,
            chunk.url,
        )


@pytest.mark.parametrize("question", QUESTIONS)
def test_each_citation_quotes_exactly_the_sentences_that_carry_it(
    draft_for: Compose, question: str
) -> None:
    draft = draft_for(question, max_words=200, max_sentences=8)
    for citation in draft.citations:
        carried = [s.removeprefix(CONTEXT_LABEL) for s, ns in draft.sentences if citation.n in ns]
        assert citation.quote == " ".join(carried)


def test_adjacent_sentences_of_one_chunk_share_one_citation_quoting_both(
    draft_for: Compose, index: LoadedIndex
) -> None:
    draft = draft_for(BROAD, max_words=200, max_sentences=8)
    misconduct = index.by_id[next(c.chunk_id for c in draft.citations if "1,809" in c.quote)]
    assert len(misconduct.sentences) == 2, "precondition: the chunk is two sentences"
    (citation,) = [c for c in draft.citations if c.chunk_id == misconduct.chunk_id]
    assert citation.quote == misconduct.text
    assert [n for s, (n,) in draft.sentences if s in misconduct.sentences] == [citation.n] * 2


@pytest.mark.parametrize("max_words", [15, 25, 40])
def test_max_words_is_respected(draft_for: Compose, max_words: int) -> None:
    assert words(draft_for(BROAD, max_words=120)) > 40, "precondition: the budget must bind"
    draft = draft_for(BROAD, max_words=max_words)
    assert draft.sentences
    assert words(draft) <= max_words


def test_a_larger_word_budget_never_gives_a_shorter_answer(draft_for: Compose) -> None:
    sizes = [words(draft_for(BROAD, max_words=budget)) for budget in (15, 25, 40, 120)]
    assert sizes == sorted(sizes)
    assert sizes[0] < sizes[-1]


@pytest.mark.parametrize("max_sentences", [1, 2, 3])
def test_max_sentences_is_respected(draft_for: Compose, max_sentences: int) -> None:
    assert len(draft_for(BROAD, max_sentences=max_sentences).sentences) == max_sentences


def test_context_sentence_is_labelled_not_attributed_to_casey(
    draft_for: Compose, index: LoadedIndex
) -> None:
    draft = draft_for("What happened to Sarah Everard?", min_similarity=0.25)
    kinds = {c.n: index.by_id[c.chunk_id].kind for c in draft.citations}
    assert "context" in kinds.values()
    chunk_of = {c.n: c.chunk_id for c in draft.citations}
    labelled_chunks = []
    for sentence, (n,) in draft.sentences:
        if kinds[n] == "context" and chunk_of[n] not in labelled_chunks:
            assert sentence.startswith(CONTEXT_LABEL), sentence
            labelled_chunks.append(chunk_of[n])
        else:
            assert not sentence.startswith(CONTEXT_LABEL), sentence


def test_report_sentences_are_never_labelled_as_context(
    draft_for: Compose, index: LoadedIndex
) -> None:
    draft = draft_for("Wayne Couzens murdered Sarah Everard; the freezers broke in the heatwave")
    kinds = {c.n: index.by_id[c.chunk_id].kind for c in draft.citations}
    report = [text for text, (n,) in draft.sentences if kinds[n] == "report"]
    assert report, "precondition: the draft quotes the report"
    assert "context" in kinds.values(), "precondition: and a context page, which is labelled"
    assert not any(text.startswith(CONTEXT_LABEL) for text in report)


def test_nothing_retrieved_gives_an_empty_draft(
    index: LoadedIndex, fake_embedder: HashingEmbedder, tiny_index: Settings
) -> None:
    result = search("freezers", index, fake_embedder, pipeline_params(tiny_index).search)
    empty = SearchResult(query=result.query, query_vector=result.query_vector, hits=[])
    draft = compose("freezers", empty, index, ComposeParams(120, 5, 0.25), lead=())
    assert draft.sentences == () and draft.citations == ()
    assert draft.text == ""


def test_freezer_question_answers_from_the_freezer_chunk(draft_for: Compose) -> None:
    draft = draft_for("what did the review say about freezers", min_similarity=0.25)
    assert draft.citations[0].doc_id == "casey-review/05-public-protection"
    assert "freezer" in draft.sentences[0][0].lower()


def _candidate(chunk: Chunk, position: int) -> Candidate:
    return Candidate(chunk, 0, position, chunk.sentences[position], np.zeros(3), 1.0, 1.0)


def test_two_sentences_of_one_chunk_apart_get_two_citations_each_its_own_quote() -> None:
    text = "The first finding. A second point between them. The third finding."
    chunk = Chunk(
        chunk_id="casey-review/x#000",
        doc_id="casey-review/x",
        path="casey-review/x.md",
        title="X",
        kind="report",
        text=text,
        sentences=tuple(split_sentences(text)),
    )
    draft = _numbered([_candidate(chunk, 0), _candidate(chunk, 2)])
    assert [refs for _, refs in draft.sentences] == [(1,), (2,)]
    assert [c.quote for c in draft.citations] == ["The first finding.", "The third finding."]
    together = _numbered([_candidate(chunk, p) for p in (0, 1, 2)])
    assert [refs for _, refs in together.sentences] == [(1,)] * 3
    assert [c.quote for c in together.citations] == [text]
