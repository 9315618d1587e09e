"""`casebot safety train`: fit the classifier on the train split, choose thresholds on dev.

scikit-learn fits logistic regressions (fixed seed, balanced class weights) over the
features scoring.py computes; calibration (Platt scaling) is fitted on out-of-fold train
scores with the folds split by author, so it sees messages worded by someone the model
did not learn from. Thresholds are chosen on dev through the shipped assessor itself:
the check-in threshold is the highest giving urgent recall of at least URGENT_RECALL there.
The result is numpy arrays and JSON (scoring.save_model); serving never imports sklearn.

The sealed test split is never read here.
"""

from __future__ import annotations

import functools
import math
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

import numpy as np

from casebot.embeddings import Embedder
from casebot.errors import UsageError
from casebot.progress import Reporter, SilentReporter
from casebot.safety.assess import Assessor, Reading, units
from casebot.safety.data import Row, load_split
from casebot.safety.models import CATEGORIES, HARM_KINDS, NEEDS, SafetyAssessment
from casebot.safety.scanning import Rules
from casebot.safety.scoring import (
    LEVELS,
    OUTPUTS,
    Aggregate,
    Layer,
    Matrix,
    Memory,
    Model,
    Platt,
    Thresholds,
    Vocabulary,
    ngrams,
)

P = ParamSpec("P")
T = TypeVar("T")

SEED = 11
URGENT_RECALL = 0.97
FALSE_URGENT = 0.03  # the most calm dev messages a check-in threshold may show 999 to
# Once URGENT_RECALL is reached, the check-in threshold keeps falling while at most this share
# of calm dev messages is shown 999: asking a calm person whether they are safe costs a line,
# missing a person in danger costs the 999 they needed. Half of FALSE_URGENT; the other half
# is margin for wording dev does not hold.
CHECK_IN_BUDGET = 0.015
HARMFUL = 0.5  # refuse what is more likely a harmful request than not
SURE = 0.95  # share of dev messages over the urgent threshold that are urgent
# The sensitive threshold maximises F-beta with recall weighted this much over precision: a
# disclosure missed goes without a signpost, while a calm question rated sensitive gets a
# support line it did not need beside its answer.
SENSITIVE_BETA = 2.0
WORD_FEATURES = 12000
CHAR_FEATURES = 24000
MIN_DF = 2
C_VALUE = 2.0  # inverse regularisation, the same for every head
EMBEDDING_SCALE = 0.5  # the embedding block's weight against the unit-length n-gram blocks
RULE_SCALE = 1.0
FOLDS = 5
DECAYS = (0.02, 0.05, 0.1, 0.2, 0.4)
CATEGORY_GRID = (0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8)
MAX_CATEGORIES_GRID = (2, 3, 4, 0)
Embed = Callable[[Sequence[str]], Matrix]
# Whether a reply routes a dev row to the help it needs (True/False), or None when the row
# is not about routing: the eval's definition, handed in by the command that trains.
RouteCheck = Callable[[Row, SafetyAssessment], bool | None]


@dataclass(frozen=True)
class TrainingSet:
    texts: list[str]  # what is embedded (the message, or the last user turn and it)
    norms: list[str]
    fired: list[list[str]]
    groups: list[str]  # author, for grouped folds
    rows: list[Row]


def training_set(rows: Sequence[Row], rules: Rules) -> TrainingSet:
    """One unit per message, and one more for a message with history: the last user turn
    and the message read together, as the assessor reads it."""
    texts, rows_out = [], []
    for row in rows:
        m = row.message
        if not m.english:
            continue  # casebot does not try to classify what it cannot read
        u = units(m.text, m.turns())
        texts.append(m.text)
        rows_out.append(row)
        if u.joint is not None:
            texts.append(u.joint)
            rows_out.append(row)

    norms = [rules.normalise(t) for t in texts]
    fired = [rules.scan(n, normalised=True).fired for n in norms]
    return TrainingSet(texts, norms, fired, [r.author for r in rows_out], rows_out)


