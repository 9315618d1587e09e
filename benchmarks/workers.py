"""Sizing figures for docs/deploy.md: memory per worker, chat throughput with one and two
workers (the one-worker run is the baseline, measured in the same run), and what a rate
limit check costs in memory and in a real redis-server.

Usage: .venv/bin/python benchmarks/workers.py [--rounds 3] [--requests 240]
Needs redis-server (`make install` brings it).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import yaml
from _common import REPO, free_port, median, save

from casebot.api.limits import RateLimits

SALT = "benchmark salt"


def questions() -> list[str]:
    cases = yaml.safe_load((REPO / "evals/datasets/qa.yaml").read_text())["cases"]
    return [c["question"] for c in cases][:60]


@contextlib.contextmanager
def redis_server() -> Iterator[str]:
    port = free_port()
    proc = subprocess.Popen(
        ["redis-server", "--port", str(port), "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"
    import redis

    try:
        for _ in range(100):
            with contextlib.suppress(Exception):
                if redis.Redis.from_url(url).ping():
                    break
            time.sleep(0.05)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def workers_of(pid: int) -> list[int]:
    """The serving processes: uvicorn's children with several workers, else the process."""
    children = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        children += [int(c) for c in (task / "children").read_text().split()]
    # With several workers uvicorn also starts a resource tracker; workers are the big ones.
    big = [c for c in children if rss_mib(c) > 100]
    return big or [pid]


@contextlib.contextmanager
def serve(data_dir: Path, workers: int, redis_url: str) -> Iterator[tuple[str, int]]:
    port = free_port()
    env = {
        **os.environ,
        "CASEBOT_DATA_DIR": str(data_dir),
        "CASEBOT_RATE_LIMIT_CLIENT": "1000000/minute",
        "CASEBOT_RATE_LIMIT_TENANT": "1000000/minute",
        "CASEBOT_RATE_LIMIT_STORAGE": redis_url,
        "CASEBOT_CLIENT_KEY_SALT": SALT,
        "HF_HUB_OFFLINE": "1",
    }
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    cmd = [sys.executable, "-m", "casebot.cli", "serve", "--port", str(port)]
    proc = subprocess.Popen(
        [*cmd, "--workers", str(workers)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 300
        ready = 0
        while time.monotonic() < deadline and ready < 10:
            with contextlib.suppress(httpx.HTTPError):
                ready += httpx.get(f"{base}/readyz", timeout=2).status_code == 200
            time.sleep(0.2)
        if ready < 10:
            raise RuntimeError("server did not become ready")
        yield base, proc.pid
    finally:
        proc.terminate()
        proc.wait(timeout=60)


def throughput(base: str, qs: list[str], total: int, concurrency: int) -> float:
    bodies = [{"message": qs[i % len(qs)]} for i in range(total)]
    with httpx.Client(timeout=60) as client:
        client.post(f"{base}/v1/chat", json=bodies[0]).raise_for_status()  # warm
        started = time.perf_counter()
        with ThreadPoolExecutor(concurrency) as pool:
            for response in pool.map(lambda b: client.post(f"{base}/v1/chat", json=b), bodies):
                response.raise_for_status()
        return total / (time.perf_counter() - started)


def limit_check_us(storage: str, calls: int = 2000) -> float:
    limits = RateLimits(storage, SALT.encode(), "1000000/minute", "1000000/minute")
    started = time.perf_counter()
    for i in range(calls):
        limits.check("open", f"192.0.2.{i % 250}", "chat")
    return (time.perf_counter() - started) / calls * 1e6


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--requests", type=int, default=240)
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args()
    qs = questions()
    work = Path(tempfile.mkdtemp(prefix="casebot-bench-workers-"))
    results: dict[str, object] = {}
    try:
        env = {**os.environ, "CASEBOT_DATA_DIR": str(work), "HF_HUB_OFFLINE": "1"}
        ingest = [sys.executable, "-m", "casebot.cli", "ingest"]
        subprocess.run(ingest, env=env, check=True, capture_output=True)
        with redis_server() as redis_url:
            memory = [limit_check_us("memory://") for _ in range(args.rounds)]
            shared = [limit_check_us(redis_url) for _ in range(args.rounds)]
            results["limit_check_us_memory_median"] = round(median(memory), 1)
            results["limit_check_us_redis_median"] = round(median(shared), 1)
            for workers in (1, 2):
                rates, rss = [], []
                for _ in range(args.rounds):
                    with serve(work, workers, redis_url) as (base, pid):
                        rates.append(throughput(base, qs, args.requests, args.concurrency))
                        rss += [rss_mib(p) for p in workers_of(pid)]
                results[f"workers_{workers}_chat_per_s_runs"] = [round(r, 1) for r in rates]
                results[f"workers_{workers}_chat_per_s_median"] = round(median(rates), 1)
                results[f"workers_{workers}_rss_mib_per_worker_median"] = round(median(rss), 0)
        one, two = results["workers_1_chat_per_s_median"], results["workers_2_chat_per_s_median"]
        results["two_workers_vs_one"] = round(float(two) / float(one), 2)  # type: ignore[arg-type]
        results["load_average_at_end"] = os.getloadavg()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    save("workers", results)


if __name__ == "__main__":
    main()
