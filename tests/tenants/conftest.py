from __future__ import annotations

from pathlib import Path

import pytest

from casebot.safety.catalog import Catalog, load_catalog
from tests.conftest import REPO

EXAMPLE = REPO / "docs" / "tenants.example.yaml"
BOROUGH_KEY = "cbk_example_borough_do_not_use"
SERVER_KEY = "cbk_example_server_do_not_use"


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    return load_catalog(REPO / "knowledge" / "support" / "services.yaml")


def example_text() -> str:
    return EXAMPLE.read_text(encoding="utf-8")


def write_tenants(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "tenants.yaml"
    path.write_text(text, encoding="utf-8")
    return path
