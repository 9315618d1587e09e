"""GET /metrics: requests, stage latencies, answers, limits, index version; no user text."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from pydantic import SecretStr

from casebot.api.metrics import STAGES
from casebot.config import Settings
from tests.api.conftest import OpenClient
from tests.api.test_app import FREEZERS, MARKER, URGENT, assert_error


def sample(text: str, name: str, **labels: str) -> float:
    """The value of one sample, found by its name and labels in any order."""
    for line in text.splitlines():
        match = re.match(rf"^{name}\{{(.*)\}} (\S+)$", line)
        if match:
            found = dict(re.findall(r'(\w+)="([^"]*)"', match.group(1)))
            if found == labels:
                return float(match.group(2))
    return 0.0


def test_metrics_count_requests_by_route_and_status_and_time_every_stage(client: TestClient) -> None:
    client.post("/v1/chat", json={"message": FREEZERS})
    client.post("/v1/chat", json={"message": ""})
    client.get("/v1/nothing/here")
    text = client.get("/metrics").text
    assert sample(text, "casebot_requests_total", route="/v1/chat", method="POST", status="200") == 1
    assert sample(text, "casebot_requests_total", route="/v1/chat", method="POST", status="422") == 1
    assert sample(text, "casebot_requests_total", route="unmatched", method="GET", status="404") == 1
    for stage in STAGES:
        assert sample(text, "casebot_stage_seconds_count", stage=stage) == 1, stage
    assert sample(text, "casebot_answers_total", scope="in_scope", mode="extractive", level="none") == 1
    version = client.get("/readyz").json()["index_version"]
    assert sample(text, "casebot_index_info", version=version) == 1


def test_an_urgent_reply_is_counted_by_its_level(client: TestClient) -> None:
    client.post("/v1/chat", json={"message": URGENT})
    text = client.get("/metrics").text
    urgent = [line for line in text.splitlines() if line.startswith("casebot_answers_total") and 'level="urgent"' in line]
    assert urgent and float(urgent[0].split()[-1]) == 1


def test_no_label_carries_what_a_person_wrote_or_their_address(open_client: OpenClient, tiny_index: Settings) -> None:
    client = open_client(tiny_index)
    client.post("/v1/chat", json={"message": f"{FREEZERS} {MARKER}"})
    client.get(f"/v1/{MARKER}?q={MARKER}")
    client.post("/v1/search", json={"query": MARKER})
    text = client.get("/metrics").text
    assert MARKER not in text
    assert "testclient" not in text


def test_metrics_can_be_kept_to_the_holder_of_a_key(open_client: OpenClient, tiny_index: Settings) -> None:
    client = open_client(tiny_index.model_copy(update={"metrics_key": SecretStr("scrape-me")}))
    assert_error(client.get("/metrics"), 401, "invalid_key")
    assert_error(client.get("/metrics", headers={"authorization": "Bearer wrong"}), 401, "invalid_key")
    allowed = client.get("/metrics", headers={"authorization": "Bearer scrape-me"})
    assert allowed.status_code == 200 and "casebot_requests_total" in allowed.text
