"""BM25 over chunk text with bm25s, built once per index version and saved beside it."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from casebot.text import content_words


def tokenize(text: str) -> list[str]:
    return [_stem(w) for w in content_words(text)]


def _stem(word: str) -> str:
    # A light suffix strip: enough for "officers"/"officer", "vetted"/"vetting".
    for suffix in ("ings", "ing", "ies", "ied", "es", "ed", "s"):
        if len(word) > len(suffix) + 3 and word.endswith(suffix):
            return word[: -len(suffix)] + ("y" if suffix in ("ies", "ied") else "")
    return word


class LexicalIndex:
    def __init__(self, retriever: object, ids: Sequence[str]) -> None:
        self._retriever = retriever
        self._ids = list(ids)

    @classmethod
    def build(cls, ids: Sequence[str], texts: Sequence[str]) -> LexicalIndex:
        import bm25s

        retriever = bm25s.BM25()
        retriever.index([tokenize(t) or ["_empty_"] for t in texts], show_progress=False)
        return cls(retriever, ids)

    def save(self, directory: Path) -> None:
        self._retriever.save(str(directory))  # type: ignore[attr-defined]
        (directory / "ids.txt").write_text("\n".join(self._ids), encoding="utf-8")

    @classmethod
    def load(cls, directory: Path) -> LexicalIndex:
        import bm25s

        retriever = bm25s.BM25.load(str(directory))
        ids = (directory / "ids.txt").read_text(encoding="utf-8").split("\n")
        return cls(retriever, ids)

    def query(self, text: str, k: int) -> list[tuple[str, float]]:
        tokens = tokenize(text)
        if not tokens:
            return []
        scores = np.asarray(self._retriever.get_scores(tokens))  # type: ignore[attr-defined]
        k = min(k, len(self._ids))
        top = np.argsort(-scores)[:k]
        return [(self._ids[i], float(scores[i])) for i in top if scores[i] > 0]
