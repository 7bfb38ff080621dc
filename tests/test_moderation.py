"""The posting rules and the moderation services, without HTTP."""

import pytest
from django.db import IntegrityError
from django.utils import timezone

from forum import moderation, services
from forum.models import Comment, ModerationWord

from .factories import ArticleFactory, CommentFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_first_comment_is_held_with_reason_first_comment(open_thread, reader):
    comment = services.post_comment(thread=open_thread, author=reader, body="Hello")

    assert comment.status == Comment.Status.PENDING
    assert comment.reason == "first comment"


def test_reader_with_a_published_comment_is_published_at_once(open_thread, trusted_reader):
    comment = services.post_comment(thread=open_thread, author=trusted_reader, body="Again")

    assert comment.status == Comment.Status.PUBLISHED
    assert comment.reason == ""


def test_pending_comment_does_not_make_a_reader_trusted(open_thread, reader):
    CommentFactory(thread=open_thread, author=reader, status="pending", reason="first comment")

    second = services.post_comment(thread=open_thread, author=reader, body="Two")

    assert second.status == Comment.Status.PENDING


def test_moderator_comment_is_published_at_once(open_thread, moderator):
    comment = services.post_comment(thread=open_thread, author=moderator, body="Welcome all")

    assert comment.status == Comment.Status.PUBLISHED


def test_superuser_comment_is_published_at_once(open_thread):
    admin = UserFactory(username="root", is_superuser=True, is_staff=True)

    comment = services.post_comment(thread=open_thread, author=admin, body="Hi")

    assert comment.status == Comment.Status.PUBLISHED


def test_comment_on_closed_thread_is_refused_and_nothing_stored(closed_thread, trusted_reader):
    with pytest.raises(moderation.CommentRefused, match=r"Comments are closed\.") as refusal:
        services.post_comment(thread=closed_thread, author=trusted_reader, body="Late")

    assert refusal.value.status_code == 403
    assert not Comment.objects.filter(thread=closed_thread).exists()


def test_moderator_is_refused_on_closed_thread_too(closed_thread, moderator):
    with pytest.raises(moderation.CommentRefused):
        services.post_comment(thread=closed_thread, author=moderator, body="Late")


def test_reply_to_comment_of_another_thread_is_refused(open_thread, trusted_reader):
    elsewhere = CommentFactory(thread=ArticleFactory().thread)

    with pytest.raises(moderation.CommentRefused):
        services.post_comment(
            thread=open_thread, author=trusted_reader, body="Reply", parent=elsewhere
        )

    assert not Comment.objects.filter(thread=open_thread).exists()


def test_reply_to_unpublished_comment_is_refused(open_thread, trusted_reader, pending_comment):
    with pytest.raises(moderation.CommentRefused):
        services.post_comment(
            thread=open_thread, author=trusted_reader, body="Reply", parent=pending_comment
        )


def test_reply_is_stored_under_its_parent(open_thread, trusted_reader, published_comment):
    reply = services.post_comment(
        thread=open_thread, author=trusted_reader, body="Reply", parent=published_comment
    )

    assert reply.parent == published_comment


def test_ip_address_is_stored(open_thread, reader):
    comment = services.post_comment(
        thread=open_thread, author=reader, body="Hi", ip_address="127.0.0.1"
    )

    assert Comment.objects.get(pk=comment.pk).ip_address == "127.0.0.1"


def test_approve_publishes_clears_reason_and_records_moderator(pending_comment, moderator):
    services.approve(pending_comment, by=moderator)

    pending_comment.refresh_from_db()
    assert pending_comment.status == Comment.Status.PUBLISHED
    assert pending_comment.reason == ""
    assert pending_comment.moderated_by == moderator
    assert pending_comment.moderated_at is not None


def test_approve_only_applies_to_pending_comments(published_comment, moderator):
    with pytest.raises(services.InvalidTransition):
        services.approve(published_comment, by=moderator)


