"""Training the reranker: the dev questions' candidates, labelled by their evidence."""

from __future__ import annotations

import json

import numpy as np
import pytest

from casebot.answer.pipeline import Collaborators
from casebot.evals import DATASETS_DIR
from casebot.evals import rerank as training
from casebot.progress import SilentReporter
from casebot.retrieval import rerank
from tests.conftest import REPO

SHIPPED = REPO / "models" / "rerank"


@pytest.mark.slow
def test_a_retrain_reproduces_the_shipped_reranker(real_deps: Collaborators) -> None:
    assert real_deps.reranker is not None  # the bundled embedder's model is served
    examples = training.collect(training.dev_sets(DATASETS_DIR), real_deps, SilentReporter())
    assert {"q02", "q04", "q06", "q08", "team"} == set(examples.authors)
    assert not any(a.startswith(("q01", "q03", "q05", "q07")) for a in examples.authors)
    model, stats = training.train(examples, "all-MiniLM-L6-v2", rerank.RerankParams())
    shipped = rerank.load(SHIPPED)
    meta = json.loads((SHIPPED / rerank.META).read_text(encoding="utf-8"))
    # Another CPU may round an embedding in the last bits: weights agree closely, the
    # held-out figures to the reported digits.
    assert np.allclose(model.coef, shipped.coef, atol=2e-2)
    assert stats[training.HELD_OUT] == pytest.approx(meta[training.HELD_OUT], abs=0.005)
    assert stats["questions"] == meta["questions"]


def test_entry_recall_counts_each_evidence_entry_once() -> None:
    examples = training.Examples(
        rows=[np.zeros((3, len(rerank.FEATURES)))],
        hits=[[frozenset({0}), frozenset({0}), frozenset({1})]],
        entries=[2],
        authors=["q02"],
    )
    assert training.entry_recall(examples, [[0, 1, 2]]) == 1.0
    assert training.entry_recall(examples, [[0, 1]]) == 0.5
