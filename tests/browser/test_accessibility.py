"""Every page a reader meets passes axe-core's WCAG 2.0, 2.1 and 2.2 A and AA checks,
and the discussion can be used with the keyboard alone, at 360 px and at 200% zoom.

axe-core comes with the axe-playwright-python package (pinned, axe-core 4.12.1), which
hands it to the page through Playwright's evaluate: the site's Content-Security-Policy
does not stop that, so the pages are checked as readers get them, under the policy.
"""

import re
from datetime import timedelta

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.conf import settings
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Page, expect

from forum.email_confirmation import confirmation_token
from forum.models import Comment
from tests.browser.conftest import REPO_ROOT
from tests.browser.steps import ARTICLE_URL, BROWSER_TEST, PASSWORD, log_in_from_article
from tests.factories import CommentFactory, UserFactory

pytestmark = BROWSER_TEST

WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
SEED_URL = "/articles/cuba-usa-begin-talks-on-jan-21-to-normalize-relations/"
AXE = Axe()


def violations(page: Page) -> list[str]:
    """What axe finds against WCAG A and AA on the page open now, one line per problem:
    the rule, what it asks, and the selectors of the elements that fail it."""
    page.wait_for_load_state("load")
    results = AXE.run(page, options={"runOnly": {"type": "tag", "values": WCAG_AA}})
    return [
        f"{violation['id']}: {violation['help']} -> "
        + ", ".join(" ".join(node["target"]) for node in violation["nodes"])
        for violation in results.response["violations"]
    ]


def landing(live_server, comment) -> re.Pattern:
    """Where a link to ``comment`` lands: the article page, its thread opened
    (``?expand=``) when the comment is a reply."""
    page = re.escape(f"{live_server.url}{ARTICLE_URL}")
    return re.compile(rf"{page}(\?expand=\d+)?#comment-{comment.pk}$")


def assert_accessible(page: Page) -> None:
    found = violations(page)
    assert not found, f"axe-core on {page.url}:\n" + "\n".join(found)


@pytest.fixture
def discussion(open_thread, published_comment, reader):
    """A comment with a reply, a deleted one, and one of the reader's own, edited and
    awaiting moderation: every note and link a comment can show."""
    replier = UserFactory(username="replier", display_name="Ray Replier")
    reply = CommentFactory(
        thread=open_thread,
        parent=published_comment,
        author=replier,
        body="A reply to the first word, with a link: https://example.org/harbour",
    )
    deleted = CommentFactory(thread=open_thread, author=replier, deleted_at=timezone.now())
    CommentFactory(thread=open_thread, parent=deleted, body="An answer to a deleted comment.")
    own = CommentFactory(
        thread=open_thread,
        author=reader,
        body="My own view on the harbour.",
        status=Comment.Status.PENDING,
        created_at=timezone.now() - timedelta(minutes=2),
        edited_at=timezone.now(),
    )
    return published_comment, reply, own


def log_in(page: Page, user) -> None:
    page.goto(reverse("login"))
    page.fill("input[name=username]", user.username)
    page.fill("input[name=password]", PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.locator("header.site-header")).to_contain_text("Signed in as")


# --- axe-core on each page -----------------------------------------------------------


def test_home_page_has_no_violations(page, article, closed_thread):
    page.goto("/")
    expect(page.get_by_role("heading", name="Latest stories")).to_be_visible()
    assert_accessible(page)


def test_seed_story_with_its_closed_thread_has_no_violations(page):
    call_command("loaddata", "seeds/havana_times.json", verbosity=0)
    page.goto(SEED_URL)
    expect(page.locator("p.no-comments")).to_have_text("Comments are closed.")
    assert_accessible(page)


def test_open_thread_for_a_visitor_has_no_violations(page, discussion):
    page.goto(ARTICLE_URL)
    expect(page.locator(".comment-login-link").first).to_be_visible()
    assert_accessible(page)


