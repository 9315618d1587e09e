"""Resolve follow-up questions ("what about women?") with the previous user turn."""

from __future__ import annotations

import re
from collections.abc import Sequence

from casebot.answer.models import strip_markers
from casebot.text import content_words, split_sentences

_FOLLOW_UP = re.compile(
    r"^\s*(and|but|so|also|what about|how about|what else|why|how come|who was|who were|"
    r"what did (she|he|they|it)|tell me more|more about|same for|and what|what was|what were|"
    r"how many|did (she|he|they|it))\b"
    r"|\b(it|that|this|they|them|those|these|he|she|him|her|his|its|their|one|ones)\b",
    re.IGNORECASE,
)
MAX_SHORT = 6
OWN_TOPIC = 3  # content words that give a follow-up a topic of its own
ANSWER_WORDS = 25


def _lead(reply: str) -> str:
    """The first words of an answer's first sentence, without citation markers."""
    sentences = split_sentences(reply)
    if not sentences:
        return ""
    plain = re.sub(r"\s+([.!?])", r"\1", strip_markers(sentences[0]))
    return " ".join(plain.split()[:ANSWER_WORDS])


def contextualise(message: str, history: Sequence[tuple[str, str]]) -> str:
    """The retrieval query: the message, joined to the previous turn when it leans on it.

    The previous question names the topic. A follow-up with a topic of its own ("what did
    the government think about that idea?") needs nothing more: the previous answer's words
    would pull retrieval back to what was already answered. A bare one ("who was it addressed to?")
    also takes the first words of the previous answer, which name what "he" or "it" is
    (Carrick, the letter), and its own words count twice so the context does not drown them.
    """
    previous = next((text for role, text in reversed(history) if role == "user"), None)
    if not previous:
        return message
    n = len(content_words(message))
    if n == 0 or (n <= MAX_SHORT and _FOLLOW_UP.search(message)):
        if n >= OWN_TOPIC:
            return f"{previous} {message}"
        reply = next((text for role, text in reversed(history) if role == "assistant"), "")
        lead = _lead(reply)
        return " ".join(part for part in (previous, lead, message, message) if part)
    return message


# A question with no topic of its own ("what did the Casey review find?") is a question
# about the review's headline findings; say so, or retrieval drifts to whatever page uses
# the word "findings" most.
_ABOUT_THE_REVIEW = re.compile(r"\b(casey|review|report|met|metropolitan|police)\b", re.IGNORECASE)
GENERIC_EXPANSION = "headline finding summary conclusions institutional racism misogyny homophobia"


def retrieval_query(message: str, history: Sequence[tuple[str, str]]) -> str:
    """What to search for: follow-ups joined to their context, generic questions expanded."""
    query = contextualise(message, history)
    if not content_words(query) and _ABOUT_THE_REVIEW.search(query):
        return f"{query} {GENERIC_EXPANSION}"
    return query
