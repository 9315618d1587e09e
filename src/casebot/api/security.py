"""Tenants at the edge: the publishable key and the site's Origin are checked together,
and CORS is answered per tenant (a site gets CORS headers only for its own key).

The key comes in X-Casebot-Key (the widget) or as `Authorization: Bearer <key>`, the way
OpenAI clients send their API key; X-Casebot-Key wins when both are sent."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.routing import APIRoute
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from casebot.api.errors import error_response
from casebot.api.schemas import error_responses
from casebot.errors import CasebotError, InvalidKey, OriginNotAllowed
from casebot.tenants.models import Tenant
from casebot.tenants.registry import Tenants

KEY_HEADER = "x-casebot-key"
BEARER = "bearer "
PROTECTED = "/v1/"
_PREFLIGHT_HEADERS = [
    (b"access-control-allow-methods", b"GET, POST"),
    (b"access-control-allow-headers", f"content-type, {KEY_HEADER}, authorization".encode()),
    (b"access-control-max-age", b"600"),
]


def _cors(origin: str) -> list[tuple[bytes, bytes]]:
    return [(b"access-control-allow-origin", origin.encode()), (b"vary", b"Origin")]


def refusals(router: APIRouter) -> dict[int | str, Any]:
    """The gate's refusals (401, 403) as OpenAPI entries, for a router whose routes it
    guards (a router's routes share its prefix); none for the others."""
    guarded = any(
        isinstance(route, APIRoute) and route.path.startswith(PROTECTED) for route in router.routes
    )
    return error_responses(401, 403) if guarded else {}


def sent_key(headers: Headers) -> str | None:
    """The publishable key a request carries, if any."""
    key = headers.get(KEY_HEADER)
    if key is not None:
        return key
    authorization = headers.get("authorization", "")
    if authorization[: len(BEARER)].lower() == BEARER:
        return authorization[len(BEARER) :].strip() or None
    return None


class TenantGate:
    """Pure ASGI: requests under /v1/ need a known key, from one of its tenant's sites."""

    def __init__(self, app: ASGIApp, tenants: Tenants) -> None:
        self.app = app
        self.tenants = tenants

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(PROTECTED):
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        origin = headers.get("origin")
        if scope["method"] == "OPTIONS" and "access-control-request-method" in headers:
            await self._preflight(origin, scope, receive, send)
            return
        try:
            tenant = self._admit(sent_key(headers), origin)
        except CasebotError as exc:
            await error_response(exc.status, exc.code, str(exc))(scope, receive, send)
            return
        scope.setdefault("state", {})["tenant"] = tenant

        async def with_cors(message: Message) -> None:
            if origin and message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", []), *_cors(origin)]}
            await send(message)

        await self.app(scope, receive, with_cors)

    def _admit(self, key: str | None, origin: str | None) -> Tenant:
        tenant = self.tenants.for_key(key)
        if tenant is None:
            raise InvalidKey(
                f"a valid publishable key is required, in the {KEY_HEADER} header or as a "
                "bearer token"
            )
        if origin is None and not tenant.allow_no_origin:
            raise OriginNotAllowed("this key is for use from its tenant's sites")
        if origin is not None and origin not in tenant.origins:
            raise OriginNotAllowed("this site is not allowed to use this key")
        return tenant

    async def _preflight(
        self, origin: str | None, scope: Scope, receive: Receive, send: Send
    ) -> None:
        # A preflight carries no key: any tenant's site may ask, and the key is checked on
        # the request that follows.
        if origin is None or origin not in self.tenants.origins:
            exc = OriginNotAllowed("this site is not allowed to call casebot")
            await error_response(exc.status, exc.code, str(exc))(scope, receive, send)
            return
        await send(
            {
                "type": "http.response.start",
                "status": 204,
                "headers": [*_cors(origin), *_PREFLIGHT_HEADERS],
            }
        )
        await send({"type": "http.response.body", "body": b""})
