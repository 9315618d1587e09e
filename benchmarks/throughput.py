"""Answers a second against concurrency and worker count, and memory per worker.

For each worker count (1, and one per core) a fresh `casebot serve` is started on an index
built once; for each concurrency (1, 4, 16, 64) that many clients each send /v1/chat
requests back to back for a fixed time, cycling through the dev questions (each client
starts at a different one). Errors are any non-200 answer or failed request. The load
generator runs on the same cores as the server, so the figures are a floor. The embedding
LRU is off unless --cache: a question asked again costs what a new one does.
Usage: .venv/bin/python benchmarks/throughput.py [--seconds 10] [--rounds 3] [--cache]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import shutil
import tempfile
import time
from pathlib import Path

import httpx
from _common import dev_questions, ingest, load_average, median, percentile, save, server
from workers import redis_server

from casebot.config import cores

CONCURRENCY = (1, 4, 16, 64)


async def _client(
    http: httpx.AsyncClient, questions: list[str], start: int, until: float, out: dict
) -> None:
    i = start
    while time.perf_counter() < until:
        began = time.perf_counter()
        try:
            response = await http.post("/v1/chat", json={"message": questions[i % len(questions)]})
            ok = response.status_code == 200
        except httpx.HTTPError:
            ok = False
        out["latencies"].append((time.perf_counter() - began) * 1000)
        out["ok" if ok else "errors"] += 1
        i += 7


async def load(base: str, questions: list[str], clients: int, seconds: float) -> dict:
    out: dict = {"ok": 0, "errors": 0, "latencies": []}
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=base, timeout=60, limits=limits) as http:
        warm: dict = {"ok": 0, "errors": 0, "latencies": []}
        await asyncio.gather(
            *(_client(http, questions, c, time.perf_counter() + 1.5, warm) for c in range(clients))
        )
        started = time.perf_counter()
        until = started + seconds
        await asyncio.gather(
            *(_client(http, questions, c * 13, until, out) for c in range(clients))
        )
        elapsed = time.perf_counter() - started
    return {
        "answers_per_s": round(out["ok"] / elapsed, 1),
        "errors": out["errors"],
        "p50_ms": round(percentile(out["latencies"], 50), 1),
        "p95_ms": round(percentile(out["latencies"], 95), 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--cache", action="store_true", help="keep the embedding LRU on")
    args = parser.parse_args()
    questions = dev_questions()
    work = Path(tempfile.mkdtemp(prefix="casebot-load-"))
    data = work / "data"
    cache = 256 if args.cache else 0
    try:
        ingest(data)
        table: dict[str, dict[str, dict]] = {}
        memory: dict[str, list[float]] = {}
        load_seen = [load_average()]
        for workers in sorted({1, cores()}):
            runs: dict[int, list[dict]] = {c: [] for c in CONCURRENCY}
            with contextlib.ExitStack() as stack:
                shared = {}
                if workers > 1:  # several workers share rate limits through Redis
                    url = stack.enter_context(redis_server())
                    shared = {"rate_limit_storage": url, "client_key_salt": "benchmark salt"}
                srv = stack.enter_context(
                    server(data, workers=workers, embed_cache_size=cache, **shared)
                )
                for _ in range(args.rounds):
                    for clients in CONCURRENCY:
                        result = asyncio.run(load(srv.base, questions, clients, args.seconds))
                        runs[clients].append(result)
                memory[str(workers)] = srv.rss_mb()
            load_seen.append(load_average())
            table[str(workers)] = {
                str(c): {
                    "answers_per_s_median": median([r["answers_per_s"] for r in rs]),
                    "answers_per_s_runs": [r["answers_per_s"] for r in rs],
                    "errors": sum(r["errors"] for r in rs),
                    "p50_ms_median": median([r["p50_ms"] for r in rs]),
                    "p95_ms_median": median([r["p95_ms"] for r in rs]),
                }
                for c, rs in runs.items()
            }
        summary: dict[str, object] = {
            "cores": cores(),
            "seconds_per_point": args.seconds,
            "rounds": args.rounds,
            "embed_cache_size": cache,
            "load_average_seen": load_seen,
            "by_workers_then_concurrency": table,
            "rss_mb_per_worker": memory,
        }
        best = table[str(cores())]
        summary["ratio_64_to_4"] = round(
            best["64"]["answers_per_s_median"] / best["4"]["answers_per_s_median"], 2
        )
        save("throughput" + ("_cached" if args.cache else ""), summary)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
