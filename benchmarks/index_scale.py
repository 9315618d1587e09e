"""Index build time against corpus size, and what a serving worker then holds in memory.

Synthetic corpora of 1x, 10x and 50x knowledge/: the shipped documents copied under
numbered folders (other paths, so other documents and chunks; the same words, so the same
work per chunk). Each is built by `casebot ingest` from nothing (the ONNX export made
beforehand, as after the first ingest), then served by one worker: seconds until ready,
and the worker's resident memory after answering a few questions.
Usage: .venv/bin/python benchmarks/index_scale.py [--sizes 1 10 50]
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
from pathlib import Path

import httpx
from _common import REPO, dev_questions, ingest, load_average, save, server

from casebot.embeddings.export import ensure_onnx

DOCUMENTS = ("*.md", "*.pdf", "*.html", "*.txt")


def synthetic(root: Path, copies: int) -> Path:
    knowledge = REPO / "knowledge"
    target = root / f"knowledge-{copies}x"
    shutil.copytree(knowledge / "support", target / "support")  # the catalog, once
    for n in range(copies):
        for pattern in DOCUMENTS:
            for path in knowledge.rglob(pattern):
                dest = target / f"copy{n:02d}" / path.relative_to(knowledge)
                dest.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(path, dest)
    return target


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[1, 10, 50])
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="casebot-scale-"))
    models = work / "models"
    ensure_onnx(models)
    questions = dev_questions()[:20]
    try:
        rows = {}
        for copies in args.sizes:
            knowledge = synthetic(work, copies)
            data = work / f"data-{copies}x"
            load_before = load_average()
            seconds = ingest(data, knowledge, model_dir=models)
            with server(data, knowledge_dir=knowledge, model_dir=models) as srv:
                with httpx.Client(base_url=srv.base, timeout=60) as client:
                    for q in questions:
                        client.post("/v1/chat", json={"message": q}).raise_for_status()
                    chunks = sum(d["chunks"] for d in client.get("/v1/sources").json()["sources"])
                rows[f"{copies}x"] = {
                    "chunks": chunks,
                    "build_s": round(seconds, 2),
                    "server_ready_s": round(srv.ready_s, 2),
                    "worker_rss_mb": srv.rss_mb()[0],
                    "load_average_before": load_before,
                }
            shutil.rmtree(data, ignore_errors=True)
        save("index_scale", {"sizes": rows, "load_average_after": load_average()})
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
