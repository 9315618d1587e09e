"""A chat's work in the bounded pool, whichever route it came by (/v1/chat, its stream, the
OpenAI-compatible completions), and what a message gets when the pool has no room or time
for it: an urgent message its safety reply, assessed from the text alone on the triage
thread (never shed); anything else Overloaded (503) or DeadlineExceeded (504)."""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

from fastapi import Request

from casebot.answer.models import Answer
from casebot.answer.pipeline import Assessed, Collaborators, History, answer, assess, triage
from casebot.answer.stream import complete
from casebot.api.middleware import OUTCOME, route_template
from casebot.api.tenancy import localise
from casebot.api.workpool import Ticket, WorkPool
from casebot.config import RequestedMode
from casebot.errors import DeadlineExceeded, Overloaded
from casebot.safety.models import SafetyAssessment

T = TypeVar("T")


def _nothing() -> None:
    return None


@dataclass(frozen=True)
class Started:
    """A streamed answer once its assessment is made: the safety that goes out first, the
    rest of the answer (awaited after), and the release of its place in the pool (called
    when the stream ends, however it ends; more than once is harmless)."""

    safety: SafetyAssessment
    rest: Callable[[], Awaitable[Answer]]
    release: Callable[[], None] = _nothing

    @classmethod
    def finished(cls, reply: Answer) -> Started:
        """A reply already whole (a safety reply given instead of an answer), streamed."""

        async def rest() -> Answer:
            return reply

        return cls(reply.safety, rest)


@dataclass(frozen=True)
class Work:
    """One request's access to the pool; every answer it gives carries the tenant's local
    services among its signposts."""

    request: Request
    pool: WorkPool
    deps: Collaborators
    timeout: float  # seconds the work may take before DeadlineExceeded

    @property
    def route(self) -> str:
        """The route's template (the pool's metrics label): never the path itself."""
        return route_template(self.request.scope) or "unmatched"

    async def run(self, fn: Callable[..., T], *args: object) -> T:
        """`fn(*args)` as one job: Overloaded when the pool is full, DeadlineExceeded when
        it runs out of time."""
        return await self.pool.run(self.route, self.timeout, fn, *args)

    async def answer(self, message: str, history: History, mode: RequestedMode | None) -> Answer:
        """The whole answer as one job, or the urgent safety reply when there is no room."""
        try:
            result = await self.run(answer, message, history, self.deps, mode)
        except (Overloaded, DeadlineExceeded) as exc:
            result = await self._triaged(exc, message, history, mode)
        return self._localised(result)

    async def start(self, message: str, history: History, mode: RequestedMode | None) -> Started:
        """The assessment made in the pool, the rest of the answer to run under the same
        place; or, with no room or time, the urgent safety reply as the whole answer."""
        try:
            ticket = self.pool.admit(self.route)
        except Overloaded as exc:
            return self._busy(await self._triaged(exc, message, history, mode))
        try:
            assessed = await ticket.run_within(
                self.timeout, assess, message, history, self.deps, mode
            )
        except DeadlineExceeded as exc:
            ticket.release()
            return self._busy(await self._triaged(exc, message, history, mode))
        except BaseException:
            ticket.release()
            raise
        return self._admitted(ticket, assessed)

    def _admitted(self, ticket: Ticket, assessed: Assessed) -> Started:
        assessed = dataclasses.replace(assessed, safety=localise(self.request, assessed.safety))

        async def rest() -> Answer:
            return await complete(assessed, self.deps, ticket.run)

        return Started(assessed.safety, rest, ticket.release)

    def _busy(self, reply: Answer) -> Started:
        return Started.finished(self._localised(reply))

    async def _triaged(
        self,
        exc: Overloaded | DeadlineExceeded,
        message: str,
        history: History,
        mode: RequestedMode | None,
    ) -> Answer:
        busy = await self.pool.triage(triage, message, history, self.deps, mode)
        if busy is None:
            setattr(self.request.state, OUTCOME, {"shed": True})
            raise exc from None
        return busy

    def _localised(self, result: Answer) -> Answer:
        return dataclasses.replace(result, safety=localise(self.request, result.safety))