def targets(rows: Sequence[Row]) -> dict[str, np.ndarray[Any, Any]]:
    m = [r.message for r in rows]
    out: dict[str, np.ndarray[Any, Any]] = {
        "level": np.array([LEVELS.index(x.level) for x in m]),
        "harm": np.array([0 if x.harmful is None else 1 + HARM_KINDS.index(x.harmful) for x in m]),
    }
    for c in CATEGORIES:
        out[f"category:{c}"] = np.array([int(c in x.categories) for x in m])
    for n in NEEDS:
        out[f"need:{n}"] = np.array([int(n in x.needs) for x in m])
    return out


def build_vocabulary(norms: Sequence[str]) -> Vocabulary:
    df: Counter[str] = Counter()
    for norm in norms:
        df.update(set(ngrams(norm)))
    words = [g for g, n in df.most_common() if g.startswith("w:") and n >= MIN_DF][:WORD_FEATURES]
    chars = [g for g, n in df.most_common() if g.startswith("c:") and n >= MIN_DF][:CHAR_FEATURES]
    grams = sorted(words) + sorted(chars)
    total = len(norms)
    idf = np.array([math.log((1 + total) / (1 + df[g])) + 1.0 for g in grams], dtype=np.float32)
    return Vocabulary({g: i for i, g in enumerate(grams)}, idf, len(words))


def design(
    vocab: Vocabulary,
    rule_ids: Sequence[str],
    norms: Sequence[str],
    fired: Sequence[Sequence[str]],
    vectors: Matrix | None,
) -> Any:
    from scipy import sparse

    data, rows, cols = [], [], []
    for i, norm in enumerate(norms):
        idx, values = vocab.sparse(ngrams(norm))
        rows += [i] * len(idx)
        cols += idx.tolist()
        data += values.tolist()
    grams = sparse.csr_matrix((data, (rows, cols)), shape=(len(norms), len(vocab.index)))
    position = {r: i for i, r in enumerate(rule_ids)}
    rule_rows = np.zeros((len(norms), len(rule_ids)), dtype=np.float32)
    for i, ids in enumerate(fired):
        for rule_id in ids:
            if rule_id in position:
                rule_rows[i, position[rule_id]] = RULE_SCALE
    blocks = [grams, sparse.csr_matrix(rule_rows)]
    if vectors is not None:
        blocks.insert(0, sparse.csr_matrix(vectors * EMBEDDING_SCALE))
    return sparse.hstack(blocks).tocsr()


def _logistic(multiclass: bool) -> Any:
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(
        C=C_VALUE,
        class_weight="balanced",
        max_iter=2000,
        solver="lbfgs" if multiclass else "liblinear",
        random_state=SEED,
    )


def _fit_heads(x: Any, y: dict[str, np.ndarray[Any, Any]]) -> tuple[Matrix, Matrix]:
    """Weights (features, outputs) and biases (outputs,) in OUTPUTS order."""
    weights = np.zeros((x.shape[1], len(OUTPUTS)), dtype=np.float64)
    bias = np.zeros(len(OUTPUTS), dtype=np.float64)
    for head, size in (("level", len(LEVELS)), ("harm", 1 + len(HARM_KINDS))):
        model = _logistic(True).fit(x, y[head])
        start = OUTPUTS.index(f"{head}:{'none'}")
        for k, cls in enumerate(model.classes_):
            weights[:, start + int(cls)] = model.coef_[k]
            bias[start + int(cls)] = model.intercept_[k]
        missing = set(range(size)) - {int(c) for c in model.classes_}
        for cls in missing:
            bias[start + cls] = -30.0  # a class with no training row never wins
    for name in (*(f"category:{c}" for c in CATEGORIES), *(f"need:{n}" for n in NEEDS)):
        col = OUTPUTS.index(name)
        if y[name].sum() == 0:
            bias[col] = -30.0
            continue
        model = _logistic(False).fit(x, y[name])
        weights[:, col] = model.coef_[0]
        bias[col] = model.intercept_[0]
    return weights, bias


