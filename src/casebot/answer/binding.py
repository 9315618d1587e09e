"""Which subject a figure belongs to: the words beside it in its own clause.

A model can copy two figures exactly and still swap them between two groups ("13 faced
allegations, 1,809 were dismissed"). Each figure is judged by the content words next to it:
those of the answer sentence must meet some beside the same figure in the quote, and two
figures must not each meet more of the other's words than of their own.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from itertools import combinations

from casebot.text import numbers_in, split_sentences, tokenize, words

# A clause ends at these: the words across a comma or a bracket seldom describe the figure
# (a comma inside a figure, "1,809", is no clause's end).
_CLAUSE = re.compile(r"[,;:](?=\s)|[()\u2013\u2014]|\s-\s")


def contexts(text: str, window: int) -> dict[str, set[str]]:
    """Each figure of the text with the content words (stemmed) beside it: at most `window`
    on each side, in its own clause, and nearer to it than to another figure there."""
    out: dict[str, set[str]] = {}
    for sentence in split_sentences(text):
        for clause in _CLAUSE.split(sentence):
            for figure, near in _clause_contexts(clause, window):
                out.setdefault(figure, set()).update(near)
    return out


def _clause_contexts(clause: str, window: int) -> list[tuple[str, set[str]]]:
    tokens = words(clause)
    figures = [(i, value) for i, token in enumerate(tokens) for value in numbers_in(token)]
    content = [(i, stems[0]) for i, token in enumerate(tokens) if (stems := tokenize(token))]
    content = [(i, stem) for i, stem in content if not numbers_in(tokens[i])]
    found = []
    for at, figure in figures:
        others = [i for i, _ in figures if i != at]
        mine = [
            (i, stem)
            for i, stem in content
            if all(abs(i - at) <= abs(i - other) for other in others)
        ]
        left = [stem for i, stem in mine if i < at][-window:]
        right = [stem for i, stem in mine if i > at][:window]
        found.append((figure, {*left, *right}))
    return found


def unbound(sentence: str, quotes: Iterable[str], window: int) -> list[str]:
    """The sentence's figures not bound to the subject their quote gives them: beside none
    of the words the quote puts beside them, or, of two figures, each beside more of the
    other's words in the quote than of its own (swapped)."""
    quoted: dict[str, set[str]] = {}
    for quote in quotes:
        for figure, near in contexts(quote, window).items():
            quoted.setdefault(figure, set()).update(near)
    # A figure with nothing beside it, or one the quotes lack (the quote check judges it),
    # gives no evidence either way.
    mine = {f: near for f, near in contexts(sentence, window).items() if near and f in quoted}
    loose = {f for f, near in mine.items() if not near & quoted[f]}
    for f, g in combinations(mine, 2):
        straight = len(mine[f] & quoted[f]) + len(mine[g] & quoted[g])
        swapped = len(mine[f] & quoted[g]) + len(mine[g] & quoted[f])
        if swapped > straight:
            loose |= {f, g}
    return sorted(loose)
