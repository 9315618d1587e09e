"""Real servers the tests start on free loopback ports: redis-server, PostgreSQL, chroma, and
casebot itself under uvicorn (in a thread, or as a real `casebot serve`: uvicorn's own
handling of connections, logs written to a file, schemathesis over HTTP).

A missing binary fails the test that needs it (the Makefile installs them): a skip would
hide a missing install step.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

# chromadb installs its `chroma` CLI (the Rust server) beside the interpreter.
CHROMA = str(Path(sys.prefix) / "bin" / "chroma")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_until(ready: Callable[[], bool], what: str, proc: subprocess.Popen[bytes], seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{what} exited with {proc.returncode} before it was ready")
        try:
            if ready():
                return
        except Exception:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{what} was not ready after {seconds:.0f}s")


def _stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)


def need_binary(name: str, package: str) -> str:
    found = shutil.which(name)
    if found is None:
        pytest.fail(f"{name} not found: `make install` installs the Debian package {package}")
    return found


# ---- redis-server -------------------------------------------------------------------------


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A throwaway redis-server (no persistence); yields its URL."""
    binary = need_binary("redis-server", "redis-server")
    port = free_port()
    workdir = tmp_path_factory.mktemp("redis")
    args = [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
    proc = subprocess.Popen(
        [*args, "--dir", str(workdir)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    import redis

    url = f"redis://127.0.0.1:{port}/0"
    try:
        wait_until(lambda: bool(redis.Redis.from_url(url).ping()), "redis-server", proc)
        yield url
    finally:
        _stop(proc)


@pytest.fixture
def redis_url(redis_server: str) -> str:
    """The session's Redis, emptied for this test."""
    import redis

    redis.Redis.from_url(redis_server).flushdb()
    return redis_server


# ---- PostgreSQL ---------------------------------------------------------------------------


def _postgres_bin() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not found:
        pytest.fail("PostgreSQL not found: `make install` installs the Debian package postgresql")
    return Path(found[-1]).parent


def _as_postgres_user() -> list[str]:
    """initdb and postgres refuse to run as root: then run them as the postgres user."""
    if os.geteuid() != 0:
        return []
    import pwd

    try:
        pwd.getpwnam("postgres")
    except KeyError:
        pytest.fail("running as root needs the postgres user (the postgresql package adds it)")
    return [need_binary("runuser", "util-linux"), "-u", "postgres", "--"]


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """A throwaway PostgreSQL cluster on a free port; yields a URL to its `postgres` database.

    The cluster lives outside pytest's tmp dirs: as root, the server runs as the postgres
    user, who must be able to reach the directory."""
    bindir = _postgres_bin()
    runner = _as_postgres_user()
    root = Path(tempfile.mkdtemp(prefix="casebot-pg-"))
    data = root / "data"
    if runner:
        shutil.chown(root, "postgres", "postgres")
    port = free_port()
    init = [str(bindir / "initdb"), "-D", str(data), "-U", "casebot", "--auth=trust", "-E", "UTF8"]
    done = subprocess.run([*runner, *init], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        pytest.fail(f"initdb failed: {done.stderr.strip()[-500:]}")
    server = [str(bindir / "postgres"), "-D", str(data), "-p", str(port), "-k", str(root)]
    server += ["-c", "listen_addresses=127.0.0.1", "-c", "fsync=off"]
    proc = subprocess.Popen([*runner, *server], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"postgresql+psycopg://casebot@127.0.0.1:{port}/postgres"
    import psycopg

    try:
        wait_until(
            lambda: psycopg.connect(f"host=127.0.0.1 port={port} user=casebot dbname=postgres").close() is None,
            "postgres",
            proc,
        )
        yield url
    finally:
        _stop(proc)
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def postgres_url(postgres_server: str) -> str:
    """A fresh, empty database on the session's PostgreSQL."""
    import psycopg

    name = f"t_{uuid.uuid4().hex[:12]}"
    dsn = postgres_server.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return postgres_server.rsplit("/", 1)[0] + f"/{name}"


# ---- chroma -------------------------------------------------------------------------------


@pytest.fixture
def chroma_server(tmp_path: Path) -> Iterator[int]:
    """A real `chroma run` server; yields its port."""
    port = free_port()
    proc = subprocess.Popen(
        [CHROMA, "run", "--path", str(tmp_path / "chroma-server"), "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "ANONYMIZED_TELEMETRY": "False"},
    )
    heartbeat = f"http://127.0.0.1:{port}/api/v2/heartbeat"
    try:
        wait_until(lambda: httpx.get(heartbeat, timeout=1).status_code == 200, "chroma", proc)
        yield port
    finally:
        _stop(proc)


@contextlib.contextmanager
def serve(app: Any) -> Iterator[str]:
    """The real app (lifespan included) under uvicorn, in a thread of the test process so
    respx can mock the model provider the app calls; yields its base URL."""
    import threading

    import uvicorn

    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name=f"uvicorn-{port}", daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)
@dataclass(frozen=True)
class Server:
    url: str
    port: int
    output: Path  # stdout and stderr, together
    workdir: Path  # the server's current directory
    process: subprocess.Popen[bytes]

    def log(self) -> str:
        return self.output.read_text(encoding="utf-8", errors="replace")


@contextlib.contextmanager
def serve_cli(
    workdir: Path, env: dict[str, str], ready: str = "/readyz", args: Sequence[str] = ()
) -> Iterator[Server]:
    """`casebot serve [args]` with CASEBOT_PORT from the environment (serve must honour it),
    started in `workdir`; yields once `ready` answers 200."""
    workdir.mkdir(parents=True, exist_ok=True)
    port = free_port()
    output = workdir / "server.log"
    full_env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("CASEBOT_")},
        "CASEBOT_HOST": "127.0.0.1",
        "CASEBOT_PORT": str(port),
        "HF_HUB_OFFLINE": "1",
        "ANONYMIZED_TELEMETRY": "False",
        **env,
    }
    with open(output, "wb") as sink:
        proc = subprocess.Popen(
            [sys.executable, "-m", "casebot.cli", "serve", *args],
            cwd=workdir,
            env=full_env,
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
        server = Server(f"http://127.0.0.1:{port}", port, output, workdir, proc)
        try:
            _wait_until_ready(server, proc, ready)
            yield server
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def _wait_until_ready(server: Server, proc: subprocess.Popen[bytes], ready: str) -> None:
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"casebot serve exited {proc.returncode}:\n{server.log()}")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(server.url + ready, timeout=2).status_code == 200:
                return
        time.sleep(0.1)
    raise RuntimeError(f"casebot serve did not become ready:\n{server.log()}")


class ChromaServer:
    """A real `chroma run` on a fixed loopback port and path: killed and restarted by the
    fault tests, it comes back with the same collections."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.port = free_port()
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [CHROMA, "run", "--path", str(self.path), "--host", "127.0.0.1", "--port", str(self.port)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env={**os.environ, "ANONYMIZED_TELEMETRY": "False"},
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with contextlib.suppress(httpx.HTTPError):
                url = f"http://127.0.0.1:{self.port}/api/v2/heartbeat"
                if httpx.get(url, timeout=1).status_code == 200:
                    return
            time.sleep(0.1)
        raise RuntimeError("chroma server did not start")

    def kill(self) -> None:
        """kill -9: no chance to shut down cleanly."""
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait()
            self.proc = None
