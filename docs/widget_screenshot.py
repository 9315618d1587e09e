"""Regenerate docs/widget.png: the demo page in Debian's chromium, an urgent message asked.

Usage (with `casebot serve` running on port 8000 over a built index):
  .venv/bin/python docs/widget_screenshot.py [http://127.0.0.1:8000]
"""

from __future__ import annotations

import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

OUT = Path(__file__).with_name("widget.png")


def main(base: str) -> None:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium")
        page = browser.new_page(viewport={"width": 1100, "height": 820})
        page.goto(f"{base}/widget/demo")
        page.locator("casebot-chat button.launch").click()
        box = page.locator("casebot-chat textarea")
        box.fill("I'm scared my partner will hurt me tonight")
        box.press("Enter")
        page.wait_for_function(
            "() => document.querySelector('casebot-chat').turns.length >= 2", timeout=120_000
        )
        # The signpost cards, under the lead-in, in view.
        page.locator("casebot-chat .cards").first.evaluate("el => el.scrollIntoView()")
        page.screenshot(path=str(OUT))
        browser.close()


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8000")
