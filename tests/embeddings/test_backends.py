"""ONNX Runtime (the default) against PyTorch (the fallback) on the same bundled weights.

The eval's dev question texts and the safety dev messages are embedded by both backends and
ranked against the real corpus, each over that backend's own chunk vectors (the index's
for ONNX): the same
top five for every text, and every vector within cosine 0.999 of its twin.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from casebot.config import Settings
from casebot.embeddings import LocalEmbedder, TorchEmbedder, cached_onnx
from casebot.evals import DATASETS_DIR
from casebot.evals.dataset import ordinary_questions
from casebot.runtime import open_index
from casebot.safety.data import load_split

TOP = 5


def dev_texts() -> list[str]:
    questions = ordinary_questions(DATASETS_DIR, "dev")
    messages = [row.message.text for row in load_split(DATASETS_DIR / "safety", "dev")]
    return list(dict.fromkeys(questions + messages))


def top(queries: np.ndarray, corpus: np.ndarray) -> np.ndarray:
    return np.argsort(-(queries @ corpus.T), axis=1, kind="stable")[:, :TOP]


@pytest.mark.slow
def test_onnx_and_torch_agree_on_every_dev_text_top5_and_cosine(
    real_settings: Settings, local_embedder: LocalEmbedder, torch_embedder: TorchEmbedder
) -> None:
    texts = dev_texts()
    assert len(texts) > 300, "the dev sets went missing"
    index = open_index(real_settings)  # built by the ONNX embedder
    onnx_q, torch_q = local_embedder.embed(texts), torch_embedder.embed(texts)
    onnx_c = index.vectors
    torch_c = torch_embedder.embed([c.embed_text for c in index.chunks])

    cosines = np.concatenate([np.sum(onnx_q * torch_q, 1), np.sum(onnx_c * torch_c, 1)])
    assert float(cosines.min()) >= 0.999
    same_five = [
        set(a) == set(b) for a, b in zip(top(onnx_q, onnx_c), top(torch_q, torch_c), strict=True)
    ]
    assert sum(same_five) / len(same_five) == 1.0


@pytest.mark.slow
def test_a_long_batch_keeps_each_text_in_its_row(local_embedder: LocalEmbedder) -> None:
    """Batches are sorted by length inside the embedder; rows come back in input order and
    match the text embedded alone (padding changes nothing)."""
    texts = [f"{'The review found. ' * (i % 7)}text number {i}" for i in range(70)]
    together = local_embedder.embed(texts)
    for i in (0, 33, 69):
        alone = local_embedder.embed([texts[i]])[0]
        assert float(together[i] @ alone) > 0.9999


@pytest.mark.slow
def test_a_serving_session_runs_one_intra_op_thread(shared_model_dir: Path) -> None:
    embedder = cached_onnx(shared_model_dir, threads=1)
    embedder.embed(["warm"])
    options = embedder.session.get_session_options()
    assert options.intra_op_num_threads == 1
    assert options.inter_op_num_threads == 1


@pytest.mark.slow
def test_texts_longer_than_the_model_reads_are_cut_where_sentence_transformers_cuts(
    local_embedder: LocalEmbedder, torch_embedder: TorchEmbedder
) -> None:
    words = "Officers who faced misconduct allegations were rarely dismissed. " * 60
    assert local_embedder.word_pieces(words) == torch_embedder.word_pieces(words) > 256
    tail = words + " Football scores from the weekend were " * 40
    # Past 256 word pieces both read nothing more: the tail changes neither vector.
    same = local_embedder.embed([words, tail])
    assert float(same[0] @ same[1]) > 0.9999
    assert float(local_embedder.embed([tail])[0] @ torch_embedder.embed([tail])[0]) > 0.999
