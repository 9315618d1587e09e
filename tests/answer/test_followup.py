"""contextualise(): a follow-up leans on the previous turn; a standalone question does not."""

from __future__ import annotations

import pytest

from casebot.answer.followup import contextualise

PREVIOUS = "What did the review find about misconduct?"
REPLY_LEAD = "The review found that 1,809 officers faced allegations."
HISTORY = [
    ("user", PREVIOUS),
    ("assistant", "The review found that 1,809 officers [1] faced allegations. More."),
]


def joined(question: str) -> str:
    """The previous question, the reply's first sentence without markers, the follow-up twice."""
    return f"{PREVIOUS} {REPLY_LEAD} {question} {question}"


def test_what_about_women_is_joined_to_the_previous_user_turn() -> None:
    assert contextualise("what about women?", HISTORY) == joined("what about women?")


@pytest.mark.parametrize(
    "question",
    [
        "What did the review find about stop and search in Lambeth?",
        "How were rape kits stored by the Met's specialist units?",
        "Did Casey say the Met is institutionally homophobic?",
    ],
)
def test_standalone_question_is_not_joined(question: str) -> None:
    assert contextualise(question, HISTORY) == question


@pytest.mark.parametrize(
    "question",
    ["what happened to them afterwards?", "why?", "and the dismissals?", "tell me more"],
)
def test_short_question_leaning_on_the_last_turn_is_joined(question: str) -> None:
    assert contextualise(question, HISTORY) == joined(question)


def test_when_did_one_break_leans_on_the_previous_question() -> None:
    history = [("user", "what did the review say about freezers"), ("assistant", "They broke [1].")]
    query = contextualise("when did one break?", history)
    assert query == (
        "what did the review say about freezers They broke. when did one break? when did one break?"
    )


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


def test_follow_up_without_history_is_left_alone() -> None:
    assert contextualise("what about women?", []) == "what about women?"


def test_follow_up_joins_the_last_turn_not_earlier_ones() -> None:
    history = [
        ("user", "What did the review find about freezers?"),
        ("assistant", "Freezers were broken [1]."),
        ("user", PREVIOUS),
        ("assistant", "Officers faced allegations [1]."),
    ]
    query = contextualise("what about women?", history)
    assert query == f"{PREVIOUS} Officers faced allegations. what about women? what about women?"
    assert "freezers" not in query.lower()


def test_history_of_assistant_turns_only_is_ignored() -> None:
    history = [("assistant", "Hello, ask me about the Casey Review.")]
    assert contextualise("what about women?", history) == "what about women?"
