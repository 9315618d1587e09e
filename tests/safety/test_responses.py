from pathlib import Path

import pytest

from casebot.errors import PromptError
from casebot.safety.catalog import Catalog, load_catalog
from casebot.safety.responses import load_safety_texts
from tests.conftest import REPO


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog(REPO / "knowledge/support/services.yaml")


def test_lead_ins_take_their_numbers_from_the_catalog(catalog: Catalog) -> None:
    texts = load_safety_texts(REPO / "prompts/safety.yaml", catalog)
    urgent = texts.lead_in("urgent", ("suicide_self_harm",), frozenset())
    assert urgent is not None
    assert "not an emergency service" in urgent and "999" in urgent and "55" in urgent
    assert catalog.by_id["samaritans"].phone in urgent
    assert "{" not in urgent
    assert "committed suicide" not in urgent.lower()
    sensitive = texts.lead_in("sensitive", ("sexual_violence",), frozenset())
    assert sensitive is not None and "believe" in sensitive and "why" not in sensitive.lower()
    assert texts.lead_in("none", (), frozenset()) is None


def test_a_placeholder_naming_an_unknown_service_fails_on_load(
    tmp_path: Path, catalog: Catalog
) -> None:
    source = (REPO / "prompts/safety.yaml").read_text()
    bad = tmp_path / "safety.yaml"
    bad.write_text(source.replace("{samaritans.phone}", "{samaritanz.phone}", 1))
    with pytest.raises(PromptError, match="samaritanz"):
        load_safety_texts(bad, catalog)


def test_a_missing_refusal_text_fails_on_load(tmp_path: Path, catalog: Catalog) -> None:
    source = (REPO / "prompts/safety.yaml").read_text()
    bad = tmp_path / "safety.yaml"
    bad.write_text(source.replace("  harm_others:", "  harm_other:"))
    with pytest.raises(PromptError, match="harm_others"):
        load_safety_texts(bad, catalog)
