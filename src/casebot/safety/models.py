"""What the safety engine decides about a message."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, get_args

Level = Literal["none", "sensitive", "urgent"]

# The one order of the categories: the most time-critical first. An assessment lists its
# categories in this order, and help (signposts, guidance, lead-in texts) follows it.
CATEGORIES: tuple[str, ...] = (
    "immediate_danger",
    "suicide_self_harm",
    "child_at_risk",
    "sexual_violence",
    "domestic_abuse",
    "honour_based_abuse",
    "police_perpetrated_abuse",
    "lgbt_abuse",
    "stalking_harassment",
    "hate_crime",
    "victim_of_crime",
    "police_complaint",
)
# What someone needs in order to use help at all, or who they are when that changes which
# line fits: guidance can serve these as well as categories (someone who cannot speak needs
# the silent 999 call before anything else), and the catalog says which services serve them.
NEEDS: tuple[str, ...] = ("cannot_speak", "deaf", "child_speaker", "male_victim", "third_party")

# The kinds of harmful request casebot refuses (the classifier's harm head, the refusal
# rules and their texts).
Harm = Literal[
    "locate_person",
    "personal_data",
    "fabricate",
    "evade_police",
    "evade_vetting",
    "self_harm_method",
    "harm_others",
]
HARM_KINDS: tuple[str, ...] = get_args(Harm)

_RANK = {"none": 0, "sensitive": 1, "urgent": 2}


def higher(a: Level, b: Level) -> Level:
    return a if _RANK[a] >= _RANK[b] else b


@dataclass(frozen=True)
class Signpost:
    id: str
    name: str
    description: str
    phone: str | None = None
    text: str | None = None
    url: str | None = None
    hours: str | None = None


@dataclass(frozen=True)
class Trace:
    """How an assessment was reached: shown per case in the eval report, never logged."""

    rules: tuple[str, ...] = ()
    scores: tuple[tuple[str, float], ...] = ()
    english: bool = True
    variant: str = "full"  # full (with embeddings), text (without), rules (no model)


@dataclass(frozen=True)
class SafetyAssessment:
    level: Level
    categories: tuple[str, ...]
    signposts: tuple[Signpost, ...]
    message: str | None = None
    refusal: str | None = None  # a reason when the request itself must be refused
    # What the person needs (NEEDS) and other cues heard ("injection"); needs are cues too.
    cues: frozenset[str] = field(default_factory=frozenset)
    # Doubt between sensitive and urgent: the reply leads with 999 and asks plainly whether
    # the person is safe right now. The level is then "urgent", so doubt always shows 999.
    check_in: bool = False
    # Why: the rules that fired and the scores, for the eval report (never logged).
    trace: Trace | None = None
    # The categories sure enough to choose which guidance leads the answer (a subset of
    # `categories`, which cast the wider net signposts need); empty: all of them.
    leading: tuple[str, ...] = ()

    @property
    def guiding(self) -> tuple[str, ...]:
        return self.leading or self.categories

    @property
    def refused(self) -> bool:
        return self.refusal is not None

    @property
    def needs(self) -> tuple[str, ...]:
        return tuple(n for n in NEEDS if n in self.cues)
