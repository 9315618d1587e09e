"""answer(): safety first, then retrieval, gate, compose (extractive | llm) and verify."""

from __future__ import annotations

import dataclasses
import json
import re
from dataclasses import replace
from typing import Any

import httpx
import pytest
import respx

from casebot.answer.citations import parse_marked
from casebot.answer.extractive import CONTEXT_LABEL
from casebot.answer.models import Answer
from casebot.answer.pipeline import Collaborators, answer, embed_message, retrieve
from casebot.answer.strategies import strategy_for
from casebot.config import Settings
from casebot.index.models import Chunk
from casebot.retrieval.gate import GateParams
from casebot.runtime import build_collaborators
from tests.fakes import FailingStore, HashingEmbedder
from tests.providers import LLM_URL, chat_completion

URGENT = "i'm going to kill myself tonight"
FREEZERS = "what did the review say about freezers"
# Sensitive (a disclosure) and answerable from the tiny corpus: signposts and citations both.
DISCLOSURE = "I was raped last year and the police lost my rape kit, what did the review say about the freezers?"
FREEZER_DOC = "casey-review/05-public-protection"
_SOURCE_BLOCK = re.compile(
    r"^\[(\d+)\] \(\w+\) [^\n]*\n(.*?)(?=\n\n\[\d+\] \(|\n\nQuestion:)", re.M | re.S
)


def cited_chunk(deps: Collaborators, result: Answer, n: int) -> Chunk:
    assert deps.index is not None
    citation = next(c for c in result.citations if c.n == n)
    return deps.index.by_id[citation.chunk_id]


def assert_grounded(deps: Collaborators, result: Answer) -> None:
    """Every sentence cites a chunk that holds its quote; markers and citations agree."""
    assert result.grounded and result.scope == "in_scope"
    assert result.citations
    sentences = parse_marked(result.text)
    assert sentences and all(numbers for _, numbers in sentences)
    used = {n for _, numbers in sentences for n in numbers}
    assert used == {c.n for c in result.citations}
    for citation in result.citations:
        assert citation.quote in cited_chunk(deps, result, citation.n).text


def assert_urgent_first(result: Answer) -> None:
    assert result.safety.level == "urgent"
    assert result.safety.signposts[0].id == "emergency-999"
    assert result.safety.message and "999" in result.safety.message


def numbered_sources(request: httpx.Request) -> dict[int, str]:
    """The numbered source texts casebot sent to the model."""
    user = json.loads(request.content)["messages"][-1]["content"]
    return {int(n): text for n, text in _SOURCE_BLOCK.findall(user)}


def source_number(request: httpx.Request, phrase: str) -> int:
    return next(n for n, text in numbered_sources(request).items() if phrase in text)


# --- safety first, whatever else fails -------------------------------------------------------


def test_urgent_message_gets_999_first_when_the_index_is_loaded(deps: Collaborators) -> None:
    result = answer(URGENT, [], deps)
    assert_urgent_first(result)
    assert "suicide_self_harm" in result.safety.categories


def test_urgent_message_gets_999_first_even_when_index_missing(
    tiny_settings: Settings, fake_embedder: HashingEmbedder, http: httpx.Client
) -> None:
    deps = build_collaborators(tiny_settings, http, embedder=fake_embedder)
    assert deps.index is None
    result = answer(URGENT, [], deps)
    assert_urgent_first(result)
    assert result.grounded is False and result.citations == ()
    assert "index unavailable" in result.notes


def test_urgent_message_gets_999_first_even_when_vector_store_fails(deps: Collaborators) -> None:
    assert deps.index is not None
    broken = dataclasses.replace(deps, index=dataclasses.replace(deps.index, store=FailingStore()))
    assert_urgent_first(answer(URGENT, [], broken))


def test_failing_vector_store_still_answers_from_bm25(deps: Collaborators) -> None:
    assert deps.index is not None
    broken = dataclasses.replace(deps, index=dataclasses.replace(deps.index, store=FailingStore()))
    result = answer(FREEZERS, [], broken)
    assert_grounded(broken, result)
    assert result.citations[0].doc_id == FREEZER_DOC


def test_a_hanging_model_never_delays_an_urgent_reply_because_it_is_not_asked(
    llm_deps: Collaborators,
) -> None:
    with respx.mock(assert_all_called=False) as mock:
        route = mock.post(LLM_URL).mock(side_effect=httpx.ReadTimeout("timed out"))
        urgent = answer(f"{URGENT}. freezers storing rape kits were overstuffed?", [], llm_deps)
        assert not route.called, "someone in danger is answered without waiting on a model"
        calm = answer(FREEZERS, [], llm_deps)
    assert route.called, "the same model is asked for an ordinary question"
    assert urgent.mode == "extractive"
    assert_urgent_first(urgent)
    assert calm.mode == "extractive"  # the timeout fell back


