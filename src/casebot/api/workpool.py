"""The bounded work pool: CPU-bound work runs here, never on the event loop.

The event loop only parses, routes and answers /healthz and /readyz, so they stay fast
however busy the pool is. The pool admits at most `threads + queue` requests; beyond that a
request is shed at once (Overloaded: 503 with Retry-After) instead of waiting minutes. A
shed chat message still gets its safety assessment from the text alone on a separate
one-thread triage executor (a few milliseconds), so an urgent message is always answered
with 999.

A request is admitted once and holds its Ticket across all of its jobs: a stream admitted
is never shed half-way, after its safety event went out.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, TypeVar

from casebot.api.metrics import Metrics
from casebot.errors import DeadlineExceeded, Overloaded

T = TypeVar("T")


class Ticket:
    """One admitted request's place in the pool, until release() (idempotent). A job still
    running when the ticket is released keeps the place until it ends, so the bound holds
    for threads as well as requests."""

    def __init__(self, pool: WorkPool) -> None:
        self._pool = pool
        self._lock = threading.Lock()
        self._running = 0
        self._released = False
        self._freed = False

    async def run(self, fn: Callable[..., T], *args: object) -> T:
        """`fn(*args)` on a pool thread. Cancelled while queued, the job is dropped."""
        with self._lock:
            if self._released:
                raise RuntimeError("the ticket was released")
            self._running += 1
        future = self._pool.submit(fn, *args)
        future.add_done_callback(self._job_done)
        return await asyncio.wrap_future(future)

    async def run_within(self, timeout: float, fn: Callable[..., T], *args: object) -> T:
        """As run(), or DeadlineExceeded after `timeout` seconds."""
        try:
            return await asyncio.wait_for(self.run(fn, *args), timeout)
        except TimeoutError:
            raise DeadlineExceeded("the request did not finish in time") from None

    def release(self) -> None:
        with self._lock:
            self._released = True
        self._free_if_idle()

    def _job_done(self, _: Future[Any]) -> None:
        with self._lock:
            self._running -= 1
        self._free_if_idle()

    def _free_if_idle(self) -> None:
        with self._lock:
            if not self._released or self._running or self._freed:
                return
            self._freed = True
        self._pool.free()


class WorkPool:
    def __init__(
        self, threads: int, queue: int, retry_after: int, metrics: Metrics | None = None
    ) -> None:
        self.limit = threads + queue
        self.retry_after = retry_after
        self._metrics = metrics
        self._work = ThreadPoolExecutor(threads, thread_name_prefix="casebot-work")
        self._triage = ThreadPoolExecutor(1, thread_name_prefix="casebot-triage")
        self._lock = threading.Lock()
        self._admitted = 0

    @property
    def admitted(self) -> int:
        """Requests admitted whose work is running, waiting for a thread, or yet to come."""
        return self._admitted

    def admit(self, route: str) -> Ticket:
        """A place for one request, or Overloaded when every place is taken. `route` (the
        route's template, never a path) labels the metrics."""
        with self._lock:
            shed = self._admitted >= self.limit
            if not shed:
                self._admitted += 1
        if self._metrics is not None:
            counter = self._metrics.pool_shed if shed else self._metrics.pool_admitted
            counter.labels(route).inc()
            if not shed:
                self._metrics.pool_in_flight.inc()
        if shed:
            raise Overloaded("casebot is busy: try again shortly", self.retry_after)
        return Ticket(self)

    def submit(self, fn: Callable[..., T], *args: object) -> Future[T]:
        return self._work.submit(fn, *args)

    def free(self) -> None:
        with self._lock:
            self._admitted -= 1
        if self._metrics is not None:
            self._metrics.pool_in_flight.dec()

    async def run(self, route: str, timeout: float, fn: Callable[..., T], *args: object) -> T:
        """`fn(*args)` as one admitted request. Overloaded when the pool is full;
        DeadlineExceeded after `timeout` seconds (a job still queued is dropped; one already
        running keeps its place until it ends, so the bound stays true)."""
        ticket = self.admit(route)
        try:
            return await ticket.run_within(timeout, fn, *args)
        finally:
            ticket.release()

    async def triage(self, fn: Callable[..., T], *args: object) -> T:
        """`fn(*args)` on the triage thread: only cheap work that must never be shed."""
        return await asyncio.wrap_future(self._triage.submit(fn, *args))

    def shutdown(self) -> None:
        self._work.shutdown(wait=False, cancel_futures=True)
        self._triage.shutdown(wait=False, cancel_futures=True)
