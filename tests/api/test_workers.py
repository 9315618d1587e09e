"""Past one machine: two API workers (separate processes, as on two machines) against one
Chroma server, one Redis and one PostgreSQL, all real and started by the test."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import httpx
import pytest

from casebot.config import Settings
from tests.api.test_app import FREEZERS
from tests.api.test_metrics import sample
from tests.conftest import REPO, build_index
from tests.fakes import HashingEmbedder
from tests.servers import _stop, free_port, wait_until


@pytest.fixture
def two_workers(
    tiny_settings: Settings, chroma_server: int, redis_url: str, postgres_url: str, tmp_path: Path
) -> Iterator[tuple[str, str]]:
    settings = tiny_settings.model_copy(update={"chroma_mode": "http", "chroma_port": chroma_server})
    build_index(settings, HashingEmbedder())  # the index lives on the Chroma server
    metrics_dir = tmp_path / "metrics"
    metrics_dir.mkdir()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("CASEBOT_")},
        "CASEBOT_KNOWLEDGE_DIR": str(settings.knowledge_dir),
        "CASEBOT_DATA_DIR": str(settings.data_dir),
        "CASEBOT_CHROMA_MODE": "http",
        "CASEBOT_CHROMA_PORT": str(chroma_server),
        "CASEBOT_GATE_MIN_SIMILARITY": str(settings.gate_min_similarity),
        "CASEBOT_GATE_MIN_LEXICAL_SCORE": str(settings.gate_min_lexical_score),
        "CASEBOT_RATE_LIMIT_STORAGE": redis_url,
        "CASEBOT_RATE_LIMIT_CLIENT": "3/minute",
        "CASEBOT_CLIENT_KEY_SALT": "one salt on every worker",
        "CASEBOT_FEEDBACK_URL": postgres_url,
        "CASEBOT_WORKERS": "2",
        "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir),
        "ANONYMIZED_TELEMETRY": "False",
        "HF_HUB_OFFLINE": "1",
    }
    with ExitStack() as stack:
        started = []
        for name in ("a", "b"):
            port = free_port()
            log = stack.enter_context((tmp_path / f"worker-{name}.log").open("wb"))
            proc = subprocess.Popen(
                [sys.executable, "-m", "uvicorn", "--factory", "tests.worker_app:create", "--host", "127.0.0.1", "--port", str(port)],
                cwd=REPO,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
            stack.callback(_stop, proc)
            started.append((name, f"http://127.0.0.1:{port}", proc))
        for name, url, proc in started:  # both start at once; wait for each to be ready
            wait_until(lambda url=url: httpx.get(f"{url}/readyz", timeout=2).status_code == 200, f"worker {name}", proc, 120)
        yield started[0][1], started[1][1]


def test_two_workers_share_limits_metrics_and_feedback_and_give_identical_answers(two_workers: tuple[str, str]) -> None:
    a, b = two_workers
    question = {"message": FREEZERS}
    first = httpx.post(f"{a}/v1/chat", json=question, timeout=30).json()
    second = httpx.post(f"{b}/v1/chat", json=question, timeout=30).json()
    same = ("answer", "citations", "safety", "scope", "grounded", "mode")
    assert first["grounded"] and first["citations"]
    assert {k: first[k] for k in same} == {k: second[k] for k in same}
    assert first["answer_id"] != second["answer_id"]
    # Three a minute per client, counted in Redis: the third is on a, the fourth on b.
    assert httpx.post(f"{a}/v1/chat", json=question, timeout=30).status_code == 200
    refused = httpx.post(f"{b}/v1/chat", json=question, timeout=30)
    assert refused.status_code == 429 and int(refused.headers["retry-after"]) >= 1
    # Feedback on an answer from a, sent to b, lands in the one Postgres.
    rated = httpx.post(f"{b}/v1/feedback", json={"answer_id": first["answer_id"], "rating": "up", "reason": "accurate"}, timeout=30)
    assert rated.status_code == 201, rated.text
    # Either worker's /metrics adds up both.
    text = httpx.get(f"{a}/metrics", timeout=30).text
    assert sample(text, "casebot_requests_total", route="/v1/chat", method="POST", status="200") == 3
    assert sample(text, "casebot_limited_total", limit="client", tenant="open") == 1
    assert sample(text, "casebot_feedback_total", rating="up", tenant="open") == 1
