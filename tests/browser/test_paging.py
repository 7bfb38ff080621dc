"""A long discussion split into pages of threads, in a real browser.

With three top-level comments a page, eight of them make three pages; the fifth has a
chain of six replies, each answering the one before. A visitor reads page 1, moves to
page 2 with the page links, and a permalink to the deepest reply (as shared in a mail or
elsewhere) opens page 2, with that thread whole, scrolled to that reply.

Each step asserts what the person sees on the page.
"""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.browser.steps import ARTICLE_TITLE, ARTICLE_URL, BROWSER_TEST
from tests.factories import CommentFactory, UserFactory

pytestmark = BROWSER_TEST

THREADS_PER_PAGE = 3
TOP_LEVEL = 8
REPLY_CHAIN = 6  # under the fifth top-level comment, each reply answering the one before


def top_level_text(number: int) -> str:
    return f"Top-level comment number {number} about the harbour."


def reply_text(level: int) -> str:
    return f"Reply at level {level} of the long conversation."


@pytest.fixture
def long_discussion(settings, open_thread):
    """Eight top-level comments a minute apart, two days ago, and a chain of six replies
    under the fifth. Returns (top-level comments, replies), each oldest first."""
    settings.FORUM_THREADS_PER_PAGE = THREADS_PER_PAGE
    start = timezone.now() - timedelta(days=2)
    authors = [UserFactory(username=f"talker{n}", display_name=f"Talker {n}") for n in range(1, 4)]
    top = [
        CommentFactory(
            thread=open_thread,
            author=authors[number % 3],
            body=top_level_text(number),
            created_at=start + timedelta(minutes=number),
        )
        for number in range(1, TOP_LEVEL + 1)
    ]
    replies = []
    parent = top[4]
    for level in range(1, REPLY_CHAIN + 1):
        parent = CommentFactory(
            thread=open_thread,
            parent=parent,
            author=authors[level % 3],
            body=reply_text(level),
            created_at=start + timedelta(hours=1, minutes=level),
        )
        replies.append(parent)
    return top, replies


def test_visitor_pages_through_threads_and_a_permalink_opens_the_right_page(
    page, live_server, output_path, long_discussion
):
    top, replies = long_discussion
    deepest = replies[-1]

    # 1. Page 1: the first three threads, the page links above and below them.
    page.goto(ARTICLE_URL)
    expect(page.get_by_role("heading", name=ARTICLE_TITLE, exact=True)).to_be_visible()
    expect(page.locator("h2.comments-title")).to_have_text(f"14 thoughts on “{ARTICLE_TITLE}”")
    roots = page.locator("ol.comment-list > li.comment")
    expect(roots).to_have_count(3)
    expect(roots.locator("> article .comment-content")).to_have_text(
        [top_level_text(n) for n in (1, 2, 3)]
    )
    expect(page.locator("#comments")).not_to_contain_text(top_level_text(4))
    nav = page.locator('nav[aria-label="Comment pages"]')
    expect(nav).to_have_count(2)
    comment_list = page.locator("ol.comment-list")
    assert nav.first.bounding_box()["y"] < comment_list.bounding_box()["y"]
    assert nav.last.bounding_box()["y"] > comment_list.bounding_box()["y"]
    for links in (nav.first, nav.last):
        expect(links.locator("[aria-current=page]")).to_have_text("1")
        expect(links.get_by_role("link", name="2", exact=True)).to_be_visible()
        expect(links.get_by_role("link", name="3", exact=True)).to_be_visible()
        expect(links.get_by_role("link", name="Newer comments »")).to_be_visible()
        expect(links.get_by_role("link", name="« Older comments")).to_have_count(0)
    page.screenshot(path=output_path / "page-1.png", full_page=True)

    # 2. Page 2, from the links below the comments: threads 4 to 6, the long one included.
    nav.last.get_by_role("link", name="2", exact=True).click()
    expect(page).to_have_url(re.compile(r"\?cpage=2#comments$"))
    roots = page.locator("ol.comment-list > li.comment")
    expect(roots).to_have_count(3)
    expect(roots.locator("> article .comment-content")).to_have_text(
        [top_level_text(n) for n in (4, 5, 6)]
    )
    for links in (nav.first, nav.last):
        expect(links.locator("[aria-current=page]")).to_have_text("2")
        expect(links.get_by_role("link", name="« Older comments")).to_be_visible()
        expect(links.get_by_role("link", name="Newer comments »")).to_be_visible()
    expect(page.locator("#comments")).not_to_contain_text(top_level_text(3))
    expect(page.locator("#comments")).not_to_contain_text(top_level_text(7))
    # The first reply is there, under the fifth comment; the five below it wait behind
    # "5 more replies".
    thread = page.locator(f"#comment-{top[4].pk}")
    expect(thread.locator("li.comment .comment-content")).to_have_text([reply_text(1)])
    expect(thread.get_by_role("link", name="5 more replies")).to_be_visible()
    page.screenshot(path=output_path / "page-2.png", full_page=True)

    # 3. Back at the top of page 1, the permalink of the deepest reply opens page 2 there,
    # with the fifth comment's thread whole.
    page.goto(ARTICLE_URL)
    expect(page.locator(f"#comment-{deepest.pk}")).to_have_count(0)
    page.goto(f"/c/{deepest.pk}/")
    expect(page).to_have_url(
        f"{live_server.url}{ARTICLE_URL}?cpage=2&expand={top[4].pk}#comment-{deepest.pk}"
    )
    assert page.evaluate("location.hash") == f"#comment-{deepest.pk}"
    expect(nav.first.locator("[aria-current=page]")).to_have_text("2")
    reply = page.locator(f"#comment-{deepest.pk}")
    expect(reply.locator("> article .comment-content")).to_have_text(reply_text(REPLY_CHAIN))
    expect(reply).to_be_in_viewport()
    # The page was scrolled to it: the article's title is out of sight above.
    expect(page.get_by_role("heading", name=ARTICLE_TITLE, exact=True)).not_to_be_in_viewport()
    assert page.evaluate("window.scrollY") > 0
    # Replies past the depth limit are shown at the limit, after the one they answer.
    expect(reply).to_have_class(re.compile(r"\bdepth-5\b"))
    page.screenshot(path=output_path / "permalink-viewport.png")
    page.screenshot(path=output_path / "permalink.png", full_page=True)
