"""The repeated-question LRU: same rows as the model, misses batched, bounded, read-only."""

from __future__ import annotations

import numpy as np

from casebot.embeddings import CachedEmbedder
from tests.fakes import HashingEmbedder


def test_a_repeated_text_is_served_from_memory_with_the_models_row() -> None:
    inner = HashingEmbedder()
    cached = CachedEmbedder(inner, size=8)
    first = cached.embed(["what did casey find", "vetting"])
    again = cached.embed(["vetting", "what did casey find"])
    assert inner.calls == 1
    assert np.array_equal(again, first[::-1])
    assert (cached.hits, cached.misses) == (2, 2)


def test_only_the_misses_of_a_batch_are_embedded_in_one_call() -> None:
    inner = HashingEmbedder()
    cached = CachedEmbedder(inner, size=8)
    cached.embed(["a known question"])
    rows = cached.embed(["new one", "a known question", "another new one"])
    assert inner.calls == 2
    assert np.allclose(rows, inner.embed(["new one", "a known question", "another new one"]))


def test_the_least_recently_used_text_is_forgotten_first() -> None:
    inner = HashingEmbedder()
    cached = CachedEmbedder(inner, size=2)
    cached.embed(["one"])
    cached.embed(["two"])
    cached.embed(["one"])  # "two" is now the oldest
    cached.embed(["three"])
    calls = inner.calls
    cached.embed(["one", "three"])
    assert inner.calls == calls
    cached.embed(["two"])
    assert inner.calls == calls + 1


def test_a_caller_cannot_change_what_the_next_hit_returns() -> None:
    cached = CachedEmbedder(HashingEmbedder(), size=4)
    cached.embed(["freezers"])
    row = cached.embed(["freezers"])
    before = row.copy()
    row[0, 0] += 1.0  # the stacked result is the caller's own array
    assert np.array_equal(cached.embed(["freezers"]), before)


def test_it_carries_the_models_name() -> None:
    assert CachedEmbedder(HashingEmbedder(), 2).name == HashingEmbedder.name


def test_an_empty_batch_is_passed_through() -> None:
    assert CachedEmbedder(HashingEmbedder(), 4).embed([]).shape[0] == 0
