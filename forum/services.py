"""Every write the forum makes: posting, moderating, opening and closing threads.

Views, admin actions and management commands call these functions, so that a rule
holds whichever way a change comes in.
"""

from django.db import transaction
from django.utils import timezone

from . import moderation
from .models import Comment, Thread


class InvalidTransition(Exception):
    """The comment is not in a state that this moderation action applies to."""


@transaction.atomic
def post_comment(
    *,
    thread: Thread,
    author,
    body: str,
    parent: Comment | None = None,
    ip_address: str | None = None,
) -> Comment:
    """Store a new comment or reply, published or held as the rules decide.

    Raises ``moderation.CommentRefused`` (and stores nothing) when the rules refuse it.
    """
    # Lock the thread row so that a comment cannot slip in while a moderator closes it.
    thread = Thread.objects.select_for_update().get(pk=thread.pk)
    moderation.check_thread_accepts_comments(thread)
    moderation.check_parent(thread=thread, parent=parent)
    verdict = moderation.verdict_for_new_comment(author=author)
    return Comment.objects.create(
        thread=thread,
        parent=parent,
        author=author,
        body=body,
        status=verdict.status,
        reason=verdict.reason,
        ip_address=ip_address,
    )


def _move(comment: Comment, *, by, allowed_from: set[str], to: str, reason: str = "") -> Comment:
    if comment.status not in allowed_from:
        raise InvalidTransition(
            f"Cannot move a {comment.get_status_display().lower()} comment to {to}."
        )
    comment.status = to
    comment.reason = reason
    comment.moderated_by = by
    comment.moderated_at = timezone.now()
    comment.save(update_fields=["status", "reason", "moderated_by", "moderated_at"])
    return comment


def approve(comment: Comment, *, by) -> Comment:
    """Publish a comment that was waiting in the queue."""
    return _move(comment, by=by, allowed_from={Comment.Status.PENDING}, to=Comment.Status.PUBLISHED)


def mark_spam(comment: Comment, *, by, reason: str = "marked as spam by a moderator") -> Comment:
    return _move(
        comment,
        by=by,
        allowed_from={Comment.Status.PENDING, Comment.Status.PUBLISHED, Comment.Status.REMOVED},
        to=Comment.Status.SPAM,
        reason=reason,
    )


def remove(comment: Comment, *, by, reason: str = "removed by a moderator") -> Comment:
    return _move(
        comment,
        by=by,
        allowed_from={Comment.Status.PENDING, Comment.Status.PUBLISHED, Comment.Status.SPAM},
        to=Comment.Status.REMOVED,
        reason=reason,
    )


def restore(comment: Comment, *, by) -> Comment:
    """Undo a rejection: a comment marked spam or removed is published again."""
    return _move(
        comment,
        by=by,
        allowed_from={Comment.Status.SPAM, Comment.Status.REMOVED},
        to=Comment.Status.PUBLISHED,
    )


def _set_thread_status(thread: Thread, *, by, status: str, message: str) -> Thread:
    thread.status = status
    thread.closing_message = message
    thread.status_changed_at = timezone.now()
    thread.status_changed_by = by
    thread.save(
        update_fields=["status", "closing_message", "status_changed_at", "status_changed_by"]
    )
    return thread


def close_thread(thread: Thread, *, by, message: str = "") -> Thread:
    """Stop new comments and replies; ``message`` is shown to readers."""
    return _set_thread_status(thread, by=by, status=Thread.Status.CLOSED, message=message)


def reopen_thread(thread: Thread, *, by) -> Thread:
    return _set_thread_status(thread, by=by, status=Thread.Status.OPEN, message="")
