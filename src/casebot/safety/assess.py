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
from casebot.safety.exemplars import ExemplarIndex
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


def read(text: str) -> Reading:
    reading = Reading()
    norm = strip_reported_quotes(normalise(text))
    reading.framed = bool(rules.FRAMING.search(norm))
    for name, pattern in rules.REFUSALS.items():
        if pattern.search(norm):
            reading.refusal = name
            break
    if rules.INJECTION.search(norm):
        reading.cues.add("injection")
    for cue, pattern in (
        ("cannot_speak", rules.CANNOT_SPEAK),
        ("deaf", rules.DEAF),
        ("male_victim", rules.MALE_VICTIM),
        ("child_speaker", rules.CHILD_SPEAKER),
    ):
        if pattern.search(norm):
            reading.cues.add(cue)
    for clause in clauses(norm) or [norm]:
        negated = {cat for cat, pat in rules.NEGATIONS.items() if pat.search(clause)}
        reading.negated |= negated
        past = bool(rules.PAST.search(clause))
        for rule in rules.URGENT:
            if rule.category in negated or not rule.pattern.search(clause):
                continue
            if rule.category == "suicide_self_harm" and past:
                reading.disclosed.add(rule.category)
            else:
                reading.urgent.add(rule.category)
        for rule in rules.DISCLOSURE:
            if rule.category not in negated and rule.pattern.search(clause):
                reading.disclosed.add(rule.category)
        for rule in rules.MARKERS:
            if rule.pattern.search(clause):
                reading.markers.add(rule.category)
    if reading.framed:
        # Study, fiction or quotation: only an unmistakable first-person crisis stays.
        reading.urgent = {
            c for c in reading.urgent if c == "suicide_self_harm" and _first_person_crisis(norm)
        }
        reading.disclosed = set()
    return reading


_FIRST_PERSON_CRISIS = re.compile(
    r"\b(i'm going to|i want to|i will|going to) (kill myself|end it|die)\b"
)


def _first_person_crisis(norm: str) -> bool:
    return bool(_FIRST_PERSON_CRISIS.search(norm))


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
        level: Level = now.level
        categories = set(now.urgent | now.disclosed)
        cues = set(now.cues)

        if vector is not None and self.exemplars is not None and not now.framed:
            vote = self.exemplars.vote(vector)
            blocked = vote.category in now.negated
            if (
                vote.level == "urgent"
                and not blocked
                and vote.similarity >= EXEMPLAR_URGENT_MIN
                and vote.margin >= EXEMPLAR_MARGIN
            ):
                level = "urgent"
                categories.add(vote.category or "immediate_danger")
                cues.add("exemplar")

        earlier = [read(text) for role, text in history[-2 * HISTORY_TURNS :] if role == "user"]
        earlier = earlier[-HISTORY_TURNS:]
        calmed = bool(now.negated & {"immediate_danger", "suicide_self_harm"})
        for past in earlier:
            categories |= past.disclosed | past.urgent
            level = higher(level, "sensitive" if past.level != "none" else "none")
            cues |= past.cues - {"injection"}
            if past.level == "urgent" and not calmed:
                level = "urgent"
        if earlier and not calmed and rules.ESCALATION.search(normalise(message)):
            past_cats = set().union(*(p.urgent | p.disclosed for p in earlier))
            if past_cats:
                level = "urgent"
                if "suicide_self_harm" in past_cats:
                    categories.add("suicide_self_harm")
                if past_cats - {"suicide_self_harm"}:
                    categories.add("immediate_danger")

        if level != "none":
            categories |= now.markers
            for past in earlier:
                categories |= past.markers
        if level == "urgent" and not (categories & {"immediate_danger", "suicide_self_harm"}):
            categories.add("immediate_danger")
        if level == "sensitive" and not categories:
            level = "none"
        if level == "none":
            categories = set()

        ordered = tuple(c for c in CATEGORIES if c in categories)
        refusal = self.texts.refusal(now.refusal) if now.refusal else None
        if refusal and now.refusal == "self_harm_method":
            level = "urgent"
            ordered = tuple(dict.fromkeys(("suicide_self_harm", *ordered)))
        signposts = choose_signposts(self.catalog, level, ordered, frozenset(cues), message)
        return SafetyAssessment(
            level=level,
            categories=ordered,
            signposts=signposts,
            message=self.texts.lead_in(level, ordered, frozenset(cues)),
            refusal=refusal,
            cues=frozenset(cues),
        )
