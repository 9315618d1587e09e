"""Eval datasets (evals/datasets/*.yaml), validated on load.

Three kinds share one file shape, `{version, cases: [...]}`; the kind is read from the
cases themselves (a qa case has `question`, a conversation `turns`, a safety case
`message`), so a dataset can be renamed or split without touching code.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    TypeAdapter,
    ValidationError,
    field_validator,
    model_validator,
)

from casebot.answer.models import QuestionType, Role, Scope
from casebot.errors import DatasetError
from casebot.safety.data import Row, Split, load_split
from casebot.safety.models import Level

# qa, conversations, safety: cases from one file, or from a directory of author files
# split into dev/ and test/ (the split's cases only). safety_set: a directory of labelled
# safety messages by author (train/ is training data, never scored).
Kind = Literal["qa", "conversations", "safety", "safety_set"]
SCORED_SPLITS: tuple[Split, ...] = ("dev", "test")


@lru_cache(maxsize=4096)
def _compile(pattern: str) -> re.Pattern[str]:
    try:
        return re.compile(pattern, re.IGNORECASE)
    except re.error as exc:
        raise ValueError(f"bad regex {pattern!r}: {exc}") from exc


class Evidence(BaseModel):
    """What a relevant chunk looks like; every given field must hold."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    doc_id: str | None = None
    regex: str | None = None
    page: int | None = None

    @field_validator("regex")
    @classmethod
    def _valid_regex(cls, value: str | None) -> str | None:
        if value is not None:
            _compile(value)
        return value

    @model_validator(mode="after")
    def _not_empty(self) -> Evidence:
        if self.doc_id is None and self.regex is None and self.page is None:
            raise ValueError("an evidence entry needs doc_id, regex or page")
        return self

    def matches(self, doc_id: str, text: str, page: int | None, use_page: bool = True) -> bool:
        if self.doc_id is not None and self.doc_id != doc_id:
            return False
        if self.regex is not None and not _compile(self.regex).search(text):
            return False
        return not (use_page and self.page is not None and self.page != page)


Facts = list[list[str]]


def _facts(value: Any) -> Any:
    # A fact written as a bare string is one fact with one alternative.
    if isinstance(value, list):
        return [[item] if isinstance(item, str) else item for item in value]
    return value


class Expectations(BaseModel):
    """What one answer is scored against: shared by qa cases and conversation turns."""

    model_config = ConfigDict(extra="forbid")

    must_include: Facts = Field(default_factory=list)
    evidence: list[Evidence] = Field(default_factory=list)
    scope: Scope = "in_scope"
    safety_level: Level = "none"
    services: list[str] = Field(default_factory=list)
    type: QuestionType | None = None

    @field_validator("must_include", mode="before")
    @classmethod
    def _normalise_facts(cls, value: Any) -> Any:
        return _facts(value)

    @field_validator("must_include")
    @classmethod
    def _valid_facts(cls, value: Facts) -> Facts:
        for alternatives in value:
            if not alternatives:
                raise ValueError("a must_include fact needs at least one alternative")
            for pattern in alternatives:
                _compile(pattern)
        return value


class QaCase(Expectations):
    id: str = Field(min_length=1)
    question: str = Field(min_length=1)
    reference: str | None = None
    tags: list[str] = Field(default_factory=list)
    # Set from the author file, never written per case: the team's single files are dev.
    split: Split = "dev"
    author: str = "team"


class Turn(Expectations):
    user: str = Field(min_length=1)
    reference: str | None = None


class ConversationCase(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=1)
    tags: list[str] = Field(default_factory=list)
    turns: list[Turn] = Field(min_length=1)
    split: Split = "dev"
    author: str = "team"


class HistoryTurn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    role: Role
    content: str


class SafetyCase(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=1)
    message: str = Field(min_length=1)
    history: list[HistoryTurn] = Field(default_factory=list)
    level: Level
    categories: list[str] = Field(default_factory=list)
    services: list[str] = Field(default_factory=list)
    tags: list[str] = Field(default_factory=list)

    @field_validator("history", mode="before")
    @classmethod
    def _none_is_empty(cls, value: Any) -> Any:
        return [] if value is None else value


@dataclass(frozen=True)
class Question:
    """A question from a qa or conversation author file, for the safety classifier's
    threshold choice: an ordinary one must not be refused."""

    id: str
    split: str
    author: str
    text: str
    history: tuple[tuple[str, str], ...]
    ordinary: bool  # not a request the dataset expects refused


Case = QaCase | ConversationCase | SafetyCase | Row

_CASES: dict[Kind, TypeAdapter[Any]] = {
    "qa": TypeAdapter(list[QaCase]),
    "conversations": TypeAdapter(list[ConversationCase]),
    "safety": TypeAdapter(list[SafetyCase]),
}


@dataclass(frozen=True)
class Dataset:
    name: str
    kind: Kind
    path: Path
    cases: tuple[Case, ...]  # all of `kind`

    def __len__(self) -> int:
        return len(self.cases)


def detect_kind(case: Any) -> Kind:
    if isinstance(case, dict):
        if "turns" in case:
            return "conversations"
        if "question" in case:
            return "qa"
        if "message" in case:
            return "safety"
    raise DatasetError("cannot tell the dataset kind: a case needs question, turns or message")


def _problems(exc: ValidationError, cases: Sequence[Any]) -> str:
    lines = []
    for err in exc.errors()[:5]:
        number, *field = err["loc"]
        raw = cases[int(number)]
        case_id = raw.get("id") if isinstance(raw, dict) else None
        where = f"case {case_id or number}: " + ".".join(str(p) for p in field)
        lines.append(f"{where}: {err['msg']}")
    return "; ".join(lines)


