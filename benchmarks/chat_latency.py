"""Index build time, server ready time, and /v1/chat p50/p95 against a real uvicorn.

Baselines measured in the same run: GET /healthz (the framework floor) and POST
/v1/search (retrieval alone), so /v1/chat is reported as a ratio to each.
Usage: .venv/bin/python benchmarks/chat_latency.py [--rounds 3]
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import yaml
from _common import REPO, arguments, median, percentile, save, scratch, server


def questions() -> list[str]:
    cases = yaml.safe_load((REPO / "evals/datasets/qa.yaml").read_text())["cases"]
    return [c["question"] for c in cases][:60]


def timed_ingest(data_dir: Path) -> float:
    env = {**os.environ, "CASEBOT_DATA_DIR": str(data_dir), "HF_HUB_OFFLINE": "1"}
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "casebot.cli", "ingest"], env=env, check=True, capture_output=True
    )
    return time.perf_counter() - started


def latencies(
    client: httpx.Client, method: str, path: str, bodies: list[dict[str, object]] | None
) -> list[float]:
    out = []
    payloads: list[dict[str, object] | None] = list(bodies) if bodies else [None] * 60
    for body in payloads:
        started = time.perf_counter()
        response = client.request(method, path, json=body)
        out.append((time.perf_counter() - started) * 1000)
        response.raise_for_status()
    return out


def main() -> None:
    n_rounds = arguments().rounds
    qs = questions()
    with scratch() as work:
        build = [timed_ingest(work / f"build{i}") for i in range(2)]
        noop = [timed_ingest(work / "build0") for _ in range(3)]
        ready, chat, search, health = [], [], [], []
        for _ in range(n_rounds):
            with server(work / "build0") as (base, seconds):
                ready.append(seconds)
                with httpx.Client(base_url=base, timeout=30) as client:
                    latencies(
                        client, "POST", "/v1/chat", [{"message": q} for q in qs[:5]]
                    )  # warm-up
                    health.append(latencies(client, "GET", "/healthz", None))
                    search.append(
                        latencies(client, "POST", "/v1/search", [{"query": q, "k": 6} for q in qs])
                    )
                    chat.append(latencies(client, "POST", "/v1/chat", [{"message": q} for q in qs]))
        summary = {
            "questions": len(qs),
            "rounds": n_rounds,
            "index_build_s_median": round(median(build), 2),
            "index_build_s_runs": [round(x, 2) for x in build],
            "reingest_no_change_s_median": round(median(noop), 2),
            "server_ready_s_median": round(median(ready), 2),
            "server_ready_s_runs": [round(x, 2) for x in ready],
            "chat_p50_ms_median": round(median([percentile(r, 50) for r in chat]), 1),
            "chat_p95_ms_median": round(median([percentile(r, 95) for r in chat]), 1),
            "search_p50_ms_median": round(median([percentile(r, 50) for r in search]), 1),
            "healthz_p50_ms_median": round(median([percentile(r, 50) for r in health]), 2),
        }
        summary["chat_to_search_p50_ratio"] = round(
            summary["chat_p50_ms_median"] / summary["search_p50_ms_median"], 2
        )
        summary["chat_to_healthz_p50_ratio"] = round(
            summary["chat_p50_ms_median"] / summary["healthz_p50_ms_median"], 1
        )
        save("chat_latency", summary)


if __name__ == "__main__":
    main()
