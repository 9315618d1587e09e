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

from casebot.answer.models import Role, Scope
from casebot.errors import DatasetError
from casebot.safety.models import Level

Kind = Literal["qa", "conversations", "safety"]


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


class Turn(Expectations):
    user: str = Field(min_length=1)
    reference: str | None = None


class ConversationCase(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=1)
    tags: list[str] = Field(default_factory=list)
    turns: list[Turn] = Field(min_length=1)


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


Case = QaCase | ConversationCase | SafetyCase

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
        items: tuple[Case, ...] = tuple(_CASES[kind].validate_python(cases))
    except ValidationError as exc:
        raise DatasetError(f"dataset {path} is invalid: {_problems(exc, cases)}") from exc
    seen: set[str] = set()
    for item in items:
        if item.id in seen:
            raise DatasetError(f"dataset {path} has a duplicate case id {item.id!r}")
        seen.add(item.id)
    return Dataset(name=path.stem, kind=kind, path=path, cases=items)


def load_datasets(paths: Sequence[Path]) -> list[Dataset]:
    return [load_dataset(path) for path in paths]
