"""Citation checks: every sentence cited, every quote verbatim, every number supported."""

from __future__ import annotations

import re
from collections.abc import Mapping

from casebot.answer.extractive import citation_for
from casebot.answer.models import Citation, Draft
from casebot.index.models import Chunk
from casebot.text import content_words, numbers_in, split_sentences

_MARKER = re.compile(r"\s*\[(\d+)\]")
# Markers written after the closing punctuation: "... broken. [1]" or "... broken.[1]".
_TRAILING_MARKERS = re.compile(r"([.!?][\"'\u201d\u2019)]*)((?:\s*\[\d+\])+)")


def parse_marked(text: str) -> list[tuple[str, tuple[int, ...]]]:
    """Split model output into sentences and the [n] markers each one carries."""
    # A marker that follows the full stop belongs to the sentence before it: move it inside.
    text = _TRAILING_MARKERS.sub(r"\2\1", text)
    out = []
    for sentence in split_sentences(text):
        numbers = tuple(int(n) for n in _MARKER.findall(sentence))
        plain = _MARKER.sub("", sentence).strip()
        if plain:
            out.append((plain, numbers))
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


def verify(draft: Draft, chunks: Mapping[str, Chunk]) -> tuple[Draft, list[str]]:
    """Drop what cannot be checked; renumber what survives. Returns the draft and notes."""
    notes: list[str] = []
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
    kept: list[tuple[str, tuple[int, ...]]] = []
    for sentence, numbers in draft.sentences:
        valid = tuple(n for n in numbers if n in by_n)
        if not valid:
            notes.append("sentence without a valid citation dropped")
            continue
        cited = [chunks[by_n[n].chunk_id] for n in valid]
        if not number_supported(sentence, cited):
            notes.append("sentence with an unsupported number dropped")
            continue
        kept.append((sentence, valid))
    order: dict[int, int] = {}
    for _, numbers in kept:
        for n in numbers:
            order.setdefault(n, len(order) + 1)
    citations = tuple(Citation(**{**by_n[old].__dict__, "n": new}) for old, new in order.items())
    sentences = tuple((s, tuple(order[n] for n in ns)) for s, ns in kept)
    return Draft(sentences, citations), notes
