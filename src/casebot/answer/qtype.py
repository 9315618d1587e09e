"""What a question asks for: a small classifier over the shared MiniLM embedding.

The type chooses how an answer is composed (answer/strategies.py): an overview leads with
the review's findings in brief, a number question with the sentence holding the figure, a
comparison covers each side. Keyword patterns per type break on fresh wording ("in a
nutshell", "tl;dr", "explain it like I'm 15" are all overviews), so the type is learned
from questions written by independent authors (evals/datasets/qtypes/train), and inference
is one matrix product on the embedding the pipeline already computed for the query.

Weights are numpy arrays in models/qtype/ written by `casebot qtype train` (fixed seed, so
a retrain reproduces them); the sealed test split is never read.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, get_args

import numpy as np
import yaml

from casebot.answer.models import QuestionType
from casebot.errors import PromptError

Matrix = np.ndarray[Any, Any]
TYPES: tuple[str, ...] = get_args(QuestionType)
ARRAYS, META = "model.npz", "model.json"
SEED = 7


@dataclass(frozen=True)
class QtypeParams:
    """The classifier's training choices (one place, recorded in model.json)."""

    c: float = 2.0  # inverse regularisation, chosen on dev (0.5-32 tried: 2 reads best)


@dataclass(frozen=True)
class QuestionTyper:
    """Softmax regression: type = argmax(vector @ weights + bias)."""

    weights: Matrix  # (dim, len(TYPES))
    bias: Matrix  # (len(TYPES),)
    embedder: str
    classes: tuple[str, ...] = TYPES

    def read(self, vector: Matrix | None) -> str | None:
        """The question's type; None without an embedding (the default strategy then)."""
        if vector is None or vector.shape[-1] != self.weights.shape[0]:
            return None
        scores = np.asarray(vector, dtype=np.float32) @ self.weights + self.bias
        return self.classes[int(np.argmax(scores))]


def labelled_questions(files: Sequence[Path]) -> list[tuple[str, str]]:
    """(text, type) rows from question-type author files (`questions: [{text, type}]`)."""
    rows: list[tuple[str, str]] = []
    for file in files:
        try:
            raw = yaml.safe_load(file.read_text(encoding="utf-8"))
            items = list(raw["questions"])
        except (OSError, yaml.YAMLError, KeyError, TypeError) as exc:
            why = type(exc).__name__
            raise PromptError(f"cannot read question types in {file}: {why}") from exc
        for item in items:
            kind = str(item.get("type"))
            if kind not in TYPES:
                known = ", ".join(TYPES)
                raise PromptError(f"{file}: question type {kind!r} is not one of {known}")
            rows.append((str(item["text"]), kind))
    return rows


def fit(
    vectors: Matrix, labels: Sequence[str], embedder: str, params: QtypeParams
) -> QuestionTyper:
    """Multinomial logistic regression with balanced class weights (rare types count)."""
    from sklearn.linear_model import LogisticRegression

    y = np.array([TYPES.index(label) for label in labels])
    model = LogisticRegression(
        C=params.c, class_weight="balanced", max_iter=2000, random_state=SEED
    )
    model.fit(vectors, y)
    weights = np.zeros((vectors.shape[1], len(TYPES)), dtype=np.float32)
    bias = np.full(len(TYPES), -30.0, dtype=np.float32)  # a type never seen never wins
    for column, cls in enumerate(model.classes_):
        weights[:, cls] = model.coef_[column]
        bias[cls] = model.intercept_[column]
    return QuestionTyper(weights, bias, embedder)


def save(typer: QuestionTyper, directory: Path, params: QtypeParams, rows: int) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(directory / ARRAYS, weights=typer.weights, bias=typer.bias)
    meta = {
        "schema": 1,
        "embedder": typer.embedder,
        "classes": list(typer.classes),
        "c": params.c,
        "seed": SEED,
        "training_rows": rows,
    }
    (directory / META).write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")


def load(directory: Path) -> QuestionTyper:
    try:
        meta = json.loads((directory / META).read_text(encoding="utf-8"))
        with np.load(directory / ARRAYS) as npz:
            weights = np.asarray(npz["weights"], dtype=np.float32)
            bias = np.asarray(npz["bias"], dtype=np.float32)
    except (OSError, ValueError, KeyError) as exc:
        raise PromptError(f"question-type model in {directory} is unreadable: {exc}") from exc
    classes = tuple(meta["classes"])
    if classes != TYPES or weights.shape != (weights.shape[0], len(TYPES)):
        raise PromptError(f"question-type model in {directory} has other types: retrain it")
    return QuestionTyper(weights, bias, str(meta["embedder"]), classes)
