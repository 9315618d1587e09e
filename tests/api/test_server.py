"""The real server, `casebot serve` (uvicorn) in a subprocess: schemathesis against its
OpenAPI schema, what its logs and files hold, and how it treats slow and idle clients."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from casebot.config import Settings
from casebot.embeddings import LocalEmbedder
from tests.api.test_app import FREEZERS
from tests.conftest import build_index
from tests.servers import Server, serve_cli

SCHEMATHESIS = str(Path(sys.prefix) / "bin" / "schemathesis")
NO_INDEX_CONFIG = Path(__file__).with_name("schemathesis-no-index.toml")
URGENT = "i'm going to kill myself tonight"
ACCESS_FIELDS = {"request_id", "method", "route", "status", "duration_ms"}


@pytest.fixture(scope="module")
def server(real_settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """Over the real corpus; short body and keep-alive timeouts so the tests stay quick."""
    env = {
        "CASEBOT_DATA_DIR": str(real_settings.data_dir),
        "CASEBOT_BODY_TIMEOUT_S": "1",
        "CASEBOT_KEEP_ALIVE_S": "1",
    }
    with serve_cli(tmp_path_factory.mktemp("server"), env) as running:
        yield running


@pytest.fixture(scope="module")
def server_without_index(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    work = tmp_path_factory.mktemp("server-no-index")
    with serve_cli(work, {"CASEBOT_DATA_DIR": str(work / "data")}, ready="/healthz") as running:
        yield running


def schemathesis(server: Server, *options: str) -> str:
    """Every check schemathesis has, over every operation, with a bounded number of cases
    (a fixed seed, so a failure reproduces)."""
    command = [
        SCHEMATHESIS,
        *options,
        "run",
        f"{server.url}/openapi.json",
        "--checks=all",
        "--max-examples=8",
        "--workers=1",
        "--request-timeout=30",
        "--seed=14",
    ]
    env = {**os.environ, "NO_COLOR": "1", "SCHEMATHESIS_TELEMETRY": "false"}
    # Run in the server's directory: schemathesis keeps a cache in its working directory.
    result = subprocess.run(
        command, capture_output=True, text=True, timeout=600, env=env, cwd=server.workdir
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    counted = re.search(r"(\d+) generated, (\d+) passed", output)
    assert counted and counted.group(1) == counted.group(2) and int(counted.group(1)) > 50, output
    return output


@pytest.mark.slow
def test_schemathesis_finds_nothing_against_a_server_with_an_index(server: Server) -> None:
    schemathesis(server)


def test_schemathesis_finds_nothing_against_a_server_with_no_index(
    server_without_index: Server,
) -> None:
    schemathesis(server_without_index, f"--config-file={NO_INDEX_CONFIG}")


@pytest.mark.slow
def test_serve_listens_on_casebot_host_and_port(server: Server) -> None:
    # The fixture gives the port only as CASEBOT_PORT.
    assert httpx.get(f"{server.url}/healthz").json() == {"status": "ok"}
    assert f"http://127.0.0.1:{server.port}" in server.log()


def _wait_for_lines(server: Server, request_ids: list[str]) -> list[dict[str, object]]:
    deadline = time.monotonic() + 10
    while True:
        lines = [json.loads(line) for line in server.log().splitlines() if line.strip()]
        logged = {line.get("request_id") for line in lines}
        if set(request_ids) <= logged or time.monotonic() > deadline:
            return lines
        time.sleep(0.1)


@pytest.mark.slow
def test_a_marker_in_body_query_and_headers_reaches_no_log_line_and_no_file(
    server: Server, real_settings: Settings
) -> None:
    marker = f"zqx{uuid.uuid4().hex[:12]}"
    headers = {
        "x-casebot-marker": marker,
        "user-agent": marker,
        "referer": f"https://{marker}.example/",
        "x-request-id": marker,
        "x-forwarded-for": "203.0.113.7",
    }
    with httpx.Client(base_url=server.url, headers=headers, timeout=60) as http:
        history = [{"role": "user", "content": f"{marker} earlier"}]
        responses = [
            http.post(f"/v1/chat?q={marker}", json={"message": f"{marker} freezers", "history": history}),
            http.post(f"/v1/chat?{marker}=1", json={"message": f"{URGENT} {marker}"}),
            http.post("/v1/chat", json={"message": "freezers", marker: marker}),
            http.post("/v1/chat", content=f'{{"message": "{marker}'.encode()),
            http.post(f"/v1/search?k={marker}", json={"query": f"{marker} vetting"}),
            http.get(f"/healthz?{marker}={marker}"),
            http.get(f"/no-such-page/{marker}?q={marker}"),
        ]
    assert [r.status_code for r in responses] == [200, 200, 422, 422, 200, 200, 404]
    assert all(marker not in r.text for r in responses[2:]), "an error repeats no input"
    ids = [r.headers["x-request-id"] for r in responses]
    assert marker not in ids, "the request id is casebot's own, never the client's"
    lines = _wait_for_lines(server, ids)
    access = [line for line in lines if line.get("logger") == "casebot.access"]
    mine = [line for line in access if line["request_id"] in ids]
    assert len(mine) == len(ids)
    assert all(set(line) >= ACCESS_FIELDS for line in mine)
    assert [line["route"] for line in mine[:2]] == ["/v1/chat", "/v1/chat"]
    assert mine[1]["safety_level"] == "urgent" and mine[-1]["route"] is None
    text = server.log()
    assert marker not in text and "203.0.113.7" not in text
    assert not any(line.get("logger") == "uvicorn.access" for line in lines)
    for root in (server.workdir, real_settings.data_dir):
        for path in root.rglob("*"):
            if path.is_file():
                assert marker.encode() not in path.read_bytes(), path


def _read_until_closed(sock: socket.socket) -> bytes:
    data = b""
    while chunk := sock.recv(65536):
        data += chunk
    return data


@pytest.mark.slow
def test_a_stalled_body_is_answered_408_and_its_connection_closed(server: Server) -> None:
    with socket.create_connection(("127.0.0.1", server.port), timeout=15) as sock:
        sock.sendall(
            b"POST /v1/chat HTTP/1.1\r\nHost: casebot\r\nContent-Type: application/json\r\n"
            b'Content-Length: 100\r\n\r\n{"message": '
        )
        started = time.monotonic()
        reply = _read_until_closed(sock)
    assert reply.startswith(b"HTTP/1.1 408"), reply[:200]
    assert b'"request_timeout"' in reply
    assert time.monotonic() - started < 10


@pytest.mark.slow
def test_an_idle_keep_alive_connection_is_closed_by_the_server(server: Server) -> None:
    with socket.create_connection(("127.0.0.1", server.port), timeout=15) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: casebot\r\n\r\n")
        started = time.monotonic()
        reply = _read_until_closed(sock)  # returns when the server closes the connection
    assert reply.startswith(b"HTTP/1.1 200")
    assert time.monotonic() - started < 10


@pytest.fixture
def small_index(tiny_settings: Settings, local_embedder: LocalEmbedder) -> Settings:
    """The tiny corpus indexed with the bundled model, the one `casebot serve` embeds with."""
    build_index(tiny_settings, local_embedder)
    return tiny_settings


def _spawned_workers(pid: int) -> list[int]:
    """The worker processes under a `casebot serve` (multiprocessing spawns them)."""
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return [int(c) for c in children if b"spawn_main" in Path(f"/proc/{c}/cmdline").read_bytes()]


def _until_ready_in_a_row(server: Server, times: int = 10) -> None:
    """Each worker takes connections once its own start-up is done: readiness holds on
    `times` fresh connections in a row, whichever worker each reaches."""
    deadline, streak = time.monotonic() + 120, 0
    while streak < times:
        assert time.monotonic() < deadline, server.log()
        ok = httpx.get(f"{server.url}/readyz", timeout=5).status_code == 200
        streak = streak + 1 if ok else 0


@pytest.mark.slow
def test_serve_with_two_workers_answers_alike_and_stops_cleanly_on_sigterm(
    small_index: Settings, redis_url: str, shared_model_dir: Path, tmp_path: Path
) -> None:
    (tmp_path / "metrics").mkdir()
    env = {
        "CASEBOT_KNOWLEDGE_DIR": str(small_index.knowledge_dir),
        "CASEBOT_DATA_DIR": str(small_index.data_dir),
        "CASEBOT_MODEL_DIR": str(shared_model_dir),
        "CASEBOT_GATE_MIN_SIMILARITY": str(small_index.gate_min_similarity),
        "CASEBOT_GATE_MIN_LEXICAL_SCORE": str(small_index.gate_min_lexical_score),
        # Several workers must share rate limits (serve refuses memory:// with two).
        "CASEBOT_RATE_LIMIT_STORAGE": redis_url,
        "CASEBOT_CLIENT_KEY_SALT": "one salt for both workers",
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "metrics"),
    }
    with serve_cli(tmp_path / "serve", env, args=["--workers", "2"]) as server:
        workers = _spawned_workers(server.process.pid)
        assert len(workers) == 2
        _until_ready_in_a_row(server)
        for _ in range(5):  # a new connection each time: either worker may answer
            assert httpx.get(f"{server.url}/healthz", timeout=5).json() == {"status": "ok"}
        answers = [
            httpx.post(f"{server.url}/v1/chat", json={"message": FREEZERS}, timeout=60).json()
            for _ in range(4)
        ]
        same = ("answer", "citations", "safety", "scope", "grounded", "mode")
        assert answers[0]["grounded"] and answers[0]["citations"], answers[0]
        assert [{k: a[k] for k in same} for a in answers[1:]] == [
            {k: answers[0][k] for k in same}
        ] * 3
        assert len({a["answer_id"] for a in answers}) == 4
        assert _spawned_workers(server.process.pid) == workers  # none died and came back
        server.process.send_signal(signal.SIGTERM)
        assert server.process.wait(timeout=60) == 0, server.log()
    assert not [w for w in workers if Path(f"/proc/{w}").exists()]
    lines = [json.loads(line) for line in server.log().splitlines() if line.startswith("{")]
    assert [line for line in lines if line["level"] in ("error", "critical")] == []
    assert "Traceback" not in server.log()
