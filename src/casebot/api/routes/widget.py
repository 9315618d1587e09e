"""GET /widget.js (the embeddable web component) and GET /widget/demo (a host page)."""

from __future__ import annotations

import hashlib
import json
from functools import cache
from importlib import resources
from typing import Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from casebot.feedback.models import widget_choices

router = APIRouter(tags=["widget"])

# The script's URL carries no version, so a week's cache with revalidation by ETag: hosts
# get it from cache, and a fix reaches every host page within the week.
WIDGET_CACHE = "public, max-age=604800, stale-while-revalidate=86400"
# The demo is a host page with a strict policy: the widget needs no inline script or style.
DEMO_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
    "img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
INLINE_SLOT = "<!--inline-->"
INLINE_WIDGET = '<casebot-chat data-casebot-mode="inline"></casebot-chat>'
# Where widget.js takes the feedback reasons: filled from the API's own list when served.
FEEDBACK_SLOT = "/*casebot:feedback*/ null"


@cache
def asset(name: str) -> bytes:
    return (resources.files("casebot.widget") / name).read_bytes()


@cache
def widget_script() -> bytes:
    """widget.js with the feedback reasons the API accepts written into it."""
    source = asset("widget.js").decode()
    if FEEDBACK_SLOT not in source:
        raise RuntimeError("widget.js has lost its feedback slot")
    return source.replace(FEEDBACK_SLOT, json.dumps(widget_choices())).encode()


def etag(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def _cached(request: Request, body: bytes, media_type: str) -> Response:
    tag = etag(body)
    headers = {"Cache-Control": WIDGET_CACHE, "ETag": tag}
    if tag in request.headers.get("if-none-match", ""):
        return Response(status_code=304, headers=headers)
    return Response(body, media_type=media_type, headers=headers)


@router.get(
    "/widget.js",
    response_class=Response,
    responses={200: {"content": {"text/javascript": {}}}, 304: {"description": "Not modified"}},
)
def widget_js(request: Request) -> Response:
    """The `<casebot-chat>` web component. Embed it with
    `<script src="https://HOST/widget.js" data-casebot-key="pk_..." async></script>`."""
    return _cached(request, widget_script(), "text/javascript; charset=utf-8")


@router.get("/widget/demo.css", response_class=Response, include_in_schema=False)
def demo_css(request: Request) -> Response:
    return _cached(request, asset("demo.css"), "text/css; charset=utf-8")


@router.get("/widget/demo", response_class=HTMLResponse)
def widget_demo(
    mode: Literal["launcher", "inline"] = Query("launcher", description="How the page embeds it"),
) -> HTMLResponse:
    """A host page embedding the widget, under a strict Content-Security-Policy."""
    page = asset("demo.html").decode()
    page = page.replace(INLINE_SLOT, INLINE_WIDGET if mode == "inline" else "")
    return HTMLResponse(page, headers={"Content-Security-Policy": DEMO_CSP})
