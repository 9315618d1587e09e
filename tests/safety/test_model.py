"""The committed classifier: small plain data, loaded without scikit-learn or pickles,
reproducible from the data, and its splits kept apart from the sealed test."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from casebot.cli import app
from casebot.embeddings import LocalEmbedder
from casebot.safety.assess import Assessor
from casebot.safety.catalog import Catalog
from casebot.safety.data import load_split, load_splits
from casebot.safety.responses import SafetyTexts
from casebot.safety.scanning import Rules
from casebot.safety.scoring import ARRAYS, META, load_model
from casebot.safety.training import EmbeddingCache, dev_readings
from tests.conftest import REPO

MODEL_DIR = REPO / "models/safety"
DATA = REPO / "evals/datasets/safety"


def test_the_model_is_a_few_megabytes_of_arrays_and_json_with_no_pickle() -> None:
    files = sorted(p.name for p in MODEL_DIR.iterdir())
    assert files == sorted([ARRAYS, META])
    # Most of it is the memory: one float16 vector a training message (and key sentence),
    # so it grows with the data; 6,111 train messages came to 8.4 MB.
    assert sum(p.stat().st_size for p in MODEL_DIR.iterdir()) < 12_000_000
    with np.load(MODEL_DIR / ARRAYS, allow_pickle=False) as arrays:
        assert all(arrays[k].dtype != object for k in arrays.files)


def test_serving_the_model_needs_no_scikit_learn() -> None:
    source = "\n".join(
        (REPO / "src/casebot/safety" / name).read_text()
        for name in ("scoring.py", "assess.py", "scanning.py", "routing.py", "normalise.py")
    )
    assert "sklearn" not in source


def test_the_trainer_never_reads_the_sealed_test_split() -> None:
    source = (REPO / "src/casebot/safety/training.py").read_text()
    assert '"test"' not in source.replace('r.split == "test"', "")


@pytest.fixture(scope="module")
def cache(local_embedder: LocalEmbedder) -> EmbeddingCache:
    return EmbeddingCache(local_embedder)


def dev_figures(assessor: Assessor, embed: EmbeddingCache) -> dict[str, float]:
    rows = [r for r in load_split(DATA, "dev") if r.message.english]
    readings = dev_readings(assessor, rows, embed, decay=assessor.model.thresholds["full"].history_decay)  # type: ignore[union-attr]
    decided = [assessor.decide(r) for r in readings]
    def share(pairs: Sequence[bool]) -> float:
        return sum(pairs) / len(pairs)
    return {
        "urgent": share([d.level == "urgent" for d, r in zip(decided, rows, strict=True) if r.message.level == "urgent"]),
        "false_urgent": share([d.level == "urgent" for d, r in zip(decided, rows, strict=True) if r.message.level == "none"]),
        "sensitive": share([d.level != "none" for d, r in zip(decided, rows, strict=True) if r.message.level == "sensitive"]),
        "refused": share([d.refused for d, r in zip(decided, rows, strict=True) if r.message.harmful]),
    }  # fmt: skip


@pytest.mark.slow
def test_a_retrain_reproduces_the_committed_models_dev_figures(
    cache: EmbeddingCache,
    catalog: Catalog,
    texts: SafetyTexts,
    rules: Rules,
    tmp_path: Path,
    clean_casebot_env: None,
) -> None:
    """`casebot safety train` (fixed seed) gives the committed model's dev figures within
    0.01 (embeddings batched differently can move a float in the last digits, so the
    figures are compared, not the bytes)."""
    result = CliRunner().invoke(app, ["safety", "train", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    committed = load_model(MODEL_DIR)
    retrained = load_model(tmp_path)
    before = dev_figures(Assessor(catalog, texts, rules, committed), cache)
    after = dev_figures(Assessor(catalog, texts, rules, retrained), cache)
    for name, value in before.items():
        assert after[name] == pytest.approx(value, abs=0.01), name


@pytest.mark.slow
def test_no_train_or_dev_message_is_a_near_duplicate_of_a_sealed_test_message(
    cache: EmbeddingCache,
) -> None:
    """Rows the model or its thresholds learn from must not be the test's own messages
    reworded: MiniLM cosine of at least 0.92 fails. Only ids are reported."""
    tuned = load_splits(DATA, ["train", "dev"])
    sealed = load_split(DATA, "test")
    a = cache([r.message.text for r in tuned])
    b = cache([r.message.text for r in sealed])
    close = np.argwhere(a @ b.T >= 0.92)
    pairs = [(tuned[i].message.id, sealed[j].message.id) for i, j in close[:20]]
    assert pairs == []


def test_every_author_file_sits_in_the_split_it_names() -> None:
    for split in ("train", "dev"):
        assert {r.split for r in load_split(DATA, split)} == {split}
