"""Readiness re-checked in the background: a new index version is loaded without a
restart (the old one serving until then), and a Chroma server that dies or starts late
is noticed and picked up again, each with the right remedy."""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from casebot.config import Settings
from casebot.index.layout import IndexLayout
from casebot.index.version import CHUNKS_NAME
from tests.api.conftest import OpenClient
from tests.api.test_app import URGENT, assert_not_ready, assert_urgent_first
from tests.conftest import build_index, write_doc
from tests.fakes import HashingEmbedder
from tests.servers import ChromaServer

WATCH = {"watch_interval_s": 0.1}


def eventually(client: TestClient, test: Callable[[Any], bool], seconds: float = 20) -> Any:
    """/readyz once `test` holds for it (the watcher runs every 0.1 s here)."""
    deadline = time.monotonic() + seconds
    while True:
        response = client.get("/readyz")
        if test(response) or time.monotonic() > deadline:
            return response
        time.sleep(0.05)


def test_a_new_index_version_is_served_without_a_restart(
    open_client: OpenClient, tiny_index: Settings, fake_embedder: HashingEmbedder
) -> None:
    settings = tiny_index.model_copy(update=WATCH)
    client = open_client(settings)
    first = client.get("/readyz").json()["index_version"]
    write_doc(settings.knowledge_dir, "casey-review/09-new.md", "Stop and search", "# Stop and search\nThe review found stop and search eroded trust.")
    second = build_index(settings, fake_embedder).version
    assert second and second != first
    response = eventually(client, lambda r: r.json().get("index_version") == second)
    assert response.status_code == 200 and response.json()["index_version"] == second
    docs = {s["doc_id"] for s in client.get("/v1/sources").json()["sources"]}
    assert "casey-review/09-new" in docs


def test_a_broken_new_version_never_replaces_the_one_serving(
    open_client: OpenClient, tiny_index: Settings
) -> None:
    settings = tiny_index.model_copy(update=WATCH)
    client = open_client(settings)
    serving = client.get("/readyz").json()["index_version"]
    layout = IndexLayout(settings.index_root)
    broken = "29990101T000000-broken"
    shutil.copytree(layout.version_dir(serving), layout.version_dir(broken))
    (layout.version_dir(broken) / CHUNKS_NAME).write_text("{not json\n")
    layout.pointer.write_text(broken + "\n")
    time.sleep(0.5)  # several checks
    response = client.get("/readyz")
    assert response.status_code == 200 and response.json()["index_version"] == serving
    assert client.post("/v1/search", json={"query": "freezers"}).json()["results"]


@pytest.fixture
def chroma(tmp_path: Path) -> Iterator[ChromaServer]:
    server = ChromaServer(tmp_path / "chroma-server")
    yield server
    server.kill()


def test_a_chroma_server_that_dies_is_noticed_and_picked_up_again_when_it_returns(
    open_client: OpenClient, tiny_settings: Settings, fake_embedder: HashingEmbedder, chroma: ChromaServer
) -> None:
    settings = tiny_settings.model_copy(update={"chroma_mode": "http", "chroma_port": chroma.port, **WATCH})
    chroma.start()
    build_index(settings, fake_embedder)
    client = open_client(settings)
    assert client.get("/readyz").status_code == 200
    chroma.kill()
    down = eventually(client, lambda r: r.status_code == 503)
    checks = assert_not_ready(down, "retrieval_unavailable", "store", "unreachable")
    assert f"start the Chroma server at 127.0.0.1:{chroma.port}" in checks["store"]["remedy"]
    assert checks["index"]["status"] == "ok"
    assert_urgent_first(client.post("/v1/chat", json={"message": URGENT}).json())
    chroma.start()
    assert eventually(client, lambda r: r.status_code == 200).status_code == 200
    assert client.post("/v1/search", json={"query": "freezers"}).json()["results"]


def test_a_chroma_server_down_at_start_gives_the_right_remedy_and_is_picked_up_later(
    open_client: OpenClient, tiny_settings: Settings, fake_embedder: HashingEmbedder, chroma: ChromaServer
) -> None:
    settings = tiny_settings.model_copy(update={"chroma_mode": "http", "chroma_port": chroma.port, **WATCH})
    chroma.start()
    version = build_index(settings, fake_embedder).version
    chroma.kill()
    client = open_client(settings)
    checks = assert_not_ready(client.get("/readyz"), "retrieval_unavailable", "store", "unreachable")
    assert "ingest" not in checks["store"]["remedy"]
    assert_urgent_first(client.post("/v1/chat", json={"message": URGENT}).json())
    chroma.start()
    ready = eventually(client, lambda r: r.status_code == 200)
    assert ready.status_code == 200 and ready.json()["index_version"] == version
    answer = client.post("/v1/chat", json={"message": "what did the review say about freezers"})
    assert answer.json()["grounded"] is True
