"""A long thread in a real browser: the article page shows its first three replies and
"4 more replies". With JavaScript the rest opens in place, the focus on the first new
comment, and "Reply" works on the comments that came in; without it, the link opens the
thread's own page with every reply.

Each step asserts what the person sees on the page.
"""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.browser.steps import ARTICLE_TITLE, ARTICLE_URL, BROWSER_TEST, log_in_from_article
from tests.factories import CommentFactory, UserFactory

pytestmark = BROWSER_TEST


@pytest.fixture
def long_thread(open_thread):
    """A top-level comment with five replies a minute apart, and two replies under the
    first of them. Returns (top-level comment, replies, nested replies)."""
    start = timezone.now() - timedelta(days=1)
    author = UserFactory(username="talker", display_name="Tess Talker")
    top = CommentFactory(
        thread=open_thread, author=author, body="Who else saw the ferry?", created_at=start
    )
    replies = [
        CommentFactory(
            thread=open_thread,
            parent=top,
            author=author,
            body=f"Reply number {number}.",
            created_at=start + timedelta(minutes=number),
        )
        for number in range(1, 6)
    ]
    nested = [
        CommentFactory(
            thread=open_thread,
            parent=replies[0],
            author=author,
            body=f"Answer {number} to the first reply.",
            created_at=start + timedelta(minutes=10 + number),
        )
        for number in range(1, 3)
    ]
    return top, replies, nested


def test_more_replies_open_in_place_with_the_focus_on_the_first_new_one(
    page, live_server, output_path, reader, long_thread
):
    top, replies, nested = long_thread
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    log_in_from_article(page, live_server, username="reader", display_name="Rita Reader")

    # 1. The first three replies, and what is left of the thread.
    thread = page.locator(f"#comment-{top.pk}")
    expect(thread.locator("li.comment .comment-content")).to_have_text(
        ["Reply number 1.", "Reply number 2.", "Reply number 3."]
    )
    more = thread.get_by_role("link", name="4 more replies")
    expect(more).to_be_visible()
    page.screenshot(path=output_path / "collapsed.png", full_page=True)

    # 2. "4 more replies": the rest comes in place, without leaving the page.
    more.click()
    expect(thread.locator("li.comment")).to_have_count(7)
    expect(page).to_have_url(live_server.url + ARTICLE_URL)
    answers = thread.locator(f"#comment-{replies[0].pk} > ol.children .comment-content")
    expect(answers).to_have_text([f"Answer {number} to the first reply." for number in (1, 2)])
    expect(thread.locator(f"#comment-{replies[4].pk} .comment-content")).to_have_text(
        "Reply number 5."
    )
    expect(thread.get_by_role("link", name="4 more replies")).to_have_count(0)
    # The focus is on the first comment that was not there before.
    expect(page.locator(f"#comment-{nested[0].pk}")).to_be_focused()
    page.screenshot(path=output_path / "opened.png", full_page=True)

    # 3. "Reply" on a comment that came in moves the form under it.
    page.locator(f"#comment-{replies[4].pk} > article .comment-reply-link").click()
    expect(page.locator(f"#comment-{replies[4].pk} #respond #commentform")).to_be_visible()
    expect(page.locator("#reply-title-text")).to_have_text("Reply to Tess Talker")
    expect(page.locator("#commentform input[name=parent]")).to_have_value(str(replies[4].pk))
    assert errors == []


def test_without_javascript_more_replies_opens_the_threads_own_page(
    browser, live_server, output_path, long_thread
):
    top, replies, _nested = long_thread
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(ARTICLE_URL)

        page.get_by_role("link", name="4 more replies").click()

        expect(page).to_have_url(f"{live_server.url}/c/{top.pk}/replies/")
        expect(page.get_by_role("heading", name=f"A thread on “{ARTICLE_TITLE}”")).to_be_visible()
        expect(page.locator("li.comment")).to_have_count(8)
        expect(page.locator(f"#comment-{top.pk} > ol.children > li.comment")).to_have_count(5)
        expect(page.locator(f"#comment-{replies[0].pk} > ol.children > li.comment")).to_have_count(
            2
        )
        page.screenshot(path=output_path / "thread-page.png", full_page=True)

        # Back to the story, at the comment.
        page.get_by_role("link", name=f"Back to “{ARTICLE_TITLE}”").click()
        expect(page).to_have_url(f"{live_server.url}{ARTICLE_URL}#comment-{top.pk}")
    finally:
        context.close()


def test_continue_this_thread_opens_a_replys_own_replies_in_place(
    page, live_server, output_path, long_thread
):
    top, replies, nested = long_thread
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(live_server.url + ARTICLE_URL)

    # 1. Reply 1 has answers that the page leaves out: it says so under it.
    first = page.locator(f"#comment-{replies[0].pk}")
    expect(first.locator("li.comment")).to_have_count(0)
    onward = first.get_by_role("link", name="Continue this thread")
    expect(page.get_by_role("link", name="Continue this thread")).to_have_count(1)

    # 2. It opens them under reply 1, the focus on the first, without leaving the page.
    onward.click()
    expect(first.locator("> ol.children .comment-content")).to_have_text(
        [f"Answer {number} to the first reply." for number in (1, 2)]
    )
    expect(page).to_have_url(live_server.url + ARTICLE_URL)
    expect(page.locator(f"#comment-{nested[0].pk}")).to_be_focused()
    expect(page.get_by_role("link", name="Continue this thread")).to_have_count(0)
    page.screenshot(path=output_path / "continued.png", full_page=True)

    # 3. The rest of the thread still opens from "4 more replies", each comment once.
    page.locator(f"#comment-{top.pk}").get_by_role("link", name="4 more replies").click()
    expect(page.locator(f"#comment-{top.pk} li.comment")).to_have_count(7)
    assert errors == []
