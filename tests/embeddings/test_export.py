"""The ONNX export: made once per model version, published whole, checked before it is kept."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from casebot.config import Settings
from casebot.embeddings import export
from casebot.embeddings.export import ensure_onnx, onnx_path
from casebot.errors import ConfigError


def test_the_model_is_cached_in_the_data_dir_unless_a_model_dir_is_given(
    tmp_path: Path, clean_casebot_env: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CASEBOT_MODEL_DIR", raising=False)
    assert Settings(data_dir=tmp_path / "d").model_cache_dir == tmp_path / "d" / "models"
    chosen = Settings(data_dir=tmp_path / "d", model_dir=tmp_path / "m")
    assert chosen.model_cache_dir == tmp_path / "m"


def test_an_existing_export_is_reused_without_exporting_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[Path] = []

    def fake_export(target: Path) -> None:
        calls.append(target)
        target.write_bytes(b"graph")

    monkeypatch.setattr(export, "export", fake_export)
    first = ensure_onnx(tmp_path)
    second = ensure_onnx(tmp_path)
    assert first == second == onnx_path(tmp_path)
    assert len(calls) == 1
    assert first.read_bytes() == b"graph"


def test_a_failed_export_leaves_no_file_behind_to_be_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def half_written(target: Path) -> None:
        target.write_bytes(b"half a gra")
        raise ConfigError("the exporter died")

    monkeypatch.setattr(export, "export", half_written)
    with pytest.raises(ConfigError, match="exporter died"):
        ensure_onnx(tmp_path)
    assert [p.name for p in tmp_path.iterdir() if p.suffix != ".lock"] == []


class _Reference:
    """A stand-in for sentence-transformers that returns other vectors than the graph."""

    def encode(self, texts: list[str], **_: object) -> np.ndarray:
        rows = np.eye(len(texts), 384, dtype=np.float32)
        return rows


@pytest.mark.slow
def test_an_export_that_disagrees_with_pytorch_is_refused(shared_model_dir: Path) -> None:
    with pytest.raises(ConfigError, match="disagrees with PyTorch"):
        export._check(ensure_onnx(shared_model_dir), _Reference())


@pytest.mark.slow
def test_a_real_export_matches_pytorch_and_runs(tmp_path: Path) -> None:
    """The whole path from the package's weights: export, probe check, atomic publish."""
    path = ensure_onnx(tmp_path)
    assert path.stat().st_size > 80_000_000
    assert not list(tmp_path.glob("*.partial-*"))
