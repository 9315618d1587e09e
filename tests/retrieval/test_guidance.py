"""Guidance written for a disclosure leads retrieval, whatever fusion thinks of it."""

import dataclasses

import pytest

from casebot.config import Settings
from casebot.embeddings import LocalEmbedder
from casebot.index.version import LoadedIndex
from casebot.retrieval.guidance import Guidance
from casebot.retrieval.hybrid import SearchParams, search
from casebot.runtime import open_index, pipeline_params

ENDING_IT = "i keep thinking about ending it since what that officer did to me. who can i talk to?"
CANNOT_TALK = "he's banging on my door right now and i cant talk, how do i call 999 without speaking"


@pytest.fixture(scope="module")
def index(real_settings: Settings) -> LoadedIndex:
    return open_index(real_settings)


@pytest.fixture(scope="module")
def params(real_settings: Settings) -> SearchParams:
    return dataclasses.replace(pipeline_params(real_settings).search, k=6)


def steering(
    index: LoadedIndex, serving: tuple[str, ...], urgent: bool = False, needs: tuple[str, ...] = ()
) -> Guidance:
    return Guidance(index, serving, needs, urgent, support_first=False)


def test_urgent_disclosure_leads_with_the_top_of_the_page_written_for_it(
    index: LoadedIndex, params: SearchParams, local_embedder: LocalEmbedder
) -> None:
    plain = search(ENDING_IT, index, local_embedder, params)
    # MiniLM does not know that "ending it" is about suicide ...
    assert all("suicide" not in h.chunk.doc_id for h in plain.hits[:3])
    serving = ("suicide_self_harm", "police_perpetrated_abuse")
    pinned = search(
        ENDING_IT, index, local_embedder, params, steering=steering(index, serving, urgent=True)
    )
    # ... the safety rules do, so the suicide guidance leads, from the top of its page.
    top = [h.chunk for h in pinned.hits[:3]]
    assert {c.doc_id for c in top} == {"support/suicide-and-self-harm-support"}
    assert [index.position[c.chunk_id] for c in top] == sorted(
        index.position[c.chunk_id] for c in top
    )
    assert pinned.pinned == tuple(c.chunk_id for c in top)
    assert any("Samaritans" in c.text for c in top)


def test_sensitive_disclosure_pins_the_best_matching_section_for_each_category(
    index: LoadedIndex, params: SearchParams, local_embedder: LocalEmbedder
) -> None:
    question = "my family say i'm shaming them and want to force me to marry. who helps?"
    guided = steering(index, ("honour_based_abuse",))
    result = search(question, index, local_embedder, params, steering=guided)
    assert len(result.pinned) == 1
    assert "Karma Nirvana" in result.hits[0].chunk.text
    assert "honour_based_abuse" in result.hits[0].chunk.serves


def test_someone_who_cannot_talk_is_pinned_the_silent_call_after_the_call_999_opening(
    index: LoadedIndex, params: SearchParams, local_embedder: LocalEmbedder
) -> None:
    serving = ("immediate_danger",)
    page = steering(index, serving, urgent=True)
    page_order = search(CANNOT_TALK, index, local_embedder, params, steering=page)
    assert "cannot_speak" not in index.by_id[page_order.pinned[1]].serves  # precondition
    needs = steering(index, serving, urgent=True, needs=("cannot_speak",))
    result = search(CANNOT_TALK, index, local_embedder, params, steering=needs)
    first, second = (index.by_id[cid] for cid in result.pinned[:2])
    assert first.chunk_id == page_order.pinned[0]
    assert first.text.startswith("If you or someone else is in danger right now, call 999")
    assert "cannot_speak" in second.serves and "55" in second.text


def test_support_pages_are_lifted_for_anyone_who_has_disclosed_harm(
    index: LoadedIndex, params: SearchParams, local_embedder: LocalEmbedder
) -> None:
    question = "what did the review find about rape"
    lifted = dataclasses.replace(steering(index, ()), support_first=True)
    plain = search(question, index, local_embedder, params)
    boosted = search(question, index, local_embedder, params, steering=lifted)
    assert boosted.pinned == ()
    support = sum(h.chunk.kind == "support" for h in boosted.hits)
    assert support > sum(h.chunk.kind == "support" for h in plain.hits)


def test_a_need_is_met_first_by_the_guide_written_for_it(
    index: LoadedIndex, params: SearchParams, local_embedder: LocalEmbedder
) -> None:
    # The 999 page has a section for deaf callers too; the deaf guide covers more (support
    # lines in writing and BSL as well as 999), so it leads.
    question = "i'm deaf and my partner hits me. how can i get help?"
    guided = steering(index, ("domestic_abuse",), needs=("deaf",))
    result = search(question, index, local_embedder, params, steering=guided)
    first = index.by_id[result.pinned[0]]
    assert first.doc_id == "support/support-for-deaf-and-speech-impaired-people"
    assert "deaf" in first.serves


def test_a_need_no_guide_is_written_for_is_met_by_the_section_on_it(
    index: LoadedIndex, params: SearchParams, local_embedder: LocalEmbedder
) -> None:
    guided = steering(index, ("immediate_danger",), urgent=True, needs=("cannot_speak",))
    result = search(CANNOT_TALK, index, local_embedder, params, steering=guided)
    assert any("cannot_speak" in index.by_id[cid].serves for cid in result.pinned)
