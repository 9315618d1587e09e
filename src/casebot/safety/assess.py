"""The safety assessment: level, categories, needs and signposts for a message and its history.

Scanning (the rules) and scoring (the classifier) read the message; the decision is:

1. A message casebot cannot read (not English) gets the 999 lead-in with a check-in and
   one plain line saying casebot reads English.
2. Urgent when an urgent rule fires (the floor) or the urgent score reaches its threshold;
   urgent with a check-in (999 first and "are you safe right now?") when the score sits
   between the check-in and urgent thresholds, so doubt always shows 999.
3. Sensitive when a disclosure rule fires or the sensitive score reaches its threshold.
4. Categories and needs from their scores and the rules; a harmful request is refused.

The message scores the maximum over its whole and its sentences; each of the last three
user turns counts with decay, so risk that builds up is caught and an old disclosure
fades. All texts the classifier needs are embedded in one batch (`texts`), whose first row
is the message itself: retrieval reuses it as its query vector.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from casebot.safety.catalog import Catalog
from casebot.safety.models import CATEGORIES, NEEDS, Level, SafetyAssessment, Trace
from casebot.safety.normalise import minimal, sentences
from casebot.safety.responses import SafetyTexts
from casebot.safety.routing import route
from casebot.safety.scanning import Hits, Rules, reads_as_english
from casebot.safety.scoring import Model, Scores, Thresholds, combine, ngrams

HISTORY_TURNS = 3
Vectors = np.ndarray[Any, Any]
_DANGER = ("immediate_danger", "suicide_self_harm")


class SafetyAssessor(Protocol):
    """Decides the safety of a message before anything else happens."""

    def texts(self, message: str, history: Sequence[tuple[str, str]] = ()) -> list[str]: ...

    def assess(
        self,
        message: str,
        history: Sequence[tuple[str, str]] = (),
        vectors: Vectors | None = None,
    ) -> SafetyAssessment: ...


@dataclass(frozen=True)
class Units:
    """The texts a message is scored by: its whole and sentences, then earlier user turns
    (most recent first), then the last user turn and the message read together."""

    own: tuple[str, ...]
    earlier: tuple[str, ...]
    joint: str | None
    # The message with its text-speak, euphemisms and disguises spelled out, when
    # normalisation changed more than case and spacing: the rules and n-grams read that
    # form, and the embedding model must too ("kms" means nothing to MiniLM).
    spelled: str | None = None

    @property
    def all(self) -> list[str]:
        spelled = [self.spelled] if self.spelled else []
        return [*self.own, *spelled, *self.earlier, *([self.joint] if self.joint else [])]


def units(
    message: str, history: Sequence[tuple[str, str]] = (), normalised: str | None = None
) -> Units:
    parts = sentences(message)
    own = (message, *parts) if len(parts) > 1 else (message,)
    said = [text for role, text in history if role == "user"][-HISTORY_TURNS:]
    earlier = tuple(reversed(said))
    joint = f"{earlier[0]}\n{message}" if earlier else None
    spelled = normalised if normalised is not None and normalised != minimal(message) else None
    return Units(own, earlier, joint, spelled)


@dataclass
class Reading:
    """What the rules and the classifier made of a message: the input to the decision."""

    hits: Hits
    scores: Scores | None
    english: bool
    variant: str  # "full" (with embeddings), "text" (without), "rules" (no model)
    history_hits: list[Hits] = field(default_factory=list)


class Assessor:
    """The shipped assessor: rules as a floor, the classifier as the main signal, routing
    over the catalog."""

    def __init__(
        self,
        catalog: Catalog,
        texts: SafetyTexts,
        rules: Rules,
        model: Model | None = None,
        embeddings: bool = True,
    ) -> None:
        self.catalog = catalog
        self.safety_texts = texts
        self.rules = rules
        self.model = model
        # The classifier reads embeddings only from the model it was trained with; with
        # another embedder (or none) it scores the text alone.
        self.embeddings = embeddings and model is not None

    def texts(self, message: str, history: Sequence[tuple[str, str]] = ()) -> list[str]:
        """What to embed, in one batch: its first row is the message (the query vector)."""
        return self._units(message, history).all if self.embeddings else [message]

    def _units(self, message: str, history: Sequence[tuple[str, str]]) -> Units:
        return units(message, history, self.rules.normalise(message))

    def read(
        self,
        message: str,
        history: Sequence[tuple[str, str]] = (),
        vectors: Vectors | None = None,
        decay: float | None = None,
    ) -> Reading:
        u = self._units(message, history)
        hits = self.rules.scan(message)
        english = reads_as_english(message)
        if self.model is None:
            return Reading(hits, None, english, "rules")
        if not self.embeddings or (vectors is not None and len(vectors) != len(u.all)):
            vectors = None  # not the batch `texts` asked for: score without embeddings
        variant = "full" if vectors is not None else "text"
        thresholds = self.model.thresholds[variant]
        decay = thresholds.history_decay if decay is None else decay
        scores = self._scores(u, hits, vectors, decay)
        return Reading(hits, scores, english, variant)

    def _scores(
        self, u: Units, hits: Hits, vectors: Vectors | None, decay: float
    ) -> Scores:
        assert self.model is not None
        texts = u.all
        norms = [self.rules.normalise(t) for t in texts]
        fired = [hits.fired] + [self.rules.scan(n, normalised=True).fired for n in norms[1:]]
        grams: list[Counter[str]] = [ngrams(n) for n in norms]
        probs = self.model.unit_probabilities(grams, fired, vectors)
        variant = "full" if vectors is not None else "text"
        n_own = len(u.own)
        now = self.model.combine(probs[:n_own], variant)
        if u.spelled:
            # The spelled-out message is the same message read plainly: either reading counts
            # for the level, categories and needs (the harmful head reads the message as written).
            now = _carry(now, [self.model.combine(probs[n_own : n_own + 1], variant)], [1.0])
            n_own += 1
        weights = [decay ** (k + 1) for k in range(len(u.earlier))]
        if u.joint is not None:
            weights.append(decay)
        earlier = [combine(probs[n_own + i : n_own + i + 1]) for i in range(len(weights))]
        return _carry(now, earlier, weights)

    def assess(
        self,
        message: str,
        history: Sequence[tuple[str, str]] = (),
        vectors: Vectors | None = None,
    ) -> SafetyAssessment:
        return self.decide(self.read(message, history, vectors))

    def decide(self, reading: Reading, thresholds: Thresholds | None = None) -> SafetyAssessment:
        hits = reading.hits
        if not reading.english:
            return self._unreadable(reading)
        if thresholds is None and self.model is not None and reading.scores is not None:
            thresholds = self.model.thresholds[reading.variant]
        level, check_in = _level(hits, reading.scores, thresholds)
        categories = _categories(level, hits, reading.scores, thresholds)
        leading = _leading(categories, hits, reading.scores, thresholds)
        needs = _needs(level, hits, reading.scores, thresholds)
        refusal_kind = _refusal(hits, reading.scores, thresholds)
        if refusal_kind == "self_harm_method":
            # Asking how to end one's life is a crisis as well as a request to refuse.
            level, check_in = "urgent", False
            categories = tuple(dict.fromkeys(("suicide_self_harm", *categories)))
        cues = frozenset(needs) | ({"injection"} if hits.injection else set())
        ordered = tuple(c for c in CATEGORIES if c in categories)
        return SafetyAssessment(
            level=level,
            categories=ordered,
            signposts=route(self.catalog, level, ordered, needs, _question(level, reading)),
            message=self.safety_texts.lead_in(level, ordered, cues, check_in),
            refusal=self.safety_texts.refusal(refusal_kind) if refusal_kind else None,
            cues=cues,
            check_in=check_in,
            trace=_trace(reading),
            leading=tuple(c for c in ordered if c in leading),
        )

    def _unreadable(self, reading: Reading) -> SafetyAssessment:
        """Not English: 999 first, a check-in, and one line saying casebot reads English."""
        needs: tuple[str, ...] = ()
        return SafetyAssessment(
            level="urgent",
            categories=(),
            signposts=route(self.catalog, "urgent", (), needs),
            message=self.safety_texts.unreadable(),
            cues=frozenset(),
            check_in=True,
            trace=_trace(reading),
        )


def _question(level: Level, reading: Reading) -> str:
    return reading.hits.normalised if level == "none" else ""


def _carry(now: Scores, earlier: Sequence[Scores], weights: Sequence[float]) -> Scores:
    """The message's scores, raised by earlier turns' scores with their odds multiplied by
    the decay once per turn back: a clear danger one turn ago still counts, a disclosure
    three turns back only colours the reply."""
    urgent, sensitive = now.urgent, now.at_least_sensitive
    categories = dict(now.categories)
    needs = dict(now.needs)
    for past, w in zip(earlier, weights, strict=True):
        urgent = max(urgent, _decayed(past.urgent, w))
        sensitive = max(sensitive, _decayed(past.at_least_sensitive, w))
        for c, p in past.categories.items():
            categories[c] = max(categories[c], _decayed(p, w))
        for n, p in past.needs.items():
            needs[n] = max(needs[n], _decayed(p, w))
    return Scores(urgent, sensitive, categories, needs, now.harmful, now.harm_kind)


# An earlier turn is never read as certain: decay scales its odds, and a probability of 1
# (or one rounding to it, as an overconfident model gives) has odds no factor brings down,
# so one danger message would keep every later question urgent for the whole window.
SUREST_EARLIER = 0.999


def _decayed(p: float, factor: float) -> float:
    p = min(p, SUREST_EARLIER)
    odds = p * factor
    return odds / (odds + (1.0 - p)) if odds + (1.0 - p) > 0 else 0.0


def _level(
    hits: Hits, scores: Scores | None, t: Thresholds | None
) -> tuple[Level, bool]:
    if hits.urgent:
        return "urgent", False
    if scores is not None and t is not None:
        if scores.urgent >= t.urgent:
            return "urgent", False
        if scores.urgent >= t.check_in:
            return "urgent", True
        if scores.at_least_sensitive >= t.sensitive:
            return "sensitive", False
    return ("sensitive" if hits.disclosed else "none"), False


def _categories(
    level: Level, hits: Hits, scores: Scores | None, t: Thresholds | None
) -> tuple[str, ...]:
    if level == "none":
        return ()
    found = set(hits.urgent | hits.disclosed | hits.markers)
    if scores is not None and t is not None:
        scored = sorted(
            (c for c, p in scores.categories.items() if p >= t.category),
            key=lambda c: -scores.categories[c],
        )
        found |= set(scored[: t.max_categories] if t.max_categories else scored)
        best = max(scores.categories, key=lambda c: scores.categories[c])
        if not found:
            found.add(best)  # a disclosure always names what it is about
        if level == "urgent" and not found & set(_DANGER):
            found.add(max(_DANGER, key=lambda c: scores.categories[c]))
    elif level == "urgent" and not found & set(_DANGER):
        found.add("immediate_danger")
    return tuple(c for c in CATEGORIES if c in found)


def _leading(
    categories: Sequence[str], hits: Hits, scores: Scores | None, t: Thresholds | None
) -> set[str]:
    """The categories sure enough to choose the guidance that leads the answer: routing
    casts a wider net (a missed line costs more than an extra one), guidance does not."""
    if scores is None or t is None or not categories:
        return set(categories)
    sure = {c for c in categories if scores.categories[c] >= t.category_lead}
    sure |= set(hits.urgent | hits.disclosed) & set(categories)
    return sure or {max(categories, key=lambda c: scores.categories[c])}


def _needs(
    level: Level, hits: Hits, scores: Scores | None, t: Thresholds | None
) -> tuple[str, ...]:
    found = set(hits.needs)
    if scores is not None and t is not None and level != "none":
        found |= {n for n, p in scores.needs.items() if p >= t.need}
    return tuple(n for n in NEEDS if n in found)


def _refusal(hits: Hits, scores: Scores | None, t: Thresholds | None) -> str | None:
    if hits.refusal:
        return hits.refusal
    if scores is not None and t is not None and t.refuses(scores.harmful, scores.harm_kind):
        return scores.harm_kind
    return None


def _trace(reading: Reading) -> Trace:
    return Trace(
        rules=tuple(reading.hits.fired),
        scores=reading.scores.items() if reading.scores is not None else (),
        english=reading.english,
        variant=reading.variant,
    )
