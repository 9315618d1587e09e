"""Scoring: the learned classifier, run in plain numpy from committed parameters.

Features of a text unit (the whole message, or one of its sentences): its MiniLM
embedding, word 1-2-gram and character 3-5-gram tf-idf over the normalised text, and the
rules that fired. One linear layer gives every head at once: the level (none, sensitive,
urgent), each category, each need and the kind of harmful request. A message scores the
maximum over its whole and its sentences, so danger in the middle of a long message about
something else still counts; the last three user turns carry over with decay.

scikit-learn fits these parameters (`casebot safety train`, safety/training.py) but is
not needed here, so a new scikit-learn at install cannot change what casebot serves.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from itertools import pairwise
from pathlib import Path
from typing import Any

import numpy as np

from casebot.errors import PromptError
from casebot.safety.models import CATEGORIES, HARM_KINDS, NEEDS

Matrix = np.ndarray[Any, Any]

LEVELS = ("none", "sensitive", "urgent")
# The columns of the one linear layer, head by head.
OUTPUTS: tuple[str, ...] = (
    *(f"level:{x}" for x in LEVELS),
    *(f"category:{c}" for c in CATEGORIES),
    *(f"need:{n}" for n in NEEDS),
    "harm:none",
    *(f"harm:{h}" for h in HARM_KINDS),
)
_TOKEN = re.compile(r"[a-z0-9]+(?:'[a-z]+)?|[^\sa-z0-9.,;:'\"()\-]")


def tokens(norm: str) -> list[str]:
    """Words of normalised text; emoji and symbols are words too (a pill emoji says a lot)."""
    return _TOKEN.findall(norm)


def ngrams(norm: str) -> Counter[str]:
    """Word 1-2-grams ("w:") and character 3-5-grams within words ("c:") of one text."""
    words = tokens(norm)
    grams = ["w:" + w for w in words]
    grams += ["w:" + a + " " + b for a, b in pairwise(words)]
    for word in words:
        padded = f" {word} "
        size = len(padded)
        grams += ["c:" + padded[j : j + n] for n in (3, 4, 5) for j in range(size - n + 1)]
    return Counter(grams)


@dataclass(frozen=True)
class Vocabulary:
    """Which n-grams the model knows, their column and inverse document frequency."""

    index: Mapping[str, int]
    idf: Matrix  # float32, one per n-gram
    words: int  # the first `words` columns are word n-grams; the rest are character n-grams

    def sparse(self, counts: Counter[str]) -> tuple[Matrix, Matrix]:
        """tf-idf (sublinear tf), each block (words, characters) scaled to unit length."""
        get = self.index.get
        known = [(col, n) for gram, n in counts.items() if (col := get(gram)) is not None]
        if not known:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        idx = np.fromiter((c for c, _ in known), dtype=np.int64, count=len(known))
        tf = np.fromiter((n for _, n in known), dtype=np.float32, count=len(known))
        values = (1.0 + np.log(tf)) * self.idf[idx]
        is_word = idx < self.words
        for block in (is_word, ~is_word):
            norm = float(np.sqrt(np.sum(values[block] ** 2)))
            if norm:
                values[block] /= norm
        return idx, values.astype(np.float32)


@dataclass(frozen=True)
class Layer:
    """One linear layer over [embedding, n-grams, rules]: weights and biases per output."""

    embedding: Matrix | None  # (dim, outputs), or None for the text-only variant
    ngrams: Matrix  # (vocabulary, outputs)
    rules: Matrix  # (rules, outputs)
    bias: Matrix  # (outputs,)

    def logits(
        self,
        vectors: Matrix | None,
        grams: Sequence[tuple[Matrix, Matrix]],
        rule_rows: Matrix,
    ) -> Matrix:
        out = np.tile(self.bias, (len(grams), 1)).astype(np.float32)
        if self.embedding is not None and vectors is not None:
            out += vectors @ self.embedding
        for i, (idx, values) in enumerate(grams):
            if len(idx):
                out[i] += values @ self.ngrams[idx]
        out += rule_rows @ self.rules
        return out


def _softmax(x: Matrix) -> Matrix:
    z = np.exp(x - x.max(axis=-1, keepdims=True))
    return np.asarray(z / z.sum(axis=-1, keepdims=True))


def _sigmoid(x: Matrix) -> Matrix:
    return np.asarray(1.0 / (1.0 + np.exp(-x)))


def probabilities(logits: Matrix) -> Matrix:
    """Each head's probabilities from its logits: softmax for level and harm, else sigmoid."""
    out = np.empty_like(logits)
    level = slice(0, len(LEVELS))
    harm = slice(len(OUTPUTS) - len(HARM_KINDS) - 1, len(OUTPUTS))
    binary = slice(level.stop, harm.start)
    out[:, level] = _softmax(logits[:, level])
    out[:, harm] = _softmax(logits[:, harm])
    out[:, binary] = _sigmoid(logits[:, binary])
    return out


