"""Rating an answer in Debian's chromium: a thumb, a reason from the API's own list, an
optional comment; stored redacted in the feedback store, once per answer."""

from __future__ import annotations

import json
from typing import Any

from playwright.sync_api import Locator, Page, Request, Route, expect

from casebot.feedback.models import DOWN_REASONS, MAX_COMMENT, REASON_LABELS, UP_REASONS
from tests.api.test_feedback import rows
from tests.widget.conftest import OpenDemo, Site
from tests.widget.test_widget import (
    QUESTION,
    QUESTION_BOX,
    WIDGET,
    ask,
    open_launcher,
    wait_answered,
)

COMMENT = "It left out the heatwave. Reply to jo.bloggs@example.org please"
REDACTED = "It left out the heatwave. Reply to [email] please"


def feedback_requests(page: Page) -> list[Request]:
    seen: list[Request] = []
    page.on("request", lambda r: seen.append(r) if r.url.endswith("/v1/feedback") else None)
    return seen


def answer_ids(page: Page) -> list[str]:
    """Each answer_id casebot's stream gave the page, read as the stream passes (whole
    answers: the page gets each stream at once, unchanged)."""
    seen: list[str] = []

    def passing(route: Route) -> None:
        response = route.fetch()
        for event in response.text().replace("\r\n", "\n").split("\n\n"):
            if event.startswith("event: done"):
                seen.append(json.loads(event.split("data: ", 1)[1])["answer_id"])
        route.fulfill(response=response)

    page.route("**/v1/chat/stream", passing)
    return seen


def answered(page: Page, ids: list[str], question: str = QUESTION) -> tuple[str, Locator]:
    """Ask and wait for the answer: its answer_id and the reply in the conversation."""
    ask(page, question)
    wait_answered(page, len(page.locator(f"{WIDGET} .msg.bot").all()))
    return ids[-1], page.locator(f"{WIDGET} .msg.bot").last


def offered(reply: Locator) -> list[str]:
    values: list[str] = reply.locator("fieldset input[type=radio]").evaluate_all(
        "els => els.map(e => e.value)"
    )
    return values


def stored(site: Site, answer_id: str) -> list[Any]:
    return [r for r in rows(site.settings) if r.answer_id == answer_id]


def test_thumbs_down_with_a_reason_and_a_comment_is_stored_with_the_comment_redacted(
    demo: OpenDemo, site: Site
) -> None:
    page = demo()
    sent = feedback_requests(page)
    ids = answer_ids(page)
    open_launcher(page)
    answer_id, reply = answered(page, ids)
    down = reply.get_by_role("button", name="Not helpful")
    expect(down).to_have_attribute("aria-pressed", "false")
    expect(reply.locator("form.rate")).to_be_hidden()
    down.click()
    expect(down).to_have_attribute("aria-pressed", "true")
    expect(reply.get_by_role("group", name="What went wrong?")).to_be_visible()
    assert offered(reply) == list(DOWN_REASONS)
    reply.get_by_label(REASON_LABELS["missing_information"]).check()
    box = reply.get_by_label("Anything to add? (optional)")
    assert box.get_attribute("maxlength") == str(MAX_COMMENT)
    box.fill(COMMENT)
    reply.get_by_role("button", name="Send feedback").click()
    expect(reply.locator(".thanks")).to_have_text("Thank you for your feedback.")
    # One rating per answer: nothing is left to press.
    expect(reply.locator(".feedback button")).to_have_count(0)
    assert [r.post_data_json for r in sent] == [
        {"answer_id": answer_id, "rating": "down", "reason": "missing_information", "comment": COMMENT}
    ]
    assert sent[0].headers["x-casebot-key"] == "pk_demo"
    [row] = stored(site, answer_id)
    assert (row.rating, row.reason, row.tenant) == ("down", "missing_information", "open")
    assert row.comment == REDACTED


def test_the_reasons_follow_the_thumb_and_a_missing_reason_or_failed_send_shows_one_line(
    demo: OpenDemo, site: Site
) -> None:
    page = demo("inline")
    answer_id, reply = answered(page, answer_ids(page))
    reply.get_by_role("button", name="Helpful", exact=True).click()
    expect(reply.get_by_role("group", name="What was good about it?")).to_be_visible()
    assert offered(reply) == list(UP_REASONS)
    reply.get_by_role("button", name="Not helpful").click()
    assert offered(reply) == list(DOWN_REASONS)
    expect(reply.get_by_role("button", name="Helpful", exact=True)).to_have_attribute(
        "aria-pressed", "false"
    )
    send = reply.get_by_role("button", name="Send feedback")
    send.click()
    error = reply.get_by_role("alert")
    expect(error).to_have_text("Choose a reason first.")
    reply.get_by_label(REASON_LABELS["unclear"]).check()

    def unavailable(route: Route) -> None:  # the feedback database is down, for one request
        route.fulfill(
            status=503,
            content_type="application/json",
            body='{"error": {"code": "feedback_unavailable", "message": "not now"}}',
        )

    page.route("**/v1/feedback", unavailable, times=1)
    send.click()
    expect(error).to_have_text("Your feedback was not sent. Please try again.")
    line_height = error.evaluate("el => parseFloat(getComputedStyle(el).lineHeight)")
    assert error.bounding_box()["height"] < 2 * line_height  # type: ignore[index]
    assert stored(site, answer_id) == []
    send.click()
    expect(reply.locator(".thanks")).to_be_visible()
    [row] = stored(site, answer_id)
    assert (row.rating, row.reason, row.comment) == ("down", "unclear", None)


def test_the_keyboard_alone_rates_an_answer(demo: OpenDemo, site: Site) -> None:
    page = demo()
    ids = answer_ids(page)
    focused = "el => el.matches(':focus')"
    launch = page.locator(f"{WIDGET} button.launch")
    for _ in range(10):  # Tab through the page to the launcher
        page.keyboard.press("Tab")
        if launch.evaluate(focused):
            break
    page.keyboard.press("Enter")
    expect(page.locator(QUESTION_BOX)).to_be_focused()
    page.keyboard.type(QUESTION)
    page.keyboard.press("Enter")
    wait_answered(page)
    [answer_id] = ids
    reply = page.locator(f"{WIDGET} .msg.bot").last
    down = reply.get_by_role("button", name="Not helpful")
    for _ in range(10):  # back from the question box: the rating is the reply's last control
        page.keyboard.press("Shift+Tab")
        if down.evaluate(focused):
            break
    expect(down).to_be_focused()
    # Visible focus on the thumb too.
    assert down.evaluate("el => getComputedStyle(el).outlineStyle") == "solid"
    page.keyboard.press("Enter")
    first = reply.locator("fieldset input[type=radio]").first
    expect(first).to_be_focused()  # focus moves to the reasons
    page.keyboard.press("ArrowDown")  # the second reason, as radio groups go
    expect(reply.get_by_label(REASON_LABELS[DOWN_REASONS[1]])).to_be_checked()
    page.keyboard.press("Tab")
    expect(reply.get_by_label("Anything to add? (optional)")).to_be_focused()
    page.keyboard.type("call me on 07700 900123")
    page.keyboard.press("Tab")
    expect(reply.get_by_role("button", name="Send feedback")).to_be_focused()
    page.keyboard.press("Enter")
    thanks = reply.locator(".thanks")
    expect(thanks).to_be_focused()  # focus is not lost when the form goes
    [row] = stored(site, answer_id)
    assert (row.rating, row.reason) == ("down", DOWN_REASONS[1])
    assert row.comment == "call me on [phone]"
