"""The forum's rules: who may post where, and which comments wait for a moderator.

Read this module to know how the forum behaves. The services in ``services.py``
apply these rules; views, admin actions and commands go through the services.

The rules today:

1. A closed thread takes no new comments or replies: "Comments are closed."
2. A reply must answer a published comment of the same thread.
3. Moderators' comments are published at once.
4. A reader who already has a published comment is trusted: published at once.
5. Anyone else's first comment is held for a moderator, reason "first comment"
   (WordPress's "comment author must have a previously approved comment").
"""

from dataclasses import dataclass

from .models import Comment, Thread

COMMENTS_CLOSED = "Comments are closed."
PARENT_UNAVAILABLE = "The comment you are replying to is not available."
FIRST_COMMENT = "first comment"


class CommentRefused(Exception):
    """A comment that the rules do not let in at all. Nothing is stored.

    ``status_code`` is the HTTP status a view should answer with.
    """

    def __init__(self, message: str, *, status_code: int = 403):
        super().__init__(message)
        self.message = message
        self.status_code = status_code


@dataclass(frozen=True)
class Verdict:
    """What happens to a comment that is let in."""

    status: str
    reason: str = ""


def is_moderator(user) -> bool:
    return user.is_active and user.has_perm("forum.moderate_comment")


def check_thread_accepts_comments(thread: Thread) -> None:
    if not thread.is_open:
        raise CommentRefused(COMMENTS_CLOSED)


def check_parent(*, thread: Thread, parent: Comment | None) -> None:
    if parent is None:
        return
    if parent.thread_id != thread.pk or parent.status != Comment.Status.PUBLISHED:
        raise CommentRefused(PARENT_UNAVAILABLE, status_code=400)


def verdict_for_new_comment(*, author) -> Verdict:
    if is_moderator(author):
        return Verdict(Comment.Status.PUBLISHED)
    if Comment.objects.published().filter(author=author).exists():
        return Verdict(Comment.Status.PUBLISHED)
    return Verdict(Comment.Status.PENDING, FIRST_COMMENT)
