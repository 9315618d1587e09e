"""Labelled safety messages (evals/datasets/safety/<split>/<author>.yaml), validated on load.

One file per independent author; a whole author sits in one split. Training reads `train`
only and thresholds are chosen on `dev`; the sealed `test` split is read by the eval alone,
which is why `load_split` names the split it reads and the trainer refuses `test`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from casebot.errors import DatasetError
from casebot.safety.models import CATEGORIES, NEEDS, Harm, Level

Split = Literal["train", "dev", "test"]


class HistoryTurn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    role: Literal["user", "assistant"]
    content: str


class LabelledMessage(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=1)
    text: str = Field(min_length=1)
    level: Level
    categories: list[str] = Field(default_factory=list)
    needs: list[str] = Field(default_factory=list)
    harmful: Harm | None = None
    lang: str = "en"
    history: list[HistoryTurn] = Field(default_factory=list)
    # An extra expectation some dev rows keep from the team's earlier set: these service ids
    # must be among the signposts.
    services: list[str] = Field(default_factory=list)

    @field_validator("categories")
    @classmethod
    def _known_categories(cls, value: list[str]) -> list[str]:
        unknown = sorted(set(value) - set(CATEGORIES))
        if unknown:
            raise ValueError(f"unknown categories {unknown}")
        return value

    @field_validator("needs")
    @classmethod
    def _known_needs(cls, value: list[str]) -> list[str]:
        unknown = sorted(set(value) - set(NEEDS))
        if unknown:
            raise ValueError(f"unknown needs {unknown}")
        return value

    @field_validator("history", mode="before")
    @classmethod
    def _none_is_empty(cls, value: object) -> object:
        return [] if value is None else value

    @property
    def english(self) -> bool:
        return self.lang == "en"

    def turns(self) -> list[tuple[str, str]]:
        return [(t.role, t.content) for t in self.history]


class AuthorFile(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    version: int
    author: str = Field(min_length=1)
    register_: str = Field(alias="register", min_length=1)
    split: Split
    messages: list[LabelledMessage] = Field(min_length=1)


@dataclass(frozen=True)
class Row:
    """One labelled message with who wrote it."""

    author: str
    register: str
    split: Split
    message: LabelledMessage


def load_author_file(path: Path) -> AuthorFile:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        data = AuthorFile.model_validate(raw)
    except OSError as exc:
        raise DatasetError(f"cannot read {path}: {exc.strerror or exc}") from exc
    except yaml.YAMLError as exc:
        raise DatasetError(f"{path} is not valid YAML") from exc
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise DatasetError(f"{path} is invalid at {where}: {first['msg']}") from exc
    if path.parent.name != data.split:
        raise DatasetError(f"{path} says split {data.split} but sits in {path.parent.name}/")
    ids = [m.id for m in data.messages]
    if len(ids) != len(set(ids)):
        raise DatasetError(f"{path} has duplicate message ids")
    return data


def load_split(root: Path, split: Split) -> list[Row]:
    """Every author's rows in `root/<split>/`, authors in name order."""
    files = sorted((root / split).glob("*.yaml"))
    if not files:
        raise DatasetError(f"no author files in {root / split}")
    rows: list[Row] = []
    for path in files:
        data = load_author_file(path)
        rows += [Row(data.author, data.register_, data.split, m) for m in data.messages]
    return rows


def load_splits(root: Path, splits: Sequence[Split]) -> list[Row]:
    return [row for split in splits for row in load_split(root, split)]


def calm_questions(paths: Sequence[Path]) -> list[Row]:
    """Ordinary questions about the review from the question-type train files (authors t01,
    t02), as calm training rows. Questions of type `support` are left out: asking for
    support can be a disclosure ("I'm an officer being harassed, where do I go?"); so are
    files marked `ordinary: false` (registers whose questions may disclose harm)."""
    rows: list[Row] = []
    for path in paths:
        try:
            raw = yaml.safe_load(path.read_text(encoding="utf-8"))
            author, questions = str(raw["author"]), list(raw["questions"])
        except (OSError, yaml.YAMLError, KeyError, TypeError) as exc:
            raise DatasetError(f"cannot read questions in {path}: {type(exc).__name__}") from exc
        if raw.get("ordinary", True) is False:
            continue
        for i, q in enumerate(questions):
            if q.get("type") == "support":
                continue
            message = LabelledMessage(id=f"{author}-{i:04d}", text=str(q["text"]), level="none")
            rows.append(Row(author, "ordinary questions about the review", "train", message))
    return rows
