"""Normalisation before the phrase rules: case, punctuation, misspellings and slang."""

from __future__ import annotations

import re

from casebot.text import fold

# Whole-word rewrites. Slang and misspellings seen in real crisis messages map to the
# plain words the rules look for; the rules then stay readable.
_REWRITES: tuple[tuple[str, str], ...] = (
    (r"\bkms\b", "kill myself"),
    (r"\bkys\b", "kill yourself"),
    (r"\bun-?alive(d|ing)?\b", "kill"),
    (r"\bsu?i?c+i+d+(al|le|el|ial)\b|\bsuicdal\b|\bsucidal\b", "suicidal"),
    (r"\bsu?i?c+i+d+e?\b|\bsuacide\b|\bsuiside\b|\bsucide\b", "suicide"),
    (r"\bkil+(ing|ed|s)?\b", "kill\\1"),
    (r"\bmurda\b", "murder"),
    (r"\bover ?do(es|se|sed|ses)\b", "overdose"),
    (r"\bod(ing|ed|'d)?\b", "overdose"),
    (r"\bwnat\b|\bwnt\b", "want"),
    (r"\bwanna\b", "want to"),
    (r"\bgonna\b|\bgna\b|\bgunna\b", "going to"),
    (r"\bgotta\b", "got to"),
    (r"\bim\b", "i'm"),
    (r"\bi am\b", "i'm"),
    (r"\bive\b", "i've"),
    (r"\bid\b", "i'd"),
    (r"\bhes\b", "he's"),
    (r"\bshes\b", "she's"),
    (r"\btheres\b", "there's"),
    (r"\bhe is\b", "he's"),
    (r"\bshe is\b", "she's"),
    (r"\bcant\b|\bcannot\b|\bcan not\b", "can't"),
    (r"\bdont\b", "don't"),
    (r"\bwont\b", "won't"),
    (r"\bdidnt\b", "didn't"),
    (r"\bisnt\b", "isn't"),
    (r"\bu\b", "you"),
    (r"\bur\b", "your"),
    (r"\bpls\b|\bplz\b|\bplease+\b", "please"),
    (r"\brn\b", "right now"),
    (r"\bmum'?s\b", "mum's"),
    (r"\bmy self\b", "myself"),
    (
        r"\bcop+a\b|\bcop+er\b|\bcops\b|\bcop\b|\bpig\b|\bfed\b|\bold bill\b|\bpoliceman\b|\bpolicewoman\b",
        "police officer",
    ),
    (
        r"\bmet officer\b|\bpc\b|\bdc\b|\bds\b|\bsergeant\b|\bdetective\b|\binspector\b",
        "police officer",
    ),
    (r"(?<!police )\bofficer\b", "police officer"),
    (r"\bhe'll\b", "he will"),
    (r"\bshe'll\b", "she will"),
    (r"\bthey'll\b", "they will"),
    (r"\bi'll\b", "i will"),
)
_COMPILED = tuple((re.compile(p), r) for p, r in _REWRITES)
# Quoted words after a reporting verb are someone else's words, not the writer's.
_REPORTED_QUOTE = re.compile(
    r"\b(says?|said|saying|quotes?|quoted|quoting|writes?|wrote|called it|line)\b"
    r"[^'\"]{0,30}(?<![a-z])['\"][^'\"]{3,200}['\"](?![a-z])"
)


def normalise(text: str) -> str:
    text = fold(text)
    text = re.sub(r"[\u201c\u201d]", '"', text)
    text = re.sub(r"(.)\1{3,}", r"\1\1", text)  # "pleeeease" -> "pleease"
    for pattern, replacement in _COMPILED:
        text = pattern.sub(replacement, text)
    return re.sub(r"\s+", " ", text).strip()


def strip_reported_quotes(text: str) -> str:
    return _REPORTED_QUOTE.sub(lambda m: m.group(1) + " [quote]", text)


def clauses(text: str) -> list[str]:
    """Sentences and clauses, so a negation only reaches the words it governs."""
    parts = re.split(r"(?<=[.!?;])\s+|\s*[,:]\s+|\s+but\s+|\s+-+\s+|\n+", text)
    return [p.strip(" .,!?;:") for p in parts if p and p.strip(" .,!?;:")]
