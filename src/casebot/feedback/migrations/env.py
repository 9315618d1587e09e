"""Alembic environment: runs on the connection FeedbackStore.migrate passes in."""

from __future__ import annotations

from alembic import context

from casebot.feedback.models import Base

# Any number fixed for casebot: workers starting together take turns at the migration.
_MIGRATION_LOCK = 15_1501

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=Base.metadata)
with context.begin_transaction():
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_MIGRATION_LOCK})")
    context.run_migrations()
