"""The forum as people use it, in a real browser.

A new reader signs up from a story, comments, and waits for a moderator; the moderator
approves the comment from the admin queue; the reader then replies to it, with the
reply form that JavaScript moves under the comment. And the imported Havana Times
story shows its seven comments under a closed thread.

Each step asserts what the person sees on the page.
"""

import re
from datetime import timedelta

from django.core.management import call_command
from django.db.models import F
from playwright.sync_api import Page, expect

from forum.models import Comment
from tests.browser.steps import ARTICLE_TITLE, ARTICLE_URL, BROWSER_TEST, log_in_to_admin

pytestmark = BROWSER_TEST

SEED_URL = "/articles/cuba-usa-begin-talks-on-jan-21-to-normalize-relations/"
SEED_TITLE = "Cuba-USA Begin Talks on Jan. 21 to Normalize Relations"
AWAITING = "Your comment is awaiting moderation."

FIRST_COMMENT = "Glad the ferries are running again; the harbour was empty for a week."
REPLY = "Replying to myself: the morning ferry was on time today."


# --- What people do ------------------------------------------------------------------


def sign_up(page: Page, *, username: str, display_name: str) -> None:
    """From the article page, follow "Sign up" and create an account."""
    page.get_by_role("link", name="Sign up", exact=True).click()
    expect(page.get_by_role("heading", name="Sign up")).to_be_visible()
    page.fill("input[name=username]", username)
    page.fill("input[name=display_name]", display_name)
    page.fill("input[name=email]", f"{username}@example.org")
    page.fill("input[name=password1]", "Ferry-timetable-2026")
    page.fill("input[name=password2]", "Ferry-timetable-2026")
    page.get_by_role("button", name="Sign up").click()


def post_comment(page: Page, body: str) -> None:
    page.locator("#commentform textarea[name=body]").fill(body)
    page.get_by_role("button", name="Post comment").click()


def comment_id(page: Page, body: str) -> str:
    """The element id, ``comment-<pk>``, of the one comment that says ``body``."""
    content = page.locator(".comment-content").filter(has_text=body)
    expect(content).to_have_count(1)
    return content.locator("xpath=ancestor::li[contains(@class, 'comment')][1]").get_attribute("id")


# --- The stories ---------------------------------------------------------------------


