"""The bounded work pool: CPU-bound work runs here, never on the event loop.

The event loop only parses, routes and answers /healthz and /readyz, so they stay fast
however busy the pool is. The pool admits at most `threads + queue` jobs; beyond that a
request is shed at once (Overloaded: 503 with Retry-After) instead of waiting minutes. A
shed chat message still gets its safety assessment from the text alone on a separate
one-thread triage executor (a few milliseconds), so an urgent message is always answered
with 999.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, TypeVar

from casebot.errors import DeadlineExceeded, Overloaded

T = TypeVar("T")


class WorkPool:
    def __init__(self, threads: int, queue: int, retry_after: int) -> None:
        self.limit = threads + queue
        self.retry_after = retry_after
        self._work = ThreadPoolExecutor(threads, thread_name_prefix="casebot-work")
        self._triage = ThreadPoolExecutor(1, thread_name_prefix="casebot-triage")
        self._lock = threading.Lock()
        self._admitted = 0

    @property
    def admitted(self) -> int:
        """Jobs running or waiting for a thread."""
        return self._admitted

    def _admit(self) -> None:
        with self._lock:
            if self._admitted >= self.limit:
                raise Overloaded("casebot is busy: try again shortly", self.retry_after)
            self._admitted += 1

    def _release(self, _: Future[Any]) -> None:
        with self._lock:
            self._admitted -= 1

    async def run(self, timeout: float, fn: Callable[..., T], *args: object) -> T:
        """`fn(*args)` on a pool thread. Overloaded when the queue is full; DeadlineExceeded
        after `timeout` seconds (a job still queued is dropped; one already running keeps
        its admission until it ends, so the bound stays true)."""
        self._admit()
        future = self._work.submit(fn, *args)
        future.add_done_callback(self._release)
        try:
            return await asyncio.wait_for(asyncio.wrap_future(future), timeout)
        except TimeoutError:
            raise DeadlineExceeded("the request did not finish in time") from None

    async def triage(self, fn: Callable[..., T], *args: object) -> T:
        """`fn(*args)` on the triage thread: only cheap work that must never be shed."""
        return await asyncio.wrap_future(self._triage.submit(fn, *args))

    def shutdown(self) -> None:
        self._work.shutdown(wait=False, cancel_futures=True)
        self._triage.shutdown(wait=False, cancel_futures=True)