def _layer(weights: Matrix, bias: Matrix, dim: int | None, n_grams: int) -> Layer:
    offset = 0
    embedding = None
    if dim is not None:
        embedding = (weights[:dim] * EMBEDDING_SCALE).astype(np.float32)
        offset = dim
    grams = weights[offset : offset + n_grams].astype(np.float32)
    rules = (weights[offset + n_grams :] * RULE_SCALE).astype(np.float32)
    return Layer(embedding, grams, rules, bias.astype(np.float32))


def _platt(scores: Matrix, near: Matrix | None, truth: Matrix) -> Platt:
    from sklearn.linear_model import LogisticRegression

    p = np.clip(scores, 1e-6, 1 - 1e-6)
    columns = [np.log(p / (1 - p))] + ([near] if near is not None else [])
    model = LogisticRegression(C=100.0, random_state=SEED).fit(np.stack(columns, 1), truth)
    b = float(model.coef_[0][1]) if near is not None else 0.0
    return Platt(float(model.coef_[0][0]), b, float(model.intercept_[0]))


def _calibrate(
    x: Any,
    y: dict[str, np.ndarray[Any, Any]],
    data: TrainingSet,
    near: Matrix | None,
    xs: Any,
    parts: Sentences,
    embedded: bool,
) -> tuple[dict[str, Platt], dict[str, Aggregate]]:
    """Platt scaling of P(urgent) and P(sensitive or urgent), stacked with the neighbours'
    closeness, on out-of-fold scores with folds split by author; then the aggregate that
    reads a message from its whole and its sentences, fitted on the same folds."""
    from sklearn.model_selection import GroupKFold

    level = y["level"]
    oof = np.zeros((len(level), len(LEVELS)))
    oof_s = np.zeros((len(parts.owner), len(LEVELS)))
    owner = np.array(parts.owner, dtype=np.int64)
    for train_idx, held_idx in GroupKFold(n_splits=FOLDS).split(x, level, list(data.groups)):
        model = _logistic(True).fit(x[train_idx], level[train_idx])
        oof[np.ix_(held_idx, model.classes_)] = model.predict_proba(x[held_idx])
        held_s = np.flatnonzero(np.isin(owner, held_idx))
        if len(held_s):
            oof_s[np.ix_(held_s, model.classes_)] = model.predict_proba(xs[held_s])
    near_s = parts.near if embedded else None
    platts = {
        "urgent": _platt(oof[:, 2], None if near is None else near[:, 0], (level == 2).astype(int)),
        "sensitive": _platt(
            oof[:, 2] + oof[:, 1], None if near is None else near[:, 1], (level >= 1).astype(int)
        ),
    }
    aggs = {}
    for key, column, truth in (("urgent", 0, level == 2), ("sensitive", 1, level >= 1)):
        whole_p = oof[:, 2] if key == "urgent" else oof[:, 2] + oof[:, 1]
        sent_p = oof_s[:, 2] if key == "urgent" else oof_s[:, 2] + oof_s[:, 1]
        whole = platts[key](whole_p, None if near is None else near[:, column])
        sent = platts[key](sent_p, None if near_s is None else near_s[:, column])
        aggs[key] = _aggregate(data, whole, sent, owner, truth.astype(int))
    return platts, aggs


def _aggregate(
    data: TrainingSet, whole: Matrix, sent: Matrix, owner: Matrix, truth: Matrix
) -> Aggregate:
    from sklearn.linear_model import LogisticRegression

    messages = [
        i for i, (t, r) in enumerate(zip(data.texts, data.rows, strict=True)) if t == r.message.text
    ]
    best = {i: whole[i] for i in messages}
    count = dict.fromkeys(messages, 0)
    for k, i in enumerate(owner.tolist()):
        best[i] = max(best[i], sent[k]) if count[i] else sent[k]
        count[i] += 1
    rows = [
        [_safe_logit(whole[i]), _safe_logit(best[i]), float(np.log(max(count[i], 1)))]
        for i in messages
    ]
    model = LogisticRegression(C=100.0, random_state=SEED).fit(np.array(rows), truth[messages])
    a, b, c = (float(v) for v in model.coef_[0])
    return Aggregate(a, b, c, float(model.intercept_[0]))


