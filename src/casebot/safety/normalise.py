"""Normalisation before the safety rules and the classifier read a message.

Folds what hides words from a reader that matches letters: fullwidth forms and other
compatibility characters (NFKC), zero-width characters, Cyrillic and Greek look-alike
letters, leetspeak inside words, letters repeated for emphasis, accents and case; then the
text-speak and euphemism lexicon (prompts/safety_lexicon.yaml) rewrites whole words.

Nothing here may create a signal: look-alikes are folded only in Latin-script text, leet
digits only inside a word that has letters, and the lexicon maps shorthand to the words it
stands for (tests/safety/test_normalise.py checks no rule fires after normalisation on a
train or dev message where it did not fire before).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import yaml

from casebot.errors import PromptError
from casebot.text import split_sentences

_ZERO_WIDTH = re.compile("[\u00ad\u034f\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]")
# Cyrillic and Greek letters that look like Latin ones (lower case after casefold).
_CONFUSABLES = str.maketrans(
    {
        "а": "a", "в": "b", "е": "e", "ё": "e", "к": "k", "м": "m", "н": "h", "о": "o",
        "р": "p", "с": "c", "т": "t", "у": "y", "х": "x", "і": "i", "ї": "i", "ј": "j",
        "ѕ": "s", "ԁ": "d", "ԛ": "q", "ԝ": "w", "ɡ": "g", "ı": "i",
        "α": "a", "β": "b", "ε": "e", "η": "n", "ι": "i", "κ": "k", "ν": "v", "ο": "o",
        "ρ": "p", "τ": "t", "υ": "u", "χ": "x", "ω": "w", "γ": "y",
    }
)  # fmt: skip
_LEET = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s"})
# A word with letters and leet digits or symbols mixed: k1ll, d3ad, @live. Pure numbers
# (999, 2023, 14) are never touched, nor a number with an ordinal or a unit (3rd, 10pm,
# 500mg, 17yo, 5mins): read as leet, "500mg at 10pm" became "soomg at iopm".
_NUMBER_WITH_UNIT = r"\d+(?:st|nd|rd|th|am|pm|yo|y|yrs?|hrs?|h|mins?|m|km|k|s|mg|ml|g|kg|p)"
_LEET_WORD = re.compile(
    rf"(?<![\w@$])(?!{_NUMBER_WITH_UNIT}(?![\w@$]))"
    r"(?=[\w@$]*[a-z])(?=[\w@$]*[013457@$])[a-z013457@$]{3,}(?![\w@$])"
)
_REPEATS = re.compile(r"([a-z])\1{2,}")
_QUOTES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"', "`": "'"})
_LATIN = re.compile(r"[a-z]")
_LETTER = re.compile(r"[^\W\d_]")


@dataclass(frozen=True)
class Lexicon:
    """Whole-word rewrites: text-speak and euphemisms, longest phrase first."""

    rewrites: tuple[tuple[str, str], ...] = ()

    def __post_init__(self) -> None:
        if self.rewrites:
            alternatives = "|".join(re.escape(k) for k, _ in self.rewrites)
            object.__setattr__(
                self, "_pattern", re.compile(rf"(?<![\w'-])({alternatives})(?![\w'-])")
            )
            object.__setattr__(self, "_map", dict(self.rewrites))

    def apply(self, text: str) -> str:
        if not self.rewrites:
            return text
        pattern: re.Pattern[str] = self._pattern  # type: ignore[attr-defined]
        mapping: Mapping[str, str] = self._map  # type: ignore[attr-defined]
        return pattern.sub(lambda m: mapping[m.group(1)], text)


def load_lexicon(path: Path) -> Lexicon:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        entries = {**raw["textspeak"], **raw["euphemisms"]}
    except (OSError, yaml.YAMLError, KeyError, TypeError) as exc:
        raise PromptError(f"{path}: invalid safety lexicon: {exc}") from exc
    pairs = []
    for key, value in entries.items():
        if not isinstance(key, str) or not isinstance(value, str) or key != key.lower():
            raise PromptError(f"{path}: lexicon entry {key!r} must map lower-case text to text")
        pairs.append((key, value))
    pairs.sort(key=lambda kv: -len(kv[0]))
    return Lexicon(tuple(pairs))


def fold_characters(text: str) -> str:
    """Compatibility forms, zero-width characters, case, accents, quotes, look-alikes."""
    text = unicodedata.normalize("NFKC", text)
    text = _ZERO_WIDTH.sub("", text).casefold().translate(_QUOTES)
    letters = _LETTER.findall(text)
    latin = sum(1 for c in letters if _LATIN.match(c) or c in "àáâãäåèéêëìíîïòóôõöùúûüýÿçñ")
    if letters and latin / len(letters) >= 0.5:
        # Latin-script text with a few look-alikes is a disguise; a Russian or Greek
        # message stays as written (the language check reads it as not English).
        text = text.translate(_CONFUSABLES)
    text = unicodedata.normalize("NFKD", text)
    return "".join(c for c in text if not unicodedata.combining(c))


def minimal(text: str) -> str:
    """Case and whitespace only: what normalisation is compared against in tests."""
    return re.sub(r"\s+", " ", text.casefold().translate(_QUOTES)).strip()


def normalise(text: str, lexicon: Lexicon | None = None) -> str:
    text = fold_characters(text)
    text = _LEET_WORD.sub(lambda m: m.group(0).translate(_LEET), text)
    text = _REPEATS.sub(r"\1\1", text)  # "pleeeease" -> "pleease", "sooo" -> "soo"
    if lexicon is not None:
        text = lexicon.apply(text)
    return re.sub(r"\s+", " ", text).strip()


# Quoted words after a reporting verb are someone else's words, not the writer's.
_REPORTED_QUOTE = re.compile(
    r"\b(says?|said|saying|quotes?|quoted|quoting|writes?|wrote|called it|line)\b"
    r"[^'\"]{0,30}(?<![a-z])['\"][^'\"]{3,200}['\"](?![a-z])"
)


def strip_reported_quotes(text: str) -> str:
    return _REPORTED_QUOTE.sub(lambda m: m.group(1) + " [quote]", text)


_CLAUSE = re.compile(r"(?<=[.!?;])\s+|\s*[,:]\s+|\s+but\s+|\s+-+\s+|\n+")


def clauses(text: str) -> list[str]:
    """Sentences and clauses, so a negation only reaches the words it governs."""
    parts = _CLAUSE.split(text)
    return [p.strip(" .,!?;:") for p in parts if p and p.strip(" .,!?;:")]


MAX_SENTENCES = 24  # a 2,000-character message has about twenty; more is noise, not danger


def sentences(text: str) -> list[str]:
    """The sentences a message is scored by, besides the whole: long runs split at commas."""
    out: list[str] = []
    for line in re.split(r"\n+", text):
        for sentence in split_sentences(line):
            out += [p.strip() for p in re.split(r"(?<=[.!?])\s+(?=[a-z])", sentence) if p.strip()]
    return out[:MAX_SENTENCES]
