"""A real `casebot serve` on a free loopback port, for tests that need the real server:
uvicorn's own handling of connections, logs written to a file, schemathesis over HTTP."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass(frozen=True)
class Server:
    url: str
    port: int
    output: Path  # stdout and stderr, together
    workdir: Path  # the server's current directory

    def log(self) -> str:
        return self.output.read_text(encoding="utf-8", errors="replace")


@contextlib.contextmanager
def serve(workdir: Path, env: dict[str, str], ready: str = "/readyz") -> Iterator[Server]:
    """`casebot serve` with CASEBOT_PORT from the environment (serve must honour it),
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
            [sys.executable, "-m", "casebot.cli", "serve"],
            cwd=workdir,
            env=full_env,
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
        server = Server(f"http://127.0.0.1:{port}", port, output, workdir)
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


# chromadb installs its `chroma` CLI (the server) beside the interpreter.
CHROMA = str(Path(sys.prefix) / "bin" / "chroma")


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
