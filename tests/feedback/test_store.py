"""The feedback store on SQLite (the default) and on a real PostgreSQL started by the test."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, select, text
from sqlalchemy.orm import Session

from casebot.errors import FeedbackUnavailable
from casebot.feedback.models import FeedbackEntry, FeedbackRow, utc_now
from casebot.feedback.store import FeedbackStore

NOW = dt.datetime(2026, 6, 1, 12, 0)


def entry(days_old: int, answer_id: str = "a" * 32, comment: str | None = None) -> FeedbackEntry:
    return FeedbackEntry(answer_id, "down", "unclear", "open", comment, NOW - dt.timedelta(days=days_old))


@pytest.fixture(params=["sqlite", "postgres"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'nested' / 'feedback.sqlite3'}"
    url: str = request.getfixturevalue("postgres_url")
    return url


def test_the_schema_is_the_migrations_and_upgrading_twice_changes_nothing(store_url: str) -> None:
    store = FeedbackStore(store_url)
    store.migrate()
    store.migrate()
    engine = create_engine(store_url)
    with engine.connect() as conn:
        version = conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
    columns = {c["name"] for c in inspect(engine).get_columns("feedback")}
    engine.dispose()
    store.close()
    assert version == "0001"
    assert columns == {"id", "answer_id", "rating", "reason", "tenant", "created_at", "comment"}


def test_a_rating_is_stored_with_its_fields_and_nothing_else(store_url: str) -> None:
    store = FeedbackStore(store_url)
    store.add(entry(0, comment="[email] said it helped"))
    engine = create_engine(store_url)
    with Session(engine) as session:
        row = session.scalars(select(FeedbackRow)).one()
    engine.dispose()
    store.close()
    stored = (row.answer_id, row.rating, row.reason, row.tenant, row.created_at, row.comment)
    assert stored == ("a" * 32, "down", "unclear", "open", NOW, "[email] said it helped")


def test_purge_deletes_only_ratings_older_than_the_cut_off(store_url: str) -> None:
    store = FeedbackStore(store_url)
    for days in (200, 91, 89, 0):
        store.add(entry(days))
    removed = store.purge(dt.timedelta(days=90), now=NOW)
    assert (removed, store.count()) == (2, 2)
    assert store.purge(dt.timedelta(days=90), now=NOW) == 0
    store.close()


def test_workers_starting_together_migrate_one_database_once(postgres_url: str) -> None:
    # Separate processes, as workers are: each runs the migration at start-up.
    code = "import sys; from casebot.feedback.store import FeedbackStore; FeedbackStore(sys.argv[1]).migrate()"
    procs = [
        subprocess.Popen([sys.executable, "-c", code, postgres_url], stderr=subprocess.PIPE, text=True)
        for _ in range(3)
    ]
    errors = [p.communicate(timeout=120)[1] for p in procs]
    failures = [err for p, err in zip(procs, errors, strict=True) if p.returncode != 0]
    assert failures == []
    store = FeedbackStore(postgres_url)
    store.add(entry(0))
    assert store.count() == 1
    store.close()


def test_a_database_that_cannot_be_reached_is_reported_in_one_line() -> None:
    from tests.servers import free_port

    store = FeedbackStore(f"postgresql+psycopg://casebot@127.0.0.1:{free_port()}/none?connect_timeout=2")
    with pytest.raises(FeedbackUnavailable) as caught:
        store.add(entry(0))
    store.close()
    assert "\n" not in str(caught.value)
    assert str(caught.value).startswith("cannot migrate the feedback database")


def test_times_are_utc_without_a_zone() -> None:
    now = utc_now()
    assert now.tzinfo is None
    assert abs((dt.datetime.now(dt.UTC).replace(tzinfo=None) - now).total_seconds()) < 5
