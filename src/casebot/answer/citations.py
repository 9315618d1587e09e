"""Citation checks: every sentence cited, every quote verbatim, every number supported."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

from casebot.answer.claims import unsupported
from casebot.answer.models import Citation, Draft, Sentence, citation_for
from casebot.index.models import Chunk
from casebot.text import content_words, numbers_in, split_sentences, tokenize

# A model may group its markers ("[1, 2]", "[1,2]") as well as write them apart ("[1][2]").
_GROUP = r"\[\s*(\d+(?:\s*,\s*\d+)*)\s*\]"
_SPACED_MARKER = re.compile(r"\s*" + _GROUP)
# Markers written after the closing punctuation: "... broken. [1]" or "... broken.[1]".
_TRAILING_MARKERS = re.compile(r"([.!?][\"'\u201d\u2019)]*)((?:\s*" + _GROUP + ")+)")


def _never(_: str) -> bool:
    return False


def parse_marked(text: str) -> list[Sentence]:
    """Split model output into sentences and the [n] markers each one carries."""
    # A marker that follows the full stop belongs to the sentence before it: move it inside.
    text = _TRAILING_MARKERS.sub(r"\2\1", text)
    out = []
    for sentence in split_sentences(text):
        groups = _SPACED_MARKER.findall(sentence)
        numbers = tuple(dict.fromkeys(int(n) for g in groups for n in g.split(",")))
        plain = _SPACED_MARKER.sub("", sentence).strip()
        if plain:
            out.append(Sentence(plain, numbers))
    return out


def number_supported(sentence: str, chunks: list[Chunk]) -> bool:
    available = {n for chunk in chunks for n in numbers_in(chunk.text)}
    return all(n in available for n in numbers_in(sentence))


def best_quote(sentence: str, chunk: Chunk) -> str:
    """The chunk sentence sharing most words with an answer sentence (verbatim by construction)."""
    words = set(content_words(sentence))
    return max(
        chunk.sentences, key=lambda s: len(words & set(content_words(s))), default=chunk.text
    )


def requote(
    sentence: str, chunk: Chunk, max_run: int, instructs: Callable[[str], bool] = _never
) -> str | None:
    """The chunk's sentence, or run of up to `max_run` adjacent sentences, that holds most
    of what an answer sentence says: its figures and names first, then its content words;
    of equals, the shortest. Verbatim in the chunk by construction. A sentence that
    `instructs` (text addressed to casebot, not a statement) is never part of a quote: a
    reply that obeyed it is not supported by it. None when nothing can be quoted."""
    terms = set(tokenize(sentence))
    best: tuple[tuple[int, int, int], str] | None = None
    for start in range(len(chunk.sentences)):
        for end in range(start + 1, min(start + max_run, len(chunk.sentences)) + 1):
            if instructs(chunk.sentences[end - 1]):
                break
            quote = " ".join(chunk.sentences[start:end])
            if quote not in chunk.text:
                break
            score = (
                -len(unsupported(sentence, [quote])),
                len(terms & set(tokenize(quote))),
                start - end,
            )
            if best is None or score > best[0]:
                best = (score, quote)
    return best[1] if best else None


def verify(draft: Draft, chunks: Mapping[str, Chunk]) -> tuple[Draft, list[str]]:
    """Drop what cannot be checked; renumber what survives. Returns the draft and notes."""
    notes: list[str] = []
    by_n = _checked_citations(draft, chunks, notes)
    kept: list[Sentence] = []
    for sentence in draft.sentences:
        valid = tuple(n for n in sentence.refs if n in by_n)
        if not valid:
            notes.append("sentence without a valid citation dropped")
            continue
        cited = [chunks[by_n[n].chunk_id] for n in valid]
        if not number_supported(sentence.text, cited):
            notes.append("sentence with an unsupported number dropped")
            continue
        kept.append(Sentence(sentence.text, valid))
    order: dict[int, int] = {}
    for sentence in kept:
        for n in sentence.refs:
            order.setdefault(n, len(order) + 1)
    citations = tuple(Citation(**{**by_n[old].__dict__, "n": new}) for old, new in order.items())
    sentences = tuple(Sentence(s.text, tuple(order[n] for n in s.refs)) for s in kept)
    return Draft(sentences, citations), notes


def _checked_citations(
    draft: Draft, chunks: Mapping[str, Chunk], notes: list[str]
) -> dict[int, Citation]:
    """The citations whose chunk exists, each with a quote verbatim in it, by number."""
    by_n: dict[int, Citation] = {}
    for citation in draft.citations:
        chunk = chunks.get(citation.chunk_id)
        if chunk is None:
            notes.append(f"citation {citation.n}: unknown chunk")
            continue
        if citation.quote not in chunk.text:
            notes.append(f"citation {citation.n}: quote not verbatim, replaced")
            citation = citation_for(chunk, citation.n, best_quote(citation.quote, chunk))
        by_n[citation.n] = citation
    return by_n
