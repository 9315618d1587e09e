"""A question naming something the corpus never mentions is about something else."""

from __future__ import annotations

import pytest

from casebot.answer.unheld import names_in, not_held
from casebot.index.spelling import Speller

CORPUS = [
    "Baroness Casey reviewed the Metropolitan Police. Sir Mark Rowley is the Commissioner.",
    "David Carrick served in the Parliamentary and Diplomatic Protection command (PaDP).",
    "Carrick pleaded guilty to 49 offences.",
    "Regulation 13 was used to dismiss probationers. New Scotland Yard is the Met's home.",
    "The Angiolini Inquiry looked at Wayne Couzens. Officer E was a gay officer.",
    "In October 2022 the interim report was published. Child Q was strip-searched.",
]


@pytest.fixture(scope="module")
def corpus() -> Speller:
    return Speller(CORPUS)


@pytest.mark.parametrize(
    ("question", "missing"),
    [
        ("What did the Grenfell Tower Inquiry conclude?", ["Grenfell Tower Inquiry"]),
        ("how does the NYPD's internal affairs bureau work?", ["NYPD"]),
        ("what did the leveson inquiry say about the press?", ["leveson"]),
        ("How do I complain about a Garda officer in Dublin?", ["Garda", "Dublin"]),
    ],
)
def test_a_name_the_corpus_never_uses_is_not_held(
    corpus: Speller, question: str, missing: list[str]
) -> None:
    assert not_held(question, corpus) == missing


@pytest.mark.parametrize(
    "question",
    [
        "What did Mark Rowley say about the PaDP?",
        "what did the angiolini inquiry find?",
        "Was Regulation 13 or Reg 13 used on probationers in Oct 2022?",  # abbreviations
        "what happened to Officer E and Child Q?",  # one-letter labels are no names
        "I'm asking because I'll need it: what did the Met do?",
        "what did Carick do?",  # a misspelling of a name the corpus holds
        "WHAT DID THE MET FIND ABOUT VETTING",  # capitals no longer mark names
        "Did Casey mention the Grenfell Tower Inquiry?",  # naming Casey keeps it in scope
    ],
)
def test_names_the_corpus_holds_or_no_names_at_all_pass(corpus: Speller, question: str) -> None:
    assert not_held(question, corpus) == []


def test_a_name_is_reported_once_as_written() -> None:
    found = names_in("Key findings of the Grenfell Tower Inquiry's report? The Grenfell Tower one")
    assert found == ["Grenfell Tower Inquiry"]
