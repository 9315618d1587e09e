"""Flesch reading ease with a small syllable counter (no dictionary, so no dependency).

The counter is the usual vowel-group heuristic; it is off by one on some words, which
moves the score by a point or two, steady enough to compare runs with each other.
"""

from __future__ import annotations

import re

from casebot.text import split_sentences

_TOKEN = re.compile(r"[A-Za-z0-9£][A-Za-z0-9'’,.£%-]*")
# A final e is usually silent ("make"), but not in "-le" after a consonant ("table").
_SILENT_END = re.compile(r"(?:[^laeiouy]es|[^laeiouydt]ed|[^laeiouy]e)$")
_VOWEL_GROUP = re.compile(r"[aeiouy]+")


def syllables(word: str) -> int:
    letters = re.sub(r"[^a-z]", "", word.lower())
    if not letters:
        return 1  # a figure such as 1,809 is read as one unit here
    if len(letters) <= 3:
        return 1
    extra = 1 if letters.endswith("ism") else 0  # "rac-is-m" has a vowel-less last beat
    letters = _SILENT_END.sub("", letters)
    letters = re.sub(r"^y", "", letters)
    return max(1, len(_VOWEL_GROUP.findall(letters))) + extra


def word_list(text: str) -> list[str]:
    return [t.rstrip(".,") for t in _TOKEN.findall(text)]


def flesch_reading_ease(text: str) -> float | None:
    """206.835 - 1.015 words/sentence - 84.6 syllables/word; None for empty text."""
    words = word_list(text)
    if not words:
        return None
    sentences = max(1, len(split_sentences(text)))
    total = sum(syllables(w) for w in words)
    return 206.835 - 1.015 * (len(words) / sentences) - 84.6 * (total / len(words))
