"""Shared helpers for casebot benchmarks: timing, percentiles, a server on loopback."""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx

from casebot.evals.metrics import percentile as _percentile

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "benchmarks" / "results"


def percentile(values: list[float], q: float) -> float:
    """casebot's own percentile (linear interpolation, as the eval reports latency)."""
    value = _percentile(values, q)
    assert value is not None, "a benchmark always has timings"
    return value


def median(values: list[float]) -> float:
    return statistics.median(values)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def server(data_dir: Path) -> Iterator[tuple[str, float]]:
    """`casebot serve` on a free loopback port; yields (base url, seconds until /readyz)."""
    port = free_port()
    env = {**os.environ, "CASEBOT_DATA_DIR": str(data_dir), "HF_HUB_OFFLINE": "1"}
    started = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "casebot.cli", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = started + 180
        while time.perf_counter() < deadline:
            try:
                if httpx.get(f"{base}/readyz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.05)
        else:
            raise RuntimeError("server did not become ready")
        yield base, time.perf_counter() - started
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def arguments(default_rounds: int = 3) -> argparse.Namespace:
    """--rounds, which every benchmark takes, and --data-dir: an index already built
    there is used instead of building one."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=default_rounds)
    parser.add_argument("--data-dir", type=Path, default=None)
    return parser.parse_args()


@contextlib.contextmanager
def scratch() -> Iterator[Path]:
    """A temporary working directory, removed afterwards."""
    work = Path(tempfile.mkdtemp(prefix="casebot-bench-"))
    try:
        yield work
    finally:
        shutil.rmtree(work, ignore_errors=True)


def save(name: str, data: dict[str, object]) -> None:
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"{name}.json").write_text(json.dumps(data, indent=2))
    print(json.dumps(data, indent=2))
