"""Names a question asks about that the knowledge base does not hold.

A question about the Grenfell Tower Inquiry or the NYPD shares words with the review
("inquiry", "final report", "stop and search"), so similarity lets it through; but its name
appears nowhere in the corpus. A name is a word written as one (capitalised after a
sentence's first word, or an acronym) or the words before "report", "inquiry", "panel" and
the like ("the grenfell inquiry"). A question that names one the corpus never uses asks
about something else, unless it names Casey too ("did Casey mention Grenfell?"). No list of
names: the corpus is the list.
"""

from __future__ import annotations

import re
from typing import Protocol

from casebot.text import split_sentences

SHOUTING = 0.6  # a message mostly in capitals: capitals no longer mark names
ABBREVIATION = 3  # letters an abbreviation of a corpus word keeps ("Reg", "Oct")

_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*")
_BODY_OF_WORK = re.compile(
    r"\bthe\s+((?:[a-z][\w'’-]*\s+){1,3}?)"
    r"(?:report|review|inquiry|enquiry|panel|commission|investigation|inspection)s?\b",
    re.IGNORECASE,
)
_CASEY = re.compile(r"\b(casey|baroness)\b", re.IGNORECASE)


class Corpus(Protocol):
    """What the corpus says about a word (the index's speller)."""

    def in_corpus(self, word: str) -> bool: ...

    def abbreviates(self, prefix: str) -> bool: ...

    def correct_word(self, word: str) -> str: ...


def _acronym(word: str) -> bool:
    return sum(c.isupper() for c in word) >= 2


def names_in(text: str) -> list[str]:
    """Names as the text writes them (runs of capitalised words, acronyms, the words
    before "inquiry" and the like), each once, in order."""
    letters = [c for c in text if c.isalpha()]
    shouting = bool(letters) and sum(c.isupper() for c in letters) / len(letters) > SHOUTING
    found: list[str] = []
    if not shouting:
        for sentence in split_sentences(text):
            found += _runs(sentence)
    found += [m.group(1).strip() for m in _BODY_OF_WORK.finditer(text)]
    found = list(dict.fromkeys(re.sub(r"['’]s\b", "", name) for name in found))
    # "Grenfell Tower" found again before "inquiry" is the same name as "Grenfell Tower Inquiry"
    return [n for n in found if not any(n != m and n.lower() in m.lower() for m in found)]


def _runs(sentence: str) -> list[str]:
    """Runs of capitalised words after the sentence's first word, and acronyms anywhere;
    "I", "I'm" and one-letter labels ("Officer E", "Child Q") are no names."""
    runs: list[list[str]] = [[]]
    for i, match in enumerate(_WORD.finditer(sentence)):
        word = match.group(0).strip("'’-")
        plain = re.split(r"['’]", word)[0]
        if len(plain) > 1 and (_acronym(word) or (i > 0 and word[:1].isupper())):
            runs[-1].append(word)
        elif runs[-1]:
            runs.append([])
    return [" ".join(run) for run in runs if run]


def _held(word: str, corpus: Corpus) -> bool:
    """The corpus uses the word, a form of it, the word it is a misspelling of, or a word
    it abbreviates ("Reg" for "Regulation")."""
    lower = re.split(r"['’]", word.lower())[0]
    if corpus.in_corpus(lower) or corpus.in_corpus(corpus.correct_word(lower)):
        return True
    return len(lower) >= ABBREVIATION and corpus.abbreviates(lower)


def not_held(message: str, corpus: Corpus) -> list[str]:
    """The names `message` asks about with a word the corpus never uses; empty when there
    are none, or when the message names Casey too."""
    if _CASEY.search(message):
        return []
    return [
        name for name in names_in(message) if not all(_held(w, corpus) for w in name.split())
    ]
