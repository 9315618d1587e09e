"""The embedding backends side by side, and whether int8 may ship.

In one run: single-query latency over the dev questions for PyTorch (its default threads,
as the vanilla pipeline runs it, and one thread), ONNX Runtime fp32 and ONNX Runtime int8
(dynamic quantisation, per channel), each on one thread unless said; int8's agreement with
fp32 (same top five chunks, cosine) on the dev questions and safety dev messages; and the
eval's dev figures (evidence@5 and every safety figure) with fp32 and with int8. int8 ships
only if every one of those figures stays within 0.005 of fp32's.
Usage: .venv/bin/python benchmarks/embedders.py [--no-eval]
"""

from __future__ import annotations

import argparse
import functools
import json
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np
from _common import REPO, dev_questions, load_average, median, percentile, save
from rich.console import Console

from casebot.config import Settings
from casebot.embeddings import Embedder, OnnxEmbedder, TorchEmbedder
from casebot.embeddings.export import ensure_onnx
from casebot.evals import DATASETS_DIR
from casebot.evals.command import EvalOptions, run_eval
from casebot.evals.systems import build_wiring
from casebot.runtime import limit_threads, open_index
from casebot.safety.data import load_split

GATED = (
    "evidence_recall_at_5",
    "urgent_recall",
    "sensitive_routing",
    "false_urgent_rate",
    "harmful_refused",
    "non_english_shown_999",
)
TOLERANCE = 0.005


def quantise(fp32: Path, target: Path) -> Path:
    from onnxruntime.quantization import QuantType, quantize_dynamic

    quantize_dynamic(fp32, target, weight_type=QuantType.QInt8, per_channel=True)
    return target


def latency(embedder: Embedder, questions: list[str], rounds: int = 3) -> dict[str, float]:
    embedder.embed(questions[:5])
    p50s, p95s = [], []
    for _ in range(rounds):
        times = []
        for q in questions:
            started = time.perf_counter()
            embedder.embed([q])
            times.append((time.perf_counter() - started) * 1000)
        p50s.append(percentile(times, 50))
        p95s.append(percentile(times, 95))
    return {"p50_ms": round(median(p50s), 2), "p95_ms": round(median(p95s), 2)}


def agreement(a: Embedder, b: Embedder, texts: list[str], chunks: list[str]) -> dict[str, float]:
    qa, qb, ca, cb = a.embed(texts), b.embed(texts), a.embed(chunks), b.embed(chunks)
    top_a = np.argsort(-(qa @ ca.T), axis=1)[:, :5]
    top_b = np.argsort(-(qb @ cb.T), axis=1)[:, :5]
    same = [set(x) == set(y) for x, y in zip(top_a, top_b, strict=True)]
    cosines = np.sum(qa * qb, axis=1)
    return {
        "top5_agreement": round(float(np.mean(same)), 4),
        "cosine_min": round(float(cosines.min()), 4),
        "cosine_mean": round(float(cosines.mean()), 4),
    }


def dev_only(work: Path) -> list[Path]:
    """The eval's datasets restricted to dev: the sealed test split is not read here."""
    paths = [DATASETS_DIR / "qa.yaml", DATASETS_DIR / "conversations.yaml"]
    for name in ("safety", "qa", "conversations"):
        (work / name).mkdir(parents=True)
        (work / name / "dev").symlink_to(DATASETS_DIR / name / "dev")
        paths.append(work / name)
    return paths


def eval_figures(embedder: Embedder, work: Path, datasets: list[Path]) -> dict[str, float]:
    settings = Settings(data_dir=work / "data")
    options = EvalOptions(
        datasets=datasets,
        baseline=work / "none.json",
        report_dir=work / "report",
        peer=False,
        fail_under=tuple(f"{m}=0" if m != "false_urgent_rate" else f"{m}=1" for m in GATED),
    )
    quiet = Console(file=open("/dev/null", "w"))  # noqa: SIM115 - closed with the process
    build = functools.partial(build_wiring, embedder=embedder)
    run_eval(options, settings, quiet, quiet, build=lambda s, h, r, p: build(s, h, r, p))
    report = json.loads((work / "report" / "report.json").read_text())
    return {m: report_value(report, m) for m in GATED}


def report_value(report: dict, metric: str) -> float:
    (found,) = [m for m in report["metrics"] if m["name"] == metric]
    return float(found["value"])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--no-eval", action="store_true", help="latency and agreement only")
    args = parser.parse_args()
    limit_threads(1)
    work = Path(tempfile.mkdtemp(prefix="casebot-embedders-"))
    try:
        fp32_path = ensure_onnx(work / "models")
        int8_path = quantise(fp32_path, work / "models" / "int8.onnx")
        fp32, int8 = OnnxEmbedder.from_file(fp32_path), OnnxEmbedder.from_file(int8_path)
        questions = dev_questions()
        load_before = load_average()
        summary: dict[str, object] = {
            "load_average_before": load_before,
            "model_mb": {
                "fp32": round(fp32_path.stat().st_size / 2**20, 1),
                "int8": round(int8_path.stat().st_size / 2**20, 1),
            },
            "single_query": {
                "torch_default_threads": latency(TorchEmbedder(), questions),
                "onnx_fp32_1_thread": latency(fp32, questions),
                "onnx_int8_1_thread": latency(int8, questions),
            },
        }
        messages = [r.message.text for r in load_split(DATASETS_DIR / "safety", "dev")]
        texts = list(dict.fromkeys(questions + messages))
        chunks = [c.embed_text for c in open_index(_built(work, fp32)).chunks]
        summary["int8_vs_fp32"] = agreement(fp32, int8, texts, chunks)
        if not args.no_eval:
            datasets = dev_only(work / "datasets")
            figures = {
                "fp32": eval_figures(fp32, work / "eval-fp32", datasets),
                "int8": eval_figures(int8, work / "eval-int8", datasets),
            }
            deltas = {m: round(figures["int8"][m] - figures["fp32"][m], 4) for m in GATED}
            summary["dev_figures"] = figures
            summary["int8_minus_fp32"] = deltas
            summary["int8_ships"] = all(abs(d) <= TOLERANCE for d in deltas.values())
        summary["load_average_after"] = load_average()
        save("embedders", summary)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _built(work: Path, embedder: Embedder) -> Settings:
    from casebot.ingest.build import ingest
    from casebot.progress import SilentReporter
    from casebot.runtime import ingest_params

    settings = Settings(data_dir=work / "index", knowledge_dir=REPO / "knowledge")
    ingest(ingest_params(settings, embedder.name), lambda: embedder, SilentReporter())
    return settings


if __name__ == "__main__":
    main()
