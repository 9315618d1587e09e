"""What a reader checks of an answer sentence against its quote: its figures and its names.

One definition for the model path's sentence checks (answer/support.py) and the eval's
`sentences_checkable` metric, so both hold answers to the same promise.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from casebot.text import numbers_in

# Capitalised words that name the review itself, or come from casebot's own context label
# ("Context, not a Casey Review finding: "): they say where a claim comes from, which the
# attribution check judges by the kind of passage cited, not a fact to find in the quote.
SOURCE_WORDS = frozenset({"Baroness", "Casey", "Review", "Context"})
_WORD = re.compile(r"[A-Za-z][A-Za-z'\u2019-]*")
_POSSESSIVE = re.compile(r"['\u2019]s?$")


def figures(sentence: str) -> list[str]:
    """The sentence's figures as casebot.text.numbers_in reads them, each once."""
    return list(dict.fromkeys(numbers_in(sentence)))


def names(sentence: str) -> list[str]:
    """Capitalised words after the first (a sentence opens with a capital whatever it
    names), possessives trimmed, the source's own name and the pronoun I left out."""
    found: list[str] = []
    for match in list(_WORD.finditer(sentence))[1:]:
        word = _POSSESSIVE.sub("", match.group())
        if word[:1].isupper() and word != "I" and word not in SOURCE_WORDS:
            found.append(word)
    return list(dict.fromkeys(found))


def in_text(name: str, text: str) -> bool:
    """The name as a whole word of the text (a figure is compared as numbers_in reads it)."""
    return re.search(rf"(?<![A-Za-z]){re.escape(name)}(?![a-z])", text) is not None


def unsupported(sentence: str, quotes: Iterable[str]) -> list[str]:
    """The figures and names of the sentence that none of the quotes holds."""
    texts = list(quotes)
    numbers = {n for text in texts for n in numbers_in(text)}
    missing = [n for n in figures(sentence) if n not in numbers]
    missing += [w for w in names(sentence) if not any(in_text(w, t) for t in texts)]
    return missing
