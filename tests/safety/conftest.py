"""The shipped rules, catalog and texts, without exemplars (no embedding model needed)."""

from __future__ import annotations

import pytest

from casebot.safety.assess import RuleAssessor
from casebot.safety.catalog import load_catalog
from casebot.safety.models import SafetyAssessment
from casebot.safety.responses import load_safety_texts
from tests.conftest import REPO


@pytest.fixture(scope="session")
def assessor() -> RuleAssessor:
    catalog = load_catalog(REPO / "knowledge/support/services.yaml")
    return RuleAssessor(catalog, load_safety_texts(REPO / "prompts/safety.yaml", catalog))


def ids(assessment: SafetyAssessment) -> list[str]:
    """The signposts' service ids, in the order they are shown."""
    return [s.id for s in assessment.signposts]
