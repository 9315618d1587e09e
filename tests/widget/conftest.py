"""The widget in a real browser: Debian's chromium driven by Playwright (never a downloaded
browser), against the real app under uvicorn over the real corpus, and a host page on
another origin served with a strict Content-Security-Policy.

Nothing leaves the machine: every request that is not to loopback is answered by the test
(the neutral exit sites) or refused.
"""

from __future__ import annotations

import dataclasses
import http.server
import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
import yaml
from playwright.sync_api import Browser, BrowserContext, Page, Route, sync_playwright

from casebot.answer.pipeline import Collaborators
from casebot.api.app import create_app
from casebot.config import Settings
from casebot.tenants.keys import hash_key
from tests.fakes import GatedStore
from tests.servers import free_port, serve

CHROMIUM = Path(os.environ.get("CASEBOT_CHROMIUM", "/usr/bin/chromium"))
NEUTRAL = "https://www.bbc.co.uk/weather"
NEUTRAL_HOST = "https://example.org/"  # the exits a host or a tenant chooses are here
HOST_EXIT = f"{NEUTRAL_HOST}neutral"
HOST_KEY = "pk_test_host"
ACCENT = "rgb(90, 45, 130)"


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs Debian's chromium")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        yield browser
        browser.close()


@dataclass
class Site:
    api: str  # casebot, serving /widget.js and /widget/demo
    host: str  # a support service's page on another origin, under a strict CSP
    store: GatedStore  # open; a test closes it to hold retrieval back
    settings: Settings  # the app's, its feedback in SQLite in a tmp dir


class _HostPage(http.server.BaseHTTPRequestHandler):
    """/ : a page that themes the widget itself and chooses its own exit; /tenant/KEY : a
    page that only embeds the widget with KEY, leaving the rest to the tenant's branding."""

    api = ""

    def do_GET(self) -> None:  # the stdlib names it so
        if self.path == "/host.css":
            body = b"casebot-chat { --casebot-accent: rgb(90, 45, 130); }\n"
            self._send(body, "text/css", "")
            return
        if self.path.startswith("/tenant/"):
            key, head, extra = self.path.removeprefix("/tenant/"), "", ""
        else:
            key, head = HOST_KEY, '<link rel="stylesheet" href="/host.css">'
            extra = f' data-casebot-exit-url="{HOST_EXIT}"'
        page = f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>A support service</title>{head}</head>
<body><main><h1>A support service</h1><p>Our page, with casebot on it.</p></main>
<script src="{self.api}/widget.js" data-casebot-key="{key}"{extra} async></script></body></html>"""
        policy = (
            f"default-src 'none'; script-src {self.api}; connect-src {self.api}; "
            "style-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'"
        )
        self._send(page.encode(), "text/html; charset=utf-8", policy)

    def _send(self, body: bytes, kind: str, policy: str) -> None:
        self.send_response(200)
        self.send_header("Content-Type", kind)
        if policy:
            self.send_header("Content-Security-Policy", policy)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        return


@contextmanager
def _site(
    settings: Settings, deps: Collaborators, tmp_path_factory: pytest.TempPathFactory,
    configure: Callable[[str], dict[str, Any]],
) -> Iterator[Site]:
    """casebot and a host page on another origin; `configure(host)` gives the settings that
    depend on the host's origin."""
    host_port = free_port()
    host = f"http://127.0.0.1:{host_port}"
    assert deps.index is not None
    store = GatedStore(deps.index.store, open_=True)
    deps = dataclasses.replace(deps, index=dataclasses.replace(deps.index, store=store))
    feedback = tmp_path_factory.mktemp("feedback") / "feedback.sqlite3"
    settings = settings.model_copy(
        update={"feedback_url": f"sqlite:///{feedback}", **configure(host)}
    )
    with serve(create_app(settings, build=lambda s, http: deps)) as api:
        handler = type("HostPage", (_HostPage,), {"api": api})
        server = http.server.ThreadingHTTPServer(("127.0.0.1", host_port), handler)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield Site(api, host, store, settings)
        finally:
            server.shutdown()
            server.server_close()
            store.gate.set()


@pytest.fixture(scope="module")
def site(
    real_settings: Settings, real_deps: Collaborators, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Site]:
    """casebot open (no tenants file), the host page's origin allowed by CORS."""
    with _site(real_settings, real_deps, tmp_path_factory, lambda host: {"cors_origins": [host]}) as site:
        yield site


