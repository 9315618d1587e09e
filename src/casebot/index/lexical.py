"""BM25 over chunk text with bm25s, built once per index version and saved beside it."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from casebot.text import tokenize


class LexicalIndex:
    def __init__(self, retriever: Any, ids: Sequence[str]) -> None:
        self._retriever = retriever  # bm25s.BM25, which ships no type information
        self._ids = list(ids)
        # Ties in score go to the lower chunk id, whatever order the ids were stored in.
        self._id_rank = np.argsort(np.argsort(self._ids, kind="stable"))

    @classmethod
    def build(cls, ids: Sequence[str], texts: Sequence[str]) -> LexicalIndex:
        import bm25s

        retriever = bm25s.BM25()
        retriever.index([tokenize(t) or ["_empty_"] for t in texts], show_progress=False)
        return cls(retriever, ids)

    def save(self, directory: Path) -> None:
        self._retriever.save(str(directory))
        (directory / "ids.txt").write_text("\n".join(self._ids), encoding="utf-8")

    @classmethod
    def load(cls, directory: Path) -> LexicalIndex:
        import bm25s

        retriever = bm25s.BM25.load(str(directory))
        ids = (directory / "ids.txt").read_text(encoding="utf-8").split("\n")
        return cls(retriever, ids)

    @property
    def ids(self) -> list[str]:
        return list(self._ids)

    def query(self, text: str, k: int) -> list[tuple[str, float]]:
        tokens = tokenize(text)
        if not tokens:
            return []
        scores = np.asarray(self._retriever.get_scores(tokens))
        k = min(k, len(self._ids))
        top = np.lexsort((self._id_rank, -scores))[:k]
        return [(self._ids[i], float(scores[i])) for i in top if scores[i] > 0]
