"""Rate limits per client and per tenant, with the `limits` library (memory or Redis).

A client is known only by a salted hash of its address: the address itself is never
logged, stored or sent to Redis. Workers that share limits share the salt.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import math
import os
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from limits import RateLimitItem, parse_many
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

from casebot.config import Settings
from casebot.errors import RateLimited
from casebot.tenants.models import Tenant

log = logging.getLogger("casebot.api")

OPEN = "open"  # the tenant name when casebot runs without a tenants file
Limit = Literal["client", "tenant"]


@dataclass(frozen=True)
class Refusal:
    limit: Limit
    retry_after: int  # whole seconds until the window lets the next request through

    def error(self) -> RateLimited:
        return RateLimited(
            f"too many requests from this {self.limit}; try again later", self.retry_after
        )


class RateLimits:
    def __init__(
        self,
        storage_uri: str,
        salt: bytes,
        client: str,
        tenant: str,
        tenants: Sequence[Tenant] = (),
    ) -> None:
        self._limiter = MovingWindowRateLimiter(storage_from_string(storage_uri))
        self._salt = salt
        defaults = {"client": parse_many(client), "tenant": parse_many(tenant)}
        self._default = defaults
        self._by_tenant = {
            t.id: {
                "client": parse_many(t.limits.client) if t.limits.client else defaults["client"],
                "tenant": parse_many(t.limits.tenant) if t.limits.tenant else defaults["tenant"],
            }
            for t in tenants
        }

    @classmethod
    def from_settings(cls, settings: Settings, tenants: Sequence[Tenant] = ()) -> RateLimits:
        secret = settings.client_key_salt
        salt = secret.get_secret_value().encode() if secret else os.urandom(32)
        return cls(
            settings.rate_limit_storage,
            salt,
            settings.rate_limit_client,
            settings.rate_limit_tenant,
            tenants,
        )

    def client_key(self, address: str) -> str:
        return hmac.new(self._salt, address.encode(), hashlib.sha256).hexdigest()[:32]

    def _items(self, tenant: str, limit: Limit) -> list[RateLimitItem]:
        return self._by_tenant.get(tenant, self._default)[limit]

    def check(self, tenant: str, address: str, route: str) -> Refusal | None:
        """Count one request; a Refusal when the client or its tenant is over a limit.

        When the limit store cannot be reached the request goes through: a Redis outage
        must not take answers, or signposts, away from everyone."""
        try:
            return self._check(tenant, self.client_key(address), route)
        except Exception as exc:  # storage backends raise their own types; all mean "down"
            log.warning("rate limit store unavailable (%s); request allowed", type(exc).__name__)
            return None

    def _check(self, tenant: str, client: str, route: str) -> Refusal | None:
        steps: tuple[tuple[Limit, tuple[str, ...]], ...] = (
            ("client", (route, tenant, client)),
            ("tenant", (route, tenant)),
        )
        for limit, keys in steps:
            for item in self._items(tenant, limit):
                if not self._limiter.hit(item, *keys):
                    reset = self._limiter.get_window_stats(item, *keys).reset_time
                    return Refusal(limit, max(1, math.ceil(reset - time.time())))
        return None
