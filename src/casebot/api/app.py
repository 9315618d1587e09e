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
from casebot.api.limits import RateLimits
from casebot.api.metrics import Metrics, MetricsMiddleware
from casebot.api.middleware import (
    AccessLogMiddleware,
    DeadlineMiddleware,
    LimitBodyMiddleware,
    PrivacyHeadersMiddleware,
)
from casebot.api.readiness import Watcher
from casebot.api.routes import (
    chat,
    completions,
    feedback,
    health,
    metrics,
    search,
    services,
    sources,
    stream,
    tenant,
    widget,
)
from casebot.api.security import TenantGate, refusals
from casebot.api.workpool import WorkPool
from casebot.config import Settings
from casebot.errors import FeedbackUnavailable
from casebot.feedback.store import FeedbackStore
from casebot.logs import FIELDS
from casebot.openai_compat import async_http_client, http_client
from casebot.runtime import load_service_catalog
from casebot.tenants.registry import Tenants, load_tenants
from casebot.tenants.signposts import emergency_ids

log = logging.getLogger("casebot.api")

WARM_UP = "What did the Casey review find?"

Builder = Callable[[Settings, httpx.Client], Collaborators]


def _default_builder(ahttp: httpx.AsyncClient) -> Builder:
    def build(settings: Settings, http: httpx.Client) -> Collaborators:
        from casebot.runtime import build_collaborators

        return build_collaborators(settings, http, ahttp=ahttp)

    return build


def _open_feedback(settings: Settings) -> FeedbackStore:
    """The feedback store, migrated if the database answers; if not, feedback waits for it
    (the first rating migrates) and nothing else does."""
    store = FeedbackStore(settings.feedback_database_url)
    try:
        store.migrate()
    except FeedbackUnavailable as exc:
        log.warning("feedback store not ready: %s", exc)
    return store


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
    catalog = load_service_catalog(settings)
    tenants: Tenants | None = None
    if settings.tenants_file is not None:
        tenants = load_tenants(settings.tenants_file, catalog, settings.tenants_allow_examples)
    app_metrics = Metrics()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # One client of each kind for the app's lifetime: model providers are called through
        # them (streams through the asynchronous one, so a client leaving cancels the call).
        async with async_http_client() as ahttp:
            with http_client() as http:
                builder = build or _default_builder(ahttp)
                collaborators = await run_in_threadpool(builder, settings, http)
                app.state.collaborators = collaborators
                app.state.feedback = await run_in_threadpool(_open_feedback, settings)
                await run_in_threadpool(_warm_up, collaborators)
                pool = WorkPool(
                    settings.work_threads, settings.work_queue, settings.retry_after_s, app_metrics
                )
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
                    app.state.feedback.close()

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
    app.state.metrics = app_metrics
    app.state.limits = RateLimits.from_settings(settings, tenants.tenants if tenants else ())
    app.state.emergency_ids = emergency_ids(catalog)
    install_error_handlers(app)
    routers = (chat, stream, completions, search, sources, services, feedback, tenant, health)
    for module in (*routers, metrics, widget):
        # Documented whether or not a tenants file is in use: the contract is the same.
        app.include_router(module.router, responses=refusals(module.router))
    docs.install(app)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_credentials=False,
            allow_methods=["GET", "POST"],
            # X-Casebot-Key: the widget sends its publishable key; OpenAI clients send
            # theirs in Authorization.
            allow_headers=["content-type", "x-casebot-key", "authorization"],
        )
    # Added innermost first: the access log is outermost, so it sees every response (a 413
    # and a tenant's refusal get the privacy headers too).
    app.add_middleware(
        LimitBodyMiddleware, max_bytes=settings.max_body_bytes, timeout=settings.body_timeout_s
    )
    if tenants is not None:
        app.add_middleware(TenantGate, tenants=tenants)
    app.add_middleware(MetricsMiddleware, metrics=app_metrics)
    app.add_middleware(DeadlineMiddleware, seconds=settings.request_timeout_s)
    app.add_middleware(PrivacyHeadersMiddleware)
    app.add_middleware(AccessLogMiddleware)
    return app
