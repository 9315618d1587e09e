"""Tenants: the support services that embed casebot, each with its key, sites, limits,
branding and local services (tenants.yaml, path from CASEBOT_TENANTS_FILE)."""
