"""Pytest fixtures for browser tests: `chromium`, `page` and `serve_viewer`.

A plugin, not a conftest: tests/conftest.py registers it with `pytest_plugins = ["tests.conftest_browser"]`
(or pass `-p tests.conftest_browser` on the command line).

Without Chromium or Playwright the browser tests are skipped with a one-line hint, unless SIM_REQUIRE_BROWSER=1
(set by CI), in which case they fail.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.browser import CHROMIUM_ARGS, HINT, ViewerServer, browser_required, chromium_path

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page


def _unavailable() -> None:
    if browser_required():
        pytest.fail(HINT, pytrace=False)
    pytest.skip(HINT)


@pytest.fixture(scope="session")
def chromium() -> Iterator[Browser]:
    """One headless Debian Chromium, driven by Playwright, for the whole session."""
    path = chromium_path()
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        path = None
    if path is None:
        _unavailable()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=path, headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def page(chromium: Browser, tmp_path: Path) -> Iterator[Page]:
    """A fresh page in its own browser context; its last state is saved as tmp_path/screenshot-final.png."""
    context = chromium.new_context()
    new_page = context.new_page()
    try:
        yield new_page
    finally:
        shot = tmp_path / "screenshot-final.png"
        try:
            if not new_page.is_closed():
                new_page.screenshot(path=str(shot), full_page=True)
                print(f"final screenshot: {shot}")
        except Exception as err:  # a screenshot is a debugging aid: it must not hide the test's own outcome
            print(f"final screenshot failed: {err}")
        context.close()


@pytest.fixture
def serve_viewer(tmp_path: Path) -> Iterator[Callable[[Path | str], str]]:
    """A function `serve_viewer(run_dir) -> url` that starts `python -m sim.replay view RUN_DIR --port 0
    --no-browser` from the repository root and returns the http://127.0.0.1:PORT... address it prints.

    The server is stopped when the test ends; its stderr is kept in tmp_path/viewer-N-stderr.log.
    """
    servers: list[ViewerServer] = []

    def start(run_dir: Path | str) -> str:
        server = ViewerServer(run_dir, tmp_path / f"viewer-{len(servers) + 1}-stderr.log")
        servers.append(server)
        try:
            return server.start()
        except RuntimeError as err:
            error = str(err)
        pytest.fail(error, pytrace=False)  # outside `except`, so the message is not shown twice

    try:
        yield start
    finally:
        for server in servers:
            server.stop()
