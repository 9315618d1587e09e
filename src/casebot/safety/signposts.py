"""Which services a person is shown, in what order: 999 first when urgent, then by fit."""

from __future__ import annotations

from collections.abc import Sequence

from casebot.safety import rules
from casebot.safety.catalog import Catalog
from casebot.safety.models import Level, Signpost
from casebot.safety.normalise import normalise

# Which categories lead when several apply: the most time-critical first.
PRIORITY = (
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
MAX_SIGNPOSTS = 8
PER_CATEGORY = 3


def pressing_first(categories: Sequence[str]) -> tuple[str, ...]:
    """Categories in the order help is offered: danger now, then PRIORITY."""
    order = ("immediate_danger", *PRIORITY)
    return tuple(c for c in order if c in categories)


def choose_signposts(
    catalog: Catalog, level: Level, categories: Sequence[str], cues: frozenset[str], message: str
) -> tuple[Signpost, ...]:
    """Signposts ordered by fit and availability: 999 first when urgent, 24/7 lines next."""
    ids: list[str] = []
    if level == "urgent":
        ids.append("emergency-999")
        if "cannot_speak" in cues:
            ids.append("silent-solution-55")
        if "deaf" in cues:
            ids += ["relay-uk-18000", "emergency-sms"]
    for category in pressing_first(categories):
        services = [
            s for s in catalog.for_category(category) if "immediate_danger" not in s.categories
        ]
        services.sort(
            key=lambda s: (
                *_fit(s.id, s.always_open, level, cues, categories),
                s.categories[0] != category,
            )
        )
        ids += [s.id for s in services[:PER_CATEGORY]]
    if level == "urgent":
        ids += ["silent-solution-55", "relay-uk-18000"]
    if level == "none":
        norm = normalise(message)
        for pattern, topic_ids in rules.TOPIC_SIGNPOSTS:
            if pattern.search(norm):
                ids += list(topic_ids)
    unique = [i for i in dict.fromkeys(ids) if i in catalog.by_id]
    return tuple(catalog.by_id[i].signpost() for i in unique[:MAX_SIGNPOSTS])


def _fit(
    service_id: str,
    always_open: bool,
    level: Level,
    cues: frozenset[str],
    categories: Sequence[str],
) -> tuple[int, int]:
    preferred = 0
    if service_id == "mens-advice-line" and "male_victim" in cues:
        preferred = -2
    if service_id == "childline" and "child_speaker" in cues:
        preferred = -2
    if service_id == "national-domestic-abuse-helpline" and "domestic_abuse" in categories:
        preferred = -1
    if service_id == "iopc-complaints" and "domestic_abuse" not in categories:
        preferred = -1
    availability = 0 if (always_open or level != "urgent") else 1
    return (availability, preferred)
