"""A tenant's local services come after 999 and before the national lines they sit beside."""

from __future__ import annotations

from casebot.safety.catalog import Catalog
from casebot.safety.models import SafetyAssessment
from casebot.tenants.registry import load_tenants
from casebot.tenants.signposts import emergency_ids, with_local_services
from tests.tenants.conftest import EXAMPLE


def assessment(catalog: Catalog, level: str, categories: tuple[str, ...], ids: list[str]) -> SafetyAssessment:
    signposts = tuple(catalog.by_id[i].signpost() for i in ids)
    return SafetyAssessment(level=level, categories=categories, signposts=signposts)  # type: ignore[arg-type]


def test_emergency_lines_are_the_ones_offered_by_level_or_need(catalog: Catalog) -> None:
    ids = emergency_ids(catalog)
    assert {"emergency-999", "silent-solution-55"} <= ids
    assert not ids & {"rape-crisis-247", "national-domestic-abuse-helpline", "samaritans"}


def test_a_local_service_goes_after_999_and_before_the_national_lines(catalog: Catalog) -> None:
    tenant = load_tenants(EXAMPLE, catalog, allow_examples=True).tenants[0]
    safety = assessment(catalog, "urgent", ("immediate_danger", "sexual_violence"), ["emergency-999", "rape-crisis-247", "survivors-trust", "silent-solution-55"])
    merged = with_local_services(safety, tenant, emergency_ids(catalog))
    assert [s.id for s in merged.signposts] == ["emergency-999", "example-borough-isva", "rape-crisis-247", "survivors-trust", "silent-solution-55"]
    assert merged.level == "urgent" and merged.categories == safety.categories


def test_a_sensitive_disclosure_shows_the_local_service_first(catalog: Catalog) -> None:
    tenant = load_tenants(EXAMPLE, catalog, allow_examples=True).tenants[0]
    safety = assessment(catalog, "sensitive", ("sexual_violence",), ["rape-crisis-247", "survivors-trust"])
    merged = with_local_services(safety, tenant, emergency_ids(catalog))
    assert [s.id for s in merged.signposts][:2] == ["example-borough-isva", "rape-crisis-247"]


def test_local_services_stay_out_of_categories_they_do_not_serve(catalog: Catalog) -> None:
    tenants = load_tenants(EXAMPLE, catalog, allow_examples=True).tenants
    safety = assessment(catalog, "sensitive", ("domestic_abuse",), ["national-domestic-abuse-helpline"])
    assert with_local_services(safety, tenants[0], emergency_ids(catalog)) == safety
    assert with_local_services(safety, None, emergency_ids(catalog)) == safety
    assert with_local_services(safety, tenants[1], emergency_ids(catalog)) == safety
