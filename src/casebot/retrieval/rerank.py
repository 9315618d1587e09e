"""A learned reranker over the fused candidates: which of them hold the question's evidence.

Reciprocal rank fusion weighs the chunk ranking, the sentence ranking and BM25 equally and
looks only at ranks. On fresh wording the right passage is usually among the first 30 fused
candidates but often not among the first 5: a chunk BM25 finds strongly and the vectors
rank middling loses to one all three rank middling. A logistic regression over a few
signals each candidate already has (its similarities, its BM25 score against the best one,
its fused score and place, its length, its kind) reorders the candidates by how likely
they hold evidence. Trained on the dev question authors' evidence (`casebot rerank
train`), never on the sealed test; each dev author's evidence entries among the first 5
candidates, with a model trained without that author, rose from 0.587 to 0.651
(docs/answers.md).

Weights are a few numbers in models/rerank/model.json; inference is one small matrix
product on vectors the search already has.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, get_args

import numpy as np

from casebot.errors import PromptError
from casebot.index.models import Kind
from casebot.index.version import LoadedIndex

Vector = np.ndarray[Any, Any]
META = "model.json"
SEED = 7
KINDS: tuple[str, ...] = get_args(Kind)
# Each is a reason a chunk may hold the evidence: close as a whole, close in one sentence,
# sharing the question's rare words, ranked well by the fusion, long enough to hold more,
# close to the question's other reading (a follow-up read alone), and what kind of page it is.
FEATURES: tuple[str, ...] = (
    "dense",
    "sentence",
    "lexical",
    "fused",
    "place",
    "length",
    "reading",
    *(f"kind_{kind}" for kind in KINDS),
)


@dataclass(frozen=True)
class RerankParams:
    """The reranker's training choices (one place, recorded in model.json)."""

    c: float = 1.0  # inverse regularisation (0.01-10 read alike on dev, held-out authors)


@dataclass(frozen=True)
class Candidates:
    """What the search knows of its first fused candidates, in fused order."""

    ids: Sequence[str]
    fused: Sequence[float]
    lexical: Sequence[float]  # BM25 score, 0 when BM25 did not find the chunk
    query_vector: Vector
    readings: Sequence[Vector] = ()


def features(index: LoadedIndex, found: Candidates) -> np.ndarray[Any, Any]:
    """One row of FEATURES per candidate."""
    top_fused = max(found.fused, default=0.0) or 1.0
    top_lexical = max(found.lexical, default=0.0) or 1.0
    rows = []
    for place, cid in enumerate(found.ids):
        chunk = index.by_id[cid]
        vector = index.vectors[index.position[cid]]
        dense = float(vector @ found.query_vector)
        sentences = index.sentence_rows(cid)
        sentence = float(np.max(sentences @ found.query_vector)) if len(sentences) else dense
        reading = max((float(vector @ r) for r in found.readings), default=dense)
        rows.append(
            [
                dense,
                sentence,
                found.lexical[place] / top_lexical,
                found.fused[place] / top_fused,
                1.0 / (1 + place),
                math.log1p(len(chunk.text)),
                reading,
                *(float(chunk.kind == kind) for kind in KINDS),
            ]
        )
    return np.array(rows, dtype=np.float64).reshape(len(rows), len(FEATURES))


@dataclass(frozen=True)
class Reranker:
    """Standardised features, then a logistic regression's linear score."""

    mean: Vector
    scale: Vector
    coef: Vector
    intercept: float
    embedder: str

    def scores(self, rows: np.ndarray[Any, Any]) -> Vector:
        """Each candidate's log-odds of holding evidence."""
        return np.asarray(((rows - self.mean) / self.scale) @ self.coef + self.intercept)

    def order(self, index: LoadedIndex, found: Candidates) -> list[tuple[str, float]]:
        """The candidates, most likely first, with their probability of holding evidence."""
        if not found.ids:
            return []
        logits = self.scores(features(index, found))
        return [(found.ids[i], 1.0 / (1.0 + math.exp(-float(logits[i])))) for i in ranked(logits)]


def ranked(logits: Vector) -> list[int]:
    """Positions, highest score first; ties keep the fused order."""
    return sorted(range(len(logits)), key=lambda i: (-float(logits[i]), i))


def fit(
    rows: np.ndarray[Any, Any], labels: Sequence[bool], embedder: str, params: RerankParams
) -> Reranker:
    """Logistic regression with balanced classes (a question has few relevant chunks)."""
    from sklearn.linear_model import LogisticRegression

    mean = rows.mean(axis=0)
    scale = rows.std(axis=0)
    scale[scale == 0] = 1.0
    model = LogisticRegression(
        C=params.c, class_weight="balanced", max_iter=2000, random_state=SEED
    )
    model.fit((rows - mean) / scale, np.asarray(labels, dtype=bool))
    return Reranker(mean, scale, model.coef_[0].copy(), float(model.intercept_[0]), embedder)


def save(reranker: Reranker, directory: Path, params: RerankParams, stats: dict[str, Any]) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    meta = {
        "schema": 1,
        "embedder": reranker.embedder,
        "features": list(FEATURES),
        "mean": [round(float(x), 8) for x in reranker.mean],
        "scale": [round(float(x), 8) for x in reranker.scale],
        "coef": [round(float(x), 8) for x in reranker.coef],
        "intercept": round(reranker.intercept, 8),
        "c": params.c,
        "seed": SEED,
        **stats,
    }
    (directory / META).write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")


def load(directory: Path) -> Reranker:
    try:
        meta = json.loads((directory / META).read_text(encoding="utf-8"))
        mean, scale, coef = (
            np.asarray(meta[k], dtype=np.float64) for k in ("mean", "scale", "coef")
        )
        intercept, embedder = float(meta["intercept"]), str(meta["embedder"])
        names = tuple(meta["features"])
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise PromptError(f"reranker in {directory} is unreadable: {exc}") from exc
    if names != FEATURES or any(v.shape != (len(FEATURES),) for v in (mean, scale, coef)):
        raise PromptError(f"reranker in {directory} reads other features: retrain it")
    return Reranker(mean, scale, coef, intercept, embedder)
