"""The shipped safety engine: rules, lexicon, the committed classifier, catalog and texts.

Unit tests read messages without embeddings (the classifier's text-only variant, the one
casebot serves when the embedder is down or another model); the slow tests bring the
bundled MiniLM in for the full variant.
"""

from __future__ import annotations

import pytest

from casebot.config import Settings
from casebot.runtime import build_assessor, load_safety_rules
from casebot.safety.assess import Assessor
from casebot.safety.catalog import Catalog, load_catalog
from casebot.safety.models import SafetyAssessment
from casebot.safety.responses import SafetyTexts, load_safety_texts
from casebot.safety.scanning import Rules
from tests.conftest import REPO


@pytest.fixture(scope="session")
def shipped() -> Settings:
    return Settings(knowledge_dir=REPO / "knowledge", prompts_dir=REPO / "prompts")


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    return load_catalog(REPO / "knowledge/support/services.yaml")


@pytest.fixture(scope="session")
def texts(catalog: Catalog) -> SafetyTexts:
    return load_safety_texts(REPO / "prompts/safety.yaml", catalog)


@pytest.fixture(scope="session")
def rules(shipped: Settings) -> Rules:
    return load_safety_rules(shipped)


@pytest.fixture(scope="session")
def assessor(shipped: Settings, catalog: Catalog, texts: SafetyTexts) -> Assessor:
    """The shipped assessor reading text alone (no embedder)."""
    return build_assessor(shipped, catalog, texts, None)


def ids(assessment: SafetyAssessment) -> list[str]:
    """The signposts' service ids, in the order they are shown."""
    return [s.id for s in assessment.signposts]
