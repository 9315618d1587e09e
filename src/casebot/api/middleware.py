"""Pure ASGI middleware: the access log, privacy headers, a request deadline and a body
limit with a read timeout.

Outermost first: AccessLog -> PrivacyHeaders -> Deadline -> LimitBody -> (CORS) -> routes.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
import uuid
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from casebot.errors import CasebotError, DeadlineExceeded, PayloadTooLarge, RequestTimeout
from casebot.logs import FIELDS

access = logging.getLogger("casebot.access")

# Set by a route on request.state: what the access line may say about the answer.
OUTCOME = "outcome"
DEADLINE = "deadline"  # the loop time by which the whole request must be answered


def request_state(scope: Scope) -> dict[str, Any]:
    state: dict[str, Any] = scope.setdefault("state", {})
    return state


def route_template(scope: Scope) -> str | None:
    """The matched route's template (/v1/chat), never the raw path: a path can carry text."""
    route = scope.get("route")
    path = getattr(route, "path", None)
    return path if isinstance(path, str) else None


class AccessLogMiddleware:
    """One JSON line a request: request id, method, route template, status, duration and,
    for an answer, its mode, scope and safety level. No client address, no query string,
    no header and no message text."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        request_id = uuid.uuid4().hex
        status = 0

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = [*message.get("headers", []), (b"x-request-id", request_id.encode())]
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            fields: dict[str, Any] = {
                "request_id": request_id,
                "method": scope["method"],
                "route": route_template(scope),
                "status": status,
                "duration_ms": round((time.perf_counter() - started) * 1000, 1),
            }
            fields.update(request_state(scope).get(OUTCOME, {}))
            access.info("request", extra={FIELDS: fields})


class PrivacyHeadersMiddleware:
    """No caching of answers anywhere, no referrer leaks, no cookies."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [
                    (k, v) for k, v in message.get("headers", []) if k.lower() != b"set-cookie"
                ]
                # Answers are never cached; a route that sets its own policy (the widget's
                # script) keeps it.
                if not any(k.lower() == b"cache-control" for k, _ in headers):
                    headers.append((b"cache-control", b"no-store"))
                headers += [
                    (b"referrer-policy", b"no-referrer"),
                    (b"x-content-type-options", b"nosniff"),
                ]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, with_headers)


class DeadlineMiddleware:
    """A request, body included, starts its response within `seconds`, or gets a 504.
    Routes read the deadline to leave time for a safety reply. Once the response has
    started (a stream, say) the deadline is lifted: the work that pins a thread is done."""

    def __init__(self, app: ASGIApp, seconds: float) -> None:
        self.app = app
        self.seconds = seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_state(scope)[DEADLINE] = asyncio.get_running_loop().time() + self.seconds
        started = False
        deadline = asyncio.timeout(self.seconds)

        async def tracking(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start" and not started:
                started = True
                deadline.reschedule(None)
            await send(message)

        try:
            async with deadline:
                await self.app(scope, receive, tracking)
        except TimeoutError:
            if not deadline.expired():  # raised by the app itself: not ours to answer
                raise
            if not started:
                await send_error(send, DeadlineExceeded("the request did not finish in time"))


class LimitBodyMiddleware:
    """Refuse bodies over `max_bytes` (413), counting streamed bytes as well as
    Content-Length, and bodies that stall for `timeout` seconds between reads (408)."""

    def __init__(self, app: ASGIApp, max_bytes: int, timeout: float) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.timeout = timeout

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers", [])).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await send_error(send, _too_large(self.max_bytes))
            return
        # Read the body (at most max_bytes of it) before the app runs: FastAPI turns an error
        # raised while it reads the body into a 400, so the limits are enforced out here.
        chunks: list[bytes] = []
        seen = 0
        while True:
            try:
                message = await asyncio.wait_for(receive(), self.timeout)
            except TimeoutError:
                await send_error(send, RequestTimeout("the request body stalled"), close=True)
                return
            if message["type"] != "http.request":  # the client went away
                return
            body = message.get("body", b"")
            seen += len(body)
            if seen > self.max_bytes:
                await send_error(send, _too_large(self.max_bytes), close=True)
                return
            chunks.append(body)
            if not message.get("more_body", False):
                break
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": b"".join(chunks), "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


def _too_large(limit: int) -> PayloadTooLarge:
    return PayloadTooLarge(f"request body over {limit} bytes")


async def send_error(send: Send, exc: CasebotError, close: bool = False) -> None:
    """casebot's error shape, sent from middleware (outside the routes' error handlers)."""
    body = json.dumps({"error": {"code": exc.code, "message": str(exc)}}).encode()
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
    ]
    if close:  # the rest of the body is never read: the connection cannot be reused
        headers.append((b"connection", b"close"))
    await send({"type": "http.response.start", "status": exc.status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
