"""The browser harness itself works: headless Chromium loads a page, a click runs its script."""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import quote

if TYPE_CHECKING:  # Playwright may be missing: then the fixtures skip (or fail under SIM_REQUIRE_BROWSER=1)
    from playwright.sync_api import Browser, Page


PAGE = """<!doctype html>
<title>harness</title>
<button id="go" onclick="document.getElementById('status').textContent = 'clicked'">Go</button>
<p id="status">waiting</p>
"""


def test_click_changes_text(chromium: Browser, page: Page) -> None:
    assert chromium.is_connected()
    page.goto("data:text/html," + quote(PAGE))
    assert page.text_content("#status") == "waiting"
    page.click("#go")
    assert page.text_content("#status") == "clicked"