def _safe_logit(p: float) -> float:
    q = min(max(float(p), 1e-6), 1 - 1e-6)
    return float(np.log(q / (1 - q)))


def memory(data: TrainingSet, vectors: Matrix) -> tuple[Memory, Matrix]:
    """The train messages as neighbours, and each training unit's closeness to them with
    its own author's messages left out (as a new author's message would be read)."""
    whole = np.array([t == r.message.text for t, r in zip(data.texts, data.rows, strict=True)])
    levels = np.array([LEVELS.index(r.message.level) for r in data.rows])
    authors = np.array(data.groups)
    mem = Memory(vectors[whole].astype(np.float32), levels[whole])
    exclude = authors[:, None] == authors[whole][None, :]
    return mem, mem.closeness(vectors, exclude)


@dataclass(frozen=True)
class Fitted:
    vocabulary: Vocabulary
    rule_ids: tuple[str, ...]
    layers: dict[str, Layer]
    calibration: dict[str, Platt]
    memory: Memory
    aggregate: dict[str, Aggregate]


def with_key_sentences(
    data: TrainingSet,
    vocab: Vocabulary,
    rule_ids: Sequence[str],
    vectors: Matrix,
    rules: Rules,
    embed: Embed,
) -> TrainingSet:
    """One round of multiple-instance learning: a message in danger or disclosing harm has
    at least one sentence that says so. A first model picks, in each such message of more
    than one sentence, the sentence it scores highest for the message's level, which then
    joins the training set with the message's labels."""
    level = targets(data.rows)["level"]
    first = _logistic(True).fit(design(vocab, rule_ids, data.norms, data.fired, vectors), level)
    picks: list[tuple[str, Row]] = []
    candidates: list[tuple[int, str, Row]] = []
    for i, (text, row) in enumerate(zip(data.texts, data.rows, strict=True)):
        if row.message.level == "none" or text != row.message.text:
            continue
        own = units(text).own
        candidates += [(i, sentence, row) for sentence in own[1:]]
    if not candidates:
        return data
    texts = [c[1] for c in candidates]
    norms = [rules.normalise(t) for t in texts]
    fired = [rules.scan(n, normalised=True).fired for n in norms]
    probs = first.predict_proba(design(vocab, rule_ids, norms, fired, embed(texts)))
    best: dict[int, tuple[float, str, Row]] = {}
    for (i, sentence, row), p in zip(candidates, probs, strict=True):
        score = float(p[2]) if row.message.level == "urgent" else float(p[1] + p[2])
        if i not in best or score > best[i][0]:
            best[i] = (score, sentence, row)
    picks = [(sentence, row) for _, sentence, row in best.values()]
    norms_added = [rules.normalise(t) for t, _ in picks]
    return TrainingSet(
        texts=data.texts + [t for t, _ in picks],
        norms=data.norms + norms_added,
        fired=data.fired + [rules.scan(n, normalised=True).fired for n in norms_added],
        groups=data.groups + [r.author for _, r in picks],
        rows=data.rows + [r for _, r in picks],
    )


def fit(
    rows: Sequence[Row], rules: Rules, embed: Embed, dim: int, reporter: Reporter
) -> Fitted:
    data = training_set(rows, rules)
    vocab = build_vocabulary(data.norms)
    rule_ids = rules.ids
    y = targets(data.rows)
    advance = reporter.stage("Embedding the train split", 1)
    vectors = embed(data.texts)
    advance(1)
    mem, _ = memory(data, vectors)
    advance = reporter.stage("Finding the sentences that carry each disclosure", 1)
    data = with_key_sentences(data, vocab, rule_ids, vectors, rules, embed)
    vectors = embed(data.texts)
    y = targets(data.rows)
    _, near = memory(data, vectors)
    advance(1)
    layers: dict[str, Layer] = {}
    calibration: dict[str, Platt] = {}
    aggregate: dict[str, Aggregate] = {}
    parts = _sentences_of(data, rules, embed, mem)
    for variant, vecs in (("full", vectors), ("text", None)):
        advance = reporter.stage(f"Fitting the {variant} classifier", 1)
        x = design(vocab, rule_ids, data.norms, data.fired, vecs)
        weights, bias = _fit_heads(x, y)
        layers[variant] = _layer(weights, bias, dim if vecs is not None else None, len(vocab.index))
        stacked = near if vecs is not None else None
        sentence_vectors = parts.vectors if vecs is not None else None
        xs = design(vocab, rule_ids, parts.norms, parts.fired, sentence_vectors)
        platts, aggs = _calibrate(x, y, data, stacked, xs, parts, vecs is not None)
        for key, platt in platts.items():
            calibration[f"{variant}:{key}"] = platt
        for key, agg in aggs.items():
            aggregate[f"{variant}:{key}"] = agg
        advance(1)
    return Fitted(vocab, tuple(rule_ids), layers, calibration, mem, aggregate)


