"""`casebot check`, and the checks `ingest` and `serve` run first: one line a problem."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from casebot.cli import app
from casebot.config import Settings
from tests.conftest import build_index, copy_catalog
from tests.fakes import HashingEmbedder

pytestmark = pytest.mark.usefixtures("clean_casebot_env")


def run(args: list[str], **env: str) -> Result:
    return CliRunner().invoke(app, args, env={"COLUMNS": "2000", **env})


def problem_lines(result: Result, command: str) -> list[str]:
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert all(line.startswith(f"casebot {command}: configuration error: ") for line in lines), lines
    return lines


@pytest.fixture
def knowledge(tmp_path: Path) -> Path:
    root = tmp_path / "knowledge"
    copy_catalog(root)
    return root


@pytest.mark.parametrize("command", ["check", "ingest", "serve"])
def test_a_malformed_catalog_is_one_line_and_nothing_starts(
    tmp_path: Path, knowledge: Path, command: str
) -> None:
    (knowledge / "support" / "services.yaml").write_text("services:\n  - id: [unclosed\n")
    result = run([command], CASEBOT_KNOWLEDGE_DIR=str(knowledge), CASEBOT_DATA_DIR=str(tmp_path / "data"))
    [line] = problem_lines(result, command)
    assert "catalog: " in line and "services.yaml" in line
    assert not (tmp_path / "data").exists(), "ingest built nothing"


def test_a_missing_prompts_dir_is_named(tmp_path: Path, knowledge: Path) -> None:
    result = run(
        ["check"],
        CASEBOT_KNOWLEDGE_DIR=str(knowledge),
        CASEBOT_PROMPTS_DIR=str(tmp_path / "no-prompts"),
        CASEBOT_DATA_DIR=str(tmp_path / "data"),
    )
    lines = problem_lines(result, "check")
    assert any(line.endswith(f"prompts: {tmp_path / 'no-prompts'} is not a directory") for line in lines)


@pytest.mark.parametrize(
    ("env", "value", "named"),
    [
        ("CASEBOT_MAX_BODY_BYTES", "-1", "greater than or equal to 1024"),
        ("CASEBOT_PORT", "70000", "less than or equal to 65535"),
        ("CASEBOT_PORT", "0", "greater than or equal to 1"),
        ("CASEBOT_WORK_THREADS", "0", "greater than or equal to 1"),
        ("CASEBOT_REQUEST_TIMEOUT_S", "-5", "greater than 0"),
    ],
)
def test_a_setting_out_of_range_is_refused_by_name(env: str, value: str, named: str) -> None:
    [line] = problem_lines(run(["check"], **{env: value}), "check")
    assert f"settings: {env}: " in line and named in line


def test_several_bad_settings_are_each_on_their_own_line() -> None:
    lines = problem_lines(run(["serve"], CASEBOT_PORT="70000", CASEBOT_TOP_K="0"), "serve")
    assert len(lines) == 2


def test_serve_refuses_a_port_option_out_of_range() -> None:
    result = run(["serve", "--port", "70000"])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert "Invalid value for '--port'" in result.output and "65535" in result.output


def test_check_passes_on_a_built_index_and_names_a_missing_one(
    tiny_settings: Settings, fake_embedder: HashingEmbedder
) -> None:
    env = {
        "CASEBOT_KNOWLEDGE_DIR": str(tiny_settings.knowledge_dir),
        "CASEBOT_DATA_DIR": str(tiny_settings.data_dir),
    }
    [line] = problem_lines(run(["check"], **env), "check")
    assert line.endswith("index: no index has been built yet; run `casebot ingest`")
    build_index(tiny_settings, fake_embedder)
    result = run(["check"], **env)
    assert result.exit_code == 0, result.output
    assert "fine" in result.output


def test_eval_reports_default_to_the_current_directory_not_the_package() -> None:
    settings = Settings()
    assert not settings.report_dir.is_absolute()
    assert settings.report_dir.resolve().is_relative_to(Path.cwd())