@pytest.mark.parametrize(
    ("action", "status", "reason"),
    [
        (services.mark_spam, Comment.Status.SPAM, "marked as spam by a moderator"),
        (services.remove, Comment.Status.REMOVED, "removed by a moderator"),
    ],
)
def test_rejecting_records_status_and_reason(published_comment, moderator, action, status, reason):
    action(published_comment, by=moderator)

    published_comment.refresh_from_db()
    assert published_comment.status == status
    assert published_comment.reason == reason


def test_restore_publishes_a_removed_comment_again(published_comment, moderator):
    services.remove(published_comment, by=moderator)

    services.restore(published_comment, by=moderator)

    published_comment.refresh_from_db()
    assert published_comment.status == Comment.Status.PUBLISHED
    assert published_comment.reason == ""


def test_restore_puts_a_removed_held_comment_back_in_the_queue_not_on_the_page(
    client, pending_comment, moderator
):
    services.remove(pending_comment, by=moderator)

    services.restore(pending_comment, by=moderator)

    pending_comment.refresh_from_db()
    assert pending_comment.status == Comment.Status.PENDING
    assert pending_comment.first_published_at is None
    assert list(Comment.objects.awaiting_moderation()) == [pending_comment]
    page = client.get(pending_comment.thread.article.get_absolute_url()).content.decode()
    assert "Hello, first time here." not in page


def test_restore_puts_a_comment_marked_spam_while_held_back_in_the_queue(
    pending_comment, moderator
):
    services.mark_spam(pending_comment, by=moderator)

    services.restore(pending_comment, by=moderator)

    pending_comment.refresh_from_db()
    assert pending_comment.status == Comment.Status.PENDING


def test_restore_after_spam_then_remove_goes_back_to_spam_then_to_the_queue(
    published_comment, moderator
):
    # As WordPress: restoring from the trash gives back the status before the trash
    # (spam), and "not spam" then knows of nothing earlier, so the comment waits.
    services.mark_spam(published_comment, by=moderator)
    services.remove(published_comment, by=moderator)

    services.restore(published_comment, by=moderator)
    published_comment.refresh_from_db()
    assert published_comment.status == Comment.Status.SPAM

    services.restore(published_comment, by=moderator)
    published_comment.refresh_from_db()
    assert published_comment.status == Comment.Status.PENDING


def test_restore_of_a_comment_the_rules_marked_spam_sends_it_to_the_queue(
    open_thread, trusted_reader, moderator
):
    ModerationWord.objects.create(phrase="casino", kind=ModerationWord.Kind.DISALLOW)
    comment = services.post_comment(thread=open_thread, author=trusted_reader, body="Casino!")
    assert comment.status == Comment.Status.SPAM

    services.restore(comment, by=moderator)

    comment.refresh_from_db()
    assert comment.status == Comment.Status.PENDING
    assert comment.reason == "restored by a moderator; waits for approval"
    event = comment.events.get(action="restore")
    assert (event.from_status, event.to_status) == ("spam", "pending")


def test_restore_does_not_apply_to_pending_comments(pending_comment, moderator):
    with pytest.raises(services.InvalidTransition):
        services.restore(pending_comment, by=moderator)


def test_database_refuses_a_published_comment_with_a_reason(open_thread):
    with pytest.raises(IntegrityError):
        CommentFactory(thread=open_thread, status=Comment.Status.PUBLISHED, reason="first comment")


def test_close_thread_records_who_when_and_message(open_thread, moderator):
    before = timezone.now()

    services.close_thread(open_thread, by=moderator, message="Thanks for the discussion.")

    open_thread.refresh_from_db()
    assert not open_thread.is_open
    assert open_thread.status_changed_by == moderator
    assert open_thread.status_changed_at >= before
    assert open_thread.closing_message == "Thanks for the discussion."


def test_reopen_thread_records_who_and_clears_message(closed_thread, moderator):
    services.reopen_thread(closed_thread, by=moderator)

    closed_thread.refresh_from_db()
    assert closed_thread.is_open
    assert closed_thread.status_changed_by == moderator
    assert closed_thread.closing_message == ""
