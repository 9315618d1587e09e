"""The tenant a request was admitted for, and what it changes in a reply."""

from __future__ import annotations

from fastapi import Request

from casebot.api.limits import OPEN
from casebot.safety.models import SafetyAssessment
from casebot.tenants.models import Tenant
from casebot.tenants.signposts import with_local_services


def tenant_of(request: Request) -> Tenant | None:
    """The tenant the gate admitted the request for; None when casebot runs open."""
    tenant: Tenant | None = getattr(request.state, "tenant", None)
    return tenant


def tenant_id(request: Request) -> str:
    tenant = tenant_of(request)
    return tenant.id if tenant else OPEN


def localise(request: Request, safety: SafetyAssessment) -> SafetyAssessment:
    """The assessment with the tenant's local services among its signposts."""
    emergency: frozenset[str] = request.app.state.emergency_ids
    return with_local_services(safety, tenant_of(request), emergency)

