"""Reading comfort in a real browser: comment times read "3 hours ago" in the reader's
language, with the exact time on hover, and comments opened later read the same way."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.browser.steps import ARTICLE_URL, BROWSER_TEST
from tests.factories import CommentFactory, UserFactory

pytestmark = BROWSER_TEST


@pytest.mark.parametrize(
    ("locale", "ago", "exact_time"),
    [("en-GB", "3 hours ago", " at "), ("es-ES", "hace 3 horas", " a las ")],
)
def test_a_comment_from_three_hours_ago_says_so_in_the_readers_language(
    new_context, output_path, open_thread, locale, ago, exact_time
):
    written = timezone.now() - timedelta(hours=3, minutes=5)
    comment = CommentFactory(
        thread=open_thread,
        author=UserFactory(display_name="Tess Talker"),
        body="Who else saw the ferry?",
        created_at=written,
    )
    page = new_context(locale=locale).new_page()
    page.goto(ARTICLE_URL)

    time = page.locator(f"#comment-{comment.pk} .comment-meta time")
    expect(time).to_have_text(ago)
    # The exact time stays: on hover, and for machines in the datetime attribute.
    assert exact_time in time.get_attribute("title")
    assert time.get_attribute("datetime").startswith(written.isoformat()[:16])
    page.screenshot(path=output_path / f"relative-time-{locale}.png", full_page=True)


def test_replies_opened_in_place_get_relative_times_too(page, open_thread):
    start = timezone.now() - timedelta(days=2, hours=1)
    top = CommentFactory(thread=open_thread, body="Who else saw the ferry?", created_at=start)
    replies = [
        CommentFactory(
            thread=open_thread,
            parent=top,
            body=f"Reply number {number}.",
            created_at=start + timedelta(minutes=number),
        )
        for number in range(1, 6)
    ]
    page.goto(ARTICLE_URL)
    page.get_by_role("link", name="2 more replies").click()

    last = page.locator(f"#comment-{replies[-1].pk} .comment-meta time")
    expect(last).to_have_text("2 days ago")
    assert " at " in last.get_attribute("title")
