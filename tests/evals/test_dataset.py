"""Datasets: validated on load, kind read from the cases, errors in one readable line."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from casebot.evals import DEFAULT_DATASETS
from casebot.evals.dataset import (
    ConversationCase,
    DatasetError,
    Evidence,
    QaCase,
    SafetyCase,
    load_dataset,
    load_datasets,
    load_directory,
)
from tests.conftest import REPO
from tests.evals.conftest import write_datasets


def _write(tmp_path: Path, text: str, name: str = "data.yaml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text).lstrip())
    return path


def test_each_kind_is_recognised_from_its_cases(tmp_path: Path) -> None:
    paths = write_datasets(tmp_path)
    qa = load_dataset(paths["qa"])
    conversations = load_dataset(paths["conversations"])
    safety = load_dataset(paths["safety"])
    assert (qa.kind, conversations.kind, safety.kind) == ("qa", "conversations", "safety")
    assert all(isinstance(c, QaCase) for c in qa.cases) and len(qa) == 5
    assert isinstance(conversations.cases[0], ConversationCase)
    assert [t.user for t in conversations.cases[0].turns][1] == "and in the heatwave?"
    assert isinstance(safety.cases[0], SafetyCase) and safety.cases[0].level == "urgent"


def test_a_fact_written_as_a_plain_string_is_one_alternative(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        """
        version: 1
        cases:
          - id: a
            question: "q"
            must_include: ['heatwave', ['1,?809', 'eighteen hundred']]
        """,
    )
    case = load_dataset(path).cases[0]
    assert case.must_include == [["heatwave"], ["1,?809", "eighteen hundred"]]
    assert case.scope == "in_scope" and case.safety_level == "none"


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("  - id: a\n    question: q\n    must_include: [['(unclosed']]\n", "bad regex"),
        ("  - id: a\n    question: q\n    evidence: [{regex: '[z-a]'}]\n", "bad regex"),
        ("  - id: a\n    question: q\n    evidence: [{}]\n", "needs doc_id, regex or page"),
        ("  - id: a\n    question: q\n    scope: maybe\n", "case a: scope"),
        ("  - id: a\n    question: q\n    must_inlcude: [['x']]\n", "must_inlcude"),
        ("  - id: a\n    question: q\n  - id: a\n    question: r\n", "duplicate case id 'a'"),
        ("  - id: s\n    message: m\n    level: panic\n", "case s: level"),
        ("  - {id: c, turns: []}\n", "case c: turns"),
        ("  - {id: x, text: hello}\n", "cannot tell the dataset kind"),
    ],
)
def test_invalid_cases_are_rejected_naming_the_case_and_field(
    tmp_path: Path, body: str, expected: str
) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("version: 1\ncases:\n" + body)
    with pytest.raises(DatasetError) as err:
        load_dataset(path)
    message = str(err.value)
    assert expected in message
    assert "\n" not in message


def test_unreadable_files_raise_dataset_error(tmp_path: Path) -> None:
    with pytest.raises(DatasetError, match="cannot read dataset"):
        load_dataset(tmp_path / "missing.yaml")
    broken = _write(tmp_path, "cases: [unclosed\n", "broken.yaml")
    with pytest.raises(DatasetError, match=r"not valid YAML \(line \d+\)"):
        load_dataset(broken)
    empty = _write(tmp_path, "version: 1\ncases: []\n", "empty.yaml")
    with pytest.raises(DatasetError, match="non-empty `cases`"):
        load_dataset(empty)


def test_evidence_requires_every_given_field() -> None:
    entry = Evidence(doc_id="casey-review/01-summary", regex="1,809", page=12)
    text = "The interim report found that 1,809 officers..."
    assert entry.matches("casey-review/01-summary", text, 12)
    assert not entry.matches("casey-review/01-summary", text, 9)
    assert not entry.matches("context/everard", text, 12)
    assert not entry.matches("casey-review/01-summary", "no figure here", 12)
    # The peer's chunks cross pages, so it may ask for page to be ignored.
    assert entry.matches("casey-review/01-summary", text, None, use_page=False)


def test_evidence_regex_is_case_insensitive() -> None:
    assert Evidence(regex="Headline Finding").matches("any", "the headline finding was", None)


def test_the_shipped_datasets_load() -> None:
    for name in ("qa", "conversations"):
        dataset = load_dataset(REPO / "evals" / "datasets" / f"{name}.yaml")
        assert dataset.kind == name and len(dataset) > 0


def test_the_default_datasets_are_the_dev_split_of_every_author_directory() -> None:
    loaded = {d.name: d for d in load_datasets(list(DEFAULT_DATASETS))}
    assert loaded["safety"].kind == "safety_set"
    assert {r.split for r in loaded["safety"].cases} == {"dev"}  # type: ignore[union-attr]
    assert loaded["qa"].kind == "qa" and loaded["conversations"].kind == "conversations"
    for name in ("qa", "conversations"):
        cases = loaded[name].cases
        assert {c.split for c in cases} == {"dev"}  # type: ignore[union-attr]
        assert len({c.author for c in cases}) >= 4  # type: ignore[union-attr]


def test_the_sealed_split_is_read_only_when_asked_for() -> None:
    dev = load_directory(REPO / "evals" / "datasets" / "qa")
    test = load_directory(REPO / "evals" / "datasets" / "qa", "test")
    assert {c.split for c in test.cases} == {"test"}  # type: ignore[union-attr]
    assert not {c.author for c in dev.cases} & {c.author for c in test.cases}  # type: ignore[union-attr]


def test_an_author_file_of_questions_is_scored_with_its_author_type_and_split(
    tmp_path: Path,
) -> None:
    (tmp_path / "dev").mkdir()
    (tmp_path / "dev" / "a1.yaml").write_text(
        "author: a1\ncases:\n- id: a1-001\n  question: what did casey find?\n"
        "  type: overview\n  must_include: [racis]\n",
        encoding="utf-8",
    )
    (case,) = load_directory(tmp_path).cases
    assert isinstance(case, QaCase)
    assert (case.author, case.split, case.type) == ("a1", "dev", "overview")


def test_a_question_type_outside_the_taxonomy_is_refused_in_one_line(tmp_path: Path) -> None:
    (tmp_path / "dev").mkdir()
    (tmp_path / "dev" / "a1.yaml").write_text(
        "author: a1\ncases:\n- id: a1-001\n  question: hi\n  type: gossip\n",
        encoding="utf-8",
    )
    with pytest.raises(DatasetError, match="a1-001: type"):
        load_directory(tmp_path)


def test_a_dataset_directory_without_scored_splits_is_a_usage_error(tmp_path: Path) -> None:
    (tmp_path / "train").mkdir()
    with pytest.raises(DatasetError, match="no dev/ or test/"):
        load_datasets([tmp_path])
