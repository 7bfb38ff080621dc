"""What the forum holds about a reader, handed over or erased: the rights of access and
erasure (GDPR articles 15 and 17), as WordPress core offers them under Tools → Export and
Erase Personal Data.

The reader does both from their account page (forum/account_views.py), moderators from the
user's admin page (forum/personal_data_admin.py); both call the two functions below.

What erasing keeps, and why:
- Comments stay as rows. Deleting them would cascade to every reply under them, other
  readers' words. Their author becomes "[deleted user]" and everything the forum knew of
  the author on them goes (IP address, imported email, website and browser). With
  ``FORUM_ERASE_COMMENTS = "remove"`` the text and its earlier versions go too, and the
  comment counts as deleted by its author: "[comment deleted]" where replies hang under
  it, nothing where none do.
- The audit log keeps its rows (what was decided, from which status to which, when) but
  not the person: where they acted, the name becomes "[deleted user]"; where the row was
  about them, the link to them and the moderator's note go. One more row records the
  erasure itself, with counts only. Django's admin history of the account loses the name.
"""

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.contrib.admin.models import LogEntry
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import F, Prefetch, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from . import services
from .links import absolute
from .models import (
    Comment,
    CommentRevision,
    ModerationEvent,
    ReasonCode,
    Report,
    Subscription,
    Thread,
    english,
)

DELETED_USER = "[deleted user]"
ANONYMISE = "anonymise"
REMOVE = "remove"
ERASE_MODES = (ANONYMISE, REMOVE)
ERASE_ACTION = "erase account"


def _time(moment: dt.datetime | None) -> str | None:
    """ISO 8601 in UTC, as the rest of the forum's machine-readable output."""
    return moment.astimezone(dt.UTC).isoformat() if moment else None


def _article(thread: Thread) -> dict:
    article = thread.article
    return {"title": article.title, "url": absolute(article.get_absolute_url())}


def export_user_data(user) -> dict:
    """Everything the forum holds about ``user``, as plain JSON-ready data: the profile,
    every comment they wrote (with its earlier texts), the reports they made and the
    discussions they follow. Nothing of other readers: a report names the comment
    reported by its address, not by its author or text. Four queries, whatever the
    numbers."""
    comments = (
        Comment.objects.filter(author=user)
        .select_related("thread__article")
        .prefetch_related(
            Prefetch("revisions", queryset=CommentRevision.objects.order_by("written_at", "id"))
        )
        .order_by("created_at", "id")
    )
    reports = (
        Report.objects.filter(reporter=user)
        .select_related("comment__thread__article")
        .order_by("created_at", "id")
    )
    subscriptions = (
        Subscription.objects.filter(user=user)
        .select_related("thread__article")
        .order_by("created_at", "id")
    )
    return {
        "site": settings.FORUM_SITE_URL,
        "exported_at": _time(timezone.now()),
        "profile": {
            "username": user.username,
            "display_name": user.display_name,
            "first_name": user.first_name,
            "last_name": user.last_name,
            "email": user.email,
            "email_confirmed_at": _time(user.email_confirmed_at),
            "date_joined": _time(user.date_joined),
            "last_login": _time(user.last_login),
            "mail_preferences": {
                "replies_to_my_comments": user.mail_on_reply,
                "moderator_decisions_on_my_comments": user.mail_on_decision,
                "comments_waiting_for_moderation": user.mail_on_queue,
            },
            "restrictions": {
                "premoderated": user.premoderated,
                "suspended_until": _time(user.suspended_until),
                "banned": user.banned,
            },
        },
        "comments": [_comment(comment) for comment in comments],
        "reports": [
            {
                "reason": report.reason,
                "details": report.details,
                "created_at": _time(report.created_at),
                "resolved_at": _time(report.resolved_at),
                "comment": {
                    "id": report.comment_id,
                    "article": _article(report.comment.thread),
                    "permalink": absolute(report.comment.get_absolute_url()),
                },
            }
            for report in reports
        ],
        "subscriptions": [
            {"article": _article(subscription.thread), "since": _time(subscription.created_at)}
            for subscription in subscriptions
        ],
    }