# Tenants for the branding tests: their keys, and a tenants file naming the host's origin.
BRANDED_KEY = "cbk_test_branded"
CLASHING_KEY = "cbk_test_clashing"
ONE_ANSWER_KEY = "cbk_test_one_answer"
BRANDED = {
    "name": "Borough Support Chat",
    "primary_colour": "#5a2d82",
    "background_colour": "#fffdf5",
    "text_colour": "#1f2937",
    "exit_url": f"{NEUTRAL_HOST}borough-exit",
}
# Yellow links on white, pale grey text on white: neither passes AA.
CLASHING = {
    "name": "Clashing Colours",
    "primary_colour": "#ffe600",
    "background_colour": "#ffffff",
    "text_colour": "#dddddd",
}


def tenants_file(directory: Path, origin: str) -> Path:
    def tenant(id_: str, key: str, branding: dict[str, str], **more: Any) -> dict[str, Any]:
        return {"id": id_, "name": branding["name"], "key_sha256": hash_key(key),
                "origins": [origin], "branding": branding, **more}

    tenants = [
        tenant("borough", BRANDED_KEY, BRANDED),
        tenant("clashing", CLASHING_KEY, CLASHING),
        # One question a minute: the second is shed after its safety event, with no answer.
        tenant("one-answer", ONE_ANSWER_KEY, {"name": "One Answer"}, limits={"client": "1/minute"}),
    ]
    path = directory / "tenants.yaml"
    path.write_text(yaml.safe_dump({"tenants": tenants}), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def tenant_site(
    real_settings: Settings, real_deps: Collaborators, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Site]:
    """casebot with a tenants file in a tmp dir whose tenants' site is the host page."""
    directory = tmp_path_factory.mktemp("tenants")

    def configure(host: str) -> dict[str, Any]:
        return {"tenants_file": tenants_file(directory, host), "cors_origins": []}

    with _site(real_settings, real_deps, tmp_path_factory, configure) as site:
        yield site


def _offline(route: Route) -> None:
    """The neutral sites answer with a plain page; anything else off the machine fails."""
    if route.request.url.startswith((NEUTRAL, NEUTRAL_HOST)):
        route.fulfill(status=200, content_type="text/html", body="<title>neutral</title>")
    else:
        route.abort()


def _not_loopback(url: str) -> bool:
    return not url.startswith(("http://127.0.0.1:", "http://localhost:"))


# What a page looks like the moment it starts to leave, told through the console (a
# navigation's pending request stalls the page for the test's own inspection).
LEAVING = """addEventListener('beforeunload', () => {
  const overlay = document.querySelector('.casebot-exit-overlay');
  const chat = document.querySelector('casebot-chat');
  const visible = (el) => !!el && el.checkVisibility();
  console.log('casebot-leaving ' + JSON.stringify({
    overlay: overlay && overlay.getAttribute('role'),
    overlayText: overlay && overlay.textContent,
    overlayVisible: visible(overlay),
    mainVisible: visible(document.querySelector('main')),
    chatVisible: visible(chat),
    turns: chat ? chat.turns.length : null,
    messages: chat ? chat.shadowRoot.querySelectorAll('.log > li').length : null,
  }));
});"""


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    context.route(_not_loopback, _offline)
    context.add_init_script(LEAVING)
    yield context
    context.close()


@pytest.fixture
def page(context: BrowserContext) -> Page:
    return context.new_page()


OpenDemo = Callable[..., Page]


@pytest.fixture
def demo(page: Page, site: Site) -> OpenDemo:
    """The demo host page (launcher or inline), the widget mounted."""

    def open_(mode: str = "launcher") -> Page:
        page.goto(f"{site.api}/widget/demo?mode={mode}")
        page.wait_for_function("() => customElements.get('casebot-chat') !== undefined")
        page.locator("casebot-chat .panel").wait_for(state="attached")
        return page

    return open_


@pytest.fixture(scope="session")
def axe_source() -> str:
    """axe-core as installed (bundled in the axe-playwright-python wheel), read from disk."""
    return (resources.files("axe_playwright_python") / "axe.min.js").read_text(encoding="utf-8")
