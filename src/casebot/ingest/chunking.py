"""Heading-aware chunking measured in tokens.

A chunk never crosses a section or a page, so its citation (section, page) is exact. The
token budget keeps title + section + text under MiniLM's 256 word-piece window.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from casebot.index.models import Block, Chunk, Document
from casebot.text import is_meta, split_sentences
from casebot.tokens import count_tokens


@dataclass(frozen=True)
class ChunkParams:
    tokens: int  # the budget of one chunk, title and section included
    overlap_sentences: int  # sentences a chunk repeats from the one before it


def _chunk_id(doc_id: str, ordinal: int, text: str) -> str:
    digest = hashlib.sha1(text.encode("utf-8")).hexdigest()[:8]
    return f"{doc_id}#{ordinal:03d}-{digest}"


def _groups(blocks: Iterable[Block]) -> list[list[Block]]:
    """Consecutive blocks that share a section, a page and whom they serve."""
    groups: list[list[Block]] = []
    for block in blocks:
        if groups and _place(groups[-1][0]) == _place(block):
            groups[-1].append(block)
        else:
            groups.append([block])
    return groups


def _place(block: Block) -> tuple[object, ...]:
    return (block.section, block.page, block.serves)


def _pack(
    sentences: list[str], budget: int, overlap: int, count: Callable[[str], int]
) -> list[list[str]]:
    """Greedy packing of sentences into windows of at most `budget` tokens."""
    windows: list[list[str]] = []
    current: list[str] = []
    size = 0
    for sentence in sentences:
        n = count(sentence)
        if current and size + n > budget:
            windows.append(current)
            carry = current[-overlap:] if overlap else []
            if sum(count(s) for s in carry) + n > budget:
                carry = []
            current, size = list(carry), sum(count(s) for s in carry)
        current.append(sentence)
        size += n
    if current:
        windows.append(current)
    return windows


def chunk_document(
    doc: Document, params: ChunkParams, count: Callable[[str], int] = count_tokens
) -> list[Chunk]:
    head_cost = count(doc.title) + 4
    chunks: list[Chunk] = []
    for group in _groups(doc.blocks):
        section = " > ".join(group[0].section) or None
        room = max(40, params.tokens - head_cost - (count(section) if section else 0))
        sentences = [s for block in group for s in _split_long(block.text, room, count)]
        for window in _pack(sentences, room, params.overlap_sentences, count):
            text = " ".join(window)
            chunks.append(
                Chunk(
                    chunk_id=_chunk_id(doc.doc_id, len(chunks), text),
                    doc_id=doc.doc_id,
                    path=doc.path,
                    title=doc.title,
                    kind=doc.kind,
                    text=text,
                    section=section,
                    page=group[0].page,
                    url=doc.url,
                    source=doc.source,
                    sentences=tuple(window),
                    serves=tuple(dict.fromkeys(doc.serves + group[0].serves)),
                )
            )
    return chunks


def _split_long(text: str, room: int, count: Callable[[str], int]) -> list[str]:
    """Sentences of a block; a single over-long sentence is cut at word boundaries."""
    out: list[str] = []
    for sentence in split_sentences(text):
        if is_meta(sentence):
            continue
        if count(sentence) <= room:
            out.append(sentence)
            continue
        piece: list[str] = []
        for word in sentence.split(" "):
            if piece and count(" ".join([*piece, word])) > room:
                out.append(" ".join(piece))
                piece = []
            piece.append(word)
        if piece:
            out.append(" ".join(piece))
    return out
