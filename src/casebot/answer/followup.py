"""Follow-up questions ("what about women?", "what unit was he in?") made searchable.

A follow-up leans on the conversation, and search sees one query. Offline, the query is
the follow-up joined to what it leans on, from the last three exchanges: the user's earlier
questions, back to the one that set the topic; and, for a bare follow-up, the names that
"he", "it" or "that report" can stand for (people, bodies and reports named in those
questions and in the previous answer's opening). Never the previous answer's labels or
citation markers: "Context, not a Casey Review finding" names no topic, and searching with
it pulls up context pages whatever was asked.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from casebot.answer.extractive import CONTEXT_LABEL
from casebot.answer.models import strip_markers
from casebot.answer.overview import expanded
from casebot.index.spelling import Speller, common_words
from casebot.text import STOPWORDS, content_words, split_sentences

History = Sequence[tuple[str, str]]

# Words that point back at something named earlier.
_POINTING = re.compile(
    r"\b(it|that|this|they|them|those|these|he|she|him|her|his|its|their|one|ones)\b",
    re.IGNORECASE,
)
_FOLLOW_UP = re.compile(
    r"^\s*(and|but|so|also|what about|how about|what else|why|how come|who was|who were|"
    r"what did (she|he|they|it)|tell me more|more about|same for|and what|what was|what were|"
    r"how many|did (she|he|they|it))\b"
    rf"|{_POINTING.pattern}",
    re.IGNORECASE,
)
TURNS = 3  # exchanges looked back over
FRAGMENT = 1  # content words of a question too short to stand alone ("any figures?")
MAX_SHORT = 6  # a question this short that points back ("and him?") is a follow-up
OWN_TOPIC = 3  # content words that give a follow-up a topic of its own
LEAD_WORDS = 25  # the previous answer's opening, where it names what it is about
MAX_NAMES = 4
# A run of capitalised words, joined by the small words names contain ("Parliamentary and
# Diplomatic Protection", "Office for Police Conduct").
_NAME = re.compile(
    r"\b[A-Z][\w'’-]*(?:\s+(?:(?:of|and|for|the)\s+)?[A-Z][\w'’-]*)*"
)


def leans_on_history(message: str) -> bool:
    """A question of a word or two ("any figures?"), or a short one that points back."""
    n = len(content_words(message))
    return n <= FRAGMENT or (n <= MAX_SHORT and bool(_FOLLOW_UP.search(message)))


def plain(reply: str) -> str:
    """An answer without its citation markers and context labels."""
    text = strip_markers(reply).replace(CONTEXT_LABEL, "").replace(CONTEXT_LABEL.strip(), "")
    return re.sub(r"\s+([.!?,;:])", r"\1", " ".join(text.split()))


def lead(reply: str) -> str:
    """The first words of an answer's first sentence, plain."""
    sentences = split_sentences(plain(reply))
    return " ".join(sentences[0].split()[:LEAD_WORDS]) if sentences else ""


def _opener(words: Sequence[str]) -> bool:
    """The first word of a sentence is no name: a stopword, or an ordinary word alone."""
    first = words[0].lower()
    return first in STOPWORDS or (len(words) == 1 and first in common_words())


def names(text: str) -> list[str]:
    """Names of people, bodies and reports in `text`: capitalised runs that are not only
    the review's own words ("Casey Review", "the Met"), nor a sentence's first word alone
    when that is an ordinary word ("According", "Speaking"; "Sarah Everard" stays)."""
    found: list[str] = []
    for sentence in split_sentences(text):
        for match in _NAME.finditer(sentence):
            words = match.group(0).split()
            if match.start() == 0 and _opener(words):
                words = words[1:]
            name = " ".join(words)
            if name and any(w.lower().strip("'’s") not in STOPWORDS for w in words):
                found.append(name)
    return found


def _topic_turns(questions: Sequence[str]) -> list[str]:
    """The earlier questions a follow-up leans on: from the newest back to the first that
    stands alone, oldest first."""
    chain: list[str] = []
    for question in reversed(questions):
        chain.insert(0, question)
        if not leans_on_history(question):
            break
    return chain


def _referents(questions: Sequence[str], replies: Sequence[str], already: str) -> list[str]:
    """What "he", "it" or "that" may stand for: names from the user's questions (newest
    first), then from the previous answer's opening, each once and not already in the
    query. The opening's other words, and older answers' names, were measured to add more
    noise than referents."""
    out: list[str] = []
    seen = already.lower()
    found = [n for q in reversed(questions) for n in names(q)]
    found += [n for reply in replies[-1:] for n in names(lead(reply))]
    for name in found:
        if name.lower() not in seen:
            out.append(name)
            seen += " " + name.lower()
    return out[:MAX_NAMES]


def contextualise(message: str, history: History) -> str:
    """The search query for `message`: the message alone when it stands alone; a follow-up
    with a topic of its own ("what did the government think about that idea?") joined to
    the previous question only, as more would pull retrieval back to what was already
    answered. A bare follow-up ("who was it addressed to?") is joined to the questions it
    leans on and to what its pronouns may name, and its own words count again (pointing
    words aside: "one" names nothing) so the context does not drown them."""
    window = list(history[-2 * TURNS :])
    questions = [text for role, text in window if role == "user"]
    if not questions or not leans_on_history(message):
        return message
    if len(content_words(message)) >= OWN_TOPIC:
        return f"{questions[-1]} {message}"
    chain = " ".join(_topic_turns(questions))
    replies = [text for role, text in window if role == "assistant"]
    referents = " ".join(_referents(questions, replies, chain))
    again = " ".join(_POINTING.sub(" ", message).split())
    return " ".join(part for part in (chain, referents, message, again) if part)


def other_reading(message: str, history: History) -> str | None:
    """The reading of `message` that contextualise did not choose, searched as well: a
    message read as standalone may still lean on the previous question ("what did the
    government say in response?"), and one read as a follow-up may start a new topic.
    None without an earlier question."""
    questions = [text for role, text in history[-2 * TURNS :] if role == "user"]
    if not questions:
        return None
    if contextualise(message, history) == message:
        return f"{questions[-1]} {message}"
    return message


def retrieval_query(message: str, history: History, speller: Speller | None = None) -> str:
    """What to search for: a follow-up joined to its context, spelling repaired, and a
    question about the whole review given the review's headline terms."""
    return searchable(contextualise(message, history), speller)


def searchable(query: str, speller: Speller | None) -> str:
    """A standalone query as search gets it: spelling repaired, and a question about the
    whole review given the review's headline terms."""
    if speller is not None:
        query = speller.correct(query)
    return expanded(query, speller)