@dataclass(frozen=True)
class Sentences:
    """The sentences of the train messages that have more than one, with their owner."""

    owner: list[int]  # index of the message's whole unit in the TrainingSet
    norms: list[str]
    fired: list[list[str]]
    vectors: Matrix
    near: Matrix  # closeness to the memory, the owner's author left out


def _sentences_of(data: TrainingSet, rules: Rules, embed: Embed, mem: Memory) -> Sentences:
    owner, texts = [], []
    for i, (text, row) in enumerate(zip(data.texts, data.rows, strict=True)):
        if text == row.message.text:
            own = units(text).own
            owner += [i] * (len(own) - 1)
            texts += list(own[1:])
    norms = [rules.normalise(t) for t in texts]
    fired = [rules.scan(n, normalised=True).fired for n in norms]
    vectors = embed(texts) if texts else np.zeros((0, mem.vectors.shape[1]), dtype=np.float32)
    authors = np.array([data.groups[i] for i in owner])
    triples = zip(data.texts, data.rows, data.groups, strict=True)
    mem_authors = np.array([g for t, r, g in triples if t == r.message.text])
    exclude = authors[:, None] == mem_authors[None, :] if len(owner) else None
    near = mem.closeness(vectors, exclude) if len(owner) else np.zeros((0, 2))
    return Sentences(owner, norms, fired, vectors, near)


# --- thresholds on dev ---------------------------------------------------------------------

_PROVISIONAL = Thresholds(
    urgent=0.5, check_in=0.3, sensitive=0.5, category=0.5, need=0.5, harmful=0.5,
    history_decay=0.1,
)  # fmt: skip


def _model(fitted: Fitted, embedder: str, dim: int, thresholds: dict[str, Thresholds]) -> Model:
    return Model(
        vocabulary=fitted.vocabulary,
        rule_ids=fitted.rule_ids,
        full=fitted.layers["full"],
        text_only=fitted.layers["text"],
        calibration=fitted.calibration,
        thresholds=thresholds,
        embedder=embedder,
        dim=dim,
        memory=fitted.memory,
        aggregate=fitted.aggregate,
    )


def dev_readings(
    assessor: Assessor, rows: Sequence[Row], embed: Embed | None, decay: float
) -> list[Reading]:
    """The assessor's readings of the English dev rows (with embeddings when `embed`)."""
    english = [r for r in rows if r.message.english]
    batches = [assessor.texts(r.message.text, r.message.turns()) for r in english]
    flat = [t for b in batches for t in b]
    vectors = embed(flat) if embed is not None and flat else None
    readings = []
    offset = 0
    for row, batch in zip(english, batches, strict=True):
        vecs = None if vectors is None else vectors[offset : offset + len(batch)]
        offset += len(batch)
        readings.append(assessor.read(row.message.text, row.message.turns(), vecs, decay))
    return readings


def _urgent_threshold(scores: Sequence[float], floors: Sequence[bool], target: float) -> float:
    """The highest threshold at which urgent rows (scored, or caught by a rule) reach
    `target` recall."""
    total = len(scores)
    for t in sorted({round(s, 4) for s in scores}, reverse=True):
        caught = sum(1 for s, f in zip(scores, floors, strict=True) if f or s >= t)
        if caught / total >= target:
            return float(t)
    return 0.0