# --- scope -----------------------------------------------------------------------------------


def test_in_scope_question_is_grounded_with_verbatim_citations(deps: Collaborators) -> None:
    result = answer(FREEZERS, [], deps)
    assert result.mode == "extractive"
    assert_grounded(deps, result)
    assert result.citations[0].doc_id == FREEZER_DOC


def test_banana_bread_recipe_is_out_of_scope_and_not_grounded(deps: Collaborators) -> None:
    result = answer("give me a banana bread recipe", [], deps)
    assert result.scope == "out_of_scope"
    assert result.grounded is False
    assert result.citations == ()
    assert result.text == deps.texts.out_of_scope  # not "the knowledge base does not cover it"


@pytest.mark.parametrize(
    ("gate", "reply"),
    [
        (
            GateParams(0.99, 1.01, 1e9, sentence_similarity=1.01),
            "unrelated",
        ),
        (
            GateParams(0.0, 1.01, 1e9, sentence_similarity=1.01),
            "no answer",
        ),
    ],
    ids=["unrelated", "no answer"],
)
def test_a_question_the_gate_turns_away_hears_why(
    deps: Collaborators, gate: GateParams, reply: str
) -> None:
    result = answer(FREEZERS, [], replace(deps, params=replace(deps.params, gate=gate)))
    assert result.scope == "out_of_scope" and not result.grounded and result.citations == ()
    texts = {"unrelated": deps.texts.out_of_scope, "no answer": deps.texts.no_answer}
    assert result.text == texts[reply]


def test_request_for_an_officers_home_address_is_refused(deps: Collaborators) -> None:
    result = answer("what is the home address of the officer who arrested me", [], deps)
    assert result.scope == "refused"
    assert result.grounded is False
    assert result.citations == ()
    assert result.text == result.safety.refusal


def test_refused_and_out_of_scope_requests_never_reach_the_model(llm_deps: Collaborators) -> None:
    with respx.mock(assert_all_called=False) as mock:
        route = mock.post(LLM_URL).respond(json=chat_completion("anything [1]."))
        refused = answer("what is the home address of the officer who arrested me", [], llm_deps)
        off_topic = answer("give me a banana bread recipe", [], llm_deps)
    assert (refused.scope, off_topic.scope) == ("refused", "out_of_scope")
    assert not route.called


# --- follow-ups ------------------------------------------------------------------------------


def test_follow_up_about_when_a_freezer_broke_cites_the_freezer_chunk(
    real_deps: Collaborators,
) -> None:
    """With the real model and corpus: a follow-up is also searched as read alone, which a
    hashing embedder cannot make sense of ("when did one break?" names nothing)."""
    first = answer(FREEZERS, [], real_deps)
    freezers = {c.doc_id for c in first.citations}
    assert FREEZER_DOC in freezers
    history = [("user", FREEZERS), ("assistant", first.text)]
    result = answer("when did one break?", history, real_deps)
    assert_grounded(real_deps, result)
    assert FREEZER_DOC in {c.doc_id for c in result.citations}


# --- LLM mode --------------------------------------------------------------------------------


def test_llm_answer_keeps_the_supported_sentence_and_drops_the_unsupported_number(
    llm_deps: Collaborators,
) -> None:
    reply = "The freezers broke in the 2022 heatwave [1]. There were 999 kits [1]."
    with respx.mock() as mock:
        route = mock.post(LLM_URL).respond(json=chat_completion(reply))
        result = answer(FREEZERS, [], llm_deps)
    assert route.call_count == 1
    sent = numbered_sources(route.calls.last.request)
    assert "heatwave" in sent[1], "precondition: source [1] is the freezer chunk"
    assert result.mode == "llm"
    assert result.text == "The freezers broke in the 2022 heatwave [1]."
    assert "999" not in result.text
    assert_grounded(llm_deps, result)
    assert result.citations[0].doc_id == FREEZER_DOC
    assert any("figure or name in none of its quotes" in note for note in result.notes), result.notes


def test_llm_markers_after_the_full_stop_cite_the_sentence_before_them(
    llm_deps: Collaborators,
) -> None:
    def reply(request: httpx.Request) -> httpx.Response:
        freezer = source_number(request, "overstuffed")
        racist = source_number(request, "institutionally racist")
        text = (
            f"Freezers storing rape kits were overstuffed and broken. [{freezer}] "
            f"The review found the Met institutionally racist. [{racist}]"
        )
        return httpx.Response(200, json=chat_completion(text))

    with respx.mock() as mock:
        mock.post(LLM_URL).mock(side_effect=reply)
        result = answer("what did the review find about freezers and racism?", [], llm_deps)
    sentences = parse_marked(result.text)
    assert len(sentences) == 2, result.text
    for sentence, numbers in sentences:
        phrase = "overstuffed" if "overstuffed" in sentence else "institutionally racist"
        assert all(phrase in cited_chunk(llm_deps, result, n).text for n in numbers), sentence


