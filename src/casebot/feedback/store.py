"""The feedback store: SQLAlchemy over SQLite by default or Postgres, migrated by Alembic."""

from __future__ import annotations

import datetime as dt
import logging
import re
import threading
from pathlib import Path

from sqlalchemy import Engine, create_engine, delete, func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from casebot.errors import FeedbackUnavailable, UsageError
from casebot.feedback.models import FeedbackEntry, FeedbackRow, utc_now

log = logging.getLogger("casebot.feedback")

MIGRATIONS = Path(__file__).parent / "migrations"
_UNITS = {"d": "days", "w": "weeks", "h": "hours"}


def parse_age(text: str) -> dt.timedelta:
    """"90d", "12w" or "48h" as a timedelta."""
    match = re.fullmatch(r"\s*(\d{1,5})\s*([dwh])\s*", text.lower())
    if match is None or int(match.group(1)) == 0:
        raise UsageError(f"an age is a number and d, w or h, like 90d (got {text!r})")
    return dt.timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})


def _engine(url: str) -> Engine:
    if url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
        path.parent.mkdir(parents=True, exist_ok=True)
    # pre-ping: a worker keeps going when Postgres restarts under it.
    return create_engine(url, pool_pre_ping=True)


class FeedbackStore:
    """Ratings in one table. Built in the lifespan; the schema is brought to the newest
    migration on first use, so a database that is down at start-up delays only feedback."""

    def __init__(self, url: str) -> None:
        self._engine = _engine(url)
        self._migrated = False
        self._lock = threading.Lock()

    def migrate(self) -> None:
        """Upgrade the schema to the newest migration (safe to run from several workers)."""
        from alembic import command
        from alembic.config import Config

        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        try:
            with self._engine.begin() as connection:
                config.attributes["connection"] = connection
                command.upgrade(config, "head")
        except SQLAlchemyError as exc:
            raise FeedbackUnavailable(f"cannot migrate the feedback database: {_why(exc)}") from exc
        self._migrated = True

    def _ready(self) -> None:
        with self._lock:
            if not self._migrated:
                self.migrate()

    def add(self, entry: FeedbackEntry) -> None:
        self._ready()
        row = FeedbackRow(
            answer_id=entry.answer_id,
            rating=entry.rating,
            reason=entry.reason,
            tenant=entry.tenant,
            comment=entry.comment,
            created_at=entry.created_at,
        )
        try:
            with Session(self._engine) as session, session.begin():
                session.add(row)
        except SQLAlchemyError as exc:
            raise FeedbackUnavailable(f"cannot store feedback: {_why(exc)}") from exc

    def purge(self, older_than: dt.timedelta, now: dt.datetime | None = None) -> int:
        """Delete ratings older than `older_than`; returns how many went."""
        self._ready()
        cutoff = (now or utc_now()) - older_than
        try:
            with Session(self._engine) as session, session.begin():
                result = session.execute(delete(FeedbackRow).where(FeedbackRow.created_at < cutoff))
        except SQLAlchemyError as exc:
            raise FeedbackUnavailable(f"cannot purge feedback: {_why(exc)}") from exc
        return int(getattr(result, "rowcount", 0) or 0)

    def count(self) -> int:
        self._ready()
        with Session(self._engine) as session:
            return int(session.scalar(select(func.count()).select_from(FeedbackRow)) or 0)

    def close(self) -> None:
        self._engine.dispose()


def _why(exc: SQLAlchemyError) -> str:
    # The driver's first line names the problem; the rest repeats SQL and parameters.
    cause = getattr(exc, "orig", None) or exc
    return (str(cause).splitlines() or [type(cause).__name__])[0]
