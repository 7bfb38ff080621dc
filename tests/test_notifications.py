"""Mails follow moderation: sent after commit, batched for moderators, one-click unsubscribe."""

import re

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from forum import services
from forum.models import Comment, SiteSettings, Subscription

from .factories import CommentFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def on_commit(django_capture_on_commit_callbacks):
    """Run the services' after-commit callbacks (the mails) when the block ends."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def unsubscribe_link(message) -> str:
    return re.search(r"http://127\.0\.0\.1:8000(/mail/unsubscribe/\S+/)", message.body).group(1)


def mails_to(user):
    return [m for m in mail.outbox if user.email in m.to]


def test_moderators_are_mailed_when_a_comment_is_held(on_commit, moderator, reader, open_thread):
    with on_commit():
        services.post_comment(thread=open_thread, author=reader, body="First!")

    [message] = mails_to(moderator)
    assert message.subject == "[News Forum] Comments are waiting for moderation"
    assert "1 comment awaiting moderation" in message.body
    assert "/admin/forum/comment/" in message.body


def test_moderator_mails_are_batched(on_commit, moderator, open_thread):
    with on_commit():
        services.post_comment(thread=open_thread, author=UserFactory(), body="One")
        services.post_comment(thread=open_thread, author=UserFactory(), body="Two")

    assert len(mails_to(moderator)) == 1


def test_next_moderator_mail_comes_after_the_quiet_period(on_commit, moderator, open_thread):
    with on_commit():
        services.post_comment(thread=open_thread, author=UserFactory(), body="One")
    SiteSettings.objects.update(
        moderators_notified_at=timezone.now() - timezone.timedelta(minutes=16)
    )

    with on_commit():
        services.post_comment(thread=open_thread, author=UserFactory(), body="Two")

    assert len(mails_to(moderator)) == 2
    assert "2 comments awaiting moderation" in mails_to(moderator)[1].body


def test_moderators_are_mailed_when_a_comment_is_reported(on_commit, moderator, published_comment):
    with on_commit():
        services.report_comment(published_comment, reporter=UserFactory(), reason="spam")

    [message] = mails_to(moderator)
    assert "1 comment reported by readers" in message.body


def test_no_mail_is_sent_if_the_transaction_does_not_commit(moderator, reader, open_thread):
    services.post_comment(thread=open_thread, author=reader, body="First!")

    assert mail.outbox == []


def test_parent_author_is_told_of_a_published_reply(on_commit, published_comment, open_thread):
    replier = UserFactory(display_name="Rhea Replier")
    CommentFactory(author=replier)

    with on_commit():
        services.post_comment(
            thread=open_thread, author=replier, body="I disagree.", parent=published_comment
        )

    [message] = mails_to(published_comment.author)
    assert message.subject == "[News Forum] New reply on “Harbour reopens after storm”"
    assert "Rhea Replier replied to your comment" in message.body
    assert "I disagree." in message.body
    assert "List-Unsubscribe" in message.extra_headers


def test_followers_are_told_but_not_the_replier_themselves(
    on_commit, published_comment, open_thread
):
    follower = UserFactory()
    services.follow_thread(open_thread, user=follower)
    replier = published_comment.author
    services.follow_thread(open_thread, user=replier)

    with on_commit():
        services.post_comment(thread=open_thread, author=replier, body="Update: fixed.")

    assert len(mails_to(follower)) == 1
    assert mails_to(replier) == []


def test_held_reply_is_announced_only_when_approved(
    on_commit, moderator, published_comment, open_thread
):
    newcomer = UserFactory()

    with on_commit():
        reply = services.post_comment(
            thread=open_thread, author=newcomer, body="Held reply", parent=published_comment
        )
    assert mails_to(published_comment.author) == []

    with on_commit():
        services.approve(reply, by=moderator)

    assert len(mails_to(published_comment.author)) == 1


def test_author_is_told_when_a_held_comment_is_approved(on_commit, moderator, pending_comment):
    with on_commit():
        services.approve(pending_comment, by=moderator)

    [message] = mails_to(pending_comment.author)
    assert "is published" in message.subject
    assert f"/c/{pending_comment.pk}/" in message.body


def test_author_is_told_why_a_comment_was_rejected(on_commit, moderator, pending_comment):
    with on_commit():
        services.reject(pending_comment, by=moderator, reason_code="off_topic")

    [message] = mails_to(pending_comment.author)
    assert "was not published" in message.subject
    assert "Reason: off-topic" in message.body
    pending_comment.refresh_from_db()
    assert pending_comment.status == Comment.Status.REMOVED


def test_unsubscribe_link_works_without_log_in(client, on_commit, published_comment, open_thread):
    follower = UserFactory()
    services.follow_thread(open_thread, user=follower)
    with on_commit():
        services.post_comment(thread=open_thread, author=published_comment.author, body="More")
    [message] = mails_to(follower)

    link = unsubscribe_link(message)

    confirm = client.get(link)
    assert "Stop these mails?" in confirm.content.decode()
    assert Subscription.objects.filter(user=follower).exists()  # opening the link changes nothing

    response = client.post(link)
    assert response.status_code == 200
    assert "You are unsubscribed" in response.content.decode()
    assert not Subscription.objects.filter(user=follower).exists()


def test_unsubscribe_from_reply_mails_stops_them(client, on_commit, published_comment, open_thread):
    with on_commit():
        services.post_comment(
            thread=open_thread, author=UserFactory(), body="Held reply", parent=published_comment
        )
    replier = UserFactory()
    CommentFactory(author=replier)
    with on_commit():
        services.post_comment(
            thread=open_thread, author=replier, body="Reply", parent=published_comment
        )
    [message] = mails_to(published_comment.author)

    client.post(unsubscribe_link(message))

    published_comment.author.refresh_from_db()
    assert not published_comment.author.mail_on_reply


def test_moderator_can_unsubscribe_from_queue_mails(client, on_commit, moderator, open_thread):
    with on_commit():
        services.post_comment(thread=open_thread, author=UserFactory(), body="One")
    [message] = mails_to(moderator)

    client.post(unsubscribe_link(message))

    moderator.refresh_from_db()
    assert not moderator.mail_on_queue


def test_a_forged_unsubscribe_link_is_refused(client):
    response = client.get("/mail/unsubscribe/not-a-real-token/")

    assert response.status_code == 400
    assert "This link does not work" in response.content.decode()


def test_mail_clients_can_unsubscribe_with_one_post(on_commit, moderator, open_thread):
    with on_commit():
        services.post_comment(thread=open_thread, author=UserFactory(), body="One")
    [message] = mails_to(moderator)

    response = Client(enforce_csrf_checks=True).post(
        unsubscribe_link(message), {"List-Unsubscribe": "One-Click"}
    )

    assert response.status_code == 200
    moderator.refresh_from_db()
    assert not moderator.mail_on_queue


def test_comments_held_during_the_quiet_minutes_are_mailed_by_the_cron_command(
    on_commit, moderator, open_thread
):
    with on_commit():
        services.post_comment(thread=open_thread, author=UserFactory(), body="One")
        services.post_comment(thread=open_thread, author=UserFactory(), body="Two")
    assert len(mails_to(moderator)) == 1
    SiteSettings.objects.update(
        moderators_notified_at=timezone.now() - timezone.timedelta(minutes=16)
    )
    CommentFactory(thread=open_thread, status="pending", reason="first comment")

    call_command("notify_moderators")

    assert len(mails_to(moderator)) == 2
    assert "3 comments awaiting moderation" in mails_to(moderator)[1].body


def test_the_cron_command_stays_quiet_when_nothing_is_new(on_commit, moderator, open_thread):
    with on_commit():
        services.post_comment(thread=open_thread, author=UserFactory(), body="One")
    # Twenty minutes later: the comment was in the last mail, nothing came since.
    Comment.objects.update(created_at=timezone.now() - timezone.timedelta(minutes=20))
    SiteSettings.objects.update(
        moderators_notified_at=timezone.now() - timezone.timedelta(minutes=19)
    )

    call_command("notify_moderators")

    assert len(mails_to(moderator)) == 1


def test_a_failing_mail_server_does_not_undo_or_break_a_post(
    client, settings, published_comment, open_thread, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "tests.test_notifications.BrokenMailBackend"
    replier = UserFactory()
    CommentFactory(author=replier)
    client.force_login(replier)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/threads/{open_thread.pk}/comments/",
            {"body": "Reply despite the mail server", "parent": published_comment.pk},
        )

    assert response.status_code == 302
    assert Comment.objects.filter(body="Reply despite the mail server").exists()


class BrokenMailBackend:
    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise ConnectionRefusedError("no mail server")


def test_author_is_told_when_a_held_comment_is_removed(on_commit, moderator, pending_comment):
    with on_commit():
        services.remove(pending_comment, by=moderator)

    [message] = mails_to(pending_comment.author)
    assert "was not published" in message.subject
    assert "Reason: against the house rules" in message.body


def test_marking_spam_tells_nobody(on_commit, moderator, pending_comment):
    with on_commit():
        services.mark_spam(pending_comment, by=moderator)

    assert mails_to(pending_comment.author) == []
