"""Headless Chromium for the browser tests, driven by Playwright against pytest-django's
live server.

The browser is Debian's Chromium at /usr/bin/chromium; Playwright's own browser
downloads are never used. Each test gets fresh browser contexts (one per person:
a reader, a moderator, an anonymous visitor) pointed at the live server, and an
output folder, ``test-results/<test name>/`` (git-ignored), for its screenshots. When a test
fails, every page still open is saved there too, as ``failure-<n>.png``.
"""

import os
import re
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

# Playwright's sync API runs an asyncio event loop in the test's thread, which makes
# Django refuse ORM calls (factories, assertions on the database) from that thread.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
# The live server listens on IPv4 loopback only, and the browser goes there directly
# instead of resolving "localhost".
os.environ.setdefault("DJANGO_LIVE_TEST_SERVER_ADDRESS", "127.0.0.1")

from playwright.sync_api import Browser, BrowserContext, Page, Playwright, sync_playwright

REPO_ROOT = Path(__file__).resolve().parents[2]
RESULTS_DIR = REPO_ROOT / "test-results"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# How long Playwright waits for an element or a page before a test fails.
TIMEOUT_MS = 10_000


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """Remember each phase's report on the test item, for the failure screenshots."""
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    if not CHROMIUM.exists():
        message = f"browser tests need Debian's Chromium at {CHROMIUM} (apt install chromium)"
        if os.environ.get("CI"):
            pytest.fail(message)  # CI installs it: a missing browser there is a failure
        pytest.skip(message)
    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    browser = playwright.chromium.launch(
        executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
    )
    yield browser
    browser.close()


@pytest.fixture
def output_path(request: pytest.FixtureRequest) -> Path:
    """This test's folder for screenshots, ``test-results/<test name>/`` at the repo root,
    emptied of an earlier run's files."""
    folder = RESULTS_DIR / re.sub(r"[^\w.-]+", "-", request.node.name).strip("-")
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    return folder


@pytest.fixture
def new_context(
    request: pytest.FixtureRequest, browser: Browser, live_server, output_path: Path
) -> Iterator[Callable[..., BrowserContext]]:
    """Make a fresh browser context (its own cookies: one person) on the live server;
    ``options`` go to Playwright's ``new_context`` (another viewport, ``reduced_motion``)."""
    contexts: list[BrowserContext] = []

    def make(**options) -> BrowserContext:
        options = {"viewport": {"width": 1280, "height": 900}, **options}
        context = browser.new_context(base_url=live_server.url, **options)
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        return context

    yield make

    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        pages = [page for context in contexts for page in context.pages]
        for number, page in enumerate(pages, start=1):
            page.screenshot(path=output_path / f"failure-{number}.png", full_page=True)
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_context: Callable[..., BrowserContext]) -> Page:
    """A page in its own browser context, for a test that needs only one person."""
    return new_context().new_page()