def _comment(comment: Comment) -> dict:
    return {
        "id": comment.pk,
        "article": _article(comment.thread),
        "permalink": absolute(comment.get_absolute_url()),
        "in_reply_to": comment.parent_id,
        "kind": comment.kind,
        "body": comment.body,
        "status": comment.status,
        "reason": comment.reason,
        "created_at": _time(comment.created_at),
        "edited_at": _time(comment.edited_at),
        "deleted_at": _time(comment.deleted_at),
        "ip_address": comment.ip_address,
        # What an imported comment's old system knew of its author.
        "author_name": comment.author_name,
        "author_email": comment.author_email,
        "author_url": comment.author_url,
        "user_agent": comment.user_agent,
        "earlier_texts": [
            {"body": revision.body, "written_at": _time(revision.written_at)}
            for revision in comment.revisions.all()
        ],
    }


@dataclass(frozen=True)
class Erasure:
    """What ``erase_user`` did, for the message that says so."""

    username: str
    mode: str
    comments: int
    threads: int


@transaction.atomic
def erase_user(user, *, by=None, comments: str | None = None) -> Erasure:
    """Delete ``user``'s account and what the forum holds about them, in one transaction.

    ``by`` is the moderator who erases it; None (or the user) when readers erase their own.
    ``comments`` is "anonymise" or "remove" (``FORUM_ERASE_COMMENTS`` when not given).
    Every thread whose page showed their name is refreshed once, so that no cached copy
    of it keeps the name.
    """
    mode = comments or settings.FORUM_ERASE_COMMENTS
    if mode not in ERASE_MODES:
        raise ValueError(f"comments must be one of {', '.join(ERASE_MODES)}, not {mode!r}.")
    moderator = by if by is not None and by.pk != user.pk else None
    # Lock the account, as posting does: a comment sent at this moment is either stored
    # before the erasure reads the comments (and erased with them), or waits, and then its
    # author is gone and the database refuses it.
    list(get_user_model().objects.select_for_update().filter(pk=user.pk).values_list("pk"))
    username = user.username
    theirs = Comment.objects.filter(author=user)
    thread_ids = set(theirs.values_list("thread_id", flat=True))
    # Their name also shows as the byline of articles they wrote.
    thread_ids.update(Thread.objects.filter(article__author=user).values_list("pk", flat=True))
    comment_count = theirs.count()

    if mode == REMOVE:
        CommentRevision.objects.filter(comment__author=user).delete()
        # Waiting ones leave the queue, as when their author deletes them.
        theirs.filter(status=Comment.Status.PENDING).update(
            status=Comment.Status.REMOVED,
            reason_code=ReasonCode.AUTHOR_DELETED,
            reason=english(ReasonCode.AUTHOR_DELETED.label),
        )
        theirs.update(
            body="", body_html="", deleted_at=Coalesce(F("deleted_at"), Value(timezone.now()))
        )
    theirs.update(
        author=None,
        author_name=DELETED_USER,
        ip_address=None,
        author_email="",
        author_url="",
        user_agent="",
    )

    ModerationEvent.objects.filter(actor=user).update(actor=None, actor_name=DELETED_USER)
    # Rows about them keep the action, the statuses and the time; the moderator's note
    # (the reason) is about them and goes.
    ModerationEvent.objects.filter(user=user).update(user=None, reason="")
    # Django's own admin history of changes to the account names it too (the rows of what
    # they changed themselves as staff go with the account).
    LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(user), object_id=str(user.pk)
    ).update(object_repr=DELETED_USER)
    # A report still open is work for the moderators: it stays, without its reporter or
    # their words; the ones decided on go.
    theirs_reported = Report.objects.filter(reporter=user)
    theirs_reported.filter(resolved_at__isnull=False).delete()
    theirs_reported.update(reporter=None, details="")
    Subscription.objects.filter(user=user).delete()
    done = "anonymised" if mode == ANONYMISE else "removed"
    ModerationEvent.objects.create(
        action=ERASE_ACTION,
        actor=moderator,
        actor_name=moderator.username if moderator else DELETED_USER,
        reason=(
            f"{'by a moderator' if moderator else 'by its owner'}; "
            # Stored, so in English whatever the moderator's language.
            + f"{comment_count} comment{'' if comment_count == 1 else 's'} {done}"
        ),
    )
    user.delete()
    for batch in services.batches(sorted(thread_ids)):
        services.refresh_threads(batch)
    return Erasure(username=username, mode=mode, comments=comment_count, threads=len(thread_ids))
