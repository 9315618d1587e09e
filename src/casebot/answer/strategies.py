"""Composition strategies: how an answer is built for each kind of question.

A question's type (answer/qtype.py) chooses one Strategy: which passages retrieval favours
and which sentences the composer favours. Each weight has a reason:

- overview: the review's findings in brief (knowledge/overview) are ranked among the
  hits, their sentences favoured, and the closest brief leads the answer (a question
  about the review as a whole is answered by its summary first, then the detail); the
  answer has more room, as the whole is several findings;
- number: the sentence that holds a figure is the answer; the claim around it is not;
- when: the sentence that carries the date;
- why_how: sentences that give causes ("because", "led to", "as a result");
- list_compare: several passages, each side the question names covered, less of any one,
  and more room (a list or two sides need more sentences than one fact);
- attribution ("did Casey say/find"): as the default (her quoted words live in context
  pages as well as the report's);
- support: support guidance first.

The numbers live in one table (STRATEGIES) and were tuned on the dev split only.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import numpy as np

from casebot.index.models import Chunk
from casebot.index.version import LoadedIndex
from casebot.retrieval.hybrid import Steering, Vector
from casebot.text import STOPWORDS

_NO_KINDS: Mapping[str, float] = MappingProxyType({})


@dataclass(frozen=True)
class Strategy:
    """One question type's weights. Defaults leave plain retrieval and composition alone."""

    name: str = "default"
    # Retrieval: a factor on a chunk's fused score by its kind, and a kind whose chunks
    # are ranked by similarity as one more list for fusion (so they are among the hits).
    kind_factor: Mapping[str, float] = field(default_factory=lambda: _NO_KINDS)
    ranked_kind: str | None = None
    # Composition: a bonus on a sentence's score.
    kind_bonus: Mapping[str, float] = field(default_factory=lambda: _NO_KINDS)
    figure: float = 0.0  # the sentence holds a figure
    date: float = 0.0  # the sentence carries a date
    cause: float = 0.0  # the sentence gives a cause or a mechanism
    neighbour: float = 0.3  # the sentence next to a chosen one (its detail, its figure)
    diversity: float = 0.0  # penalty x similarity to the closest chosen sentence
    sides: float = 0.0  # the sentence names a side of a comparison not yet covered
    # The closest chunk of `ranked_kind` leads the answer, after any the inner steering pins.
    lead_ranked: bool = False
    # A factor on the answer's word and sentence budgets.
    room: float = 1.0


def _kinds(**values: float) -> Mapping[str, float]:
    return MappingProxyType(dict(values))


# Room for a question whose answer is several things (an overview, a list, a comparison):
# measured on dev, a third more words and sentences raised list_compare key facts from 0.70
# to 0.77 and left overview (0.62) and every other type where they were.
BREADTH = 4 / 3
DEFAULT = Strategy()
STRATEGIES: Mapping[str, Strategy] = MappingProxyType(
    {
        "overview": Strategy(
            "overview",
            # No lift in fusion beyond the overview ranking: measured on dev once the
            # overview layer existed, a lift of 1.2 or 1.6 let briefs crowd the detail out
            # of topic questions typed as overviews (evidence recall 0.848 and 0.823
            # against 0.872) for no more key facts overall (0.764, 0.765 against 0.766).
            kind_factor=_kinds(context=0.8),
            ranked_kind="overview",
            kind_bonus=_kinds(overview=0.08),
            lead_ranked=True,
            room=BREADTH,
        ),
        "number": Strategy("number", figure=0.1),
        "when": Strategy("when", date=0.1),
        "why_how": Strategy("why_how", cause=0.06),
        "list_compare": Strategy(
            "list_compare", diversity=0.2, neighbour=0.05, sides=0.1, room=BREADTH
        ),
        # Casey's own words at the press briefing and on air sit in context pages, so an
        # attribution question is not steered away from them (measured: it cost facts).
        "attribution": Strategy("attribution"),
        "who_what": Strategy("who_what"),
        "support": Strategy("support", kind_factor=_kinds(support=1.3)),
    }
)


