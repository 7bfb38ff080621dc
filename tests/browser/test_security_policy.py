"""The pages work under the Content-Security-Policy, in a real browser.

The policy allows scripts and styles from our own static files only. Chromium reports
everything it refuses as a ``securitypolicyviolation`` event; the tests collect those
from the first moment of each page and expect none, while a reader answers a comment
(our script moves the form) and a moderator goes through the admin (Django's scripts: the
actions bar, the autocomplete, the calendar).
"""

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from forum.models import Report
from tests.browser.steps import (
    ARTICLE_URL,
    BROWSER_TEST,
    PASSWORD,
    log_in_from_article,
    log_in_to_admin,
)
from tests.factories import CommentFactory, UserFactory

pytestmark = BROWSER_TEST

# Runs in every page before its own content: keeps what the browser refused.
WATCH_VIOLATIONS = """
window.cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.cspViolations.push(
    `${event.effectiveDirective} refused ${event.blockedURI || "inline"}`
    + ` in ${event.sourceFile || document.location.pathname}:${event.lineNumber}`
  );
});
"""


def watched(context: BrowserContext) -> Page:
    """A page of ``context`` whose refusals by the policy, and script errors, are kept."""
    context.add_init_script(WATCH_VIOLATIONS)
    page = context.new_page()
    page.script_errors = []
    page.on("pageerror", lambda error: page.script_errors.append(str(error)))
    page.on(
        "console",
        lambda message: message.type == "error" and page.script_errors.append(message.text),
    )
    return page


def refused(page: Page) -> list[str]:
    """What the policy refused on the page open now, and any script error."""
    page.wait_for_load_state("load")
    page.wait_for_timeout(200)  # violation events are dispatched as tasks of their own
    return page.evaluate("window.cspViolations") + page.script_errors


@pytest.fixture
def discussion(open_thread, published_comment, pending_comment):
    """A published comment with a reply, and a newcomer's comment waiting in the queue."""
    reply = CommentFactory(
        thread=open_thread,
        parent=published_comment,
        author=UserFactory(username="replier", display_name="Ray Replier"),
        body="A reply to the first word.",
    )
    Report.objects.create(
        comment=reply,
        reporter=UserFactory(username="reporter"),
        reason=Report.Reason.SPAM,
        details="",
    )
    return published_comment, reply, pending_comment


def test_the_watch_sees_what_the_policy_refuses(new_context, live_server, open_thread):
    """The other tests' "nothing refused" means something: a style attribute set by a
    script is refused, and seen."""
    page = watched(new_context())
    page.goto(ARTICLE_URL)
    assert refused(page) == []

    page.evaluate("document.body.setAttribute('style', 'background: red')")

    page.wait_for_function("window.cspViolations.length > 0")
    assert page.evaluate("window.cspViolations")[0].startswith("style-src-attr refused inline")
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") != "rgb(255, 0, 0)"


def test_a_reader_answers_a_comment_with_nothing_refused(
    new_context, live_server, output_path, reader, discussion
):
    comment, _reply, _pending = discussion
    page = watched(new_context())
    log_in_from_article(page, live_server, username="reader", display_name="Rita Reader")
    assert refused(page) == []

    # Our script moves the form under the comment instead of reloading the page.
    page.locator(f"#comment-{comment.pk} .comment-reply-link").first.click()
    expect(page.locator(f"#comment-{comment.pk} #respond")).to_be_visible()
    expect(page.locator("#reply-title-text")).to_have_text("Reply to Tom Trusted")
    page.screenshot(path=output_path / "reply-form-moved.png", full_page=True)
    assert refused(page) == []


def test_a_visitor_reads_the_article_with_nothing_refused(new_context, live_server, discussion):
    page = watched(new_context())
    page.goto(ARTICLE_URL)
    expect(page.locator("li.comment")).to_have_count(2)
    assert refused(page) == []


def test_a_moderator_goes_through_the_admin_with_nothing_refused(
    new_context, live_server, output_path, moderator, discussion
):
    comment, reply, pending = discussion
    page = watched(new_context())
    log_in_to_admin(page, username="mod", password=PASSWORD)
    expect(page.locator("#moderation-pending")).to_contain_text("1 comment awaiting moderation")
    assert refused(page) == []

    # The queue: Django's actions script counts the ticked rows.
    page.goto("/admin/forum/comment/?status=pending")
    expect(page.locator("#result_list tbody tr")).to_have_count(1)
    page.locator("#result_list tbody input.action-select").check()
    expect(page.locator(".action-counter")).to_contain_text("1 of 1 selected")
    page.screenshot(path=output_path / "queue.png", full_page=True)
    assert refused(page) == []

    # A reply's page: the conversation drawn with our admin styles, indented by depth.
    page.goto(f"/admin/forum/comment/{reply.pk}/change/")
    current = page.locator(f"#conversation-{reply.pk}")
    expect(current).to_contain_text("This comment")
    parent_indent = page.locator(f"#conversation-{comment.pk}").evaluate(
        "element => parseFloat(getComputedStyle(element).marginLeft)"
    )
    assert current.evaluate("e => parseFloat(getComputedStyle(e).marginLeft)") > parent_indent
    page.screenshot(path=output_path / "comment-page.png", full_page=True)
    assert refused(page) == []

    # A list without actions (the reports), and a reader's page with their comments.
    page.goto("/admin/forum/report/")
    expect(page.locator("#result_list tbody tr")).to_have_count(1)
    assert refused(page) == []
    page.goto(f"/admin/forum/user/{pending.author.pk}/change/")
    expect(page.locator("#comment-counts")).to_be_visible()
    assert refused(page) == []


def test_an_editor_writes_an_article_in_the_admin_with_nothing_refused(
    new_context, live_server, output_path, open_thread
):
    UserFactory(username="editor", is_staff=True, is_superuser=True)
    page = watched(new_context())
    log_in_to_admin(page, username="editor", password=PASSWORD)

    page.goto("/admin/articles/article/add/")
    # Django's scripts: the slug follows the title, the calendar opens, the author is
    # picked in the autocomplete.
    page.get_by_label("Title").press_sequentially("Ferry timetable changes")
    expect(page.get_by_label("Slug")).to_have_value("ferry-timetable-changes")
    page.locator(".datetimeshortcuts a", has_text="Today").first.click()
    page.locator(".field-author .select2-selection").click()
    expect(page.locator(".select2-results__option", has_text="editor")).to_be_visible()
    page.screenshot(path=output_path / "article-add.png", full_page=True)
    assert refused(page) == []