def _sure(scores: Sequence[float], truth: Sequence[bool], check_in: float) -> float:
    """The lowest threshold, at or above the check-in one, over which at least SURE of the
    dev messages are urgent: below it the reply asks whether the person is safe now."""
    for t in sorted({round(x, 4) for x in scores if x >= check_in}):
        above = [y for x, y in zip(scores, truth, strict=True) if x >= t]
        if above and sum(above) / len(above) >= SURE:
            return float(t)
    return 0.99


def best_f(scores: Sequence[float], truth: Sequence[bool], beta: float = 1.0) -> float:
    """The threshold (on a grid of 0.05 to 0.95) with the highest F-beta; beta above 1
    weighs recall over precision."""
    b2 = beta * beta
    best, best_t = -1.0, 0.5
    for t in np.linspace(0.05, 0.95, 91):
        tp = sum(1 for s, y in zip(scores, truth, strict=True) if s >= t and y)
        fp = sum(1 for s, y in zip(scores, truth, strict=True) if s >= t and not y)
        fn = sum(1 for s, y in zip(scores, truth, strict=True) if s < t and y)
        f = (1 + b2) * tp / ((1 + b2) * tp + b2 * fn + fp) if tp else 0.0
        if f > best:
            best, best_t = f, float(t)
    return best_t


def choose_thresholds(
    readings: Sequence[Reading],
    rows: Sequence[Row],
    harmless: Sequence[tuple[str, float]],
    decay: float,
) -> Thresholds:
    """Thresholds from dev readings: recall first for danger, F1 for the rest."""
    english = [r for r in rows if r.message.english]
    pairs = [(rd, r.message) for rd, r in zip(readings, english, strict=True) if rd.scores]
    urgent = [(rd.scores.urgent, bool(rd.hits.urgent)) for rd, m in pairs if m.level == "urgent"]  # type: ignore[union-attr]
    check_in = _urgent_threshold([s for s, _ in urgent], [f for _, f in urgent], URGENT_RECALL)
    sure = _sure(
        [rd.scores.urgent for rd, _ in pairs], [m.level == "urgent" for _, m in pairs], check_in  # type: ignore[union-attr]
    )
    sensitive = best_f(
        [rd.scores.at_least_sensitive for rd, _ in pairs],  # type: ignore[union-attr]
        [m.level != "none" for _, m in pairs],
        SENSITIVE_BETA,
    )
    disclosed = [(rd, m) for rd, m in pairs if m.level != "none"]
    category = best_f(
        [rd.scores.categories[c] for rd, _ in disclosed for c in CATEGORIES],  # type: ignore[union-attr]
        [c in m.categories for _, m in disclosed for c in CATEGORIES],
    )
    need = best_f(
        [rd.scores.needs[n] for rd, _ in disclosed for n in NEEDS],  # type: ignore[union-attr]
        [n in m.needs for _, m in disclosed for n in NEEDS],
    )
    # Refuse when a request is more likely harmful than not; and no ordinary question may be
    # refused, so each kind's threshold sits above every ordinary dev question of that kind.
    # Nor may a dev message that asks for nothing harmful: a disclosure naming an officer's
    # messages or a stolen number reads like a request for personal data, and a refusal
    # turns away the person asking for help.
    harmless = [
        *harmless,
        *((rd.scores.harm_kind, rd.scores.harmful) for rd, m in pairs if not m.harmful),  # type: ignore[union-attr]
    ]
    by_kind: dict[str, float] = {}
    for kind, score in harmless:
        by_kind[kind] = max(by_kind.get(kind, HARMFUL), min(score + 0.01, 0.999))
    return Thresholds(
        urgent=max(sure, check_in),
        check_in=check_in,
        sensitive=sensitive,
        category=category,
        category_lead=category,
        need=need,
        harmful=HARMFUL,
        history_decay=decay,
        harmful_by_kind=by_kind,
    )


