"""Prometheus metrics. Labels are routes as declared, statuses, stages, scopes, modes, levels,
limits and tenant ids: never anything a person wrote, nor an address.

With several workers, PROMETHEUS_MULTIPROC_DIR (set by `casebot serve --workers N`) makes
each worker write its values to files there, and /metrics adds them up across workers.
"""

from __future__ import annotations

import os
import time

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from casebot.answer.models import Answer

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
STAGES = ("embed", "safety", "search", "compose", "verify")
_STAGE_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)


class Metrics:
    """One set per app (so tests can build many apps); in multiprocess mode the values live
    in the shared directory instead, and render() reads them from there."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.requests = Counter(
            "casebot_requests", "HTTP requests", ["route", "method", "status"], registry=r
        )
        self.latency = Histogram(
            "casebot_request_seconds", "Time to the last byte", ["route"], registry=r
        )
        self.stages = Histogram(
            "casebot_stage_seconds",
            "Time in each answer stage",
            ["stage"],
            buckets=_STAGE_BUCKETS,
            registry=r,
        )
        self.answers = Counter(
            "casebot_answers", "Answers given", ["scope", "mode", "level"], registry=r
        )
        self.limited = Counter(
            "casebot_limited", "Requests refused by a rate limit", ["limit", "tenant"], registry=r
        )
        self.shed = Counter(
            "casebot_shed",
            "Limited chat requests answered with the safety reply alone",
            ["level"],
            registry=r,
        )
        # The work pool, by route template: how many requests it admitted and shed, and
        # how many hold a place now (running, queued, or between a stream's stages).
        self.pool_admitted = Counter(
            "casebot_pool_admitted", "Requests admitted to the work pool", ["route"], registry=r
        )
        self.pool_shed = Counter(
            "casebot_pool_shed",
            "Requests the full work pool refused (503, or the safety reply alone if urgent)",
            ["route"],
            registry=r,
        )
        self.pool_in_flight = Gauge(
            "casebot_pool_in_flight",
            "Requests holding a place in the work pool",
            multiprocess_mode="livesum",
            registry=r,
        )
        self.feedback = Counter(
            "casebot_feedback", "Feedback received", ["rating", "tenant"], registry=r
        )
        self.index = Gauge(
            "casebot_index_info",
            "The index version loaded (1 when loaded)",
            ["version"],
            multiprocess_mode="max",
            registry=r,
        )

    def observe_answer(self, answer: Answer) -> None:
        self.answers.labels(answer.scope, answer.mode, answer.safety.level).inc()
        for stage, seconds in answer.timings:
            self.stages.labels(stage).observe(seconds)

    def render(self) -> bytes:
        if os.environ.get(MULTIPROC_ENV):
            registry = CollectorRegistry()
            MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
            return generate_latest(registry)
        return generate_latest(self.registry)


class MetricsMiddleware:
    """Counts and times every request by the route it matched (its declared path, so a
    path that carries text is never a label); anything unmatched is "unmatched"."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def watch(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, watch)
        finally:
            route = getattr(scope.get("route"), "path", "unmatched")
            self.metrics.requests.labels(route, scope["method"], str(status)).inc()
            self.metrics.latency.labels(route).observe(time.perf_counter() - started)