def strategy_for(question_type: str | None) -> Strategy:
    return STRATEGIES.get(question_type or "", DEFAULT)


_DATE = re.compile(
    r"\b(19|20)\d\d\b|\b(January|February|March|April|May|June|July|August|September|"
    r"October|November|December)\b"
)
_FIGURE = re.compile(r"\d")
# Causal connectives: how English marks a reason or a mechanism, whatever the subject.
_CAUSE = re.compile(
    r"\b(because|since|due to|owing to|led to|leads? to|leading to|result(ed|s)? in|"
    r"as a result|caus(e|ed|es|ing)|so that|which meant|meaning that|driven by|"
    r"reason|why|allowed|enabl\w+|fail(ed|s|ing)? to)\b",
    re.IGNORECASE,
)


def sentence_bonus(strategy: Strategy, sentence: str, kind: str) -> float:
    """What this strategy adds to a sentence's score for what the sentence holds."""
    bonus = strategy.kind_bonus.get(kind, 0.0)
    if strategy.figure and _FIGURE.search(sentence):
        bonus += strategy.figure
    if strategy.date and _DATE.search(sentence):
        bonus += strategy.date
    if strategy.cause and _CAUSE.search(sentence):
        bonus += strategy.cause
    return bonus


_NAME = re.compile(r"\b[A-Z][a-zA-Z'’-]+(?:\s+[A-Z][a-zA-Z'’-]+)*")
# Function words (a capitalised question opener) and the review's own names are not sides.
_NOT_SIDES = STOPWORDS | {"casey", "baroness", "review", "report", "met", "metropolitan"}


def sides(question: str) -> tuple[str, ...]:
    """The names a comparison sets side by side ("Rowley vs Khan"): capitalised names in
    the question, lower-cased, without the review's own name or question words."""
    found: list[str] = []
    for match in _NAME.finditer(question):
        words = [w for w in match.group(0).lower().split() if w not in _NOT_SIDES]
        if words and words[-1] not in found:
            found.append(words[-1])
    return tuple(found) if len(found) >= 2 else ()


@dataclass(frozen=True)
class Steered:
    """A Steering with the question type's preferences layered on another steering (the
    disclosure's guidance): kind factors, one more ranking, and the closest chunk of that
    ranking to lead; the inner steering's pins still come first."""

    inner: Steering
    strategy: Strategy
    index: LoadedIndex

    def rankings(self, query_vector: Vector, n: int) -> list[list[str]]:
        extra = self.inner.rankings(query_vector, n)
        kind = self.strategy.ranked_kind
        if kind is None:
            return extra
        return [*extra, kind_ranking(self.index, query_vector, kind, n)]

    def boost(self, chunk: Chunk) -> float:
        return self.inner.boost(chunk) * self.strategy.kind_factor.get(chunk.kind, 1.0)

    def pins(self, ranked: Sequence[str], extra: Sequence[list[str]]) -> list[str]:
        inner = self.inner.pins(ranked, extra)
        if not self.strategy.lead_ranked or self.strategy.ranked_kind is None or not extra:
            return inner
        # rankings() put this strategy's ranking last.
        closest = next((cid for cid in extra[-1] if cid not in inner), None)
        return inner if closest is None else [*inner, closest]


def kind_ranking(index: LoadedIndex, query_vector: Vector, kind: str, n: int) -> list[str]:
    """Chunks of one kind by similarity to the query."""
    rows = [i for i, chunk in enumerate(index.chunks) if chunk.kind == kind]
    if not rows:
        return []
    sims: np.ndarray[Any, Any] = index.vectors[rows] @ query_vector
    order = np.lexsort((index.id_rank[rows], -sims))[:n]
    return [index.chunks[rows[int(i)]].chunk_id for i in order]