def load_dataset(path: Path) -> Dataset:
    """Read and validate one dataset file; DatasetError says what is wrong, in one line."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise DatasetError(f"cannot read dataset {path}: {exc.strerror or exc}") from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark is not None else ""
        raise DatasetError(f"dataset {path} is not valid YAML{where}") from exc
    if not isinstance(raw, dict) or not isinstance(raw.get("cases"), list) or not raw["cases"]:
        raise DatasetError(f"dataset {path} needs a non-empty `cases` list")
    cases = raw["cases"]
    kind = detect_kind(cases[0])
    try:
        items: tuple[QaCase | ConversationCase | SafetyCase, ...] = tuple(
            _CASES[kind].validate_python(cases)
        )
    except ValidationError as exc:
        raise DatasetError(f"dataset {path} is invalid: {_problems(exc, cases)}") from exc
    _unique_ids(path, items)
    return Dataset(name=path.stem, kind=kind, path=path, cases=items)


def load_datasets(paths: Sequence[Path], split: Split = "dev") -> list[Dataset]:
    """Each file, or each directory's author files of `split` (the sealed test split is
    read only when asked for, to report)."""
    return [load_directory(p, split) if p.is_dir() else load_dataset(p) for p in paths]


def load_directory(path: Path, split: Split = "dev") -> Dataset:
    """A directory split by author: labelled safety messages, or qa/conversation cases."""
    if not any((path / s).is_dir() for s in SCORED_SPLITS):
        raise DatasetError(f"dataset directory {path} has no dev/ or test/ split")
    files = sorted((path / split).glob("*.yaml"))
    if not files:
        raise DatasetError(f"dataset directory {path / split} has no author files")
    if "messages" in _read(files[0]):
        rows = tuple(load_split(path, split))
        return Dataset(name=path.name, kind="safety_set", path=path, cases=rows)
    kind: Kind | None = None
    cases: list[QaCase | ConversationCase | SafetyCase] = []
    for file in files:
        dataset = load_dataset(file)
        if kind not in (None, dataset.kind):
            raise DatasetError(f"{file} holds {dataset.kind}, not {kind} as the others do")
        kind = dataset.kind
        author = str(_read(file).get("author") or file.stem)
        for case in dataset.cases:
            assert isinstance(case, QaCase | ConversationCase)
            cases.append(case.model_copy(update={"split": split, "author": author}))
    _unique_ids(path, cases)
    return Dataset(name=path.name, kind=kind or "qa", path=path, cases=tuple(cases))


def _read(file: Path) -> dict[str, Any]:
    try:
        raw = yaml.safe_load(file.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise DatasetError(f"cannot read {file}: {type(exc).__name__}") from exc
    if not isinstance(raw, dict):
        raise DatasetError(f"{file} is not a mapping of author, cases or messages")
    return raw


def _unique_ids(path: Path, cases: Sequence[QaCase | ConversationCase | SafetyCase]) -> None:
    seen: set[str] = set()
    for item in cases:
        if item.id in seen:
            raise DatasetError(f"dataset {path} has a duplicate case id {item.id!r}")
        seen.add(item.id)


def _questions(path: Path, split: str) -> list[Question]:
    out: list[Question] = []
    for file in sorted((path / split).glob("*.yaml")):
        try:
            raw = yaml.safe_load(file.read_text(encoding="utf-8"))
            author, cases = str(raw["author"]), list(raw["cases"])
        except (OSError, yaml.YAMLError, KeyError, TypeError) as exc:
            raise DatasetError(f"cannot read questions in {file}: {type(exc).__name__}") from exc
        for case in cases:
            out += _case_questions(case, split, author)
    return out


def _case_questions(case: dict[str, Any], split: str, author: str) -> list[Question]:
    if "question" in case:
        ordinary = case.get("scope") != "refused"
        return [Question(str(case["id"]), split, author, str(case["question"]), (), ordinary)]
    out: list[Question] = []
    history: list[tuple[str, str]] = []
    for number, turn in enumerate(case.get("turns", []), start=1):
        ordinary = turn.get("scope") != "refused"
        qid = f"{case['id']}#{number}"
        out.append(Question(qid, split, author, str(turn["user"]), tuple(history), ordinary))
        history += [("user", str(turn["user"])), ("assistant", str(turn.get("reference") or ""))]
    return out


def ordinary_questions(datasets_dir: Path, split: Split) -> list[str]:
    """Every ordinary question of the qa and conversation sets of one split (the team's
    qa.yaml and conversations.yaml count as dev): none of them may be refused."""
    out: list[str] = []
    if split == "dev":
        for name in ("qa.yaml", "conversations.yaml"):
            path = datasets_dir / name
            if path.exists():
                dataset = load_dataset(path)
                out += [q.text for q in _team_questions(dataset) if q.ordinary]
    for name in ("qa", "conversations"):
        if (datasets_dir / name / split).is_dir():
            out += [q.text for q in _questions(datasets_dir / name, split) if q.ordinary]
    return out


def _team_questions(dataset: Dataset) -> list[Question]:
    out: list[Question] = []
    for case in dataset.cases:
        if isinstance(case, QaCase):
            out.append(Question(case.id, "dev", "team", case.question, (), case.scope != "refused"))
        elif isinstance(case, ConversationCase):
            for turn in case.turns:
                out.append(Question(case.id, "dev", "team", turn.user, (), turn.scope != "refused"))
    return out
