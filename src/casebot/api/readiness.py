"""Readiness, re-checked in the background (casebot/health.py says what is checked).

/readyz answers from the last check without doing any work, so it stays fast under load.
The check runs every `watch_interval_s` on its own thread: it follows the CURRENT pointer
(a version published by `casebot ingest` is loaded while the old one keeps serving, then
swapped in), and retries a store that was down, so recovery needs no restart.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from concurrent.futures import ThreadPoolExecutor

from fastapi import FastAPI

from casebot.answer.pipeline import Collaborators
from casebot.config import Settings
from casebot.health import Readiness, probe
from casebot.index.version import LoadedIndex
from casebot.logs import FIELDS

log = logging.getLogger("casebot.api")


class Watcher:
    """Keeps app.state.readiness fresh and swaps in new index versions."""

    def __init__(self, app: FastAPI, settings: Settings) -> None:
        self.app = app
        self.settings = settings
        self._thread = ThreadPoolExecutor(1, thread_name_prefix="casebot-watch")
        self._reported: LoadedIndex | None = None

    async def refresh(self) -> Readiness:
        deps: Collaborators = self.app.state.collaborators
        loop = asyncio.get_running_loop()
        readiness, serving = await loop.run_in_executor(
            self._thread, probe, self.settings, deps.index
        )
        if serving is not None and serving is not deps.index:
            # Requests already running keep the collaborators they started with.
            self.app.state.collaborators = dataclasses.replace(deps, index=serving)
            log.info("index loaded", extra={FIELDS: {"index_version": serving.version}})
        index = self.app.state.collaborators.index
        if index is not None and index is not self._reported:
            # The metric names the version serving now, and only that one.
            self.app.state.metrics.index.clear()
            self.app.state.metrics.index.labels(index.version).set(1)
            self._reported = index
        self.app.state.readiness = readiness
        return readiness

    async def run(self) -> None:
        while True:
            await asyncio.sleep(self.settings.watch_interval_s)
            try:
                await self.refresh()
            except Exception:  # the watcher must outlive any one failed check
                log.exception("readiness check failed")

    def close(self) -> None:
        self._thread.shutdown(wait=False, cancel_futures=True)
