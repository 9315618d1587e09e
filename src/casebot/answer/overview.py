"""Questions about the review as a whole ("tl;dr of the casey report pls").

The review's own name and words ("casey", "report", "findings", "met") are stopwords for
the lexical side, and rightly: they are on every page. A question left with no topic once
they are gone asks what the review found overall, however it is worded ("main points",
"in a nutshell", "explain it like I'm 15"); without help, retrieval drifts to whichever
page uses "findings" most. Such a question is searched with the review's headline terms.
"""

from __future__ import annotations

import re
from typing import Protocol

from casebot.text import content_words

# Words that name no topic: they ask for a form or length of answer ("gist", "30 secs
# max"), fill a sentence ("like", "actually"), or say what the answer is for or by when
# ("school project", "bulletin", "due tmrw"). Kinds of word, not questions: a question made
# of them alone asks for the whole review.
_FORM = frozenset(
    (  # noqa: SIM905 - a word list reads better as prose
        "summary summarise summarize summed sum gist nutshell overview tldr tl dr explain "
        "explained simple simply plain plainly brief briefly short shortly quick quickly "
        "point points overall headline headlines top line lines bullet bullets list "
        "sentence sentences paragraph words conclusion conclusions conclude concluded "
        "secs seconds mins minutes max maximum length"
    ).split()
)
_FILLER = frozenset(
    (  # noqa: SIM905
        "basically actually really like even literally totally honestly anything something "
        "stuff thing things lot lots pls plz ok okay yeah going doing get got give need "
        "needed want wanted "
        # contractions typed without their apostrophe
        "im ive id youre theyre dont doesnt didnt isnt wasnt werent cant wont whats thats "
        "hows whos wats wat"
    ).split()
)
_PURPOSE = frozenset(
    (  # noqa: SIM905
        "school project homework essay assignment lesson teacher exam revision "
        "presentation briefing bulletin article piece sidebar explainer box segment "
        "due tomorrow tonight today asap deadline fast"
    ).split()
)
_NO_TOPIC = _FORM | _FILLER | _PURPOSE
_ABOUT_THE_REVIEW = re.compile(r"\b(casey|review|report|met|metropolitan|police)\b", re.IGNORECASE)
_NUMBER = re.compile(r"^[\d.,£%]+$")
GENERIC_EXPANSION = "headline finding summary conclusions institutional racism misogyny homophobia"


class Corpus(Protocol):
    """Whether a word is known at all: to the corpus, the embedding model or an English
    word list (the index's speller says)."""

    def knows(self, word: str) -> bool: ...


def topic_words(text: str, corpus: Corpus | None) -> list[str]:
    """The words of `text` that could steer retrieval to one part of the review: not
    stopwords, not words that name no topic, not bare numbers, and (with a corpus) not
    text-speak nobody knows ("tmrw"): it can match nothing."""
    plain = [w.replace("'", "") for w in content_words(text)]
    return [
        w
        for w in plain
        if w not in _NO_TOPIC
        and not _NUMBER.match(w)
        and (corpus is None or corpus.knows(w))
    ]


def about_the_whole_review(text: str, corpus: Corpus | None) -> bool:
    """The text names the review (or the Met) and no topic within it."""
    return bool(_ABOUT_THE_REVIEW.search(text)) and not topic_words(text, corpus)


def expanded(query: str, corpus: Corpus | None) -> str:
    """The query, with the review's headline terms when it asks about the whole review."""
    if about_the_whole_review(query, corpus):
        return f"{query} {GENERIC_EXPANSION}"
    return query