def test_open_thread_with_the_form_has_no_violations(page, live_server, discussion):
    log_in_from_article(page, live_server, username="reader", display_name="Rita Reader")
    expect(page.locator("#commentform")).to_be_visible()
    assert_accessible(page)


def test_reply_form_with_errors_has_no_violations(page, live_server, discussion):
    published, _, _ = discussion
    log_in_from_article(page, live_server, username="reader", display_name="Rita Reader")
    page.locator(f"#comment-{published.pk} > article .comment-reply-link").click()
    page.get_by_role("button", name="Post comment").click()
    expect(page.locator("#respond")).to_contain_text("Please write a comment before posting.")
    assert_accessible(page)


def test_comment_permalink_target_has_no_violations(page, live_server, discussion):
    _, reply, _ = discussion
    page.goto(reverse("forum:comment-permalink", args=[reply.pk]))
    expect(page).to_have_url(landing(live_server, reply))
    assert_accessible(page)


def test_sign_up_page_has_no_violations(page):
    page.goto(reverse("forum:signup"))
    expect(page.get_by_role("heading", name="Sign up")).to_be_visible()
    assert_accessible(page)


def test_sign_up_with_errors_has_no_violations(page, reader):
    page.goto(reverse("forum:signup"))
    page.fill("input[name=username]", "reader")  # taken
    page.fill("input[name=password1]", "short")
    page.fill("input[name=password2]", "other")
    page.get_by_role("button", name="Sign up").click()
    expect(page.locator(".invalid-feedback").first).to_be_visible()
    assert_accessible(page)


def test_log_in_page_has_no_violations(page):
    page.goto(reverse("login"))
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()
    assert_accessible(page)


def test_log_in_with_errors_has_no_violations(page, reader):
    page.goto(reverse("login"))
    page.fill("input[name=username]", "reader")
    page.fill("input[name=password]", "not the password")
    page.get_by_role("button", name="Log in").click()
    expect(page.locator(".alert-danger, .invalid-feedback").first).to_be_visible()
    assert_accessible(page)


@pytest.mark.parametrize("url_name", ["forum:account", "forum:account-erase", "password_change"])
def test_account_page_has_no_violations(page, reader, url_name):
    log_in(page, reader)
    page.goto(reverse(url_name))
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert_accessible(page)


def test_email_confirm_page_has_no_violations(page, reader):
    page.goto(reverse("forum:confirm-email", args=[confirmation_token(reader)]))
    expect(page.get_by_role("button", name="Confirm my address")).to_be_visible()
    assert_accessible(page)


def test_more_replies_state_has_no_violations(page, open_thread):
    """A thread longer than the budget: the page with "N more replies" and "Continue this
    thread", once the reply's own replies have opened in place, and once the rest has."""
    top = CommentFactory(thread=open_thread, body="Who else saw the ferry?")
    replies = [
        CommentFactory(thread=open_thread, parent=top, body=f"Reply number {number}.")
        for number in range(1, 6)
    ]
    CommentFactory(thread=open_thread, parent=replies[0], body="It was full.")
    page.goto(ARTICLE_URL)
    more = page.get_by_role("link", name="3 more replies")
    expect(more).to_be_visible()
    assert_accessible(page)

    page.get_by_role("link", name="Continue this thread").click()
    expect(page.get_by_text("It was full.")).to_be_visible()
    assert_accessible(page)

    more.click()

    expect(page.get_by_text("Reply number 5.")).to_be_visible()
    assert_accessible(page)


# --- The keyboard alone --------------------------------------------------------------


def is_focused(locator) -> bool:
    return locator.evaluate("element => element === document.activeElement")


def tab_to(page: Page, locator, *, key: str = "Tab", limit: int = 40) -> None:
    """Press Tab (or ``key``) until ``locator`` has the focus, as a reader would."""
    for _ in range(limit):
        if is_focused(locator):  # e.g. a field with autofocus
            return
        page.keyboard.press(key)
    raise AssertionError(f"{limit} presses of {key} never reached {locator}")


