"""Deterministic fakes that plug into casebot's own seams (never deeper)."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

import numpy as np

from casebot.embeddings import normalise_rows
from casebot.text import tokenize

DIM = 384


class HashingEmbedder:
    """Bag of stemmed words hashed into 384 dimensions: similar wording, similar vectors."""

    name = "hashing-test-embedder"

    def __init__(self) -> None:
        self.calls = 0

    def embed(self, texts: Sequence[str]) -> np.ndarray[Any, Any]:
        self.calls += 1
        rows = np.zeros((len(texts), DIM), dtype=np.float32)
        for i, text in enumerate(texts):
            for token in tokenize(text) or ["_empty_"]:
                h = int(hashlib.md5(token.encode()).hexdigest(), 16)
                rows[i, h % DIM] += 1.0 if (h >> 12) % 2 else -1.0
        return normalise_rows(rows)


class PaddingEmbedder(HashingEmbedder):
    """HashingEmbedder whose rows shift in their last bits with the batch's longest text,
    as a real model's do: it pads every text of a batch to the longest one."""

    name = "padding-test-embedder"

    def embed(self, texts: Sequence[str]) -> np.ndarray[Any, Any]:
        rows = np.array(super().embed(texts))
        longest = max((len(t) for t in texts), default=0)
        rows[:, 0] += np.float32(1e-6) * (longest % 97)
        return normalise_rows(rows)


class FailingStore:
    """A Store whose server has gone away."""

    def query(self, vector: Sequence[float], k: int) -> list[tuple[str, float]]:
        from casebot.errors import RetrievalUnavailable

        raise RetrievalUnavailable("connection refused")

    def count(self) -> int:
        from casebot.errors import RetrievalUnavailable

        raise RetrievalUnavailable("connection refused")


class GatedStore:
    """A Store whose queries wait until the test opens the gate: whatever a client sees
    before then was sent before retrieval finished."""

    def __init__(self, inner: Any, wait_s: float = 20.0, open_: bool = False) -> None:
        import threading

        self.inner = inner
        self.wait_s = wait_s
        self.entered = threading.Event()
        self.gate = threading.Event()
        if open_:
            self.gate.set()

    def query(self, vector: Sequence[float], k: int) -> list[tuple[str, float]]:
        self.entered.set()
        if not self.gate.wait(self.wait_s):
            raise TimeoutError("the test never opened the gate")
        result: list[tuple[str, float]] = self.inner.query(vector, k)
        return result

    def count(self) -> int:
        count: int = self.inner.count()
        return count