@dataclass(frozen=True)
class Thresholds:
    """Chosen on dev (safety/training.py); every value is a calibrated probability."""

    urgent: float  # at or above: urgent
    check_in: float  # at or above (and below urgent): urgent with a check-in
    sensitive: float  # P(sensitive or urgent) at or above: at least sensitive
    category: float
    need: float
    harmful: float  # P(some harmful request) at or above: refused (per kind, see below)
    history_decay: float  # an earlier turn's odds are multiplied by this per turn back
    # Raised per kind of request above every ordinary dev question that kind scores.
    harmful_by_kind: Mapping[str, float] = field(default_factory=dict)
    # At most this many categories from the scores (0: no limit): a reply can point to a
    # few situations well, and each takes places among the signposts.
    max_categories: int = 0
    # Categories at or above this (best F1 on dev) choose the guidance that leads; routing
    # uses `category`, chosen for routing.
    category_lead: float = 0.5

    def refuses(self, harmful: float, kind: str) -> bool:
        return harmful >= self.harmful_by_kind.get(kind, self.harmful)


@dataclass(frozen=True)
class Platt:
    """Calibration and stacking: sigmoid(a * logit(p) + b * neighbours + c), fitted on
    out-of-fold scores (folds split by author). `neighbours` is how much closer the text is
    to the training messages of that level than to calm ones (see Memory)."""

    a: float
    b: float
    c: float

    def __call__(self, p: Matrix, neighbours: Matrix | None) -> Matrix:
        logit = np.log(np.clip(p, 1e-6, 1 - 1e-6) / np.clip(1 - p, 1e-6, 1.0))
        near = 0.0 if neighbours is None else self.b * neighbours
        return _sigmoid(self.a * logit + near + self.c)


NEIGHBOURS = 10


@dataclass(frozen=True)
class Aggregate:
    """A message's level probability from its units: the whole message's, the highest of
    its sentences', and how many sentences it has (the more sentences, the more chances for
    one to score high by accident). Fitted on out-of-fold train scores (training.py)."""

    whole: float
    sentence: float
    count: float
    c: float

    def __call__(self, whole: float, sentence: float, sentences: int) -> float:
        z = (
            self.whole * _logit(whole)
            + self.sentence * _logit(sentence)
            + self.count * float(np.log(max(sentences, 1)))
            + self.c
        )
        return float(1.0 / (1.0 + np.exp(-z)))


def _logit(p: float) -> float:
    q = min(max(p, 1e-6), 1 - 1e-6)
    return float(np.log(q / (1 - q)))


@dataclass(frozen=True)
class Memory:
    """The train split's messages as embeddings with their levels: a text's nearest
    neighbours among urgent (or disclosing) messages against its nearest calm ones."""

    vectors: Matrix  # (messages, dim)
    levels: Matrix  # (messages,) 0 none, 1 sensitive, 2 urgent

    def __post_init__(self) -> None:
        # Split once by level, so a query is three products and no masking; in float32,
        # since a product with the artifact's float16 has no BLAS kernel and costs ten times
        # as much on every message.
        vectors = self.vectors.astype(np.float32)
        groups = {
            "calm": vectors[self.levels == 0],
            "urgent": vectors[self.levels == 2],
            "disclosing": vectors[self.levels >= 1],
        }
        transposed = {k: np.ascontiguousarray(v.T) for k, v in groups.items()}
        object.__setattr__(self, "_groups", transposed)

    def closeness(self, queries: Matrix, exclude: Matrix | None = None) -> Matrix:
        """(queries, 2): urgent minus calm, and disclosing (sensitive or urgent) minus calm,
        each the mean similarity of the NEIGHBOURS nearest. `exclude` (queries, messages)
        masks neighbours out (an author's own messages, when fitting)."""
        if exclude is not None:
            sims = np.where(exclude, -1.0, queries @ self.vectors.T)
            calm = _top_mean(sims[:, self.levels == 0])
            urgent = _top_mean(sims[:, self.levels == 2])
            disclosing = _top_mean(sims[:, self.levels >= 1])
        else:
            groups: dict[str, Matrix] = self._groups  # type: ignore[attr-defined]
            q = queries.astype(np.float32)
            calm = _top_mean(q @ groups["calm"])
            urgent = _top_mean(q @ groups["urgent"])
            disclosing = _top_mean(q @ groups["disclosing"])
        return np.stack([urgent - calm, disclosing - calm], axis=1)


