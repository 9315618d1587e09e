"""Routing: which services a person is shown, in what order, as a function of the level,
the categories and the needs over the catalog (knowledge/support/services.yaml).

Whom each service serves, and with what priority, is written in the catalog (`serves`),
so a preference such as the Men's Advice Line first for a man abused by his partner is a
line of data; nothing here names a service.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from casebot.safety.catalog import Catalog, Serve, Service
from casebot.safety.models import CATEGORIES, NEEDS, Level, Signpost

MAX_SIGNPOSTS = 8
PER_CATEGORY = 3


def pressing_first(categories: Sequence[str]) -> tuple[str, ...]:
    """Categories in the order help is offered: the one category order (safety/models.py)."""
    return tuple(c for c in CATEGORIES if c in categories)


def route(
    catalog: Catalog,
    level: Level,
    categories: Sequence[str],
    needs: Sequence[str],
    question: str = "",
) -> tuple[Signpost, ...]:
    """Signposts: in danger the services for danger first, then for needs, then the best few
    for each category (open now first when urgent; each category's best line before any
    second line), then the rest for danger; with no risk, the services whose topics the
    question is about."""
    present = frozenset((*categories, *needs))
    ids: list[str] = []
    if level == "urgent":
        ids += _by_level(catalog, "first", present)
    if level != "none":
        ids += _for_needs(catalog, level, needs, present)
    lines = [_for_category(catalog, c, level, present) for c in pressing_first(categories)]
    ids += _interleaved(lines)
    if level == "urgent":
        ids += _by_level(catalog, "last", present)
    if level == "none" and question:
        ids += on_topic(catalog, question)
    unique = list(dict.fromkeys(ids))
    return tuple(catalog.by_id[i].signpost() for i in unique[:MAX_SIGNPOSTS])


def _interleaved(lists: Sequence[list[str]]) -> list[str]:
    """Every category's best line before any category's second: with several categories
    and a few places, each still gets its matching line."""
    out: list[str] = []
    for rank in range(max((len(x) for x in lists), default=0)):
        out += [x[rank] for x in lists if rank < len(x)]
    return out


def _ranked(entries: list[tuple[int, int, str]]) -> list[str]:
    return [service_id for *_, service_id in sorted(entries)]


def _best(service: Service, fits: list[Serve]) -> int | None:
    return min((e.priority for e in fits), default=None)


def _by_level(catalog: Catalog, place: str, present: frozenset[str]) -> list[str]:
    entries = []
    for order, service in enumerate(catalog.services):
        fits = [
            e
            for e in service.serves
            if e.level == "urgent" and e.need is None and e.place == place and e.applies(present)
        ]
        priority = _best(service, fits)
        if priority is not None:
            entries.append((priority, order, service.id))
    return _ranked(entries)


def _for_needs(
    catalog: Catalog, level: Level, needs: Sequence[str], present: frozenset[str]
) -> list[str]:
    entries = []
    for order, service in enumerate(catalog.services):
        fits = [
            e
            for e in service.serves
            if e.need in needs
            and (e.level is None or e.level == level)
            and e.applies(present)
        ]
        priority = _best(service, fits)
        if priority is not None:
            need_rank = min(NEEDS.index(e.need) for e in fits if e.need)
            entries.append((need_rank * 100 + priority, order, service.id))
    return _ranked(entries)


def _for_category(
    catalog: Catalog, category: str, level: Level, present: frozenset[str]
) -> list[str]:
    """The best few services for one category: open now first when it is urgent."""
    entries = []
    for order, service in enumerate(catalog.services):
        fits = [e for e in service.serves if e.category == category and e.applies(present)]
        priority = _best(service, fits)
        if priority is None:
            continue
        closed = 1 if level == "urgent" and not service.always_open else 0
        entries.append((closed * 1000 + priority, order, service.id))
    return _ranked(entries)[:PER_CATEGORY]


def on_topic(catalog: Catalog, question: str) -> list[str]:
    """Services a factual question's topic calls for, with nobody at risk."""
    text = question.lower()
    return [
        s.id for s in catalog.services if any(re.search(p, text) for p in s.topics)
    ]
