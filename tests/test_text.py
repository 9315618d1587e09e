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