def _top_mean(sims: Matrix) -> Matrix:
    k = min(NEIGHBOURS, sims.shape[1])
    return np.asarray(np.partition(sims, -k, axis=1)[:, -k:].mean(axis=1))


@dataclass(frozen=True)
class Scores:
    """A message's scores: each head's probability, the maximum over its text units."""

    urgent: float
    at_least_sensitive: float
    categories: Mapping[str, float]
    needs: Mapping[str, float]
    harmful: float
    harm_kind: str

    def items(self) -> tuple[tuple[str, float], ...]:
        top = sorted(self.categories.items(), key=lambda kv: -kv[1])[:3]
        return (
            ("urgent", round(self.urgent, 3)),
            ("sensitive", round(self.at_least_sensitive, 3)),
            ("harmful", round(self.harmful, 3)),
            *((f"category:{c}", round(p, 3)) for c, p in top),
        )


@dataclass(frozen=True)
class Model:
    """The committed classifier: vocabulary, two layers (with and without embeddings),
    calibration and thresholds for each."""

    vocabulary: Vocabulary
    rule_ids: tuple[str, ...]
    full: Layer
    text_only: Layer
    calibration: Mapping[str, Platt]  # "full:urgent", "text:sensitive", ...
    thresholds: Mapping[str, Thresholds]  # "full", "text"
    embedder: str  # the embedding model the full layer was trained on
    dim: int
    memory: Memory
    aggregate: Mapping[str, Aggregate] = field(default_factory=dict)  # "full:urgent", ...

    def combine(self, probs: Matrix, variant: str) -> Scores:
        """A message's scores from its units (the whole first, then its sentences): the
        levels through the fitted aggregate, every other head the maximum."""
        scores = combine(probs)
        agg_u = self.aggregate.get(f"{variant}:urgent")
        agg_s = self.aggregate.get(f"{variant}:sensitive")
        if agg_u is None or agg_s is None:
            return scores
        u, s = LEVELS.index("urgent"), LEVELS.index("sensitive")
        n = max(len(probs) - 1, 1)
        rest = probs[1:] if len(probs) > 1 else probs
        return replace(
            scores,
            urgent=agg_u(float(probs[0, u]), float(rest[:, u].max()), n),
            at_least_sensitive=agg_s(float(probs[0, s]), float(rest[:, s].max()), n),
        )

    def rule_rows(self, fired: Sequence[Sequence[str]]) -> Matrix:
        rows = np.zeros((len(fired), len(self.rule_ids)), dtype=np.float32)
        position = {r: i for i, r in enumerate(self.rule_ids)}
        for i, ids in enumerate(fired):
            for rule_id in ids:
                if rule_id in position:
                    rows[i, position[rule_id]] = 1.0
        return rows

    def unit_probabilities(
        self,
        grams: Sequence[Counter[str]],
        fired: Sequence[Sequence[str]],
        vectors: Matrix | None,
    ) -> Matrix:
        """Calibrated probabilities per unit (rows) and output (OUTPUTS)."""
        variant = "full" if vectors is not None else "text"
        layer = self.full if vectors is not None else self.text_only
        sparse = [self.vocabulary.sparse(g) for g in grams]
        probs = probabilities(layer.logits(vectors, sparse, self.rule_rows(fired)))
        near = None if vectors is None else self.memory.closeness(vectors)
        return calibrated(probs, near, self.calibration, variant)


def calibrated(
    probs: Matrix, near: Matrix | None, calibration: Mapping[str, Platt], variant: str
) -> Matrix:
    """The level columns calibrated and stacked with the neighbours; column
    "level:sensitive" then carries P(sensitive or urgent)."""
    out = probs.copy()
    urgent = probs[:, LEVELS.index("urgent")]
    sensitive = urgent + probs[:, LEVELS.index("sensitive")]
    out[:, LEVELS.index("urgent")] = calibration[f"{variant}:urgent"](
        urgent, None if near is None else near[:, 0]
    )
    out[:, LEVELS.index("sensitive")] = calibration[f"{variant}:sensitive"](
        sensitive, None if near is None else near[:, 1]
    )
    return out


