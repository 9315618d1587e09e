import pytest

from casebot.text import is_meta, numbers_in, split_sentences


def test_sentences_split_without_breaking_abbreviations_or_figures() -> None:
    text = (
        "Dr. Smith found £0.7 billion less, e.g. in 2022. Only 13 were sacked! Was that all? Yes."
    )
    sentences = split_sentences(text)
    assert sentences == [
        "Dr. Smith found £0.7 billion less, e.g. in 2022.",
        "Only 13 were sacked!",
        "Was that all?",
        "Yes.",
    ]
    assert all(s in text for s in sentences)


def test_numbers_are_read_as_written() -> None:
    assert numbers_in("1,809 officers, 13 dismissed, £0.7 billion, 55-60%") == [
        "1809",
        "13",
        "0.7",
        "55",
        "60",
    ]


def test_notes_about_the_files_are_recognised() -> None:
    assert is_meta("This page gives context and is not part of the Casey Review's findings.")
    assert not is_meta("The review found the Met institutionally racist.")


@pytest.mark.parametrize(
    "signage",
    [
        "The page lists other reports that people confuse with the review.",
        "The sections below explain each conclusion.",
        "Support is listed in casebot's support guidance for LGBT+ people.",
        "casebot has separate context pages on Sarah Everard and Stephen Port.",
        "The interim report is covered in separate documents.",
        "The exact page of the passage has not been verified.",
    ],
)
def test_signage_pointing_elsewhere_is_meta(signage: str) -> None:
    assert is_meta(signage)


@pytest.mark.parametrize(
    "disclaimer",
    [
        "The London Policing Board is not a finding of the Casey Review.",
        "The figures of 5,073 and 131 come from the Met's own review and are not Casey findings.",
        "The vetting review's figures should never be described as Casey's.",
        "None of these reports is the Casey Review, and their findings must not be described "
        "as that review's.",
        "casebot's knowledge base covers the 2023 Met review, not the 2025 audit.",
    ],
)
def test_a_disclaimer_about_whose_finding_it_is_is_not_meta(disclaimer: str) -> None:
    assert not is_meta(disclaimer)


def test_a_sentence_opening_with_casebot_in_lower_case_stands_alone() -> None:
    text = "It could mean either report. casebot covers the 2023 review. The end."
    assert split_sentences(text) == [
        "It could mean either report.",
        "casebot covers the 2023 review.",
        "The end.",
    ]


def test_other_lower_case_words_do_not_start_a_sentence() -> None:
    assert split_sentences("It rose to 9. casebots and e.g. others.") == [
        "It rose to 9. casebots and e.g. others."
    ]