def log_in_with_the_keyboard(page: Page, user) -> None:
    page.goto(f"{reverse('login')}?next={ARTICLE_URL}")
    tab_to(page, page.locator("input[name=username]"))
    page.keyboard.type(user.username)
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    expect(page.locator("header.site-header")).to_contain_text("Signed in as")


@pytest.fixture
def answered(open_thread):
    return CommentFactory(
        thread=open_thread,
        author=UserFactory(username="replier", display_name="Ray Replier"),
        body="The ferry was late again.",
    )


def test_reader_replies_with_the_keyboard_and_lands_on_their_comment(
    page, live_server, answered, trusted_reader
):
    log_in_with_the_keyboard(page, trusted_reader)
    reply_link = page.locator(f"#comment-{answered.pk} > article .comment-reply-link")
    tab_to(page, reply_link)
    page.keyboard.press("Enter")
    expect(page.locator("#reply-title-text")).to_have_text("Reply to Ray Replier")
    expect(page.locator("#commentform textarea[name=body]")).to_be_focused()
    page.keyboard.type("It was on time this morning.")
    tab_to(page, page.get_by_role("button", name="Post comment"))
    page.keyboard.press("Enter")

    expect(page).to_have_url(re.compile(r"#comment-\d+$"))
    reply = Comment.objects.get(parent=answered)
    expect(page).to_have_url(landing(live_server, reply))
    new_comment = page.locator(f"#comment-{reply.pk} > article")
    expect(new_comment).to_be_focused()
    expect(new_comment).to_contain_text("It was on time this morning.")
    expect(new_comment).to_have_accessible_name("Reply to Ray Replier, by Tom Trusted")
    # Inside the list of the comment it answers.
    expect(page.locator(f"#comment-{answered.pk} > ol > #comment-{reply.pk}")).to_have_count(1)


def test_reply_with_errors_focuses_the_summary_which_leads_to_the_field(
    page, live_server, answered, trusted_reader
):
    log_in_with_the_keyboard(page, trusted_reader)
    tab_to(page, page.locator(f"#comment-{answered.pk} > article .comment-reply-link"))
    page.keyboard.press("Enter")
    tab_to(page, page.get_by_role("button", name="Post comment"))
    page.keyboard.press("Enter")  # nothing written

    summary = page.get_by_role("alert")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Please write a comment before posting.")
    expect(page.locator("#reply-title-text")).to_have_text("Reply to Ray Replier")
    page.keyboard.press("Tab")
    expect(summary.get_by_role("link")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("#commentform textarea[name=body]")).to_be_focused()
    page.keyboard.type("Now with words.")
    tab_to(page, page.get_by_role("button", name="Post comment"))
    page.keyboard.press("Enter")

    expect(page).to_have_url(re.compile(r"#comment-\d+$"))
    reply = Comment.objects.get(parent=answered)
    expect(page.locator(f"#comment-{reply.pk} > article")).to_be_focused()


def test_permalink_lands_with_the_focus_on_the_comment(page, live_server, discussion):
    _, reply, _ = discussion
    page.goto(reverse("forum:comment-permalink", args=[reply.pk]))
    expect(page).to_have_url(landing(live_server, reply))
    expect(page.locator(f"#comment-{reply.pk} > article")).to_be_focused()


def test_skip_link_is_the_first_stop_and_shows_when_focused(page, published_comment):
    page.goto(ARTICLE_URL)
    skip = page.get_by_role("link", name="Skip to comments")
    expect(skip).not_to_be_in_viewport()  # out of sight until it has the focus

    page.keyboard.press("Tab")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    assert skip.bounding_box()["width"] > 50

    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    focused_in_comments = page.evaluate(
        "() => document.getElementById('comments').contains(document.activeElement)"
    )
    assert focused_in_comments


