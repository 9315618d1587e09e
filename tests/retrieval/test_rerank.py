"""The reranker: a logistic regression over the fused candidates' signals reorders them."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from casebot.config import Settings
from casebot.errors import PromptError
from casebot.retrieval import rerank
from casebot.retrieval.hybrid import SearchParams, Vector, search
from casebot.runtime import open_index, pipeline_params
from tests.conftest import REPO
from tests.fakes import HashingEmbedder

SHIPPED = REPO / "models" / "rerank"
QUERY = "misconduct allegations dismissed freezers"


def trusting(feature: str) -> rerank.Reranker:
    """A reranker that weighs one feature only."""
    width = len(rerank.FEATURES)
    coef = np.zeros(width)
    coef[rerank.FEATURES.index(feature)] = 1.0
    return rerank.Reranker(np.zeros(width), np.ones(width), coef, 0.0, "any")


def params(settings: Settings) -> SearchParams:
    return dataclasses.replace(pipeline_params(settings).search, k=4)


def test_a_reranker_that_trusts_bm25_puts_the_best_word_match_first(
    tiny_index: Settings, fake_embedder: HashingEmbedder
) -> None:
    index = open_index(tiny_index)
    plain = search(QUERY, index, fake_embedder, params(tiny_index))
    reranked = search(QUERY, index, fake_embedder, params(tiny_index), reranker=trusting("lexical"))
    found = plain.candidates
    assert found is not None and len(found.ids) >= 2
    best = found.ids[int(np.argmax(found.lexical))]  # among all candidates, not only the hits
    assert reranked.hits[0].chunk.chunk_id == best
    assert all(0.0 < h.score < 1.0 for h in reranked.hits)
    # Without a reranker, the fused order stands and the candidates are that order.
    assert [h.chunk.chunk_id for h in plain.hits] == list(plain.candidates.ids[:4])


class PinFirst:
    """Steering that pins one chunk, as disclosure guidance does."""

    def __init__(self, chunk_id: str) -> None:
        self.chunk_id = chunk_id

    def rankings(self, query_vector: Vector, n: int) -> list[list[str]]:
        return []

    def boost(self, chunk: object) -> float:
        return 1.0

    def pins(self, ranked: Sequence[str], extra: Sequence[list[str]]) -> list[str]:
        return [self.chunk_id]


def test_a_pinned_chunk_leads_whatever_the_reranker_thinks(
    tiny_index: Settings, fake_embedder: HashingEmbedder
) -> None:
    index = open_index(tiny_index)
    plain = search(QUERY, index, fake_embedder, params(tiny_index))
    last = plain.hits[-1].chunk.chunk_id
    result = search(
        QUERY,
        index,
        fake_embedder,
        params(tiny_index),
        steering=PinFirst(last),
        reranker=trusting("lexical"),
    )
    assert result.hits[0].chunk.chunk_id == last
    assert result.candidates is not None and last not in result.candidates.ids


def test_fit_learns_which_signal_marks_the_evidence() -> None:
    rng = np.random.default_rng(3)
    rows = rng.normal(size=(400, len(rerank.FEATURES)))
    column = rerank.FEATURES.index("sentence")
    labels = list(rows[:, column] > 0.5)
    model = rerank.fit(rows, labels, "any", rerank.RerankParams())
    assert int(np.argmax(model.coef)) == column
    order = rerank.ranked(model.scores(rows))
    assert labels[order[0]] and not labels[order[-1]]


def test_a_saved_reranker_loads_back_with_the_same_scores(tmp_path: Path) -> None:
    rng = np.random.default_rng(4)
    rows = rng.normal(size=(50, len(rerank.FEATURES)))
    model = rerank.fit(rows, list(rows[:, 0] > 0), "any", rerank.RerankParams())
    rerank.save(model, tmp_path, rerank.RerankParams(), {"questions": 50})
    again = rerank.load(tmp_path)
    assert again.embedder == "any"
    assert np.allclose(again.scores(rows), model.scores(rows), atol=1e-5)


def test_a_model_reading_other_features_is_refused_in_one_line(tmp_path: Path) -> None:
    meta = json.loads((SHIPPED / rerank.META).read_text(encoding="utf-8"))
    meta["features"] = meta["features"][:-1]
    (tmp_path / rerank.META).write_text(json.dumps(meta), encoding="utf-8")
    with pytest.raises(PromptError, match="other features: retrain it"):
        rerank.load(tmp_path)


def test_an_unreadable_model_is_refused_in_one_line(tmp_path: Path) -> None:
    (tmp_path / rerank.META).write_text("{not json", encoding="utf-8")
    with pytest.raises(PromptError, match="unreadable"):
        rerank.load(tmp_path)


def test_the_shipped_reranker_beat_fusion_on_authors_it_had_not_seen() -> None:
    meta = json.loads((SHIPPED / rerank.META).read_text(encoding="utf-8"))
    figures = meta["held_out_entry_recall_at_5"]
    assert figures["reranked"] > figures["fused"]
    assert "team" in meta["authors"] and len(meta["authors"]) >= 4
    assert rerank.load(SHIPPED).embedder == "all-MiniLM-L6-v2"
