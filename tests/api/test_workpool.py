"""The work pool's places: a request holds one across its jobs, and a place is free again
only once the request is done with it and no job of it still runs."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator

import pytest

from casebot.api.metrics import Metrics
from casebot.api.workpool import WorkPool
from casebot.errors import DeadlineExceeded, Overloaded


@pytest.fixture
def pool() -> Iterator[WorkPool]:
    made = WorkPool(threads=1, queue=0, retry_after=3)
    yield made
    made.shutdown()


def test_a_request_holds_its_place_across_its_jobs_and_gives_it_back_once(pool: WorkPool) -> None:
    async def scenario() -> None:
        ticket = pool.admit("/test")
        assert await ticket.run(sum, [1, 2]) == 3
        assert await ticket.run(max, [1, 2]) == 2
        with pytest.raises(Overloaded) as refused:
            pool.admit("/test")
        assert refused.value.retry_after == 3
        ticket.release()
        ticket.release()
        assert pool.admitted == 0
        pool.admit("/test").release()
        assert pool.admitted == 0

    asyncio.run(scenario())


def test_a_place_released_while_its_job_still_runs_stays_taken_until_the_job_ends(
    pool: WorkPool,
) -> None:
    started, go_on = threading.Event(), threading.Event()

    def stuck() -> str:
        started.set()
        go_on.wait(10)
        return "done"

    async def scenario() -> None:
        ticket = pool.admit("/test")
        job = asyncio.ensure_future(ticket.run(stuck))
        assert await asyncio.to_thread(started.wait, 10)
        job.cancel()  # the client went away: the thread goes on regardless
        ticket.release()
        with pytest.raises(Overloaded):
            pool.admit("/test")
        go_on.set()
        for _ in range(200):
            if pool.admitted == 0:
                break
            await asyncio.sleep(0.01)
        assert pool.admitted == 0
        pool.admit("/test").release()

    asyncio.run(scenario())


def test_work_past_its_timeout_is_deadline_exceeded_and_frees_its_place_when_it_ends(
    pool: WorkPool,
) -> None:
    go_on = threading.Event()

    async def scenario() -> None:
        with pytest.raises(DeadlineExceeded):
            await pool.run("/test", 0.05, go_on.wait, 10)
        assert pool.admitted == 1  # its thread is still busy
        go_on.set()
        for _ in range(200):
            if pool.admitted == 0:
                break
            await asyncio.sleep(0.01)
        assert pool.admitted == 0

    asyncio.run(scenario())


def test_a_released_ticket_runs_nothing_more(pool: WorkPool) -> None:
    async def scenario() -> None:
        ticket = pool.admit("/test")
        ticket.release()
        with pytest.raises(RuntimeError):
            await ticket.run(sum, [1])

    asyncio.run(scenario())


def test_the_metrics_count_admissions_and_sheds_by_route_and_the_places_held() -> None:
    metrics = Metrics()
    pool = WorkPool(threads=1, queue=0, retry_after=1, metrics=metrics)

    def value(name: str, labels: dict[str, str] | None = None) -> float:
        found = metrics.registry.get_sample_value(name, labels or {})
        return found or 0.0

    try:
        ticket = pool.admit("/v1/chat/stream")
        assert value("casebot_pool_in_flight") == 1
        for _ in range(2):
            with pytest.raises(Overloaded):
                pool.admit("/v1/chat")
        ticket.release()
        assert value("casebot_pool_admitted_total", {"route": "/v1/chat/stream"}) == 1
        assert value("casebot_pool_shed_total", {"route": "/v1/chat"}) == 2
        assert value("casebot_pool_shed_total", {"route": "/v1/chat/stream"}) == 0
        assert value("casebot_pool_in_flight") == 0
    finally:
        pool.shutdown()
