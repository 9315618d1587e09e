"""The bundled MiniLM exported to ONNX from its local weights, once, into the data dir.

The graph is the transformer with sentence-transformers' mean pooling folded in, so ONNX
Runtime returns one row per text. The export runs where torch is installed (at the first
ingest, or `casebot embedder export`), is checked against sentence-transformers on probe
texts before it is kept, and is published by an atomic rename: workers starting together
wait on one lock and read a whole file or none.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from casebot.embeddings.base import GRAPH_INPUTS, MODEL_NAME, bundled_model_version
from casebot.errors import ConfigError
from casebot.offline import enforce_offline

# Bumped whenever the exported graph changes, so an older cached file is not reused.
GRAPH_VERSION = 1
OPSET = 17
OUTPUT = "embedding"
# The export is kept only if it matches sentence-transformers this closely on every probe.
MIN_COSINE = 0.9999
# Padded in one batch on purpose: a graph that ignored the attention mask would fail here.
PROBES = (
    "What did the Casey review find?",
    "I was hurt by an officer and I don't know who to tell",
    "vetting",
    "Casey found that the Met's culture let misogyny and racism go unchallenged, and that "
    "women and children were let down by a service that did not prioritise their safety.",
)


def onnx_path(cache_dir: Path) -> Path:
    """Where the export of this package version and graph lives under `cache_dir`."""
    stem = f"{MODEL_NAME}-{bundled_model_version()}-g{GRAPH_VERSION}"
    return cache_dir / f"{stem}.onnx"


def ensure_onnx(cache_dir: Path) -> Path:
    """The cached export, made first if there is none (a few seconds, once)."""
    path = onnx_path(cache_dir)
    if path.is_file():
        return path
    cache_dir.mkdir(parents=True, exist_ok=True)
    with _locked(cache_dir / ".export.lock"):
        if path.is_file():  # another process finished it while we waited
            return path
        partial = path.with_suffix(f".partial-{os.getpid()}")
        try:
            export(partial)
            os.replace(partial, path)
        finally:
            partial.unlink(missing_ok=True)
    return path


@contextlib.contextmanager
def _locked(lock_path: Path) -> Iterator[None]:
    with open(lock_path, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def export(target: Path) -> None:
    """Write the ONNX graph to `target` and check it against sentence-transformers."""
    enforce_offline()
    try:
        import torch
    except ImportError as exc:
        raise ConfigError(
            "the ONNX model has not been exported yet and torch is not installed to export it: "
            "run `casebot ingest` where torch is installed, or set CASEBOT_EMBEDDER_BACKEND"
        ) from exc
    from casebot.embeddings.torch_backend import load_sentence_transformer

    reference = load_sentence_transformer()
    pooled = _pooled(reference[0].auto_model)
    sample = torch.ones((2, 8), dtype=torch.long)
    mask = sample.clone()
    mask[1, 5:] = 0  # trace with padding present
    axes: dict[str, dict[int, str]] = {name: {0: "batch", 1: "tokens"} for name in GRAPH_INPUTS}
    axes[OUTPUT] = {0: "batch"}
    # The tracer warns about shape checks it folds into constants; the probe check below
    # is what tells whether the graph is right for other lengths and padding.
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            pooled,
            (sample, mask, torch.zeros_like(sample)),
            str(target),
            input_names=list(GRAPH_INPUTS),
            output_names=[OUTPUT],
            dynamic_axes=axes,
            opset_version=OPSET,
            dynamo=False,
        )
    _check(target, reference)


def _pooled(transformer: Any) -> Any:
    """The transformer followed by mean pooling over unmasked tokens (the model's pooling)."""
    import torch

    class MeanPooled(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.transformer = transformer

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            hidden = self.transformer(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state
            weights = attention_mask.unsqueeze(-1).to(hidden.dtype)
            return (hidden * weights).sum(1) / weights.sum(1).clamp(min=1e-9)

    return MeanPooled().eval()


def _check(path: Path, reference: Any) -> None:
    from casebot.embeddings.onnx_backend import OnnxEmbedder

    expected = reference.encode(list(PROBES), normalize_embeddings=True, convert_to_numpy=True)
    got = OnnxEmbedder.from_file(path).embed(PROBES)
    cosine = float(np.min(np.sum(expected * got, axis=1)))
    if cosine < MIN_COSINE:
        raise ConfigError(
            f"the ONNX export of {MODEL_NAME} disagrees with PyTorch (cosine {cosine:.5f}); "
            "set CASEBOT_EMBEDDER_BACKEND=torch"
        )
