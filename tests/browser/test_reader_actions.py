"""What a signed-in reader does with comments already on the page, in a real browser.

A reader reports someone else's comment; an author edits a comment within the edit
window; an author deletes a comment that has a reply (it stays as "[comment deleted]",
the reply under it) and one that has none (it goes).

Each step asserts what the person sees on the page.
"""

import re
from datetime import timedelta

from django.utils import timezone
from playwright.sync_api import expect

from forum.models import Comment, CommentRevision, Report
from tests.browser.steps import ARTICLE_TITLE, ARTICLE_URL, BROWSER_TEST, log_in_from_article
from tests.factories import CommentFactory, UserFactory

pytestmark = BROWSER_TEST


# --- What people do ------------------------------------------------------------------


def recent(minutes: int):
    """A time ``minutes`` ago: inside the edit window, past the flood interval."""
    return timezone.now() - timedelta(minutes=minutes)


# --- The stories ---------------------------------------------------------------------


def test_reader_reports_another_readers_comment(
    page, live_server, output_path, reader, published_comment
):
    log_in_from_article(page, live_server, username="reader", display_name="Rita Reader")
    comment = page.locator(f"#comment-{published_comment.pk}")
    expect(comment.locator(".comment-author")).to_have_text("Tom Trusted")
    expect(comment.locator(".comment-content")).to_have_text("The first word.")
    # Not their own comment: they may report it, not edit or delete it.
    expect(comment.locator(".comment-edit-link, .comment-delete-link")).to_have_count(0)

    comment.locator(".comment-report-link").click()
    expect(page.get_by_role("heading", name="Report a comment")).to_be_visible()
    expect(page.locator("blockquote.comment-quote")).to_contain_text("The first word.")
    expect(page.locator("blockquote.comment-quote")).to_contain_text("Tom Trusted")
    page.get_by_label("Abusive or a personal attack").check()
    page.get_by_label("Anything to add?").fill("Calls another reader names.")
    page.screenshot(path=output_path / "report-form.png", full_page=True)
    page.get_by_role("button", name="Send report").click()

    # Back on the article, at the comment, with a thank-you.
    expect(page).to_have_url(f"{live_server.url}{ARTICLE_URL}#comment-{published_comment.pk}")
    expect(page.get_by_role("status")).to_have_text(
        "Thank you. A moderator will look at this comment."
    )
    comment = page.locator(f"#comment-{published_comment.pk}")
    expect(comment.locator(".comment-actions")).to_contain_text("Reported")
    expect(comment.locator(".comment-report-link")).to_have_count(0)
    # One report is not enough to hide it.
    expect(comment.locator(".comment-content")).to_have_text("The first word.")
    page.screenshot(path=output_path / "article-after-report.png", full_page=True)

    report = Report.objects.get()
    assert (report.comment_id, report.reporter.username) == (published_comment.pk, "reader")
    assert (report.reason, report.details) == (
        Report.Reason.ABUSE,
        "Calls another reader names.",
    )

    # Still "Reported" when they come back later.
    page.reload()
    expect(page.locator(f"#comment-{published_comment.pk} .comment-actions")).to_contain_text(
        "Reported"
    )


def test_author_edits_their_comment_within_the_edit_window(
    page, live_server, output_path, open_thread, trusted_reader
):
    before = "The ferry leaves at nine from pier two."
    after = "Correction: the ferry leaves at half past nine, from pier three."
    mine = CommentFactory(
        thread=open_thread, author=trusted_reader, body=before, created_at=recent(2)
    )

    log_in_from_article(page, live_server, username="trusted", display_name="Tom Trusted")
    comment = page.locator(f"#comment-{mine.pk}")
    expect(comment.locator(".comment-content")).to_have_text(before)
    expect(comment.locator(".comment-edited")).to_have_count(0)
    expect(comment.locator(".comment-report-link")).to_have_count(0)  # not their own to report

    comment.locator(".comment-edit-link").click()
    expect(page.get_by_role("heading", name="Edit your comment")).to_be_visible()
    body = page.locator("#editform textarea[name=body]")
    expect(body).to_have_value(before)
    body.fill(after)
    page.screenshot(path=output_path / "edit-form.png", full_page=True)
    page.get_by_role("button", name="Save changes").click()

    expect(page).to_have_url(f"{live_server.url}{ARTICLE_URL}#comment-{mine.pk}")
    expect(page.get_by_role("status")).to_have_text("Your comment is updated.")
    comment = page.locator(f"#comment-{mine.pk}")
    expect(comment.locator(".comment-content")).to_have_text(after)
    expect(comment.locator(".comment-edited")).to_have_text("edited")
    expect(comment.locator(".comment-awaiting-moderation")).to_have_count(0)
    expect(page.locator("#comments")).not_to_contain_text(before)
    page.screenshot(path=output_path / "article-after-edit.png", full_page=True)

    mine.refresh_from_db()
    assert (mine.body, mine.status) == (after, Comment.Status.PUBLISHED)
    assert mine.edited_at is not None
    assert list(CommentRevision.objects.filter(comment=mine).values_list("body", flat=True)) == [
        before
    ]


