"""Take personal details out of a feedback comment before it is stored.

People write their email, number, postcode, address or name into a comment box even when
asked not to. Each kind is replaced by a bracketed label, so a reader still sees that
something was there. The patterns lean towards removing too much: a lost word in a comment
costs little; a stored address could cost a survivor a great deal.
"""

from __future__ import annotations

import re

_STREET_WORDS = (
    r"street|st|road|rd|avenue|ave|lane|ln|close|drive|dr|way|court|ct|crescent|place|pl"
    r"|gardens|grove|terrace|square|sq|hill|park|mews|row|walk|estate|house|flats?"
)

_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("[email]", re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.IGNORECASE)),
    # UK postcodes, with or without the space: SW1A 1AA, e1 6an, M11AE.
    ("[postcode]", re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}\b", re.IGNORECASE)),
    # Phone numbers: +44 or 0 followed by 9-10 more digits, spaced or dashed any way; and
    # any other run of seven or more digits.
    ("[phone]", re.compile(r"(?:\+\s?44|\b0)(?:[\s\-()]*\d){9,10}\b")),
    ("[phone]", re.compile(r"\b\d(?:[\s\-]?\d){6,}\b")),
    # A house number followed by up to four words and a street word; a flat's number.
    (
        "[address]",
        re.compile(
            rf"\b\d+[a-z]?,?\s+(?:[a-z'-]+\s+){{0,4}}(?:{_STREET_WORDS})\b", re.IGNORECASE
        ),
    ),
    ("[address]", re.compile(r"\b(?:flat|apartment|apt)\.?\s*\d+[a-z]?\b", re.IGNORECASE)),
)


# "my name is Jo Bloggs", "I'm called Sam", "call me alex": the first word after it, and up
# to two more unless they are the words that carry a sentence on ("and", "it", "from"...).
_NAME = re.compile(
    r"\b((?i:my name is|my name's|name is|i'm called|i am called|call me)\s+)"
    r"([A-Za-z][\w'-]*)((?:\s+[A-Za-z][\w'-]*){0,2})"
)
_CARRY_ON = frozenset(
    (
        "and", "but", "or", "so", "i", "i'm", "im", "it", "it's", "is", "was", "am", "are",
        "from", "in", "at", "on", "to", "the", "a", "an", "if", "because", "when", "who", "which",
        "that", "this", "my", "me", "we", "you", "he", "she", "they", "not", "no", "yes",
        "please", "thanks", "thank", "back", "later", "again", "now", "soon", "today", "tomorrow",
    )
)


def _name(match: re.Match[str]) -> str:
    if match.group(2).lower() in _CARRY_ON:  # "call me on ...", "call me back": no name
        return match.group(0)
    rest = match.group(3).split()
    kept: list[str] = []
    for word in rest:
        if word.lower() in _CARRY_ON:
            break
        kept.append(word)
    tail = rest[len(kept) :]
    return match.group(1) + "[name]" + "".join(" " + w for w in tail)


def redact(text: str) -> str:
    """The comment with emails, phone numbers, postcodes, addresses and names replaced."""
    for label, pattern in _PATTERNS:
        text = pattern.sub(label, text)
    return _NAME.sub(_name, text)
