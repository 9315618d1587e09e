import re
from pathlib import Path

import pytest

from casebot.config import Settings
from tests.conftest import REPO


def test_settings_read_the_casebot_prefix(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("CASEBOT_TOP_K", "9")
    monkeypatch.setenv("CASEBOT_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("CASEBOT_CHROMA_MODE", "http")
    settings = Settings()
    assert settings.top_k == 9
    assert settings.index_root == tmp_path / "index"
    assert settings.chroma_mode == "http"


@pytest.mark.usefixtures("clean_casebot_env")
def test_defaults_are_offline_and_local() -> None:
    settings = Settings()
    assert settings.embedder == "local" and settings.chroma_mode == "embedded"
    assert not settings.llm_configured and settings.answer_max_words == 120


@pytest.mark.parametrize(
    ("env", "value"),
    [("CASEBOT_MODE", "llm"), ("CASEBOT_TOP_K", "0"), ("CASEBOT_CHROMA_MODE", "cloud")],
)
def test_bad_settings_are_refused(monkeypatch: pytest.MonkeyPatch, env: str, value: str) -> None:
    monkeypatch.setenv(env, value)
    with pytest.raises(ValueError):
        Settings()


def test_every_setting_is_in_the_readme_settings_table() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    rows = [line for line in readme.splitlines() if line.startswith("| `CASEBOT_")]
    documented = {name for row in rows for name in re.findall(r"`(CASEBOT_[A-Z0-9_]+)`", row)}
    missing = {f"CASEBOT_{name.upper()}" for name in Settings.model_fields} - documented
    assert not missing, f"settings missing from README's table: {sorted(missing)}"


def test_compute_threads_and_work_threads_are_separate_settings(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CASEBOT_THREADS", "3")
    monkeypatch.setenv("CASEBOT_WORK_THREADS", "5")
    settings = Settings()
    assert settings.compute_threads == 3 and settings.work_threads == 5
