"""The safety assessor: level, categories and signposts for a message and its history.

Deterministic: phrase rules over normalised text, clause by clause, with negation, past
tense and reported or fictional framing; then an exemplar vote from the same embedding
the retriever uses. Urgent beats everything, and a doubt between urgent and sensitive on
danger or suicide resolves to urgent.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from casebot.safety import rules
from casebot.safety.catalog import Catalog
from casebot.safety.exemplars import ExemplarIndex, ExemplarVote
from casebot.safety.models import CATEGORIES, Level, SafetyAssessment, higher
from casebot.safety.normalise import clauses, normalise, strip_reported_quotes
from casebot.safety.responses import SafetyTexts
from casebot.safety.signposts import choose_signposts

HISTORY_TURNS = 3
EXEMPLAR_URGENT_MIN = 0.62
EXEMPLAR_MARGIN = 0.04


class SafetyAssessor(Protocol):
    """Decides the safety of a message before anything else happens."""

    def assess(
        self,
        message: str,
        history: Sequence[tuple[str, str]] = (),
        vector: np.ndarray[Any, Any] | None = None,
    ) -> SafetyAssessment: ...


@dataclass
class Reading:
    """What the rules found in one piece of text."""

    urgent: set[str] = field(default_factory=set)
    disclosed: set[str] = field(default_factory=set)
    markers: set[str] = field(default_factory=set)
    cues: set[str] = field(default_factory=set)
    refusal: str | None = None
    framed: bool = False
    negated: set[str] = field(default_factory=set)

    @property
    def level(self) -> Level:
        if self.urgent:
            return "urgent"
        return "sensitive" if self.disclosed else "none"


# What someone may need in order to use help at all, or who they are, heard in their words.
_CUES = (
    ("cannot_speak", rules.CANNOT_SPEAK),
    ("deaf", rules.DEAF),
    ("male_victim", rules.MALE_VICTIM),
    ("child_speaker", rules.CHILD_SPEAKER),
)
# The categories of danger now: a calming word about either takes the urgency off history.
_DANGER = frozenset({"immediate_danger", "suicide_self_harm"})


def read(text: str) -> Reading:
    reading = Reading()
    norm = strip_reported_quotes(normalise(text))
    reading.framed = bool(rules.FRAMING.search(norm))
    reading.refusal = next((k for k, p in rules.REFUSALS.items() if p.search(norm)), None)
    if rules.INJECTION.search(norm):
        reading.cues.add("injection")
    reading.cues |= {cue for cue, pattern in _CUES if pattern.search(norm)}
    for clause in clauses(norm) or [norm]:
        _read_clause(reading, clause)
    if reading.framed:
        # Study, fiction or quotation: only an unmistakable first-person crisis stays.
        reading.urgent = {
            c for c in reading.urgent if c == "suicide_self_harm" and _first_person_crisis(norm)
        }
        reading.disclosed = set()
    return reading


def _read_clause(reading: Reading, clause: str) -> None:
    """Add what one clause says; a negation only reaches the clause it stands in."""
    negated = {cat for cat, pat in rules.NEGATIONS.items() if pat.search(clause)}
    reading.negated |= negated
    past = bool(rules.PAST.search(clause))
    for rule in rules.URGENT:
        if rule.category in negated or not rule.pattern.search(clause):
            continue
        # Self-harm in the past tense is a history disclosed, not intent now.
        if rule.category == "suicide_self_harm" and past:
            reading.disclosed.add(rule.category)
        else:
            reading.urgent.add(rule.category)
    for rule in rules.DISCLOSURE:
        if rule.category not in negated and rule.pattern.search(clause):
            reading.disclosed.add(rule.category)
    reading.markers |= {rule.category for rule in rules.MARKERS if rule.pattern.search(clause)}


_FIRST_PERSON_CRISIS = re.compile(
    r"\b(i'm going to|i want to|i will|going to) (kill myself|end it|die)\b"
)


def _first_person_crisis(norm: str) -> bool:
    return bool(_FIRST_PERSON_CRISIS.search(norm))


@dataclass
class _Judgement:
    """The assessment taking shape: the message's own reading, then each signal's say."""

    level: Level
    categories: set[str]
    cues: set[str]


class RuleAssessor:
    """The shipped assessor: rules, exemplars, history and the services catalog."""

    def __init__(
        self, catalog: Catalog, texts: SafetyTexts, exemplars: ExemplarIndex | None = None
    ):
        self.catalog = catalog
        self.texts = texts
        self.exemplars = exemplars

    def assess(
        self,
        message: str,
        history: Sequence[tuple[str, str]] = (),
        vector: np.ndarray[Any, Any] | None = None,
    ) -> SafetyAssessment:
        now = read(message)
        judgement = _Judgement(now.level, now.urgent | now.disclosed, set(now.cues))
        if vector is not None and self.exemplars is not None and not now.framed:
            _exemplar_lift(judgement, self.exemplars.vote(vector), now)
        earlier = _earlier(history)
        _with_history(judgement, now, earlier, message)
        _settle(judgement, now, earlier)
        ordered = tuple(c for c in CATEGORIES if c in judgement.categories)
        level = judgement.level
        refusal = self.texts.refusal(now.refusal) if now.refusal else None
        if refusal and now.refusal == "self_harm_method":
            # Asking how to end one's life is a crisis as well as a request to refuse.
            level = "urgent"
            ordered = tuple(dict.fromkeys(("suicide_self_harm", *ordered)))
        cues = frozenset(judgement.cues)
        return SafetyAssessment(
            level=level,
            categories=ordered,
            signposts=choose_signposts(self.catalog, level, ordered, cues, message),
            message=self.texts.lead_in(level, ordered, cues),
            refusal=refusal,
            cues=cues,
        )


def _exemplar_lift(judgement: _Judgement, vote: ExemplarVote, now: Reading) -> None:
    """A paraphrase of an urgent exemplar, closer to it than to any calm one, is urgent."""
    if (
        vote.level == "urgent"
        and vote.category not in now.negated
        and vote.similarity >= EXEMPLAR_URGENT_MIN
        and vote.margin >= EXEMPLAR_MARGIN
    ):
        judgement.level = "urgent"
        judgement.categories.add(vote.category or "immediate_danger")
        judgement.cues.add("exemplar")


def _earlier(history: Sequence[tuple[str, str]]) -> list[Reading]:
    """Readings of the last few things the person said."""
    said = [read(text) for role, text in history[-2 * HISTORY_TURNS :] if role == "user"]
    return said[-HISTORY_TURNS:]


def _with_history(
    judgement: _Judgement, now: Reading, earlier: Sequence[Reading], message: str
) -> None:
    """Earlier disclosures carry over; a short escalation after a threat is urgent."""
    calmed = bool(now.negated & _DANGER)
    for past in earlier:
        judgement.categories |= past.disclosed | past.urgent
        judgement.level = higher(judgement.level, "sensitive" if past.level != "none" else "none")
        judgement.cues |= past.cues - {"injection"}
        if past.level == "urgent" and not calmed:
            judgement.level = "urgent"
    if not earlier or calmed or not rules.ESCALATION.search(normalise(message)):
        return
    past_categories = set().union(*(p.urgent | p.disclosed for p in earlier))
    if past_categories:
        judgement.level = "urgent"
        if "suicide_self_harm" in past_categories:
            judgement.categories.add("suicide_self_harm")
        if past_categories - {"suicide_self_harm"}:
            judgement.categories.add("immediate_danger")


def _settle(judgement: _Judgement, now: Reading, earlier: Sequence[Reading]) -> None:
    """Markers colour established harm; urgency always names a danger; none means none."""
    if judgement.level != "none":
        judgement.categories |= now.markers
        for past in earlier:
            judgement.categories |= past.markers
    if judgement.level == "urgent" and not judgement.categories & _DANGER:
        judgement.categories.add("immediate_danger")
    if judgement.level == "sensitive" and not judgement.categories:
        judgement.level = "none"
    if judgement.level == "none":
        judgement.categories = set()