def test_author_deletes_a_comment_with_a_reply_and_one_without(
    new_context, live_server, output_path, open_thread, trusted_reader
):
    answered_body = "Does anyone know when the night ferry comes back?"
    reply_body = "Next Monday, according to the port office."
    lonely_body = "Also: the café on the quay is open again."
    answered = CommentFactory(
        thread=open_thread, author=trusted_reader, body=answered_body, created_at=recent(30)
    )
    other = UserFactory(username="answerer", display_name="Ann Answerer")
    reply = CommentFactory(
        thread=open_thread, parent=answered, author=other, body=reply_body, created_at=recent(20)
    )
    lonely = CommentFactory(
        thread=open_thread, author=trusted_reader, body=lonely_body, created_at=recent(10)
    )

    page = new_context().new_page()
    log_in_from_article(page, live_server, username="trusted", display_name="Tom Trusted")
    expect(page.locator("h2.comments-title")).to_have_text(f"3 thoughts on “{ARTICLE_TITLE}”")
    expect(
        page.locator(f"#comment-{answered.pk} > ol.children > #comment-{reply.pk}")
    ).to_be_visible()
    # Their own comments offer "Delete"; the reply, someone else's, does not.
    expect(page.locator(f"#comment-{reply.pk} .comment-delete-link")).to_have_count(0)

    # 1. The comment with a reply: it stays as "[comment deleted]", the reply under it.
    page.locator(f"#comment-{answered.pk} > article .comment-delete-link").click()
    expect(page.get_by_role("heading", name="Delete your comment?")).to_be_visible()
    expect(page.locator("blockquote.comment-quote")).to_contain_text(answered_body)
    page.screenshot(path=output_path / "delete-confirmation.png", full_page=True)
    page.get_by_role("button", name="Delete comment").click()

    expect(page).to_have_url(f"{live_server.url}{ARTICLE_URL}#comments")
    expect(page.get_by_role("status")).to_have_text("Your comment is deleted.")
    deleted = page.locator(f"#comment-{answered.pk}")
    expect(deleted).to_have_class(re.compile(r"\bcomment-deleted\b"))
    expect(deleted.locator("> article .comment-deleted-note")).to_have_text("[comment deleted]")
    expect(deleted.locator("> article")).not_to_contain_text(answered_body)
    expect(deleted.locator("> article .comment-author")).to_have_count(0)
    expect(deleted.locator("> article .comment-actions")).to_have_count(0)
    nested = page.locator(f"#comment-{answered.pk} > ol.children > #comment-{reply.pk}")
    expect(nested).to_be_visible()
    expect(nested.locator(".comment-author")).to_have_text("Ann Answerer")
    expect(nested.locator(".comment-content")).to_have_text(reply_body)
    expect(page.locator("#comments")).not_to_contain_text(answered_body)
    expect(page.locator("h2.comments-title")).to_have_text(f"2 thoughts on “{ARTICLE_TITLE}”")
    page.screenshot(path=output_path / "article-after-first-delete.png", full_page=True)

    # 2. The comment without replies: it goes.
    page.locator(f"#comment-{lonely.pk} .comment-delete-link").click()
    expect(page.get_by_role("heading", name="Delete your comment?")).to_be_visible()
    expect(page.locator("blockquote.comment-quote")).to_contain_text(lonely_body)
    page.get_by_role("button", name="Delete comment").click()

    expect(page.get_by_role("status")).to_have_text("Your comment is deleted.")
    expect(page.locator(f"#comment-{lonely.pk}")).to_have_count(0)
    expect(page.locator("#comments")).not_to_contain_text(lonely_body)
    expect(page.locator("ol.comment-list > li.comment")).to_have_count(1)
    expect(page.locator(".comment-deleted-note")).to_have_count(1)
    expect(
        page.locator(f"#comment-{answered.pk} > ol.children > #comment-{reply.pk}")
    ).to_be_visible()
    expect(page.locator("h2.comments-title")).to_have_text(f"1 thought on “{ARTICLE_TITLE}”")
    page.screenshot(path=output_path / "article.png", full_page=True)

    # Deleted by their author, not removed: moderators still see what they said.
    answered.refresh_from_db()
    lonely.refresh_from_db()
    assert answered.deleted_at is not None and answered.body == answered_body
    assert lonely.deleted_at is not None and lonely.body == lonely_body

    # An anonymous visitor sees the same.
    visitor = new_context().new_page()
    visitor.goto(ARTICLE_URL)
    expect(visitor.locator(f"#comment-{answered.pk} .comment-deleted-note")).to_have_text(
        "[comment deleted]"
    )
    expect(
        visitor.locator(f"#comment-{answered.pk} > ol.children > #comment-{reply.pk}")
    ).to_contain_text(reply_body)
    expect(visitor.locator(f"#comment-{lonely.pk}")).to_have_count(0)
