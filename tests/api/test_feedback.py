"""POST /v1/feedback: a rating, a reason and a redacted comment; never the conversation."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from casebot.config import Settings
from casebot.feedback.models import FeedbackRow
from tests.api.conftest import OpenClient
from tests.api.test_app import FREEZERS, MARKER, assert_error
from tests.api.test_tenants import headers
from tests.tenants.conftest import EXAMPLE


def rows(settings: Settings) -> list[FeedbackRow]:
    engine = create_engine(settings.feedback_database_url)
    with Session(engine) as session:
        found = list(session.scalars(select(FeedbackRow)))
    engine.dispose()
    return found


def rate(client: TestClient, **fields: Any) -> Any:
    answer_id = client.post("/v1/chat", json={"message": f"{FREEZERS} {MARKER}"}).json()["answer_id"]
    return client.post("/v1/feedback", json={"answer_id": answer_id, **fields}), answer_id


def test_a_rating_is_stored_without_the_question_or_answer(client: TestClient, tiny_index: Settings) -> None:
    response, answer_id = rate(client, rating="down", reason="missing_information", comment="I'm Jo, email jo@example.org, it skipped the freezers")
    assert response.status_code == 201, response.text
    assert response.json() == {"status": "stored", "comment_redacted": True}
    [row] = rows(tiny_index)
    assert (row.answer_id, row.rating, row.reason, row.tenant) == (answer_id, "down", "missing_information", "open")
    assert row.comment == "I'm Jo, email [email], it skipped the freezers"
    stored = " ".join(str(getattr(row, c)) for c in ("answer_id", "rating", "reason", "tenant", "comment"))
    assert MARKER not in stored and "What did the review" not in stored


def test_a_thumb_up_needs_no_comment(client: TestClient, tiny_index: Settings) -> None:
    response, _ = rate(client, rating="up", reason="found_support")
    assert response.json() == {"status": "stored", "comment_redacted": False}
    assert rows(tiny_index)[0].comment is None


@pytest.mark.parametrize(
    ("fields", "where"),
    [
        ({"rating": "sideways", "reason": "clear"}, "rating"),
        ({"rating": "up", "reason": "because"}, "reason"),
        ({"rating": "up", "reason": "clear", "comment": "x" * 501}, "comment"),
        # A key the schema does not know is refused without being named: it could be anything.
        ({"rating": "up", "reason": "clear", "question": "what I asked"}, "unknown field"),
    ],
    ids=["rating", "reason", "comment too long", "the question"],
)
def test_invalid_feedback_is_refused_without_echoing_it(client: TestClient, tiny_index: Settings, fields: dict[str, str], where: str) -> None:
    response = client.post("/v1/feedback", json={"answer_id": "a" * 32, **fields})
    error = assert_error(response, 422, "validation_error")
    assert where in error["message"]
    assert "what I asked" not in response.text and "sideways" not in response.text
    assert rows(tiny_index) == [] if (tiny_index.data_dir / "feedback.sqlite3").exists() else True


def test_an_answer_id_must_look_like_one(client: TestClient) -> None:
    response = client.post("/v1/feedback", json={"answer_id": "my name is Jo", "rating": "up", "reason": "clear"})
    assert_error(response, 422, "validation_error")


def test_feedback_records_the_tenant(open_client: OpenClient, tiny_index: Settings) -> None:
    client = open_client(tiny_index.model_copy(update={"tenants_file": EXAMPLE, "tenants_allow_examples": True}))
    response = client.post("/v1/feedback", json={"answer_id": "b" * 32, "rating": "up", "reason": "clear"}, headers=headers())
    assert response.status_code == 201
    assert rows(tiny_index)[0].tenant == "example-borough-support"
    assert 'casebot_feedback_total{rating="up",tenant="example-borough-support"} 1.0' in client.get("/metrics").text


def test_a_feedback_database_that_is_down_gives_503_and_answers_go_on(open_client: OpenClient, tiny_index: Settings) -> None:
    from tests.servers import free_port

    down = f"postgresql+psycopg://casebot@127.0.0.1:{free_port()}/none?connect_timeout=2"
    client = open_client(tiny_index.model_copy(update={"feedback_url": down}))
    assert client.post("/v1/chat", json={"message": FREEZERS}).status_code == 200
    response = client.post("/v1/feedback", json={"answer_id": "c" * 32, "rating": "up", "reason": "clear"})
    assert_error(response, 503, "feedback_unavailable")


def test_feedback_goes_to_a_real_postgres(open_client: OpenClient, tiny_index: Settings, postgres_url: str) -> None:
    settings = tiny_index.model_copy(update={"feedback_url": postgres_url})
    client = open_client(settings)
    response, answer_id = rate(client, rating="down", reason="unclear", comment="call me on 07700 900123")
    assert response.status_code == 201
    [row] = rows(settings)
    assert (row.answer_id, row.comment) == (answer_id, "call me on [phone]")
