"""The tenants file's schema, validated on load."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from casebot.config import valid_rate
from casebot.safety.catalog import Service

# A site as a browser sends it in Origin: scheme, host and port, nothing more. Plain http
# only for a site on this machine, while a support service tries the widget out.
ORIGIN = r"^(https://[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:\d{1,5})?|http://(localhost|127\.0\.0\.1)(:\d{1,5})?)$"
COLOUR = r"^#[0-9a-fA-F]{6}$"


class LocalService(Service):
    """A tenant's own service: the catalog's schema, and it must serve a category (that is
    when it is shown). EXAMPLE marks the example file's made-up entries, which casebot
    refuses to serve unless CASEBOT_TENANTS_ALLOW_EXAMPLES is set."""

    status: Literal["VERIFIED", "VERIFIED (secondary)", "EXAMPLE"]  # type: ignore[assignment]

    @model_validator(mode="after")
    def _serves_a_category(self) -> LocalService:
        if not self.categories:
            raise ValueError("a local service is shown for the categories it serves: name one")
        return self


class Branding(BaseModel):
    """How the widget looks on the tenant's site, and where its quick-exit button goes."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=2, max_length=60)
    primary_colour: str = Field(default="#1d4ed8", pattern=COLOUR)
    background_colour: str = Field(default="#ffffff", pattern=COLOUR)
    text_colour: str = Field(default="#111827", pattern=COLOUR)
    exit_url: str = Field(default="https://www.bbc.co.uk/weather", pattern=r"^https://\S+$")


class TenantLimits(BaseModel):
    """Overrides of CASEBOT_RATE_LIMIT_TENANT and CASEBOT_RATE_LIMIT_CLIENT."""

    model_config = ConfigDict(extra="forbid")

    tenant: str | None = None
    client: str | None = None

    _valid = field_validator("tenant", "client")(valid_rate)


class Tenant(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{1,62}$")
    name: str = Field(min_length=2)
    # sha256 of the publishable key (`casebot tenants new-key` makes a pair): the key is
    # in every page that embeds the widget, the file holds only its hash.
    key_sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    origins: list[str] = Field(min_length=1)
    # Server-side callers send no Origin; a tenant allows them explicitly.
    allow_no_origin: bool = False
    limits: TenantLimits = Field(default_factory=TenantLimits)
    branding: Branding
    local_services: list[LocalService] = Field(default_factory=list)

    @field_validator("origins")
    @classmethod
    def _origins(cls, value: list[str]) -> list[str]:
        import re

        bad = [o for o in value if not re.match(ORIGIN, o)]
        if bad:
            raise ValueError(f"origins are scheme://host[:port] with https (got {bad})")
        return value


class TenantsFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    tenants: list[Tenant] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique(self) -> TenantsFile:
        for field in ("id", "key_sha256"):
            values = [getattr(t, field) for t in self.tenants]
            repeated = sorted({v for v in values if values.count(v) > 1})
            if repeated:
                raise ValueError(f"two tenants share a {field}: {repeated}")
        return self
