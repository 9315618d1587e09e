from __future__ import annotations

from fastapi import APIRouter, Request

from casebot.api.deps import CollaboratorsDep
from casebot.api.schemas import GET_ERRORS, ServiceOut, ServicesResponse, error_responses
from casebot.api.tenancy import tenant_of

router = APIRouter(prefix="/v1", tags=["services"])


@router.get(
    "/services", response_model=ServicesResponse, responses=error_responses(*GET_ERRORS)
)
async def services(request: Request, deps: CollaboratorsDep) -> ServicesResponse:
    """The signposting catalog: every service with its source and verification date, and
    the tenant's local services first."""
    tenant = tenant_of(request)
    listed = [*(tenant.local_services if tenant else ()), *deps.catalog.services]
    return ServicesResponse(
        services=[
            ServiceOut(
                id=s.id,
                name=s.name,
                phone=s.phone,
                text=s.text,
                url=s.url,
                hours=s.hours,
                description=s.description,
                categories=s.categories,
                always_open=s.always_open,
                non_police=s.non_police,
                source=s.source,
                verified_on=s.verified_on.isoformat(),
            )
            for s in listed
        ]
    )
