"""The question-type classifier: trained on independent authors, read on the query vector."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import yaml
from typer.testing import CliRunner

from casebot.answer import qtype
from casebot.answer.pipeline import Collaborators, answer
from casebot.cli import app
from casebot.embeddings import LocalEmbedder
from casebot.errors import PromptError
from tests.conftest import REPO

SHIPPED = REPO / "models" / "qtype"
DEV = REPO / "evals" / "datasets" / "qa" / "dev"


def _dev_questions() -> list[tuple[str, str]]:
    rows = []
    for file in sorted(DEV.glob("*.yaml")):
        for case in yaml.safe_load(file.read_text(encoding="utf-8"))["cases"]:
            if "type" in case:
                rows.append((case["question"], case["type"]))
    return rows


def test_the_shipped_classifier_reads_most_held_out_dev_questions_right(
    local_embedder: LocalEmbedder,
) -> None:
    # Dev questions are not in its training data (qtypes/train): this is held out.
    typer = qtype.load(SHIPPED)
    rows = _dev_questions()
    vectors = local_embedder.embed([text for text, _ in rows])
    right = sum(typer.read(v) == kind for v, (_, kind) in zip(vectors, rows, strict=True))
    assert len(rows) >= 100
    assert right / len(rows) >= 0.7


def test_every_type_is_read_for_some_dev_question(local_embedder: LocalEmbedder) -> None:
    typer = qtype.load(SHIPPED)
    vectors = local_embedder.embed([text for text, _ in _dev_questions()])
    assert {typer.read(v) for v in vectors} == set(qtype.TYPES)


def test_a_retrain_reproduces_the_shipped_classifier(
    tmp_path: Path, local_embedder: LocalEmbedder
) -> None:
    result = CliRunner().invoke(app, ["qtype", "train", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    fresh, shipped = qtype.load(tmp_path), qtype.load(SHIPPED)
    # Another CPU may round an embedding differently in the last bits: the weights agree
    # closely and the types read agree exactly.
    assert np.allclose(fresh.weights, shipped.weights, atol=1e-2)
    vectors = local_embedder.embed([text for text, _ in _dev_questions()])
    assert [fresh.read(v) for v in vectors] == [shipped.read(v) for v in vectors]


def test_fit_learns_separable_types() -> None:
    rng = np.random.default_rng(0)
    centres = rng.normal(size=(len(qtype.TYPES), 16))
    labels = [kind for kind in qtype.TYPES for _ in range(20)]
    vectors = np.repeat(centres, 20, axis=0) + rng.normal(scale=0.05, size=(len(labels), 16))
    typer = qtype.fit(vectors, labels, "fake", qtype.QtypeParams())
    assert [typer.read(v) for v in centres] == list(qtype.TYPES)


def test_no_embedding_or_another_width_means_no_type() -> None:
    typer = qtype.load(SHIPPED)
    assert typer.read(None) is None
    assert typer.read(np.ones(7, dtype=np.float32)) is None


def test_a_model_with_other_types_is_refused_in_one_line(tmp_path: Path) -> None:
    typer = qtype.load(SHIPPED)
    qtype.save(typer, tmp_path, qtype.QtypeParams(), rows=1)
    meta = tmp_path / qtype.META
    meta.write_text(meta.read_text().replace('"overview"', '"gossip"'), encoding="utf-8")
    with pytest.raises(PromptError, match="other types: retrain it"):
        qtype.load(tmp_path)


def test_a_training_file_with_an_unknown_type_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "t9.yaml"
    bad.write_text('author: t9\nquestions:\n  - {text: "hi", type: "gossip"}\n', encoding="utf-8")
    with pytest.raises(PromptError, match="'gossip' is not one of"):
        qtype.labelled_questions([bad])


def test_the_answer_carries_the_type_its_question_was_read_as(
    real_deps: Collaborators,
) -> None:
    reply = answer("How many officers were sacked for misconduct?", [], real_deps)
    assert real_deps.typer is not None
    assert reply.question_type == "number"
