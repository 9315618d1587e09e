"""The bundled MiniLM on ONNX Runtime: the default backend.

Texts are tokenized by the model's own fast tokenizer (tokenizer.json, truncated where
sentence-transformers truncates), padded to the longest text of their batch, and run
through the exported graph (export.py). A session uses `threads` intra-op threads: one
when serving, so each worker keeps to its core (docs/performance.md).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from casebot.embeddings.base import (
    DIM,
    GRAPH_INPUTS,
    MAX_WORD_PIECES,
    MODEL_NAME,
    Vectors,
    bundled_model_dir,
    empty,
    length_order,
    normalise_rows,
)
from casebot.offline import enforce_offline

BATCH = 32


def session_options(threads: int) -> Any:
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.log_severity_level = 3  # warnings about unused initialisers are noise here
    if threads > 1:
        return options
    # One thread needs no pool; never spin waiting for work that another worker's core
    # should be doing.
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    return options


class OnnxEmbedder:
    """all-MiniLM-L6-v2 on ONNX Runtime, loaded (and exported, once) on first use."""

    name = MODEL_NAME
    backend = "onnx"
    max_word_pieces = MAX_WORD_PIECES

    def __init__(
        self,
        locate: Callable[[], Path],
        threads: int = 1,
        tokenizer_dir: Path | None = None,
    ) -> None:
        self._locate = locate
        self.threads = threads
        self._tokenizer_dir = tokenizer_dir
        self._session: Any = None
        self._tokenizer: Any = None
        self._counter: Any = None
        self._lock = threading.Lock()

    @classmethod
    def from_file(cls, path: Path, threads: int = 1) -> OnnxEmbedder:
        return cls(lambda: path, threads)

    def load(self) -> None:
        with self._lock:
            if self._session is not None:
                return
            enforce_offline()
            import onnxruntime as ort
            from tokenizers import Tokenizer

            path = self._locate()
            source = str((self._tokenizer_dir or bundled_model_dir()) / "tokenizer.json")
            # tokenizer.json pads every text to 128 and cuts there; sentence-transformers
            # cuts at 256 and pads to the batch's longest, and so do we.
            tokenizer = Tokenizer.from_file(source)
            tokenizer.enable_truncation(MAX_WORD_PIECES)
            tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")
            self._tokenizer = tokenizer
            self._counter = Tokenizer.from_file(source)
            self._counter.no_truncation()
            self._counter.no_padding()
            self._session = ort.InferenceSession(
                str(path), session_options(self.threads), providers=["CPUExecutionProvider"]
            )

    @property
    def session(self) -> Any:
        self.load()
        return self._session

    def word_pieces(self, text: str) -> int:
        """How many word pieces `text` is, uncut (chunking keeps under max_word_pieces)."""
        self.load()
        return len(self._counter.encode(text).ids)

    def embed(self, texts: Sequence[str]) -> Vectors:
        if not texts:
            return empty()
        self.load()
        if len(texts) <= BATCH:
            return self._run(texts)
        order = length_order(texts)
        out = np.empty((len(texts), DIM), dtype=np.float32)
        for start in range(0, len(order), BATCH):
            rows = order[start : start + BATCH]
            out[rows] = self._run([texts[i] for i in rows])
        return out

    def _run(self, texts: Sequence[str]) -> Vectors:
        encoded = self._tokenizer.encode_batch(list(texts))
        ids = np.array([e.ids for e in encoded], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encoded], dtype=np.int64)
        feeds = dict(zip(GRAPH_INPUTS, (ids, mask, np.zeros_like(ids)), strict=True))
        (pooled,) = self._session.run(None, feeds)
        return normalise_rows(pooled)