def _decay(assessor: Assessor, rows: Sequence[Row], embed: Embed | None) -> float:
    """The decay that best separates urgent, sensitive and none among dev rows with history."""
    with_history = [r for r in rows if r.message.history and r.message.english]
    if not with_history:
        return 0.1
    best, best_decay = -1.0, 0.1
    for decay in DECAYS:
        readings = dev_readings(assessor, with_history, embed, decay)
        right = 0
        for rd, row in zip(readings, with_history, strict=True):
            decided = assessor.decide(rd)
            right += int(decided.level == row.message.level)
        if right > best:
            best, best_decay = right, decay
    return best_decay


class EmbeddingCache:
    """Each distinct text embedded once, in batches: thresholds are searched over the same
    dev texts several times."""

    def __init__(self, embedder: Embedder) -> None:
        self._embedder = embedder
        self._cache: dict[str, Matrix] = {}

    def __call__(self, texts: Sequence[str]) -> Matrix:
        new = [t for t in dict.fromkeys(texts) if t not in self._cache]
        if new:
            for text, vector in zip(new, self._embedder.embed(new), strict=True):
                self._cache[text] = vector
        return np.stack([self._cache[t] for t in texts]) if texts else np.zeros((0, 1))


def _on_one_thread(fn: Callable[P, T]) -> Callable[P, T]:
    """Runs `fn` with every native thread pool it may use on one thread: numpy's BLAS and
    OpenMP (scikit-learn's loss and gradient sums are OpenMP loops). The order of a sum
    depends on how many threads share it, and a threshold that sits just above one dev
    message's score flips with the last digit, so a retrain reproduces the committed model
    only when both ran with the same pools. With BLAS alone fixed, the whole test suite's
    process (other tests had sized its pools first) refitted a model two harmful dev
    requests away from the CLI's."""

    @functools.wraps(fn)
    def run(*args: P.args, **kwargs: P.kwargs) -> T:
        from threadpoolctl import threadpool_limits

        with threadpool_limits(limits=1):
            return fn(*args, **kwargs)

    return run


@_on_one_thread
def train(
    root: Path,
    rules: Rules,
    embedder: Embedder,
    harmless_questions: Sequence[str],
    build: Callable[[Model], Assessor],
    reporter: Reporter | None = None,
    calm: Sequence[Row] = (),
    routes: RouteCheck | None = None,
) -> Model:
    """Fit on `root/train` (and `calm` train questions), choose thresholds on `root/dev`;
    the model, not yet saved."""
    reporter = reporter or SilentReporter()
    train_rows = load_split(root, "train") + [r for r in calm if r.split == "train"]
    dev_rows = load_split(root, "dev")
    if any(r.split == "test" for r in (*train_rows, *dev_rows)):
        raise UsageError("the sealed test split is never used for training")
    dim = int(embedder.embed(["dimension"]).shape[1])
    cache = EmbeddingCache(embedder)
    fitted = fit(train_rows, rules, cache, dim, reporter)
    thresholds = {"full": _PROVISIONAL, "text": _PROVISIONAL}
    model = _model(fitted, embedder.name, dim, thresholds)
    embeds: tuple[tuple[str, Embed | None], ...] = (("full", cache), ("text", None))
    for variant, embed in embeds:
        advance = reporter.stage(f"Choosing {variant} thresholds on dev", 1)
        assessor = build(model)
        decay = _decay(assessor, dev_rows, embed)
        readings = dev_readings(assessor, dev_rows, embed, decay)
        harmless = _harmless_scores(assessor, harmless_questions, embed)
        chosen = choose_thresholds(readings, dev_rows, harmless, decay)
        if routes is not None:
            chosen = _category_for_routing(assessor, readings, dev_rows, chosen, routes)
            chosen = _check_in_for_routing(assessor, readings, dev_rows, chosen, routes)
        thresholds[variant] = chosen
        model = replace(model, thresholds=dict(thresholds))
        advance(1)
    return model


