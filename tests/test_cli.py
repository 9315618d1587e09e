"""The casebot CLI through typer's CliRunner: ingest and ask, as a person would run them."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from casebot.cli import app
from casebot.config import Settings
from casebot.runtime import open_index
from tests.conftest import TINY_DOCS, copy_catalog
from tests.contract import assert_chat_contract

URGENT = "i'm going to kill myself tonight"
BROKEN = "casey-review/99-broken.md"
BROKEN_NAMES = [BROKEN, "casey-review/[draft] 99-broken.md"]


pytestmark = pytest.mark.usefixtures("clean_casebot_env")


def invoke(args: list[str], knowledge: Path, data: Path) -> Result:
    env = {
        "CASEBOT_KNOWLEDGE_DIR": str(knowledge),
        "CASEBOT_DATA_DIR": str(data),
        "COLUMNS": "2000",  # keep rich from wrapping lines mid-phrase
    }
    return CliRunner().invoke(app, args, env=env)


def write_broken(knowledge: Path, name: str = BROKEN) -> None:
    path = knowledge / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("---\ntitle: [unclosed\nkind: report\n---\n# Broken\nThe freezers broke.\n")


def no_traceback(result: Result) -> None:
    assert "Traceback" not in result.output
    error = result.exception
    assert error is None or isinstance(error, SystemExit), repr(error)


# --- ingest ----------------------------------------------------------------------------------


@pytest.mark.slow
def test_second_ingest_of_unchanged_knowledge_reports_0_changed_documents(
    tiny_knowledge: Path, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    first = invoke(["ingest"], tiny_knowledge, data)
    assert first.exit_code == 0, first.output
    assert f"{len(TINY_DOCS)} changed documents" in first.output
    built = re.search(r"built index (\S+) with (\d+) chunks", first.output)
    assert built and int(built.group(2)) > 0

    second = invoke(["ingest"], tiny_knowledge, data)
    assert second.exit_code == 0, second.output
    assert "0 changed documents" in second.output
    assert f"index {built.group(1)} is up to date" in second.output
    no_traceback(second)


@pytest.mark.slow
@pytest.mark.parametrize("name", BROKEN_NAMES, ids=["plain name", "name with brackets"])
def test_file_with_bad_front_matter_is_reported_by_name_as_skipped_and_run_exits_0(
    tiny_knowledge: Path, tmp_path: Path, name: str
) -> None:
    write_broken(tiny_knowledge, name)
    data = tmp_path / "data"
    result = invoke(["ingest"], tiny_knowledge, data)
    assert result.exit_code == 0, result.output
    no_traceback(result)
    assert "skipped 1 file(s)" in result.output
    line = next((line for line in result.output.splitlines() if name in line), None)
    assert line is not None, f"{name!r} not named in:\n{result.output}"
    assert "front matter" in line
    settings = Settings(knowledge_dir=tiny_knowledge, data_dir=data)
    indexed = {doc.doc_id for doc in open_index(settings).documents()}
    assert indexed == {rel.removesuffix(".md") for rel in TINY_DOCS}


def test_knowledge_with_only_a_broken_file_fails_cleanly_naming_it(tmp_path: Path) -> None:
    knowledge = tmp_path / "knowledge"
    write_broken(knowledge)
    copy_catalog(knowledge)
    result = invoke(["ingest"], knowledge, tmp_path / "data")
    no_traceback(result)
    assert result.exit_code in (0, 2)
    assert BROKEN in result.output


def test_ingest_of_a_missing_knowledge_dir_exits_2_with_a_clear_message(tmp_path: Path) -> None:
    result = invoke(["ingest"], tmp_path / "no-such-dir", tmp_path / "data")
    assert result.exit_code == 2
    assert "knowledge directory not found" in result.output
    no_traceback(result)


# --- ask -------------------------------------------------------------------------------------


def test_ask_with_an_empty_question_exits_2_with_a_clear_message_and_no_traceback(
    tmp_path: Path,
) -> None:
    result = invoke(["ask", ""], tmp_path / "knowledge", tmp_path / "data")
    assert result.exit_code == 2
    assert "the question must be 1 to 2000 characters" in result.output
    no_traceback(result)
    assert not (tmp_path / "data").exists(), "nothing is built for an invalid question"


def test_ask_with_a_2001_char_question_exits_2(tmp_path: Path) -> None:
    result = invoke(["ask", "x" * 2001], tmp_path / "knowledge", tmp_path / "data")
    assert result.exit_code == 2
    assert "1 to 2000 characters" in result.output
    assert "x" * 50 not in result.output
    no_traceback(result)


def test_ask_with_an_unknown_mode_exits_2(tmp_path: Path) -> None:
    result = invoke(
        ["ask", "freezers", "--mode", "creative"], tmp_path / "knowledge", tmp_path / "data"
    )
    assert result.exit_code == 2
    assert "mode must be auto, extractive or llm" in result.output
    no_traceback(result)


@pytest.mark.slow
def test_ask_json_prints_the_post_v1_chat_json(real_settings: Settings) -> None:
    question = "What did the review say about the freezers used to store rape kits?"
    result = invoke(
        ["ask", question, "--json"], real_settings.knowledge_dir, real_settings.data_dir
    )
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert_chat_contract(body)
    assert body["grounded"] is True and body["scope"] == "in_scope"
    assert body["mode"] == "extractive"
    assert body["citations"]
    index = open_index(real_settings)
    for citation in body["citations"]:
        assert citation["quote"] in index.by_id[citation["chunk_id"]].text


@pytest.mark.slow
def test_ask_urgent_question_prints_999_first_then_sources_and_the_signposts_table(
    real_settings: Settings,
) -> None:
    result = invoke(["ask", URGENT], real_settings.knowledge_dir, real_settings.data_dir)
    assert result.exit_code == 0, result.output
    no_traceback(result)
    out = result.stdout
    lead_in = out.index("not an emergency service")
    assert "999" in out[lead_in : lead_in + 200]
    sources = out.index("Sources")
    table = out.index("Support")
    assert lead_in < sources < table
    assert re.search(r"\[1\] \S", out[sources:table]), "each source is listed with its number"
    signposts = out[table:]
    for column in ("Service", "Phone", "Hours"):
        assert column in signposts
    assert re.search(r"Emergency services \(999\)\s*│\s*999", signposts)
    assert "Samaritans" in signposts and "116 123" in signposts


@pytest.mark.slow
def test_ask_human_output_prints_the_answer_and_quotes_verbatim_even_with_brackets(
    real_settings: Settings,
) -> None:
    # The report quotes an officer being told it was "about time [she] moved on".
    question = (
        "What did the review find about officers who suffered domestic abuse from colleagues?"
    )
    as_json = invoke(
        ["ask", question, "--json"], real_settings.knowledge_dir, real_settings.data_dir
    )
    body = json.loads(as_json.stdout)
    assert any("[she]" in c["quote"] for c in body["citations"]), "precondition: a bracketed quote"
    human = invoke(["ask", question], real_settings.knowledge_dir, real_settings.data_dir)
    assert human.exit_code == 0, human.output
    assert body["answer"] in human.stdout
    for citation in body["citations"]:
        assert f'"{citation["quote"]}"' in human.stdout


@pytest.mark.parametrize("command", [["ingest"], ["ask", "freezers"], ["serve"], ["eval"]])
def test_a_bad_setting_exits_2_with_one_line_naming_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, command: list[str]
) -> None:
    monkeypatch.setenv("CASEBOT_TOP_K", "0")
    result = invoke(command, tmp_path / "knowledge", tmp_path / "data")
    assert result.exit_code == 2
    no_traceback(result)
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1, result.output
    assert lines[0].startswith(f"casebot {command[0]}: configuration error") and "CASEBOT_TOP_K" in lines[0]


# --- serving many support services -----------------------------------------------------------


def test_feedback_purge_deletes_ratings_older_than_the_age_given(tmp_path: Path) -> None:
    import datetime as dt

    from casebot.feedback.models import FeedbackEntry, utc_now
    from casebot.feedback.store import FeedbackStore

    data = tmp_path / "data"
    store = FeedbackStore(Settings(data_dir=data).feedback_database_url)
    for days in (120, 91, 10):
        store.add(FeedbackEntry("a" * 32, "up", "clear", "open", None, utc_now() - dt.timedelta(days=days)))
    result = invoke(["feedback", "purge", "--older-than", "90d"], tmp_path / "knowledge", data)
    assert result.exit_code == 0, result.output
    assert "2 ratings older than 90d deleted" in result.output
    assert store.count() == 1
    store.close()


@pytest.mark.parametrize("age", ["90", "ninety days", "0d", "3y"])
def test_feedback_purge_refuses_an_age_it_cannot_read_in_one_line(tmp_path: Path, age: str) -> None:
    result = invoke(["feedback", "purge", "--older-than", age], tmp_path / "knowledge", tmp_path / "data")
    assert result.exit_code == 2
    no_traceback(result)
    assert result.output.strip().startswith("casebot feedback purge: usage_error: an age is")


def test_tenants_new_key_prints_a_key_and_the_hash_that_goes_in_the_file(tmp_path: Path) -> None:
    from casebot.tenants.keys import hash_key

    result = invoke(["tenants", "new-key"], tmp_path / "knowledge", tmp_path / "data")
    key = re.search(r"key \(give it to the tenant, for the widget\): (\S+)", result.output)
    digest = re.search(r"key_sha256 \(for tenants.yaml\): ([0-9a-f]{64})", result.output)
    assert key and digest, result.output
    assert hash_key(key.group(1)) == digest.group(1)


def test_tenants_check_validates_a_file_as_the_server_would(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.conftest import REPO

    example = REPO / "docs" / "tenants.example.yaml"
    knowledge = REPO / "knowledge"
    refused = invoke(["tenants", "check", str(example)], knowledge, tmp_path / "data")
    monkeypatch.setenv("CASEBOT_TENANTS_ALLOW_EXAMPLES", "true")
    allowed = invoke(["tenants", "check", str(example)], knowledge, tmp_path / "data")
    assert refused.exit_code == 2 and "EXAMPLE service" in refused.output
    no_traceback(refused)
    assert allowed.exit_code == 0 and "2 tenants, 1 local services, valid" in allowed.output


def test_serve_will_not_answer_anyone_on_the_network_without_a_tenants_file(tmp_path: Path) -> None:
    result = invoke(["serve", "--host", "0.0.0.0"], tmp_path / "knowledge", tmp_path / "data")
    assert result.exit_code == 2
    no_traceback(result)
    assert "without a tenants file" in result.output


def test_serve_refuses_several_workers_without_shared_limits(tmp_path: Path) -> None:
    result = invoke(["serve", "--workers", "2"], tmp_path / "knowledge", tmp_path / "data")
    assert result.exit_code == 2
    assert "several workers need shared rate limits" in result.output


def test_several_workers_share_one_fresh_metrics_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from casebot.cli import _share_between_workers

    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", "")  # restored when the test ends
    monkeypatch.setenv("CASEBOT_WORKERS", "1")
    stale = tmp_path / "data" / "metrics" / "counter_123.db"
    stale.parent.mkdir(parents=True)
    stale.write_bytes(b"old counts")
    _share_between_workers(Settings(data_dir=tmp_path / "data", workers=3, rate_limit_storage="redis://127.0.0.1:1/0", client_key_salt="s"))  # type: ignore[arg-type]
    import os

    assert os.environ["CASEBOT_WORKERS"] == "3"
    assert Path(os.environ["PROMETHEUS_MULTIPROC_DIR"]) == (tmp_path / "data" / "metrics").resolve()
    assert not stale.exists()
