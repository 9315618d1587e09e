from __future__ import annotations

from fastapi import APIRouter, Request

from casebot.api.limits import OPEN
from casebot.api.schemas import BrandingOut, TenantOut
from casebot.api.tenancy import tenant_of
from casebot.tenants.models import Branding

router = APIRouter(prefix="/v1", tags=["tenant"])

_OPEN_BRANDING = Branding(name="casebot")


@router.get("/tenant", response_model=TenantOut)
def tenant(request: Request) -> TenantOut:
    """Who the key belongs to and how the widget should look on its site."""
    found = tenant_of(request)
    tenant_id, name, branding = (
        (found.id, found.name, found.branding) if found else (OPEN, "casebot", _OPEN_BRANDING)
    )
    return TenantOut(id=tenant_id, name=name, branding=BrandingOut(**branding.model_dump()))
