"""A tenant's branding in Debian's chromium: the widget reads GET /v1/tenant with its key and
takes the tenant's name, colours (only where they stay AA-readable) and exit destination;
casebot runs with a tenants file in a tmp dir, the tenant's site on another origin."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import Page, Request, expect

from casebot.feedback.models import REASON_LABELS
from tests.api.test_feedback import rows
from tests.widget.conftest import (
    BRANDED,
    BRANDED_KEY,
    CLASHING,
    CLASHING_KEY,
    NEUTRAL,
    ONE_ANSWER_KEY,
    Site,
)
from tests.widget.test_widget import QUESTION, WIDGET, ask, leaving, open_launcher, wait_answered


def rgb(hex_colour: str) -> str:
    r, g, b = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgb({r}, {g}, {b})"


DEFAULT_ACCENT, DEFAULT_FG, WHITE = rgb("#1d4f91"), rgb("#0b0c0c"), rgb("#ffffff")


def tenant_requests(page: Page) -> list[Request]:
    seen: list[Request] = []
    page.on("request", lambda r: seen.append(r) if r.url.endswith("/v1/tenant") else None)
    return seen


def open_tenant_page(page: Page, site: Site, key: str, title: str) -> None:
    """The tenant's own page; returns once the widget has taken the tenant's name."""
    page.goto(f"{site.host}/tenant/{key}")
    expect(page.locator(f"{WIDGET} button.launch")).to_have_text(title)


def style(page: Page, selector: str, prop: str) -> Any:
    return page.locator(f"{WIDGET} {selector}").first.evaluate(
        f"el => getComputedStyle(el).{prop}"
    )


def test_a_tenants_name_colours_and_exit_are_applied(
    page: Page, tenant_site: Site, axe_source: str
) -> None:
    fetched = tenant_requests(page)
    open_tenant_page(page, tenant_site, BRANDED_KEY, BRANDED["name"])
    assert [r.headers["x-casebot-key"] for r in fetched] == [BRANDED_KEY]
    assert page.locator(WIDGET).get_attribute("title") is None  # no tooltip over the chat
    assert style(page, "button.launch", "backgroundColor") == rgb(BRANDED["primary_colour"])
    assert style(page, "button.launch", "color") == WHITE
    open_launcher(page)
    expect(page.locator(f"{WIDGET} .head h2")).to_have_text(BRANDED["name"])
    expect(page.get_by_role("dialog", name=BRANDED["name"])).to_be_visible()
    assert style(page, ".panel", "backgroundColor") == rgb(BRANDED["background_colour"])
    assert style(page, ".log", "color") == rgb(BRANDED["text_colour"])
    ask(page, QUESTION)
    wait_answered(page)
    # The branded widget still passes axe, contrast included.
    page.evaluate(axe_source)
    violations = page.evaluate("axe.run(document).then(r => r.violations.map(v => v.id))")
    assert violations == []
    # The tenant's key goes with its feedback too: the rating is stored as the tenant's.
    reply = page.locator(f"{WIDGET} .msg.bot").last
    reply.get_by_role("button", name="Helpful", exact=True).click()
    reply.get_by_label(REASON_LABELS["clear"]).check()
    reply.get_by_role("button", name="Send feedback").click()
    expect(reply.locator(".thanks")).to_be_visible()
    assert [(r.tenant, r.rating, r.reason) for r in rows(tenant_site.settings)] == [
        ("borough", "up", "clear")
    ]
    with leaving(page, BRANDED["exit_url"]):
        page.locator(f"{WIDGET} .dock a.exit").click()


def test_colours_that_would_fail_aa_fall_back_to_the_defaults(
    page: Page, tenant_site: Site
) -> None:
    open_tenant_page(page, tenant_site, CLASHING_KEY, CLASHING["name"])
    assert style(page, "button.launch", "backgroundColor") == DEFAULT_ACCENT
    open_launcher(page)
    assert style(page, ".panel", "backgroundColor") == WHITE
    assert style(page, ".log", "color") == DEFAULT_FG
    # No exit_url in its branding: the default neutral site, as before.
    with leaving(page, NEUTRAL):
        page.keyboard.press("Shift")
        page.keyboard.press("Shift")
        page.keyboard.press("Shift")


def test_a_reply_shed_after_its_safety_event_has_no_thumbs(page: Page, tenant_site: Site) -> None:
    open_tenant_page(page, tenant_site, ONE_ANSWER_KEY, "One Answer")
    open_launcher(page)
    ask(page, QUESTION)
    wait_answered(page)
    ask(page, QUESTION)  # over the tenant's one question a minute
    replies = page.locator(f"{WIDGET} .msg.bot")
    expect(replies.last).to_contain_text("casebot could not answer just now")
    expect(replies.first.get_by_role("button", name="Not helpful")).to_be_visible()
    expect(replies.last.locator(".feedback")).to_have_count(0)
