"""A tenant's local services join the signposts: after 999 and the lines that go with it,
before the national lines, for the categories they serve."""

from __future__ import annotations

import dataclasses

from casebot.safety.catalog import Catalog
from casebot.safety.models import SafetyAssessment
from casebot.tenants.models import LocalService, Tenant


def emergency_ids(catalog: Catalog) -> frozenset[str]:
    """Services offered by level or need (999, 55, relay) rather than by category: the
    catalog puts them ahead of the category lines, and local services follow them."""
    return frozenset(
        s.id
        for s in catalog.services
        if any(e.category is None and e.place == "first" for e in s.serves)
    )


def _matching(services: list[LocalService], categories: tuple[str, ...]) -> list[LocalService]:
    """The services serving any of `categories`, the first category's first, then by
    priority within it."""
    chosen: list[LocalService] = []
    for category in categories:
        ranked = sorted(
            (
                (min(e.priority for e in s.serves if e.category == category), i, s)
                for i, s in enumerate(services)
                if category in s.categories
            ),
            key=lambda item: (item[0], item[1]),
        )
        chosen += [s for _, _, s in ranked if s not in chosen]
    return chosen


def with_local_services(
    safety: SafetyAssessment, tenant: Tenant | None, emergency: frozenset[str]
) -> SafetyAssessment:
    if tenant is None or not tenant.local_services or not safety.categories:
        return safety
    local = _matching(tenant.local_services, safety.categories)
    if not local:
        return safety
    signposts = list(safety.signposts)
    lead = 0
    while lead < len(signposts) and signposts[lead].id in emergency:
        lead += 1
    merged = signposts[:lead] + [s.signpost() for s in local] + signposts[lead:]
    return dataclasses.replace(safety, signposts=tuple(merged))
