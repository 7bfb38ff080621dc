"""What people do in the browser tests, and the story they do it on, shared by the tests."""

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

# Each browser test's marks. Transactional, so that the live server's thread sees the
# test's data. The flush after each test empties the database; the serialized rollback
# reloads what the migrations put there (the "Moderators" group) before each test.
BROWSER_TEST = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

# The open story of the ``article`` fixture (tests/conftest.py), and every user's password.
ARTICLE_URL = "/articles/harbour-reopens/"
ARTICLE_TITLE = "Harbour reopens after storm"
PASSWORD = "correct horse battery staple"


def log_in_from_article(page: Page, live_server, *, username: str, display_name: str) -> None:
    """Open the article, follow "Log in" in the header and come back signed in."""
    page.goto(ARTICLE_URL)
    page.locator("header.site-header").get_by_role("link", name="Log in", exact=True).click()
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(live_server.url + ARTICLE_URL)
    expect(page.locator("header.site-header")).to_contain_text(f"Signed in as {display_name}")


def log_in_to_admin(page: Page, *, username: str, password: str) -> None:
    page.goto(reverse("admin:index"))
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Moderation and content")).to_be_visible()
