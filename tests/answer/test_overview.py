"""A question with no topic once the review's own words are gone asks for the whole review."""

from __future__ import annotations

import pytest

from casebot.answer.overview import GENERIC_EXPANSION, about_the_whole_review, expanded
from casebot.index.spelling import Speller

CORPUS = [
    "The review found institutional racism, misogyny and homophobia in the Met.",
    "Misogyny was tolerated.",
    "Vetting was poor. Stop and search was used disproportionately. Freezers broke.",
]


@pytest.fixture(scope="module")
def speller() -> Speller:
    return Speller(CORPUS)


@pytest.mark.parametrize(
    "question",
    [
        "what did the casey review find",
        "what are the main points of the casey review?",
        "in a nutshell, what did the report say?",
        "explain it like I'm 15: what did Casey find about the Met?",
        "give me a summary of the casey report in simple words",
        "tl;dr casey report??",
        "Casey report top line for the bulletin, 30 secs max",
        "quick overview of the review pls, for my homework due tmrw",
    ],
)
def test_a_question_about_the_review_as_a_whole_gets_its_headline_terms(
    speller: Speller, question: str
) -> None:
    assert about_the_whole_review(question, speller)
    assert expanded(question, speller) == f"{question} {GENERIC_EXPANSION}"


@pytest.mark.parametrize(
    "question",
    [
        "what did the casey review find about vetting?",
        "summary of what casey said about stop and search",
        "is the met supposed to say sorry?",  # words the corpus lacks still name a topic
        "what did casey say about budget cuts?",
        "what did casey find about misogny?",  # misspelt, yet a topic
    ],
)
def test_a_question_with_a_topic_is_searched_as_asked(speller: Speller, question: str) -> None:
    assert expanded(speller.correct(question), speller) == speller.correct(question)


def test_a_question_that_does_not_name_the_review_is_not_expanded(speller: Speller) -> None:
    assert not about_the_whole_review("tl;dr pls", speller)
