"""Behaviour found missing in review: each test names what a person would have noticed."""

import pytest
from django.core import mail
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from forum import services
from forum.models import Comment, ModerationWord
from forum.templatetags import forum_comments

from .factories import CommentFactory, UserFactory

pytestmark = pytest.mark.django_db


def html_of(client, thread, **params):
    return client.get(thread.article.get_absolute_url(), params).content.decode()


def test_shared_list_never_holds_a_readers_pending_comment(open_thread, pending_comment, rf):
    # Even drawn for the author (as a race between two tabs could), the shared list is
    # made of published comments only.
    html = forum_comments._comment_list(
        open_thread,
        pending_comment.author,
        number=1,
        newest_first=False,
        accepting=True,
        personal=False,
    ).decode()

    assert "Hello, first time here." not in html
    assert "comment-edit-link" not in html


def test_reply_link_on_page_two_keeps_the_page_and_the_form_answers_it(
    client, settings, open_thread, reader
):
    settings.FORUM_THREADS_PER_PAGE = 1
    CommentFactory(thread=open_thread, body="First")
    second = CommentFactory(thread=open_thread, author=UserFactory(display_name="Sam"))
    client.force_login(reader)

    html = html_of(client, open_thread, cpage=2)
    assert f'href="?cpage=2&amp;replyto={second.pk}#respond"' in html

    html = html_of(client, open_thread, cpage=2, replyto=second.pk)
    assert "Reply to Sam" in html
    assert f'name="parent" value="{second.pk}"' in html


def test_a_failed_reply_still_says_whom_it_answers(client, open_thread, trusted_reader):
    parent = CommentFactory(thread=open_thread, author=UserFactory(display_name="Sam"))
    client.force_login(trusted_reader)

    response = client.post(
        reverse("forum:post-comment", args=[open_thread.pk]), {"body": "", "parent": parent.pk}
    )

    assert response.status_code == 400
    assert "Reply to Sam" in response.content.decode()


def test_log_in_to_reply_comes_back_to_the_comment(client, open_thread):
    comment = CommentFactory(thread=open_thread)

    html = html_of(client, open_thread)

    assert f'href="/accounts/login/?next=/c/{comment.pk}/">Log in to reply</a>' in html


def test_junk_page_numbers_share_one_cached_copy(client, open_thread):
    CommentFactory(thread=open_thread)
    cache.clear()

    for raw in ("1", "2", "999", "abc", "-5"):
        html_of(client, open_thread, cpage=raw)

    keys = [key for key in cache._cache if "forum:section" in key]
    assert len(keys) == 1


def test_held_comment_its_author_deletes_leaves_the_queue(pending_comment):
    services.delete_own_comment(pending_comment, by=pending_comment.author)

    pending_comment.refresh_from_db()
    assert pending_comment.status == Comment.Status.REMOVED
    assert pending_comment.reason == "deleted by its author"
    assert not Comment.objects.awaiting_moderation().exists()


def test_a_deleted_comment_cannot_be_restored(pending_comment, moderator):
    services.delete_own_comment(pending_comment, by=pending_comment.author)

    with pytest.raises(services.InvalidTransition):
        services.restore(pending_comment, by=moderator)


def test_keeping_a_comment_that_reports_hid_sends_no_mail(
    moderator, published_comment, django_capture_on_commit_callbacks
):
    services.follow_thread(published_comment.thread, user=UserFactory())
    for _ in range(3):
        services.report_comment(published_comment, reporter=UserFactory(), reason="spam")
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        services.approve(published_comment, by=moderator)

    assert mail.outbox == []
    published_comment.refresh_from_db()
    assert published_comment.status == Comment.Status.PUBLISHED


def test_editing_a_comment_into_spam_lands_on_the_article_not_a_404(client, published_comment):
    ModerationWord.objects.create(phrase="casino", kind="disallow")
    published_comment.created_at = timezone.now()
    published_comment.save()
    client.force_login(published_comment.author)

    response = client.post(
        reverse("forum:edit-comment", args=[published_comment.pk]), {"body": "casino"}, follow=True
    )

    assert response.status_code == 200
    assert "waits for a moderator" in response.content.decode()


def test_renaming_an_article_shows_at_once_in_the_heading(client, open_thread):
    CommentFactory(thread=open_thread)
    html_of(client, open_thread)
    article = open_thread.article

    article.title = "Harbour reopens after the storm"
    article.save()

    assert "1 thought on “Harbour reopens after the storm”" in html_of(client, open_thread)


def test_an_empty_edit_says_what_is_wrong(client, published_comment):
    published_comment.created_at = timezone.now()
    published_comment.save()
    client.force_login(published_comment.author)

    response = client.post(reverse("forum:edit-comment", args=[published_comment.pk]), {})

    assert response.status_code == 400
    assert "Please write a comment before posting." in response.content.decode()


def test_a_moderator_cannot_ban_staff_or_superusers(client, moderator):
    boss = UserFactory(username="boss", is_staff=True, is_superuser=True)
    colleague = UserFactory(username="colleague", is_staff=True)
    client.force_login(moderator)

    response = client.post(
        reverse("admin:forum_user_changelist"),
        {"action": "ban", "_selected_action": [boss.pk, colleague.pk, moderator.pk]},
        follow=True,
    )

    assert "3 users were left as they were" in response.content.decode()
    for user in (boss, colleague, moderator):
        user.refresh_from_db()
        assert not user.banned


def test_junk_article_filter_in_the_queue_is_ignored(client, moderator):
    client.force_login(moderator)

    response = client.get(reverse("admin:forum_comment_changelist"), {"article": "²"})

    assert response.status_code == 200


def test_closing_from_the_thread_page_logs_the_status_it_had(client, moderator, open_thread):
    client.force_login(moderator)

    client.post(
        reverse("admin:forum_thread_change", args=[open_thread.pk]),
        {"status": "closed", "closing_message": ""},
    )

    event = open_thread.events.get(action="close thread")
    assert (event.from_status, event.to_status) == ("open", "closed")


def test_a_readers_account_can_be_deleted_after_they_reported(published_comment):
    reporter = UserFactory()
    services.report_comment(published_comment, reporter=reporter, reason="spam")

    reporter.delete()

    event = published_comment.events.get(action="report")
    assert event.actor is None
    assert event.actor_name == reporter.username


def test_view_on_site_in_the_admin_opens_the_comments_page(client, settings, open_thread):
    settings.FORUM_THREADS_PER_PAGE = 1
    CommentFactory(thread=open_thread)
    later = CommentFactory(thread=open_thread)

    response = client.get(later.get_absolute_url())

    assert response.url == f"/articles/harbour-reopens/?cpage=2#comment-{later.pk}"