def outline(page: Page) -> list[str]:
    """The style and width of the focused element's outline."""
    return page.evaluate(
        "() => { const style = getComputedStyle(document.activeElement);"
        " return [style.outlineStyle, style.outlineWidth]; }"
    )


def test_keyboard_focus_is_outlined_on_links_fields_and_buttons(page, reader):
    page.goto(reverse("forum:signup"))
    for target in (
        page.locator("header.site-header").get_by_role("link", name="Log in"),
        page.locator("input[name=username]"),
        page.get_by_role("button", name="Sign up"),
    ):
        tab_to(page, target)
        assert outline(page) == ["solid", "3px"], target


def moving_parts(new_context, *, reduced_motion: str) -> list[str]:
    """The elements of a story's page that scroll smoothly, change with a transition or
    are animated, for a reader whose system asks for ``reduced_motion``."""
    page = new_context(reduced_motion=reduced_motion).new_page()
    page.goto(ARTICLE_URL)
    return page.evaluate(
        """() => [...document.querySelectorAll("*")]
        .filter((element) => {
          const style = getComputedStyle(element);
          return style.scrollBehavior === "smooth"
            || style.transitionDuration.split(", ").some((time) => time !== "0s")
            || style.animationName !== "none";
        })
        .map((element) => element.tagName.toLowerCase() + "." + element.className)"""
    )


def test_reduced_motion_turns_off_smooth_scrolling_and_transitions(new_context, discussion):
    assert moving_parts(new_context, reduced_motion="no-preference")  # the check sees motion
    assert moving_parts(new_context, reduced_motion="reduce") == []


# --- Narrow screens and zoom ---------------------------------------------------------

SCREENSHOTS = REPO_ROOT / "test-results" / "screenshots"


@pytest.fixture
def deep_discussion(open_thread, trusted_reader):
    """Replies down to the depth limit, with a long address and a long word, under the
    form of a signed-in reader: what is widest on a story's page."""
    parent = None
    for depth in range(1, settings.FORUM_MAX_THREAD_DEPTH + 1):
        parent = CommentFactory(
            thread=open_thread,
            parent=parent,
            author=UserFactory(display_name=f"Reader at depth {depth}"),
            body=f"Level {depth}: https://example.org/{'a-very-long-path-' * 6} "
            "Donaudampfschifffahrtsgesellschaftskapitän.",
        )
    return parent


def scroll_width(page: Page) -> int:
    return page.evaluate("() => document.documentElement.scrollWidth")


@pytest.mark.parametrize(
    ("name", "width", "scale"),
    [("360", 360, 1), ("1280", 1280, 2), ("1280-zoom-200", 640, 2)],
    ids=["360px", "1280px", "200-percent-zoom"],
)
def test_story_and_sign_up_fit_the_width_without_scrolling_sideways(
    new_context, deep_discussion, trusted_reader, name, width, scale
):
    """360 px: a small phone. A 1280 px window zoomed to 200% lays the page out in 640
    CSS pixels, each drawn with two. Screenshots go to test-results/screenshots/."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    screen = {"viewport": {"width": width, "height": 900}, "device_scale_factor": scale}
    visitor = new_context(**screen).new_page()
    visitor.goto(reverse("forum:signup"))
    expect(visitor.get_by_role("heading", name="Sign up")).to_be_visible()
    assert scroll_width(visitor) <= width
    visitor.screenshot(path=SCREENSHOTS / f"signup-{name}.png", full_page=True)

    page = new_context(**screen).new_page()
    log_in(page, trusted_reader)
    page.goto(ARTICLE_URL + "?cpage=all")  # every reply drawn, the deepest included
    expect(page.locator("#commentform")).to_be_visible()
    expect(page.locator(f"#comment-{deep_discussion.pk}")).to_be_visible()
    assert scroll_width(page) <= width
    page.screenshot(path=SCREENSHOTS / f"article-{name}.png", full_page=True)
