"""Which services a person is shown, in what order: 999 first when urgent, then by fit."""

from __future__ import annotations

from collections.abc import Sequence

from casebot.safety import rules
from casebot.safety.catalog import Catalog
from casebot.safety.models import CATEGORIES, Level, Signpost
from casebot.safety.normalise import normalise

MAX_SIGNPOSTS = 8
PER_CATEGORY = 3


def pressing_first(categories: Sequence[str]) -> tuple[str, ...]:
    """Categories in the order help is offered: the one category order (safety/models.py)."""
    return tuple(c for c in CATEGORIES if c in categories)


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
        ids += _for_category(catalog, category, level, cues, categories)
    if level == "urgent":
        ids += ["silent-solution-55", "relay-uk-18000"]
    if level == "none":
        ids += _on_topic(message)
    unique = [i for i in dict.fromkeys(ids) if i in catalog.by_id]
    return tuple(catalog.by_id[i].signpost() for i in unique[:MAX_SIGNPOSTS])


def _for_category(
    catalog: Catalog, category: str, level: Level, cues: frozenset[str], categories: Sequence[str]
) -> list[str]:
    """The best few services for one category (999 and its kin are placed separately)."""
    services = [s for s in catalog.for_category(category) if "immediate_danger" not in s.categories]
    services.sort(
        key=lambda s: (
            *_fit(s.id, s.always_open, level, cues, categories),
            s.categories[0] != category,
        )
    )
    return [s.id for s in services[:PER_CATEGORY]]


def _on_topic(message: str) -> list[str]:
    """Services a factual question's topic calls for, with nobody at risk."""
    norm = normalise(message)
    return [i for pattern, ids in rules.TOPIC_SIGNPOSTS if pattern.search(norm) for i in ids]


def _fit(
    service_id: str,
    always_open: bool,
    level: Level,
    cues: frozenset[str],
    categories: Sequence[str],
) -> tuple[int, int]:
    """Sort key within a category: open now when it is urgent, then the better-fitting line.

    Otherwise services keep their catalog order, which already puts Childline before the
    NSPCC and the National Domestic Abuse Helpline first among domestic abuse services.
    """
    preferred = 0
    if service_id == "mens-advice-line" and "male_victim" in cues:
        preferred = -2  # a man abused by his partner is served best by the line for men
    if service_id == "iopc-complaints" and "domestic_abuse" not in categories:
        preferred = -1  # abuse by an officer outside a relationship is the IOPC's first
    availability = 0 if (always_open or level != "urgent") else 1
    return (availability, preferred)
