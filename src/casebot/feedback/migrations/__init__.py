"""Alembic migrations for the feedback store (run by FeedbackStore.migrate)."""
