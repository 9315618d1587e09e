"""The speller repairs misspelt corpus words and leaves every ordinary word alone."""

from __future__ import annotations

import pytest

from casebot.index.spelling import Speller, SpellParams, base_forms, common_words

CORPUS = [
    "The review found misogyny and homophobia in the Met. Misogyny was tolerated.",
    "Vetting was poor; vetting failures let predators in. Vetting must be redone.",
    "Casey made 16 recommendations. The recommendations cover sets of reforms and sets of units.",
    "Evidence was lost from a store. The store held rape kits; the store's freezers broke.",
    "David Carrick was a serving officer. Carrick pleaded guilty.",
]


@pytest.fixture(scope="module")
def speller() -> Speller:
    return Speller(CORPUS)


@pytest.mark.parametrize(
    ("typed", "repaired"),
    [
        ("misogny", "misogyny"),
        ("vettting", "vetting"),
        ("recomendations", "recommendations"),
        ("carick", "carrick"),
    ],
)
def test_misspelt_corpus_words_are_repaired(speller: Speller, typed: str, repaired: str) -> None:
    assert speller.correct_word(typed) == repaired


@pytest.mark.parametrize(
    "word",
    # Each is a word the corpus lacks but a spelling away from one it has.
    ["secs", "story", "stored", "sorts", "sent", "misery", "getting", "recommending", "Carriage"],
)
def test_ordinary_english_words_are_never_rewritten(speller: Speller, word: str) -> None:
    assert speller.correct_word(word) == word


def test_a_question_of_ordinary_words_is_left_as_typed(speller: Speller) -> None:
    question = "30 secs max: what's the story with the stored kits, and who sorted it?"
    assert speller.correct(question) == question


def test_text_speak_the_corpus_cannot_place_is_left_alone(speller: Speller) -> None:
    assert speller.correct("tldr pls, wat did she find") == "tldr pls, wat did she find"


def test_an_ambiguous_repair_is_not_made() -> None:
    # "vettoers" is one edit from each, and neither is far more frequent.
    speller = Speller(["vetting vettors vettors", "vetting vetoers vetoers"], known=frozenset())
    assert speller.correct_word("vettoers") == "vettoers"


def test_a_far_more_frequent_candidate_wins_a_tie() -> None:
    speller = Speller(["misogyny " * 20 + "misogony"], known=frozenset())
    assert speller.correct_word("misogany") == "misogyny"


def test_a_word_seen_once_in_the_corpus_is_not_a_repair_target() -> None:
    speller = Speller(["Soteria is mentioned once"], known=frozenset())
    assert speller.correct_word("soterria") == "soterria"


def test_short_words_are_left_alone() -> None:
    speller = Speller(["were were were went went"], known=frozenset(), params=SpellParams())
    assert speller.correct_word("wre") == "wre"


@pytest.mark.parametrize(
    ("word", "base"),
    [("vetting", "vet"), ("compared", "compare"), ("stories", "story"), ("officers", "officer")],
)
def test_inflections_lead_back_to_their_base(word: str, base: str) -> None:
    assert base in base_forms(word)


def test_common_words_hold_the_embedding_vocabulary_and_an_english_list() -> None:
    words = common_words()
    assert {"story", "police", "summary"} <= words
    assert not any(w.startswith("##") for w in words)
