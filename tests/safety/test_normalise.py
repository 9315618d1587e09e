"""Normalisation folds disguises and shorthand, and creates no decision of its own."""

from __future__ import annotations

import pytest

from casebot.safety.data import load_splits
from casebot.safety.normalise import load_lexicon, minimal, normalise, sentences
from casebot.safety.scanning import Rules, reads_as_english
from tests.conftest import REPO

LEXICON = load_lexicon(REPO / "prompts/safety_lexicon.yaml")


@pytest.mark.parametrize(
    ("written", "read"),
    [
        ("I wаnt tо diе", "i want to die"),  # Cyrillic a, o, e
        ("ｉ ｗａｎｔ ｔｏ ｄｉｅ", "i want to die"),  # fullwidth
        ("i want to d\u200bie", "i want to die"),  # zero-width space
        ("k1ll mys3lf", "kill myself"),  # leetspeak inside words
        ("pleeeeease", "pleease"),  # letters repeated for emphasis
        ("gonna kms tn", "going to kill myself tonight"),  # text-speak and euphemism
        ("wanna unalive myself", "want to kill myself"),
        ("my bf is outside rn", "my boyfriend is outside right now"),
    ],
)
def test_disguises_and_shorthand_are_read_as_the_words_they_stand_for(
    written: str, read: str
) -> None:
    assert normalise(written, LEXICON) == read


@pytest.mark.parametrize(
    "text",
    [
        "999 and 2023",
        "call 116 123",
        "it's 5 minutes away",
        "my id card",
        "i'm fed up",
        "took 500mg at 10pm on the 3rd",  # numbers with a unit or an ordinal are not leet
        "my 17yo was out for 5mins",
    ],
)
def test_numbers_and_ordinary_words_are_left_alone(text: str) -> None:
    assert normalise(text, LEXICON) == minimal(text)


def test_another_script_is_not_folded_into_latin_letters() -> None:
    assert normalise("Я хочу умереть", LEXICON) == "я хочу умереть"
    assert not reads_as_english("Я хочу умереть")


def test_a_distance_or_a_duration_is_not_a_childs_age(rules: Rules) -> None:
    assert "child_speaker" not in rules.scan("im 5 mins away from the station").needs
    assert "child_speaker" not in rules.scan("I'm 10 minutes from home").needs
    assert "child_speaker" in rules.scan("im 14 and scared").needs


def test_sentences_split_lines_and_sentences() -> None:
    assert sentences("hi there. he is here now!\ni cant talk") == [
        "hi there.",
        "he is here now!",
        "i cant talk",
    ]


def test_normalisation_creates_no_decision_on_a_calm_message(rules: Rules) -> None:
    """On every train and dev message labelled none, no floor holds and no refusal fires on
    the normalised text unless it already did on the text merely case-folded. (Feature
    rules and needs may fire more: that is shorthand being read, not a decision.)"""
    created = []
    for row in load_splits(REPO / "evals/datasets/safety", ["train", "dev"]):
        m = row.message
        if m.level != "none" or not m.english:
            continue
        full = rules.scan(m.text)
        plain = rules.scan(minimal(m.text), normalised=True)
        decided = set(full.held) | ({f"refusal:{full.refusal}"} if full.refusal else set())
        before = set(plain.held) | ({f"refusal:{plain.refusal}"} if plain.refusal else set())
        if decided - before:
            created.append((m.id, sorted(decided - before)))
    assert created == []


def test_every_lexicon_entry_is_lower_case_and_maps_to_words() -> None:
    for key, value in LEXICON.rewrites:
        assert key == key.lower() and value.strip()