def combine(probs: Matrix) -> Scores:
    """A message's scores: the maximum of each output over its units."""
    top = probs.max(axis=0)
    harm_start = len(OUTPUTS) - len(HARM_KINDS) - 1
    harm = probs[:, harm_start:]
    harmful = float((1.0 - harm[:, 0]).max())
    kinds = harm[:, 1:].max(axis=0)
    cat0 = len(LEVELS)
    need0 = cat0 + len(CATEGORIES)
    return Scores(
        urgent=float(top[LEVELS.index("urgent")]),
        at_least_sensitive=float(top[LEVELS.index("sensitive")]),
        categories={c: float(top[cat0 + i]) for i, c in enumerate(CATEGORIES)},
        needs={n: float(top[need0 + i]) for i, n in enumerate(NEEDS)},
        harmful=harmful,
        harm_kind=HARM_KINDS[int(np.argmax(kinds))],
    )


# --- the committed artifact: model.npz (arrays) and model.json (names, thresholds) ----------

ARRAYS = "model.npz"
META = "model.json"


def save_model(model: Model, directory: Path) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    vocab = sorted(model.vocabulary.index, key=lambda g: model.vocabulary.index[g])
    arrays: dict[str, Matrix] = {
        "idf": model.vocabulary.idf.astype(np.float32),
        "full_embedding": _half(model.full.embedding),
        "full_ngrams": _half(model.full.ngrams),
        "full_rules": model.full.rules.astype(np.float32),
        "full_bias": model.full.bias.astype(np.float32),
        "text_ngrams": _half(model.text_only.ngrams),
        "text_rules": model.text_only.rules.astype(np.float32),
        "text_bias": model.text_only.bias.astype(np.float32),
        "memory_vectors": model.memory.vectors.astype(np.float16),
        "memory_levels": model.memory.levels.astype(np.int8),
    }
    np.savez_compressed(directory / ARRAYS, **arrays)  # type: ignore[arg-type]  # numpy's stub
    meta = {
        "schema": 1,
        "embedder": model.embedder,
        "dim": model.dim,
        "outputs": list(OUTPUTS),
        "word_ngrams": model.vocabulary.words,
        "vocabulary": vocab,
        "rules": list(model.rule_ids),
        "calibration": {k: [v.a, v.b, v.c] for k, v in model.calibration.items()},
        "aggregate": {
            k: [v.whole, v.sentence, v.count, v.c] for k, v in model.aggregate.items()
        },
        "thresholds": {k: vars(v) for k, v in model.thresholds.items()},
    }
    (directory / META).write_text(json.dumps(meta, indent=0) + "\n", encoding="utf-8")


def _half(matrix: Matrix | None) -> Matrix:
    assert matrix is not None
    # Half precision halves the file; a weight's error (1e-3 relative) moves no decision.
    return matrix.astype(np.float16)


def load_model(directory: Path) -> Model:
    try:
        meta = json.loads((directory / META).read_text(encoding="utf-8"))
        with np.load(directory / ARRAYS) as npz:
            arrays = {k: np.asarray(npz[k], dtype=np.float32) for k in npz.files}
    except (OSError, ValueError, KeyError) as exc:
        raise PromptError(f"safety model in {directory} is unreadable: {exc}") from exc
    if tuple(meta["outputs"]) != OUTPUTS:
        raise PromptError(f"safety model in {directory} has other outputs: retrain it")
    vocabulary = Vocabulary(
        {g: i for i, g in enumerate(meta["vocabulary"])}, arrays["idf"], int(meta["word_ngrams"])
    )
    return Model(
        vocabulary=vocabulary,
        rule_ids=tuple(meta["rules"]),
        full=Layer(
            arrays["full_embedding"],
            arrays["full_ngrams"],
            arrays["full_rules"],
            arrays["full_bias"],
        ),
        text_only=Layer(None, arrays["text_ngrams"], arrays["text_rules"], arrays["text_bias"]),
        calibration={k: Platt(*map(float, v)) for k, v in meta["calibration"].items()},
        thresholds={k: Thresholds(**v) for k, v in meta["thresholds"].items()},
        embedder=str(meta["embedder"]),
        dim=int(meta["dim"]),
        memory=Memory(arrays["memory_vectors"], arrays["memory_levels"].astype(np.int64)),
        aggregate={
            k: Aggregate(*map(float, v)) for k, v in meta.get("aggregate", {}).items()
        },
    )
