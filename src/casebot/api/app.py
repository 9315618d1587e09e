"""create_app(settings): nothing heavy at import; clients are built in the lifespan."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

import httpx
from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from starlette.concurrency import run_in_threadpool

from casebot import __version__
from casebot.answer.pipeline import Collaborators, answer
from casebot.api import docs
from casebot.api.errors import install_error_handlers
from casebot.api.middleware import (
    AccessLogMiddleware,
    DeadlineMiddleware,
    LimitBodyMiddleware,
    PrivacyHeadersMiddleware,
)
from casebot.api.readiness import Watcher
from casebot.api.routes import chat, health, search, services, sources
from casebot.api.workpool import WorkPool
from casebot.config import Settings
from casebot.logs import FIELDS
from casebot.openai_compat import http_client

log = logging.getLogger("casebot.api")

WARM_UP = "What did the Casey review find?"

Builder = Callable[[Settings, httpx.Client], Collaborators]


def _default_builder(settings: Settings, http: httpx.Client) -> Collaborators:
    from casebot.runtime import build_collaborators

    return build_collaborators(settings, http)


def _warm_up(deps: Collaborators) -> None:
    """Answer one question before serving: the first embedding and store query are slow
    (lazy initialisation), and a person in danger should not be the one who waits.
    Extractive: a configured chat model is not called at every start."""
    try:
        answer(WARM_UP, [], deps, "extractive")
    except Exception:  # readiness reports what is broken; warming up is best effort
        log.warning("warm-up answer failed", exc_info=True)


def create_app(settings: Settings | None = None, build: Builder | None = None) -> FastAPI:
    settings = settings or Settings()
    builder = build or _default_builder

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # One client for the app's lifetime: model providers are called through it.
        with http_client() as http:
            app.state.collaborators = await run_in_threadpool(builder, settings, http)
            await run_in_threadpool(_warm_up, app.state.collaborators)
            pool = WorkPool(settings.work_threads, settings.work_queue, settings.retry_after_s)
            app.state.pool = pool
            watcher = Watcher(app, settings)
            readiness = await watcher.refresh()
            watching = asyncio.create_task(watcher.run())
            fields = {"index_version": readiness.version, "ready": readiness.ready}
            log.info("casebot started", extra={FIELDS: fields})
            try:
                yield
            finally:
                watching.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await watching
                watcher.close()
                pool.shutdown()

    app = FastAPI(
        title="casebot",
        version=__version__,
        description=(
            "Plain-language answers about the Baroness Casey Review of the Metropolitan Police, "
            "with citations a reader can check and signposts to support services."
        ),
        lifespan=lifespan,
        docs_url=None,  # served by docs.install with local assets: no third-party scripts
        redoc_url=None,
    )
    app.state.settings = settings
    install_error_handlers(app)
    for module in (chat, search, sources, services, health):
        app.include_router(module.router)
    docs.install(app)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_credentials=False,
            allow_methods=["GET", "POST"],
            allow_headers=["content-type"],
        )
    # Added innermost first: the access log is outermost, so it sees every response.
    app.add_middleware(
        LimitBodyMiddleware, max_bytes=settings.max_body_bytes, timeout=settings.body_timeout_s
    )
    app.add_middleware(DeadlineMiddleware, seconds=settings.request_timeout_s)
    app.add_middleware(PrivacyHeadersMiddleware)
    app.add_middleware(AccessLogMiddleware)
    return app