def test_llm_answer_citing_no_real_source_gives_the_extractive_answer(
    deps: Collaborators, llm_deps: Collaborators
) -> None:
    with respx.mock() as mock:
        mock.post(LLM_URL).respond(json=chat_completion("Freezers broke in the heatwave [9]."))
        result = answer(FREEZERS, [], llm_deps)
    assert result.mode == "extractive"
    assert result.text == answer(FREEZERS, [], deps).text
    assert_grounded(llm_deps, result)
    assert any("(0 of 1 sentences kept); extractive answer given" in n for n in result.notes)


@pytest.mark.parametrize(
    "failure",
    [
        pytest.param({"side_effect": httpx.ReadTimeout("timed out")}, id="timeout"),
        pytest.param({"return_value": httpx.Response(500, json={"error": "boom"})}, id="500"),
    ],
)
def test_model_failure_falls_back_to_extractive_with_signposts_intact(
    deps: Collaborators, llm_deps: Collaborators, failure: dict[str, Any]
) -> None:
    baseline = answer(DISCLOSURE, [], deps)
    assert baseline.safety.level == "sensitive" and baseline.safety.signposts
    with respx.mock() as mock:
        route = mock.post(LLM_URL).mock(**failure)
        result = answer(DISCLOSURE, [], llm_deps)
    assert route.call_count == 1
    assert result.mode == "extractive"
    assert_grounded(llm_deps, result)
    assert result.text == baseline.text
    assert result.safety.signposts == baseline.safety.signposts
    assert result.safety.message == baseline.safety.message
    assert any("llm failed" in note for note in result.notes)
    assert not any("raped" in note for note in result.notes)


def test_llm_requested_without_a_configured_model_falls_back_to_extractive(
    deps: Collaborators,
) -> None:
    assert deps.generator is None
    result = answer(FREEZERS, [], deps, "llm")
    assert result.mode == "extractive"
    assert_grounded(deps, result)


def test_auto_mode_uses_the_model_when_one_is_configured(llm_deps: Collaborators) -> None:
    with respx.mock() as mock:
        route = mock.post(LLM_URL).respond(
            json=chat_completion("The freezers broke in the 2022 heatwave [1].")
        )
        result = answer(FREEZERS, [], llm_deps, "auto")
    assert route.called
    assert result.mode == "llm"


def test_extractive_mode_never_calls_the_configured_model(llm_deps: Collaborators) -> None:
    with respx.mock(assert_all_called=False) as mock:
        route = mock.post(LLM_URL).respond(json=chat_completion("anything [1]."))
        result = answer(FREEZERS, [], llm_deps, "extractive")
    assert not route.called
    assert result.mode == "extractive"
    assert_grounded(llm_deps, result)


# --- budgets ---------------------------------------------------------------------------------


@pytest.mark.slow
def test_answer_max_words_setting_bounds_the_answer(real_deps: Collaborators) -> None:
    question = "What did the review say about the freezers used to store rape kits?"

    def sentence_words(result: Answer) -> int:
        sentences = parse_marked(result.text)
        return sum(len(s.removeprefix(CONTEXT_LABEL).split()) for s, _ in sentences)

    roomy = answer(question, [], real_deps)
    assert sentence_words(roomy) > 60, "precondition: the default budget allows a longer answer"
    stages = real_deps.params
    tight_params = replace(stages, compose=replace(stages.compose, max_words=60))
    tight = answer(question, [], replace(real_deps, params=tight_params))
    assert tight.grounded
    assert 0 < sentence_words(tight) <= 60
    assert_grounded(real_deps, tight)


def test_someone_thinking_of_ending_it_hears_first_from_the_suicide_guidance(
    real_deps: Collaborators,
) -> None:
    message = (
        "i keep thinking about ending it since what that officer did to me. who can i talk to?"
    )
    result = answer(message, [], real_deps)
    assert result.safety.level == "urgent" and result.scope == "in_scope"
    assert result.citations[0].doc_id == "support/suicide-and-self-harm-support"
    assert "Samaritans" in result.text


def test_someone_who_cannot_talk_is_told_about_the_silent_999_call_first(
    real_deps: Collaborators,
) -> None:
    message = (
        "he's banging on my door right now and i cant talk, how do i call 999 without speaking"
    )
    result = answer(message, [], real_deps)
    assert result.safety.level == "urgent" and "cannot_speak" in result.safety.cues
    first, second = parse_marked(result.text)[:2]
    assert "call 999" in first[0]
    assert "press 55" in second[0] and "cough or tap" in second[0]
    assert_grounded(real_deps, result)


