"""The bundled MiniLM on PyTorch through sentence-transformers: the fallback backend
(CASEBOT_EMBEDDER_BACKEND=torch), and the reference the ONNX export is checked against."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

from casebot.embeddings.base import (
    MAX_WORD_PIECES,
    MODEL_NAME,
    Vectors,
    bundled_model_dir,
    empty,
    normalise_rows,
)
from casebot.offline import enforce_offline


def load_sentence_transformer(threads: int | None = None) -> Any:
    """The bundled model as sentence-transformers loads it, on the CPU, from local files."""
    enforce_offline()
    import torch
    from sentence_transformers import SentenceTransformer

    if threads is not None:
        torch.set_num_threads(threads)
    model = SentenceTransformer(str(bundled_model_dir()), device="cpu")
    model.max_seq_length = MAX_WORD_PIECES
    return model


class TorchEmbedder:
    """all-MiniLM-L6-v2 on PyTorch, loaded on first use (never at import)."""

    name = MODEL_NAME
    backend = "torch"
    max_word_pieces = MAX_WORD_PIECES

    def __init__(self, threads: int | None = None, batch_size: int = 64) -> None:
        self.threads = threads
        self._batch_size = batch_size
        self._model: Any = None
        self._lock = threading.Lock()

    def load(self) -> Any:
        with self._lock:
            if self._model is None:
                self._model = load_sentence_transformer(self.threads)
        return self._model

    def word_pieces(self, text: str) -> int:
        return len(self.load().tokenizer(text)["input_ids"])

    def embed(self, texts: Sequence[str]) -> Vectors:
        if not texts:
            return empty()
        vectors = self.load().encode(
            list(texts),
            batch_size=self._batch_size,
            normalize_embeddings=True,
            show_progress_bar=False,
            convert_to_numpy=True,
        )
        return normalise_rows(vectors)
