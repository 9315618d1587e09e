"""contextualise(): a follow-up is searched with what it leans on from the last three
exchanges; a standalone question is searched as asked."""

from __future__ import annotations

import pytest

from casebot.answer.extractive import CONTEXT_LABEL
from casebot.answer.followup import contextualise, lead, names, other_reading, retrieval_query
from casebot.text import content_words

PREVIOUS = "What did the review find about misconduct?"
HISTORY = [
    ("user", PREVIOUS),
    ("assistant", "The review found that 1,809 officers [1] faced allegations. More."),
]


@pytest.mark.parametrize(
    "question",
    [
        "What did the review find about stop and search in Lambeth?",
        "How were rape kits stored by the Met's specialist units?",
        "Did Casey say the Met is institutionally homophobic?",
    ],
)
def test_standalone_question_is_searched_as_asked(question: str) -> None:
    assert contextualise(question, HISTORY) == question


@pytest.mark.parametrize(
    "question", ["what happened to them afterwards?", "why?", "and the dismissals?", "tell me more"]
)
def test_short_question_leaning_on_the_last_turn_joins_it_and_counts_its_own_words_twice(
    question: str,
) -> None:
    query = contextualise(question, HISTORY)
    assert query.startswith(PREVIOUS)
    assert question in query
    for word in content_words(question):
        assert query.lower().count(word) == 2


def test_pointing_words_count_once() -> None:
    query = contextualise("when did one break?", HISTORY)
    assert query.endswith("when did one break? when did break?")


@pytest.mark.parametrize(
    "question",
    [
        "what did the government think about that idea?",
        "what did she say about vetting firearms officers?",
    ],
)
def test_follow_up_with_a_topic_of_its_own_takes_only_the_previous_question(question: str) -> None:
    # The previous answer's words would pull retrieval back to what was already answered.
    assert contextualise(question, HISTORY) == f"{PREVIOUS} {question}"


def test_a_standalone_reading_is_also_read_with_the_previous_question() -> None:
    question = "What did the government say in response to the findings?"
    assert contextualise(question, HISTORY) == question
    assert other_reading(question, HISTORY) == f"{PREVIOUS} {question}"


def test_a_follow_up_is_also_read_on_its_own_as_a_new_topic() -> None:
    assert contextualise("and the dismissals?", HISTORY).startswith(PREVIOUS)
    assert other_reading("and the dismissals?", HISTORY) == "and the dismissals?"


def test_a_first_question_has_no_other_reading() -> None:
    assert other_reading("what about women?", []) is None
    assert other_reading("what about women?", [("assistant", "Hello.")]) is None


def test_follow_up_without_history_is_left_alone() -> None:
    assert contextualise("what about women?", []) == "what about women?"


def test_history_of_assistant_turns_only_is_ignored() -> None:
    history = [("assistant", "Hello, ask me about the Casey Review.")]
    assert contextualise("what about women?", history) == "what about women?"


CARRICK = [
    ("user", "Who was David Carrick?"),
    ("assistant", "David Carrick was a serving Met officer convicted in 2023 [1]."),
    ("user", "how many chances were there to stop him?"),
    ("assistant", "The review counted 18 missed chances [1]."),
    ("user", "and what unit was he in?"),
    ("assistant", "He served in the Parliamentary and Diplomatic Protection command [2]."),
]


def test_he_two_turns_later_is_still_carrick() -> None:
    query = contextualise("what happened to him in the end?", CARRICK[:4])
    assert "David Carrick" in query


def test_it_after_an_answer_naming_a_unit_is_that_unit() -> None:
    query = contextualise("and what did she want done with it?", CARRICK)
    assert "Parliamentary and Diplomatic Protection" in query
    assert "David Carrick" in query


def test_follow_ups_look_back_no_further_than_three_exchanges() -> None:
    history = [
        ("user", "What did the review find about the rape kit freezers?"),
        ("assistant", "Freezers broke [1]."),
        *CARRICK,
    ]
    query = contextualise("and why was that?", history)
    assert "freezers" not in query.lower()
    assert "Carrick" in query


def test_the_chain_stops_at_the_question_that_set_the_topic() -> None:
    history = [
        ("user", "What did the review find about the rape kit freezers?"),
        ("assistant", "Freezers broke [1]."),
        ("user", "What did Casey find about stop and search?"),
        ("assistant", "It was used disproportionately [1]."),
        ("user", "any figures?"),
        ("assistant", "Black Londoners were stopped more often [1]."),
    ]
    query = contextualise("and for children?", history)
    assert "stop and search" in query
    assert "freezers" not in query.lower()


def test_a_context_label_and_citation_markers_never_reach_the_query() -> None:
    history = [
        ("user", "who was Wayne Couzens?"),
        ("assistant", f"{CONTEXT_LABEL}Wayne Couzens was a Met officer [1]. He was jailed [2]."),
        ("user", "when did it happen?"),
        ("assistant", f"{CONTEXT_LABEL}Sarah Everard was murdered in March 2021 [1]."),
    ]
    query = contextualise("and what happened to him?", history)
    assert "Context" not in query
    assert "Casey Review finding" not in query
    assert "[" not in query
    assert "Sarah Everard" in query


def test_a_five_turn_conversation_keeps_its_topic_through_bare_follow_ups() -> None:
    history = [
        ("user", "Tell me about the letter Casey sent to Mark Rowley in October 2022."),
        ("assistant", "The interim report was a letter to the Commissioner [1]."),
        ("user", "How many officers with repeat allegations were sacked?"),
        ("assistant", "Only 13 of 1,809 were dismissed [1]."),
        ("user", "How is that even possible?"),
        ("assistant", "Cases took too long [1]."),
    ]
    query = contextualise("what did he say to that?", history)
    assert "Mark Rowley" in query
    assert "repeat allegations" in query


def test_names_skip_ordinary_sentence_openers_and_the_reviews_own_name() -> None:
    found = names("According to the BBC, Casey said Carrick was missed. The Casey Review agreed.")
    assert found == ["BBC", "Carrick"]


def test_the_lead_of_an_answer_is_plain() -> None:
    reply = f"{CONTEXT_LABEL}The Met's plan [1] cost £366 million [2]. Then more."
    assert lead(reply) == "The Met's plan cost £366 million."


def test_a_question_about_the_whole_review_is_searched_with_its_headline_terms() -> None:
    query = retrieval_query("tl;dr of the casey report pls", [])
    assert "institutional racism" in query
