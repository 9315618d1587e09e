"""Loading tenants.yaml and finding the tenant a request's key belongs to."""

from __future__ import annotations

import hmac
from pathlib import Path

import yaml
from pydantic import ValidationError

from casebot.errors import TenantsError
from casebot.safety.catalog import Catalog
from casebot.tenants.keys import hash_key
from casebot.tenants.models import Tenant, TenantsFile


class Tenants:
    """The validated tenants, by key hash, and every origin any of them allows."""

    def __init__(self, tenants: list[Tenant]) -> None:
        self.tenants = tenants
        self._by_hash = {t.key_sha256: t for t in tenants}
        self.origins = frozenset(o for t in tenants for o in t.origins)

    def for_key(self, key: str | None) -> Tenant | None:
        if not key:
            return None
        digest = hash_key(key)
        for known, tenant in self._by_hash.items():
            if hmac.compare_digest(known, digest):
                return tenant
        return None


def load_tenants(path: Path, catalog: Catalog, allow_examples: bool = False) -> Tenants:
    """The tenants file, validated; TenantsError names every problem in one line."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise TenantsError(f"cannot read tenants file {path}: {exc}") from exc
    try:
        parsed = TenantsFile.model_validate(raw)
    except ValidationError as exc:
        problems = [f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()]
        raise TenantsError(f"{path} failed validation: " + "; ".join(problems)) from None
    problems = _clashes(parsed, catalog) + ([] if allow_examples else _examples(parsed))
    if problems:
        raise TenantsError(f"{path} failed validation: " + "; ".join(problems))
    return Tenants(parsed.tenants)


def _clashes(parsed: TenantsFile, catalog: Catalog) -> list[str]:
    return [
        f"tenant {t.id}: local service id {s.id!r} is a national service's id"
        for t in parsed.tenants
        for s in t.local_services
        if s.id in catalog.by_id
    ]


def _examples(parsed: TenantsFile) -> list[str]:
    return [
        f"tenant {t.id}: {s.id!r} is an EXAMPLE service, not a real one "
        "(replace it, or set CASEBOT_TENANTS_ALLOW_EXAMPLES=true to try the example file)"
        for t in parsed.tenants
        for s in t.local_services
        if s.status == "EXAMPLE"
    ]