def test_a_deaf_person_disclosing_abuse_hears_first_how_to_reach_help_in_writing(
    real_deps: Collaborators,
) -> None:
    result = answer("i'm deaf and my partner hits me. how can i get help?", [], real_deps)
    assert result.safety.level == "sensitive" and "deaf" in result.safety.cues
    assert result.citations[0].doc_id == "support/support-for-deaf-and-speech-impaired-people"
    assert "National Domestic Abuse Helpline" in result.text
    assert_grounded(real_deps, result)


def test_of_two_sentences_saying_the_same_the_fuller_one_is_kept(real_deps: Collaborators) -> None:
    result = answer("im hard of hearing, how do i sign up to text 999", [], real_deps)
    # "Text the word register to 999." scores first; "To register, text the word register
    # to 999, read the reply carefully, then reply yes." says that and the rest.
    assert "reply yes" in result.text
    assert "Text the word register to 999 [" not in result.text
    assert_grounded(real_deps, result)


def test_the_sentence_after_a_chosen_one_is_found_across_the_chunk_overlap(
    real_deps: Collaborators,
) -> None:
    result = answer("who do i complain to about the met commissioner himself", [], real_deps)
    # "...are not handled by the Met itself" ends one chunk; who does handle them opens the next.
    assert "not handled by the Met itself" in result.text
    assert "Mayor's Office for Policing and Crime" in result.text
    assert_grounded(real_deps, result)


def test_a_when_question_gets_the_sentence_with_the_date(real_deps: Collaborators) -> None:
    result = answer("what was the interim report about and when did it come out", [], real_deps)
    assert "17 October 2022" in result.text
    assert_grounded(real_deps, result)


def test_an_earlier_disclosure_does_not_crowd_out_a_later_question_about_the_report(
    real_deps: Collaborators,
) -> None:
    history = [
        ("user", "a police officer sexually assaulted me after a protest"),
        ("assistant", "What happened is not your fault."),
    ]
    message = "did the review say whether the met believes people who report rape?"
    safety = real_deps.assessor.assess(message, history)
    assert safety.level == "sensitive"  # the conversation still carries the disclosure ...
    result = retrieve(message, history, safety, real_deps)
    assert result.pinned == ()  # ... but this question is about the report
    assert result.hits[0].chunk.kind == "report"


def test_a_question_answered_by_a_list_gets_the_whole_list(real_deps: Collaborators) -> None:
    result = answer("What are the eight conclusions of the Casey Review?", [], real_deps)
    assert result.grounded
    for item in ("systemic and fundamental", "Londoners have been put last", "losing its way"):
        assert item in result.text
    words = sum(len(s.split()) for s, _ in parse_marked(result.text))
    room = strategy_for(result.question_type).room  # a list question has a list's room
    assert words <= round(real_deps.params.compose.max_words * room)
    assert_grounded(real_deps, result)


class _Recording(HashingEmbedder):
    """The hashing embedder, keeping what each call was asked to embed."""

    def __init__(self) -> None:
        super().__init__()
        self.batches: list[list[str]] = []

    def embed(self, texts: Any) -> Any:
        self.batches.append(list(texts))
        return super().embed(texts)


@pytest.mark.parametrize(
    ("message", "history"),
    [
        ("What did the review find about the freezers?", []),
        ("What did the reveiw find about the freezrs?", []),  # spelling repaired
        ("and the heatwave?", [("user", "What happened to the freezers?"), ("assistant", "They broke.")]),
        ("I was hurt by an officer. What did the review say about misconduct?", []),
    ],
    ids=["plain", "misspelt", "follow-up", "several sentences"],
)
def test_an_answer_embeds_once_whatever_the_query_becomes(
    deps: Collaborators, message: str, history: list[tuple[str, str]]
) -> None:
    """Safety's texts and the search query (follow-up resolved, spelling repaired) go to the
    model in one batch; search reuses the query's row."""
    recording = _Recording()
    result = answer(message, history, replace(deps, embedder=recording))
    assert result.scope == "in_scope"
    assert len(recording.batches) == 1
    assert recording.batches[0][0] == message
    assert len(set(recording.batches[0])) == len(recording.batches[0])


def test_a_follow_up_embeds_its_other_reading_in_the_same_pass(deps: Collaborators) -> None:
    """The other reading of a question (followup.other_reading) is embedded with safety's
    texts and the query, once; a first question has none."""
    history = [("user", "What happened to the freezers?"), ("assistant", "They broke.")]
    recording = _Recording()
    embedded = embed_message("and the heatwave?", history, replace(deps, embedder=recording))
    assert len(recording.batches) == 1 and "and the heatwave?" in recording.batches[0]
    assert len(embedded.readings) == 1
    assert embed_message("and the heatwave?", [], deps).readings == ()
