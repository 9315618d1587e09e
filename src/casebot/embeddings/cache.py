"""A small LRU of recent embeddings, for questions people ask again and again.

It lives in process memory only: texts and vectors are never written anywhere, and a
restart forgets them. Keyed by the exact text, so a hit returns the very row the model
would; misses of a batch are embedded together in one call.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence

import numpy as np

from casebot.embeddings.base import Embedder, Vectors


class CachedEmbedder:
    """`inner` behind an LRU of at most `size` texts."""

    def __init__(self, inner: Embedder, size: int) -> None:
        self.inner = inner
        self._size = size
        self._rows: OrderedDict[str, Vectors] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    @property
    def name(self) -> str:
        return self.inner.name

    def embed(self, texts: Sequence[str]) -> Vectors:
        found = self._lookup(texts)
        missing = [i for i, row in enumerate(found) if row is None]
        if missing:
            fresh = self.inner.embed([texts[i] for i in missing])
            for i, row in zip(missing, fresh, strict=True):
                found[i] = row
            self._store([texts[i] for i in missing], fresh)
        if not found:
            return self.inner.embed(texts)
        return np.stack([row for row in found if row is not None])

    def _lookup(self, texts: Sequence[str]) -> list[Vectors | None]:
        with self._lock:
            found: list[Vectors | None] = []
            for text in texts:
                row = self._rows.get(text)
                if row is not None:
                    self._rows.move_to_end(text)
                found.append(row)
            self.hits += sum(row is not None for row in found)
            self.misses += sum(row is None for row in found)
            return found

    def _store(self, texts: Sequence[str], rows: Vectors) -> None:
        with self._lock:
            for text, row in zip(texts, rows, strict=True):
                # Read-only copies: a caller writing into a returned row must not change
                # what the next hit gets.
                kept = row.copy()
                kept.flags.writeable = False
                self._rows[text] = kept
                self._rows.move_to_end(text)
            while len(self._rows) > self._size:
                self._rows.popitem(last=False)
