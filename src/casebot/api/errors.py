"""casebot's error tree mapped to HTTP in one place. A 422 never echoes the request text."""

from __future__ import annotations

import logging
from http import HTTPStatus

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from casebot.answer.pipeline import AnswerFailed
from casebot.api.convert import safety_out
from casebot.api.tenancy import localise
from casebot.errors import CasebotError, RateLimited

log = logging.getLogger("casebot.api")


def error_response(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse(status_code=status, content={"error": {"code": code, "message": message}})


def _validation_message(exc: RequestValidationError) -> str:
    # loc and msg only: pydantic's "input" would repeat what the person wrote.
    parts = []
    for err in exc.errors()[:5]:
        loc = ".".join(str(p) for p in err.get("loc", ()) if p != "body") or "body"
        parts.append(f"{loc}: {err.get('msg', 'invalid')}")
    return "; ".join(parts)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(CasebotError)
    async def casebot_error(request: Request, exc: CasebotError) -> JSONResponse:
        log.warning("%s %s -> %s", request.method, request.url.path, exc.code)
        response = error_response(exc.status, exc.code, str(exc))
        if isinstance(exc, RateLimited):
            response.headers["retry-after"] = str(exc.retry_after)
        return response

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        return error_response(422, "validation_error", _validation_message(exc))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        phrase = HTTPStatus(exc.status_code).phrase
        code = phrase.lower().replace(" ", "_")
        detail = exc.detail if isinstance(exc.detail, str) else phrase
        return error_response(exc.status_code, code, detail)

    @app.exception_handler(AnswerFailed)
    async def answer_failed(request: Request, exc: AnswerFailed) -> JSONResponse:
        log.error("%s %s failed after the safety assessment", request.method, request.url.path)
        body = {
            "error": {"code": "internal_error", "message": "Something went wrong on our side."},
            "safety": safety_out(localise(request, exc.safety)).model_dump(),
        }
        return JSONResponse(status_code=500, content=body)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.error("%s %s failed: %s", request.method, request.url.path, type(exc).__name__)
        return error_response(500, "internal_error", "Something went wrong on our side.")