def test_first_comment_is_held_approved_then_answered_in_a_nested_reply(
    new_context, live_server, output_path, article, moderator
):
    reader = new_context().new_page()
    visitor = new_context().new_page()
    mod = new_context().new_page()

    # 1. A reader signs up from the story and lands back on it, signed in.
    reader.goto(ARTICLE_URL)
    expect(reader.locator("p.must-log-in")).to_contain_text("to join the discussion")
    sign_up(reader, username="harbourfan", display_name="Hana Harbour")
    expect(reader).to_have_url(live_server.url + ARTICLE_URL)
    expect(reader.get_by_role("status")).to_have_text(
        "Welcome, Hana Harbour! You are signed in. To confirm your address, open the link we "
        "sent to harbourfan@example.org."
    )
    expect(reader.locator("header.site-header")).to_contain_text("Signed in as Hana Harbour")
    expect(reader.locator("h2.comments-title")).to_have_count(0)

    # Their first comment is held for a moderator; they see it, marked as such.
    post_comment(reader, FIRST_COMMENT)
    expect(reader.get_by_role("status")).to_have_text(
        "Thanks! Your comment is awaiting moderation."
    )
    first_id = comment_id(reader, FIRST_COMMENT)
    first = reader.locator(f"#{first_id}")
    expect(first.locator(".comment-author")).to_have_text("Hana Harbour")
    expect(first.locator("p.comment-awaiting-moderation")).to_have_text(AWAITING)
    expect(reader.locator("h2.comments-title")).to_have_count(0)

    # An anonymous visitor, in another browser context, does not see it.
    visitor.goto(ARTICLE_URL)
    expect(visitor.get_by_role("heading", name=ARTICLE_TITLE, exact=True)).to_be_visible()
    expect(visitor.locator("#comments")).not_to_contain_text(FIRST_COMMENT)
    expect(visitor.locator("li.comment")).to_have_count(0)
    expect(visitor.locator("h2.comments-title")).to_have_count(0)

    # 2. The moderator finds it in the admin queue and approves it.
    log_in_to_admin(mod, username="mod", password="correct horse battery staple")
    mod.get_by_role("link", name="1 comment awaiting moderation").click()
    row = mod.locator("#result_list tbody tr").filter(has_text="Hana Harbour")
    expect(mod.locator("#result_list tbody tr")).to_have_count(1)
    expect(row).to_contain_text(FIRST_COMMENT[:40])
    expect(row).to_contain_text(ARTICLE_TITLE)
    row.locator("input[name=_selected_action]").check()
    mod.select_option("select[name=action]", "approve")
    mod.locator("button[name=index]").click()
    expect(mod.locator("ul.messagelist")).to_contain_text("1 comment was approved.")
    expect(mod.locator("#result_list")).to_have_count(0)  # the pending queue is empty now

    # The reader reloads the story: the comment is published.
    reader.reload()
    first = reader.locator(f"#{first_id}")
    expect(first.locator(".comment-content")).to_have_text(FIRST_COMMENT)
    expect(first.locator(".comment-awaiting-moderation")).to_have_count(0)
    expect(reader.locator("h2.comments-title")).to_have_text(f"1 thought on “{ARTICLE_TITLE}”")
    # ... and so does the visitor.
    visitor.reload()
    expect(visitor.locator(f"#{first_id} .comment-content")).to_have_text(FIRST_COMMENT)

    # 3. The reader comes back an hour later (the forum refuses comments posted in quick
    # succession) and replies: "Reply" moves the form under the comment, without a reload.
    an_hour_earlier = F("created_at") - timedelta(hours=1)
    Comment.objects.filter(author__username="harbourfan").update(created_at=an_hour_earlier)
    reader.reload()
    first = reader.locator(f"#{first_id}")
    first.locator("a.comment-reply-link").click()
    expect(reader).not_to_have_url(re.compile("replyto="))
    expect(first.locator("#respond #commentform")).to_be_visible()
    expect(reader.locator("#reply-title-text")).to_have_text("Reply to Hana Harbour")
    expect(reader.locator("#commentform input[name=parent]")).to_have_value(
        first_id.removeprefix("comment-")
    )
    expect(reader.locator("#commentform textarea[name=body]")).to_be_focused()

    post_comment(reader, REPLY)
    # Published at once: the reader now has a published comment.
    expect(reader.get_by_role("status")).to_have_text("Your comment is published.")
    reply_id = comment_id(reader, REPLY)
    nested = reader.locator(f"#{first_id} > ol.children > #{reply_id}")
    expect(nested).to_be_visible()
    expect(nested.locator(".comment-author")).to_have_text("Hana Harbour")
    expect(nested.locator(".comment-awaiting-moderation")).to_have_count(0)
    expect(reader.locator("h2.comments-title")).to_have_text(f"2 thoughts on “{ARTICLE_TITLE}”")
    # The form is back at the bottom, ready for a new top-level comment.
    expect(reader.locator("#comments > #respond #commentform")).to_be_visible()

    # The visitor sees the same thread.
    visitor.reload()
    expect(visitor.locator(f"#{first_id} > ol.children > #{reply_id}")).to_contain_text(REPLY)

    reader.screenshot(path=output_path / "article.png", full_page=True)
    assert (output_path / "article.png").stat().st_size > 0


def test_imported_story_shows_its_seven_comments_under_a_closed_thread(page, output_path):
    call_command("loaddata", "seeds/havana_times.json", verbosity=0)

    page.goto(SEED_URL)

    expect(page.get_by_role("heading", name=SEED_TITLE, exact=True)).to_be_visible()
    expect(page.locator("h2.comments-title")).to_have_text(f"7 thoughts on “{SEED_TITLE}”")
    comments = page.locator("ol.comment-list > li.comment")
    expect(comments).to_have_count(7)
    # In the source's order, although they all carry the same time.
    expect(comments.first.locator(".comment-content")).to_contain_text("I have one big question")
    expect(comments.last.locator(".comment-content")).to_contain_text("20,000 Cubans per year")
    expect(comments.locator(".comment-author")).to_have_text(["Havana Times reader"] * 7)
    expect(page.locator("li.comment .comment-awaiting-moderation")).to_have_count(0)
    expect(page.locator("p.no-comments")).to_have_text("Comments are closed.")
    expect(page.locator("#commentform")).to_have_count(0)
    expect(page.locator("#respond")).to_have_count(0)
    expect(page.locator("a.comment-reply-link, a.comment-login-link")).to_have_count(0)

    page.screenshot(path=output_path / "article.png", full_page=True)
    assert (output_path / "article.png").stat().st_size > 0
