"""A moderator bans a reader from the admin, and the reader's next comment is refused.

The moderator is staff in the "Moderators" group, not a superuser: they reach the
reader's page from the admin's Users list, tick "Banned" and save. The reader, signed in
in their own browser, had the article open; their comment is refused with the ban
message, their text is still in the form, and nothing is stored.

Each step asserts what the person sees on the page.
"""

from playwright.sync_api import expect

from forum.models import Comment, ModerationEvent
from tests.browser.steps import BROWSER_TEST, PASSWORD, log_in_from_article, log_in_to_admin

pytestmark = BROWSER_TEST

BANNED = "You have been banned from commenting."
NOTE = "Insulted other readers in three threads after a warning."
REFUSED_TEXT = "You cannot stop me, I will keep posting here!"


# --- What people do ------------------------------------------------------------------


# --- The story -----------------------------------------------------------------------


def test_moderator_bans_a_reader_in_the_admin_and_their_next_comment_is_refused(
    new_context, live_server, output_path, open_thread, reader, moderator
):
    assert not moderator.is_superuser
    reader_page = new_context().new_page()
    mod = new_context().new_page()

    # The reader is signed in, with the article and its comment form open.
    log_in_from_article(reader_page, live_server, username="reader", display_name="Rita Reader")
    expect(reader_page.locator("#commentform")).to_be_visible()

    # 1. The moderator goes from the admin's front page to Users, then to the reader.
    log_in_to_admin(mod, username="mod", password=PASSWORD)
    mod.locator("#content-main").get_by_role("link", name="Users", exact=True).click()
    expect(mod.get_by_role("heading", name="Select user to change")).to_be_visible()
    row = mod.locator("#result_list tbody tr").filter(has_text="Rita Reader")
    expect(row).to_have_count(1)
    expect(row.locator("td.field-banned img")).to_have_attribute("alt", "False")
    row.get_by_role("link", name="reader", exact=True).click()

    expect(mod.get_by_role("heading", name="Change user")).to_be_visible()
    expect(mod.locator("#content h2").filter(has_text="reader")).to_have_count(1)
    # A moderator may change the moderation fields only, not the account.
    expect(mod.locator("input[name=username]")).to_have_count(0)
    expect(mod.locator("input[name=is_superuser]")).to_have_count(0)
    banned = mod.get_by_label("Banned")
    expect(banned).not_to_be_checked()
    banned.check()
    mod.get_by_label("Moderator note").fill(NOTE)
    mod.screenshot(path=output_path / "admin-user-page.png", full_page=True)
    mod.get_by_role("button", name="Save", exact=True).click()

    # Back on the list, which shows the reader banned.
    expect(mod.locator("ul.messagelist")).to_contain_text("was changed successfully")
    row = mod.locator("#result_list tbody tr").filter(has_text="Rita Reader")
    expect(row.locator("td.field-banned img")).to_have_attribute("alt", "True")
    mod.screenshot(path=output_path / "admin-user-list.png", full_page=True)

    reader.refresh_from_db()
    assert reader.banned and reader.moderator_note == NOTE
    event = ModerationEvent.objects.get(user=reader)
    assert (event.action, event.actor) == ("ban", moderator)

    # 2. The reader, who still has the page open, writes a comment and posts it.
    reader_page.locator("#commentform textarea[name=body]").fill(REFUSED_TEXT)
    reader_page.get_by_role("button", name="Post comment").click()

    expect(reader_page.locator("#respond").get_by_role("alert")).to_have_text(BANNED)
    expect(reader_page.locator("#commentform textarea[name=body]")).to_have_value(REFUSED_TEXT)
    expect(reader_page.locator("li.comment")).to_have_count(0)
    expect(reader_page.locator("#comments .comment-content")).to_have_count(0)
    expect(reader_page.get_by_role("status")).to_have_count(0)  # no "published" or "held"
    reader_page.screenshot(path=output_path / "reader-refused.png", full_page=True)

    # Nothing was stored: not published, not held, not marked as spam.
    assert not Comment.objects.filter(author=reader).exists()
    assert not Comment.objects.filter(body=REFUSED_TEXT).exists()
    open_thread.refresh_from_db()
    assert (open_thread.published_count, open_thread.root_count) == (0, 0)
