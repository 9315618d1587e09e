"""The app as a worker process builds it (`uvicorn --factory tests.worker_app:create`), with
the deterministic embedder in place of the bundled model so a test can run several."""

from __future__ import annotations

from fastapi import FastAPI

from casebot.api.app import create_app
from casebot.config import Settings
from casebot.runtime import build_collaborators
from tests.fakes import HashingEmbedder


def create() -> FastAPI:
    return create_app(
        Settings(), build=lambda s, http: build_collaborators(s, http, embedder=HashingEmbedder())
    )
