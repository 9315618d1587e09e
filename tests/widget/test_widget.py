"""<casebot-chat> in Debian's chromium: streaming with footnotes, 999 first, Exit this page,
nothing stored, a strict-CSP host on another origin, keyboard only, a phone's width."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, Page, Request, expect

from tests.widget.conftest import ACCENT, HOST_EXIT, HOST_KEY, NEUTRAL, OpenDemo, Site

QUESTION = "What did the Casey review find about the freezers storing rape kits?"
URGENT = "i'm going to kill myself tonight"
WIDGET = "casebot-chat"
QUESTION_BOX = f"{WIDGET} form:not(.rate) textarea"  # each answer's rating has a comment box


def chat_requests(page: Page) -> list[Request]:
    seen: list[Request] = []
    page.on("request", lambda r: seen.append(r) if r.url.endswith("/v1/chat/stream") else None)
    return seen


def open_launcher(page: Page) -> None:
    page.locator(f"{WIDGET} button.launch").click()
    expect(page.locator(f"{WIDGET} .panel")).to_be_visible()


def ask(page: Page, question: str) -> None:
    page.locator(QUESTION_BOX).fill(question)
    page.locator(QUESTION_BOX).press("Enter")


def wait_answered(page: Page, replies: int = 1) -> None:
    """Until the widget has announced `replies` finished answers."""
    page.wait_for_function(
        f"() => document.querySelector('{WIDGET}').turns"
        f".filter(t => t.role === 'assistant').length >= {replies}"
    )


def announced(page: Page) -> Any:
    return page.locator(f"{WIDGET} [aria-live=polite]")


def test_the_launcher_opens_with_focus_on_the_question_and_closes_back_to_itself(
    demo: OpenDemo,
) -> None:
    page = demo()
    launch = page.locator(f"{WIDGET} button.launch")
    expect(launch).to_have_attribute("aria-expanded", "false")
    expect(page.locator(f"{WIDGET} .panel")).to_be_hidden()
    launch.click()
    expect(launch).to_have_attribute("aria-expanded", "true")
    expect(page.locator(QUESTION_BOX)).to_be_focused()
    expect(page.locator(f"{WIDGET} .standing")).to_contain_text(
        "casebot is not an emergency service. If you are in danger, call 999."
    )
    page.keyboard.press("Escape")
    expect(page.locator(f"{WIDGET} .panel")).to_be_hidden()
    expect(launch).to_be_focused()
    # Exit this page stays in view with the chat closed.
    expect(page.locator(f"{WIDGET} .dock a.exit")).to_be_visible()


def test_a_question_streams_an_answer_whose_footnotes_open_their_quotes(
    demo: OpenDemo, site: Site
) -> None:
    page = demo()
    requests = chat_requests(page)
    open_launcher(page)
    ask(page, QUESTION)
    wait_answered(page)
    refs = page.locator(f"{WIDGET} .answer button.ref")
    expect(refs.first).to_be_visible()
    body = requests[0].post_data_json
    assert body == {"message": QUESTION, "history": []}
    assert requests[0].headers["x-casebot-key"] == "pk_demo"
    # The footnote opens the verbatim quote, the section, page and source.
    first = refs.first
    expect(first).to_have_attribute("aria-expanded", "false")
    first.click()
    expect(first).to_have_attribute("aria-expanded", "true")
    note = page.locator(f"{WIDGET} #{first.get_attribute('aria-controls')}")
    expect(note).to_be_visible()
    quote = note.locator("blockquote").inner_text()
    citations = page.evaluate(
        "fetch('/v1/chat', {method: 'POST', headers: {'content-type': 'application/json'},"
        f" body: JSON.stringify({{message: {json.dumps(QUESTION)}}})}}).then(r => r.json())"
    )["citations"]
    cited = next(c for c in citations if f"[{c['n']}]" == first.inner_text())
    assert quote == cited["quote"]
    assert cited["title"] in note.inner_text()
    if cited["page"] is not None:
        assert f"page {cited['page']}" in note.inner_text()
    # The finished answer is announced once, without its markers.
    expect(announced(page)).to_contain_text("casebot replied:")
    assert "[1]" not in announced(page).inner_text()


def test_an_urgent_message_shows_999_before_any_answer_text(demo: OpenDemo, site: Site) -> None:
    page = demo()
    open_launcher(page)
    site.store.gate.clear()  # retrieval waits: whatever shows now came before it
    try:
        ask(page, URGENT)
        call = page.locator(f"{WIDGET} .cards a[href='tel:999']").first
        expect(call).to_be_visible()
        expect(page.locator(f"{WIDGET} .safety")).to_contain_text("999")
        expect(page.locator(f"{WIDGET} .answer")).to_have_text("casebot is answering…")
        expect(announced(page)).to_contain_text("999")
    finally:
        site.store.gate.set()
    wait_answered(page)
    answer = page.locator(f"{WIDGET} .msg.bot .answer").last
    expect(answer).not_to_have_text("casebot is answering…")
    # The cards stay above the answer.
    assert page.evaluate(
        f"(() => {{ const bot = document.querySelector('{WIDGET}').shadowRoot"
        ".querySelector('.msg.bot'); const cards = bot.querySelector('.cards');"
        " const answer = bot.querySelector('.answer');"
        " return !!(cards.compareDocumentPosition(answer) & Node.DOCUMENT_POSITION_FOLLOWING); })()"
    )


@contextmanager
def leaving(page: Page, destination: str) -> Iterator[None]:
    """The page as it was the moment it started to leave: blanked, the chat forgotten."""
    with page.expect_console_message(lambda m: m.text.startswith("casebot-leaving ")) as seen:
        yield
    state = json.loads(seen.value.text.split(" ", 1)[1])
    assert state == {
        "overlay": "alert",
        "overlayText": "Loading.",
        "overlayVisible": True,
        "mainVisible": False,
        "chatVisible": False,
        "turns": 0,
        "messages": 0,
    }
    page.wait_for_url(destination)


def test_exit_this_page_by_button_blanks_the_page_then_leaves(demo: OpenDemo) -> None:
    page = demo()
    open_launcher(page)
    ask(page, QUESTION)
    wait_answered(page)
    with leaving(page, NEUTRAL):
        page.locator(f"{WIDGET} .dock a.exit").click()


def test_shift_three_times_exits_and_any_other_key_resets(demo: OpenDemo) -> None:
    page = demo()
    open_launcher(page)
    ask(page, QUESTION)
    wait_answered(page)
    page.locator("h1").click()  # the keys go to the host page, not the chat
    status = page.locator(f"{WIDGET} [role=status]")
    page.keyboard.press("Shift")
    expect(status).to_have_text("Shift, press 2 more times to exit.")
    page.keyboard.press("Shift")
    expect(status).to_have_text("Shift, press 1 more time to exit.")
    page.keyboard.press("a")  # any other key resets
    expect(status).to_have_text("")
    page.keyboard.press("Shift+A")  # Shift as a modifier is not a press
    page.keyboard.press("Shift")
    page.keyboard.press("Shift")
    expect(status).to_have_text("Shift, press 1 more time to exit.")
    assert page.url.endswith("/widget/demo?mode=launcher")
    with leaving(page, NEUTRAL):
        page.keyboard.press("Shift")


def test_shift_presses_more_than_five_seconds_apart_do_not_exit(page: Page, site: Site) -> None:
    page.clock.install()
    page.goto(f"{site.api}/widget/demo")
    page.locator(f"{WIDGET} .panel").wait_for(state="attached")
    # The page's time stands still but for run_for: a slow machine cannot expire the count.
    page.clock.pause_at(int(time.time() * 1000) + 60_000)
    status = page.locator(f"{WIDGET} [role=status]")
    page.keyboard.press("Shift")
    page.keyboard.press("Shift")
    page.clock.run_for(4900)
    expect(status).to_have_text("Shift, press 1 more time to exit.")
    page.clock.run_for(200)
    expect(status).to_have_text("Exit this page expired.")
    page.keyboard.press("Shift")
    expect(status).to_have_text("Shift, press 2 more times to exit.")
    expect(page.locator("main")).to_be_visible()


def test_nothing_is_stored_in_the_browser_and_clear_forgets_the_conversation(
    demo: OpenDemo, context: BrowserContext
) -> None:
    page = demo()
    requests = chat_requests(page)
    open_launcher(page)
    ask(page, QUESTION)
    wait_answered(page)
    ask(page, "what about the heatwave?")
    wait_answered(page, 2)
    assert len(requests[1].post_data_json["history"]) == 2
    assert context.cookies() == []
    stored = page.evaluate(
        """async () => ({
            local: localStorage.length,
            session: sessionStorage.length,
            idb: (await indexedDB.databases()).length,
            caches: (await caches.keys()).length,
        })"""
    )
    assert stored == {"local": 0, "session": 0, "idb": 0, "caches": 0}
    page.locator(f"{WIDGET} button.clear").click()
    expect(page.locator(f"{WIDGET} .log > li")).to_have_count(0)
    expect(announced(page)).to_have_text("Conversation cleared.")
    expect(page.locator(QUESTION_BOX)).to_be_focused()
    ask(page, QUESTION)
    wait_answered(page)
    assert requests[2].post_data_json["history"] == []


@pytest.mark.parametrize("mode", ["launcher", "inline"])
def test_axe_finds_no_violations(demo: OpenDemo, axe_source: str, mode: str) -> None:
    page = demo(mode)
    if mode == "launcher":
        open_launcher(page)
    ask(page, URGENT)
    wait_answered(page)
    ask(page, QUESTION)
    wait_answered(page, 2)
    page.locator(f"{WIDGET} .answer button.ref").first.click()
    page.locator(f"{WIDGET} .msg.bot").last.get_by_role("button", name="Not helpful").click()
    page.evaluate(axe_source)
    run = "axe.run(document, {resultTypes: ['violations']}).then(r => r.violations)"
    violations = page.evaluate(run)
    assert [(v["id"], [n["target"] for n in v["nodes"]][:3]) for v in violations] == []
    # axe reads inside the widget's shadow root: a nameless button there is found.
    page.evaluate(
        f"document.querySelector('{WIDGET}').shadowRoot.querySelector('form:not(.rate)')"
        ".append(document.createElement('button'))"
    )
    found = page.evaluate(run)
    assert [v["id"] for v in found] == ["button-name"]
    assert WIDGET in json.dumps(found[0]["nodes"][0]["target"])


def test_a_strict_csp_host_page_on_another_origin_works(page: Page, site: Site) -> None:
    page.add_init_script(
        "window.__violations = [];"
        "document.addEventListener('securitypolicyviolation',"
        " e => window.__violations.push(e.violatedDirective));"
    )
    requests = chat_requests(page)
    page.goto(site.host)
    launch = page.locator(f"{WIDGET} button.launch")
    expect(launch).to_be_visible()
    # Themed by the host's own stylesheet, through a custom property.
    assert launch.evaluate("el => getComputedStyle(el).backgroundColor") == ACCENT
    launch.click()
    ask(page, QUESTION)
    wait_answered(page)
    expect(page.locator(f"{WIDGET} .answer button.ref").first).to_be_visible()
    assert requests[0].headers["x-casebot-key"] == HOST_KEY
    assert page.evaluate("window.__violations") == []
    with leaving(page, HOST_EXIT):  # the host chose its own neutral site
        page.locator(f"{WIDGET} .dock a.exit").click()


def test_the_keyboard_alone_opens_asks_reads_a_source_and_closes(demo: OpenDemo) -> None:
    page = demo()
    focused = "el => el.matches(':focus')"
    launch = page.locator(f"{WIDGET} button.launch")
    for _ in range(10):  # Tab through the page to the launcher
        page.keyboard.press("Tab")
        if launch.evaluate(focused):
            break
    expect(launch).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator(QUESTION_BOX)).to_be_focused()
    page.keyboard.type(QUESTION)
    page.keyboard.press("Enter")
    wait_answered(page)
    ref = page.locator(f"{WIDGET} .answer button.ref").first
    for _ in range(40):  # Tab from the question into the conversation
        page.keyboard.press("Shift+Tab")
        if ref.evaluate(focused):
            break
    expect(ref).to_be_focused()
    page.keyboard.press("Enter")
    expect(ref).to_have_attribute("aria-expanded", "true")
    page.keyboard.press("Escape")
    expect(page.locator(f"{WIDGET} .panel")).to_be_hidden()
    expect(launch).to_be_focused()
    # Focus is visible: an outline, not the browser's default nothing.
    assert launch.evaluate("el => getComputedStyle(el).outlineStyle") == "solid"


def test_a_375px_screen_keeps_the_input_above_the_keyboard(
    context: BrowserContext, site: Site
) -> None:
    page = context.new_page()
    page.set_viewport_size({"width": 375, "height": 667})
    page.goto(f"{site.api}/widget/demo")
    open_launcher(page)
    panel = page.locator(f"{WIDGET} .panel").bounding_box()
    assert panel is not None and panel["x"] >= 0 and panel["x"] + panel["width"] <= 375
    textarea = page.locator(QUESTION_BOX)
    assert textarea.evaluate("el => parseFloat(getComputedStyle(el).fontSize)") >= 16
    assert page.evaluate("document.scrollingElement.scrollWidth") <= 375
    # An on-screen keyboard shrinks the visual viewport: the input stays above it.
    page.set_viewport_size({"width": 375, "height": 360})
    page.wait_for_timeout(100)
    box = textarea.bounding_box()
    assert box is not None and box["y"] + box["height"] <= 360
    expect(page.locator(f"{WIDGET} .dock a.exit")).to_be_in_viewport()


def test_reduced_motion_turns_off_transitions_and_animation(demo: OpenDemo, page: Page) -> None:
    demo()
    panel = page.locator(f"{WIDGET} .panel")
    duration = "el => getComputedStyle(el).transitionDuration"
    assert panel.evaluate(duration) != "0s"
    page.emulate_media(reduced_motion="reduce")
    assert set(panel.evaluate(duration).split(", ")) == {"0s"}