def _category_for_routing(
    assessor: Assessor,
    readings: Sequence[Reading],
    rows: Sequence[Row],
    chosen: Thresholds,
    routes: RouteCheck,
) -> Thresholds:
    """The category threshold that routes the most dev rows to a matching line, urgent rows
    first: a category missed is a line missed, and too many crowd the few places out. A
    choice is judged by the share of urgent rows routed (up to URGENT_RECALL: past it, the
    rest of the rows decide), then by the share of all rows, so calm-to-sensitive rows never
    buy their routing with a person in danger's."""
    english = [r for r in rows if r.message.english]
    urgent = [row.message.level == "urgent" for row in english]
    best: tuple[float, float] = (-1.0, -1.0)
    best_choice = chosen
    for t in CATEGORY_GRID:
        for most in MAX_CATEGORIES_GRID:
            trial = replace(chosen, category=t, max_categories=most)
            pairs = zip(readings, english, strict=True)
            results = [routes(row, assessor.decide(rd, trial)) for rd, row in pairs]
            score = (min(_share(results, urgent), URGENT_RECALL), _share(results, None))
            if score > best:
                best, best_choice = score, trial
    return best_choice


def _share(results: Sequence[bool | None], only: Sequence[bool] | None) -> float:
    """The share of counted results (not None) that are true, over the rows `only` marks."""
    counted = [
        r for i, r in enumerate(results) if r is not None and (only is None or only[i])
    ]
    return sum(counted) / len(counted) if counted else 0.0


def _check_in_for_routing(
    assessor: Assessor,
    readings: Sequence[Reading],
    rows: Sequence[Row],
    chosen: Thresholds,
    routes: RouteCheck,
) -> Thresholds:
    """The check-in threshold: lowered until at least URGENT_RECALL of the urgent dev
    messages are caught as a person sees it (999 first and a matching line), then lowered
    further while no more than CHECK_IN_BUDGET of the calm dev messages are shown 999."""
    english = [r for r in rows if r.message.english]
    pairs = [(rd, row) for rd, row in zip(readings, english, strict=True)]
    urgent = [(rd, row) for rd, row in pairs if row.message.level == "urgent" and rd.scores]
    calm = [rd for rd, row in pairs if row.message.level == "none" and rd.scores]
    scores = sorted({round(rd.scores.urgent, 4) for rd, _ in urgent if rd.scores}, reverse=True)
    step = max(1, len(scores) // 80)  # a grid of about 80 candidates, highest first
    best, reached = chosen, False
    for t in [*scores[::step], 0.0]:
        trial = replace(chosen, check_in=t, urgent=max(t, chosen.urgent))
        ceiling = CHECK_IN_BUDGET if reached else FALSE_URGENT
        if calm and _shown_999(assessor, calm, trial) > ceiling:
            # Lower thresholds only ask more calm people whether they are safe: past the
            # ceiling the lead-in stops meaning anything (at 0, every message gets 999).
            return best
        if reached and not calm:
            return best  # no calm messages to weigh a lower threshold against
        best = trial
        if not reached:
            caught = [routes(row, assessor.decide(rd, trial)) for rd, row in urgent]
            reached = any(c is not None for c in caught) and _share(caught, None) >= URGENT_RECALL
    return best


def _shown_999(assessor: Assessor, calm: Sequence[Reading], trial: Thresholds) -> float:
    """The share of calm dev messages whose reply would lead with 999 (urgent or a check-in)."""
    shown = 0
    for reading in calm:
        decided = assessor.decide(reading, trial)
        shown += decided.level == "urgent" or decided.check_in
    return shown / len(calm)


def _harmless_scores(
    assessor: Assessor, questions: Sequence[str], embed: Embed | None
) -> list[tuple[str, float]]:
    batches = [assessor.texts(q) for q in questions]
    flat = [t for b in batches for t in b]
    vectors = embed(flat) if embed is not None and flat else None
    out, offset = [], 0
    for question, batch in zip(questions, batches, strict=True):
        vecs = None if vectors is None else vectors[offset : offset + len(batch)]
        offset += len(batch)
        reading = assessor.read(question, (), vecs)
        if reading.scores is not None:
            out.append((reading.scores.harm_kind, reading.scores.harmful))
    return out
