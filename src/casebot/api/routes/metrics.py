from __future__ import annotations

import hmac

from fastapi import APIRouter, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST

from casebot.api.deps import MetricsDep
from casebot.errors import InvalidKey

router = APIRouter(tags=["metrics"])


@router.get("/metrics", include_in_schema=False)
def metrics(request: Request, metrics: MetricsDep) -> Response:
    """Prometheus metrics; with CASEBOT_METRICS_KEY set, only for "Bearer <key>"."""
    key = request.app.state.settings.metrics_key
    if key is not None:
        sent = request.headers.get("authorization", "")
        expected = f"Bearer {key.get_secret_value()}"
        if not hmac.compare_digest(sent.encode(), expected.encode()):
            raise InvalidKey("metrics need the metrics key as a bearer token")
    return Response(metrics.render(), media_type=CONTENT_TYPE_LATEST)
