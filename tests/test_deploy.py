"""docker-compose.yml configures casebot with settings that exist and validate together."""

from __future__ import annotations

import re
from typing import Any

import pytest
import yaml

from casebot.config import Settings
from tests.conftest import REPO


def compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((REPO / "docker-compose.yml").read_text())
    return loaded


def casebot_env() -> dict[str, str]:
    """The shared casebot environment, with each required secret filled in."""
    env = compose()["x-casebot-env"]
    return {k: re.sub(r"\$\{(\w+):\?[^}]*\}", r"example-\1", str(v)) for k, v in env.items()}


def test_every_casebot_variable_in_compose_is_a_setting() -> None:
    names = {f"CASEBOT_{name.upper()}" for name in Settings.model_fields}
    assert sorted(k for k in casebot_env() if k.startswith("CASEBOT_") and k not in names) == []


def test_the_compose_settings_validate_together(monkeypatch: pytest.MonkeyPatch, clean_casebot_env: None) -> None:
    for name, value in casebot_env().items():
        monkeypatch.setenv(name, value)
    settings = Settings()
    assert settings.workers == 2 and settings.chroma_mode == "http"
    assert settings.rate_limit_storage.startswith("redis://")
    assert settings.feedback_database_url.startswith("postgresql+psycopg://")


def test_every_casebot_service_shares_the_one_environment() -> None:
    services = compose()["services"]
    built = [name for name, service in services.items() if "build" in service]
    assert built == ["ingest", "api", "feedback-purge"]
    assert all(services[name]["environment"] == compose()["x-casebot-env"] for name in built)
