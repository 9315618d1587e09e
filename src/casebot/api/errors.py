"""casebot's error tree mapped to HTTP in one place. A 422 never echoes the request: not
its text, not the names of keys the schema does not know."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from casebot.answer.pipeline import AnswerFailed
from casebot.api.convert import safety_out
from casebot.api.middleware import OUTCOME, route_template
from casebot.api.shed import AnswerShed
from casebot.api.tenancy import localise
from casebot.errors import CasebotError, Overloaded, RateLimited
from casebot.logs import FIELDS

log = logging.getLogger("casebot.api")


def error_response(
    status: int, code: str, message: str, headers: Mapping[str, str] | None = None
) -> JSONResponse:
    return JSONResponse(
        status_code=status,
        content={"error": {"code": code, "message": message}},
        headers=headers,
    )


def _validation_message(exc: RequestValidationError) -> str:
    # loc and msg only: pydantic's "input" would repeat what the person wrote, and the loc
    # of a key the schema does not know is that key, so it is not named either.
    parts = []
    for err in exc.errors()[:5]:
        if err.get("type") == "extra_forbidden":
            parts.append("unknown field (only the documented fields are accepted)")
            continue
        loc = ".".join(str(p) for p in err.get("loc", ()) if p != "body") or "body"
        parts.append(f"{loc}: {err.get('msg', 'invalid')}")
    return "; ".join(parts)


def _where(request: Request) -> dict[str, Any]:
    return {"method": request.method, "route": route_template(request.scope)}


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(CasebotError)
    async def casebot_error(request: Request, exc: CasebotError) -> JSONResponse:
        log.warning("request failed", extra={FIELDS: {**_where(request), "code": exc.code}})
        headers = None
        if isinstance(exc, Overloaded | RateLimited):
            headers = {"retry-after": str(exc.retry_after)}
        return error_response(exc.status, exc.code, str(exc), headers)

    @app.exception_handler(AnswerShed)
    async def answer_shed(request: Request, exc: AnswerShed) -> JSONResponse:
        body = {
            "error": {"code": exc.error.code, "message": str(exc.error)},
            "safety": safety_out(exc.safety).model_dump(),
        }
        headers = {"retry-after": str(exc.error.retry_after)}
        return JSONResponse(status_code=exc.error.status, content=body, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        return error_response(422, "validation_error", _validation_message(exc))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        phrase = HTTPStatus(exc.status_code).phrase
        code = phrase.lower().replace(" ", "_")
        detail = exc.detail if isinstance(exc.detail, str) else phrase
        # 405 carries Allow (starlette sets it on the exception).
        return error_response(exc.status_code, code, detail, exc.headers)

    @app.exception_handler(AnswerFailed)
    async def answer_failed(request: Request, exc: AnswerFailed) -> JSONResponse:
        log.error("answer failed after the safety assessment", extra={FIELDS: _where(request)})
        setattr(request.state, OUTCOME, {"safety_level": exc.safety.level})
        body = {
            "error": {"code": "internal_error", "message": "Something went wrong on our side."},
            "safety": safety_out(localise(request, exc.safety)).model_dump(),
        }
        return JSONResponse(status_code=500, content=body)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        fields = {**_where(request), "error_type": type(exc).__name__}
        log.error("request failed unexpectedly", extra={FIELDS: fields})
        return error_response(500, "internal_error", "Something went wrong on our side.")
