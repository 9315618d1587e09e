from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from casebot.errors import CatalogError
from casebot.safety.catalog import load_catalog, out_of_date_numbers_in
from casebot.safety.models import CATEGORIES
from tests.conftest import REPO

CATALOG = REPO / "knowledge/support/services.yaml"
Mutation = Callable[[list[dict[str, Any]]], object]


def test_shipped_catalog_validates_and_covers_every_category() -> None:
    catalog = load_catalog(CATALOG)
    for category in CATEGORIES:
        assert catalog.for_category(category), category
    assert catalog.by_id["emergency-999"].phone == "999"
    assert all(s.source and s.verified_on for s in catalog.services)


def _write(tmp_path: Path, mutate: Mutation) -> Path:
    data = yaml.safe_load(CATALOG.read_text())
    mutate(data["services"])
    path = tmp_path / "services.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda s: s[0].update(phone="+1 555 0100"), "UK phone"),
        (lambda s: s[0].pop("source"), "source"),
        (lambda s: s[0].update(status="UNVERIFIED"), "status"),
        (lambda s: s[0]["serves"].append({"category": "aliens", "priority": 0}), "unknown category"),
        (lambda s: s[0]["serves"].append({"need": "wings", "priority": 0}), "unknown need"),
        (lambda s: s[0].update(topics=["(unclosed"]), "bad topic pattern"),
        (lambda s: s.append(dict(s[0])), "duplicate"),
        (lambda s: s[0].update(description="Call 0808 802 9999 now for help"), "out-of-date"),
        (
            lambda s: s.__setitem__(
                slice(None),
                [x for x in s if all(e.get("category") != "honour_based_abuse" for e in x["serves"])],
            ),
            "categories with no service",
        ),
    ],
)
def test_catalog_mistakes_fail_validation(tmp_path: Path, mutate: Mutation, message: str) -> None:
    with pytest.raises(CatalogError, match=message):
        load_catalog(_write(tmp_path, mutate))


def test_no_out_of_date_helpline_number_anywhere_we_ship() -> None:
    hits = [
        str(path.relative_to(REPO))
        for folder in ("knowledge", "prompts", "src")
        for path in (REPO / folder).rglob("*")
        if path.is_file()
        and path.suffix in {".md", ".yaml", ".yml", ".py", ".txt", ".html"}
        and out_of_date_numbers_in(path.read_text(encoding="utf-8"))
    ]
    assert hits == []


def test_retired_numbers_are_found_however_they_are_spaced() -> None:
    assert out_of_date_numbers_in("call 0808-802-9999") == ["0808 802 9999"]
    assert out_of_date_numbers_in("ring 08457909090 now") == ["08457 90 90 90"]
    assert out_of_date_numbers_in("Samaritans on 116 123") == []
