"""Shared helpers for casebot benchmarks: timing, percentiles, servers on loopback, the
dev questions, and how loaded the machine was while a benchmark ran."""

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
from dataclasses import dataclass
from pathlib import Path

import httpx
import yaml

from casebot.evals.metrics import percentile as _percentile

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "benchmarks" / "results"
DEV_QA = REPO / "evals" / "datasets" / "qa" / "dev"


def percentile(values: list[float], q: float) -> float:
    """casebot's own percentile (linear interpolation, as the eval reports latency)."""
    value = _percentile(values, q)
    assert value is not None, "a benchmark always has timings"
    return value


def median(values: list[float]) -> float:
    return statistics.median(values)


def dev_questions() -> list[str]:
    """The dev split's question texts (never the sealed test split)."""
    out: list[str] = []
    for path in sorted(DEV_QA.glob("*.yaml")):
        out += [c["question"] for c in yaml.safe_load(path.read_text())["cases"]]
    return out


def load_average() -> tuple[float, float, float]:
    one, five, fifteen = os.getloadavg()
    return round(one, 2), round(five, 2), round(fifteen, 2)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def casebot_env(data_dir: Path, **settings: object) -> dict[str, str]:
    env = {**os.environ, "CASEBOT_DATA_DIR": str(data_dir), "HF_HUB_OFFLINE": "1"}
    env.update({f"CASEBOT_{k.upper()}": str(v) for k, v in settings.items()})
    return env


@dataclass
class Server:
    base: str
    ready_s: float
    pid: int

    def __iter__(self) -> Iterator[object]:
        """Unpacks as (base url, seconds until ready), as most benchmarks need."""
        return iter((self.base, self.ready_s))

    def worker_pids(self) -> list[int]:
        """The processes answering: the server itself, or its workers when it has them."""
        children = Path(f"/proc/{self.pid}/task/{self.pid}/children").read_text().split()
        workers = [int(c) for c in children if _is_worker(int(c))]
        return workers or [self.pid]

    def rss_mb(self) -> list[float]:
        return [_rss_mb(pid) for pid in self.worker_pids()]


def _is_worker(pid: int) -> bool:
    """uvicorn's workers are spawned processes (multiprocessing's spawn_main)."""
    with contextlib.suppress(OSError):
        return b"spawn_main" in Path(f"/proc/{pid}/cmdline").read_bytes()
    return False


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


@contextlib.contextmanager
def server(data_dir: Path, workers: int = 1, **extra: object) -> Iterator[Server]:
    """`casebot serve` on a free loopback port, ready. Rate limits are lifted: every
    request comes from one loopback client, and a limited one would be a safety reply."""
    port = free_port()
    settings = {"rate_limit_client": "1000000/minute", "rate_limit_tenant": "1000000/minute"}
    env = casebot_env(data_dir, **{**settings, **extra})
    started = time.perf_counter()
    command = [sys.executable, "-m", "casebot.cli", "serve", "--port", str(port)]
    proc = subprocess.Popen(
        [*command, "--workers", str(workers)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = started + 300
        while time.perf_counter() < deadline:
            try:
                if httpx.get(f"{base}/readyz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.02)
        else:
            raise RuntimeError("server did not become ready")
        yield Server(base, time.perf_counter() - started, proc.pid)
    finally:
        proc.terminate()
        proc.wait(timeout=60)


def ingest(data_dir: Path, knowledge: Path | None = None, **settings: object) -> float:
    """Seconds `casebot ingest` takes: the process, start to finish, imports included."""
    env = casebot_env(data_dir, **settings)
    if knowledge is not None:
        env["CASEBOT_KNOWLEDGE_DIR"] = str(knowledge)
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "casebot.cli", "ingest"], env=env, check=True, capture_output=True
    )
    return time.perf_counter() - started


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
    (RESULTS / f"{name}.json").write_text(json.dumps(data, indent=2) + "\n")
    print(json.dumps(data, indent=2))
