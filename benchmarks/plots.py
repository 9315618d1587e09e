"""The figures in docs/performance.md, drawn from benchmarks/results/*.json.

Usage: .venv/bin/python benchmarks/plots.py   (after the benchmarks it draws have run)
"""

from __future__ import annotations

import json

import matplotlib

matplotlib.use("Agg")  # files only, no display
import matplotlib.pyplot as plt
from _common import REPO, RESULTS

FIGURES = REPO / "docs" / "img"


def _read(name: str) -> dict | None:
    path = RESULTS / f"{name}.json"
    return json.loads(path.read_text()) if path.exists() else None


def _load(data: dict) -> str:
    """How busy the machine was when the run began (a quiet 2-core machine: below 1.2)."""
    before = data.get("load_average_before")
    return f" (1-min load {before[0]})" if before else ""


def _save(fig: plt.Figure, name: str) -> None:
    FIGURES.mkdir(parents=True, exist_ok=True)
    fig.tight_layout()
    fig.savefig(FIGURES / f"{name}.png", dpi=110)
    plt.close(fig)
    print(FIGURES / f"{name}.png")


def stages(data: dict) -> None:
    names = list(data["p50_ms_by_stage"])
    values = [data["p50_ms_by_stage"][n] for n in names]
    fig, ax = plt.subplots(figsize=(7, 3.6))
    ax.barh(names[::-1], values[::-1], color="#4c72b0")
    ax.set_xlabel("median ms per question (dev questions)")
    ax.set_title(f"One answer by stage, p50 {data['answer_p50_ms']} ms{_load(data)}", fontsize=10)
    _save(fig, "stages")


def latency(data: dict) -> None:
    rows = [("vanilla peer's retrieval", data["peer_floor"]), ("/v1/chat", data["chat"])]
    if isinstance(data.get("stream_whole"), dict):
        rows.append(("/v1/chat/stream, safety event", data["stream_safety_event"]))
    rows.append(("/v1/search", data["search"]))
    fig, ax = plt.subplots(figsize=(7, 3.4))
    width = 0.27
    for i, q in enumerate(("p50_ms", "p95_ms", "p99_ms")):
        ax.bar(
            [x + (i - 1) * width for x in range(len(rows))],
            [r[1][q] for r in rows],
            width,
            label=q.replace("_ms", ""),
        )
    ax.set_xticks(range(len(rows)), [r[0] for r in rows], fontsize=8)
    ax.set_ylabel("ms, one client")
    ratio = data["chat_p50_to_peer_floor_p50"]
    ax.set_title(f"/v1/chat p50 is {ratio}x the peer's floor{_load(data)}", fontsize=10)
    ax.legend()
    _save(fig, "latency")


def throughput(data: dict) -> None:
    fig, ax = plt.subplots(figsize=(7, 3.6))
    for workers, by_clients in data["by_workers_then_concurrency"].items():
        clients = [int(c) for c in by_clients]
        ax.plot(
            clients,
            [by_clients[str(c)]["answers_per_s_median"] for c in clients],
            marker="o",
            label=f"{workers} worker(s)",
        )
    ax.set_xscale("log", base=2)
    ax.set_xticks([1, 4, 16, 64], ["1", "4", "16", "64"])
    ax.set_xlabel("concurrent clients")
    ax.set_ylabel("answers per second")
    ax.set_title(f"/v1/chat throughput on {data['cores']} cores")
    ax.set_ylim(bottom=0)
    ax.legend()
    _save(fig, "throughput")


def scale(data: dict) -> None:
    sizes = data["sizes"]
    labels = list(sizes)
    fig, (left, right) = plt.subplots(1, 2, figsize=(8, 3.4))
    left.plot([sizes[s]["chunks"] for s in labels], [sizes[s]["build_s"] for s in labels], "o-")
    left.set_xlabel("chunks")
    left.set_ylabel("ingest s (from nothing)")
    right.plot(
        [sizes[s]["chunks"] for s in labels], [sizes[s]["worker_rss_mb"] for s in labels], "o-"
    )
    right.set_xlabel("chunks")
    right.set_ylabel("worker resident MB")
    for ax, s in ((left, labels), (right, labels)):
        for label in s:
            ax.annotate(label, (sizes[label]["chunks"], ax.lines[0].get_ydata()[s.index(label)]))
    fig.suptitle("Index build and worker memory against corpus size")
    _save(fig, "index_scale")


def main() -> None:
    for name, draw in (
        ("stages", stages),
        ("latency_floor", latency),
        ("throughput", throughput),
        ("index_scale", scale),
    ):
        data = _read(name)
        if data is not None:
            draw(data)


if __name__ == "__main__":
    main()
