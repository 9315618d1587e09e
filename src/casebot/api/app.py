"""create_app(settings): nothing heavy at import; clients are built in the lifespan."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

import httpx
from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from starlette.concurrency import run_in_threadpool

from casebot import __version__
from casebot.answer.pipeline import Collaborators
from casebot.api.errors import install_error_handlers
from casebot.api.limits import RateLimits
from casebot.api.metrics import Metrics, MetricsMiddleware
from casebot.api.middleware import LimitBodyMiddleware, PrivacyHeadersMiddleware
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
from casebot.api.security import TenantGate
from casebot.config import Settings
from casebot.errors import FeedbackUnavailable
from casebot.feedback.store import FeedbackStore
from casebot.openai_compat import async_http_client, http_client
from casebot.runtime import load_service_catalog
from casebot.tenants.registry import Tenants, load_tenants
from casebot.tenants.signposts import emergency_ids

log = logging.getLogger("casebot.api")

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
                index = collaborators.index
                if index is not None:
                    app_metrics.index.labels(index.version).set(1)
                log.info("casebot ready: index %s", index.version if index else "missing")
                try:
                    yield
                finally:
                    app.state.feedback.close()

    app = FastAPI(
        title="casebot",
        version=__version__,
        description=(
            "Plain-language answers about the Baroness Casey Review of the Metropolitan Police, "
            "with citations a reader can check and signposts to support services."
        ),
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.metrics = app_metrics
    app.state.limits = RateLimits.from_settings(settings, tenants.tenants if tenants else ())
    app.state.emergency_ids = emergency_ids(catalog)
    install_error_handlers(app)
    routers = (chat, stream, completions, search, sources, services, feedback, tenant, health)
    for module in (*routers, metrics, widget):
        app.include_router(module.router)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_credentials=False,
            allow_methods=["GET", "POST"],
            # X-Casebot-Key: the widget sends its publishable key.
            allow_headers=["content-type", "x-casebot-key"],
        )
    app.add_middleware(LimitBodyMiddleware, max_bytes=settings.max_body_bytes)
    if tenants is not None:
        app.add_middleware(TenantGate, tenants=tenants)
    app.add_middleware(MetricsMiddleware, metrics=app_metrics)
    app.add_middleware(PrivacyHeadersMiddleware)  # added last = outermost: a 413 gets it too
    return app
