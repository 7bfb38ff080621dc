"""Every write the forum makes: posting, editing, reporting, moderating, restricting users,
opening and closing threads.

Views, admin actions and management commands call these functions, so that a rule holds
whichever way a change comes in. Each moderation step writes the audit log
(``ModerationEvent``); mail goes out only once the transaction has committed, and a mail
server that fails is logged without undoing what was saved.
"""

from collections import defaultdict

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import Count, F, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from . import moderation, notifications
from .models import (
    Comment,
    CommentRevision,
    ModerationEvent,
    ReasonCode,
    Report,
    SiteSettings,
    Subscription,
    Thread,
    english,
)
from .threads import parents_within_limit

# Ids in one IN (...) of a bulk statement: far below what any database refuses (SQLite
# takes 32,766 parameters; older builds 999).
BATCH = 500


def batches(items: list, size: int = BATCH):
    """``items`` in slices of ``size``."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


class InvalidTransition(Exception):
    """The comment is not in a state that this moderation action applies to."""


class NotAllowed(Exception):
    """The user may not do this to this comment (not theirs, too late, ...)."""


class AlreadyReported(Exception):
    """This reader has reported this comment before."""


def log(action: str, *, actor=None, comment=None, user=None, thread=None, **fields):
    return ModerationEvent.objects.create(
        action=action,
        actor=actor,
        actor_name=actor.username if actor else "",
        comment=comment,
        user=user,
        thread=thread or (comment.thread if comment else None),
        **fields,
    )


def _count(comments) -> Coalesce:
    per_thread = comments.filter(thread=OuterRef("pk")).values("thread").annotate(n=Count("pk"))
    return Coalesce(Subquery(per_thread.values("n")), 0)


def after_commit(callback) -> None:
    """Run ``callback`` (a mail) once the transaction commits; log it if it fails."""
    transaction.on_commit(callback, robust=True)


def refresh_thread(thread_id: int, *, locked: bool = False) -> None:
    """Recount a thread and bump its version, after anything readers would notice.

    The thread's row is locked first (unless the caller holds the lock already), so the
    counting statement starts after any other writer to the thread has committed and
    sees its comments.
    """
    refresh_threads([thread_id], locked=locked)


def lock_threads(thread_ids) -> None:
    """Lock the threads' rows in id order, as every writer does, so none waits on another."""
    list(Thread.objects.select_for_update().filter(pk__in=thread_ids).order_by("pk").values("pk"))


@transaction.atomic
def refresh_threads(thread_ids, *, locked: bool = False) -> None:
    """``refresh_thread`` for many threads in one statement (an import recounts every
    thread it touched so); the rows are locked in id order, as one by one would."""
    thread_ids = sorted(thread_ids)
    if not locked:
        lock_threads(thread_ids)
    roots = Comment.objects.published().filter(parent__isnull=True)
    Thread.objects.filter(pk__in=thread_ids).update(
        version=F("version") + 1,
        published_count=_count(Comment.objects.counted()),
        # Two counts added, rather than one with an OR, so each can use an index.
        root_count=_count(roots.filter(deleted_at__isnull=True))
        + _count(roots.filter(deleted_at__isnull=False).answered()),
    )


def attach_deep_replies_at_the_limit(thread_ids) -> int:
    """Store every reply nested deeper than ``FORUM_MAX_THREAD_DEPTH`` in these threads
    beside the comment at the limit, where posting would have put it (an import from a
    site that nests deeper). Returns how many moved; the caller recounts the threads."""
    thread_ids = sorted(thread_ids)
    parents = {}
    for batch in batches(thread_ids):
        parents.update(Comment.objects.filter(thread_id__in=batch).values_list("pk", "parent_id"))
    moved = parents_within_limit(parents, settings.FORUM_MAX_THREAD_DEPTH)
    by_new_parent = defaultdict(list)
    for pk, new_parent in moved.items():
        by_new_parent[new_parent].append(pk)
    for new_parent, pks in by_new_parent.items():
        # At the top level (a limit of 1) a comment is its own thread's root.
        root = {} if new_parent is not None else {"root": None}
        for batch in batches(pks):
            Comment.objects.filter(pk__in=batch).update(parent=new_parent, **root)
    return len(moved)


# Readers


@transaction.atomic
def post_comment(
    *,
    thread: Thread,
    author,
    body: str,
    parent: Comment | None = None,
    ip_address: str | None = None,
    follow: bool = False,
) -> Comment:
    """Store a new comment or reply, published, held or marked spam as the rules decide.

    Raises ``moderation.CommentRefused`` (and stores nothing) when the rules refuse it.
    """
    # Lock the author's row, so that two posts at once (two tabs, two threads) meet the
    # flood rule one after the other, and the thread's, so that a comment cannot slip in
    # while a moderator closes it.
    list(get_user_model().objects.select_for_update().filter(pk=author.pk).values_list("pk"))
    thread = Thread.objects.select_for_update().select_related("article").get(pk=thread.pk)
    submission = moderation.Submission(author=author, thread=thread, body=body, parent=parent)
    verdict = moderation.review(submission)
    verdict.raise_if_refused()
    parent = submission.stored_parent
    comment = Comment.objects.create(
        thread=thread,
        parent=parent,
        root_id=parent and (parent.root_id or parent.pk),
        author=author,
        body=body,
        body_html=submission.body_html,
        status=verdict.status,
        reason_code=verdict.reason_code,
        reason=verdict.reason,
        ip_address=ip_address,
        first_published_at=timezone.now() if verdict.status == Comment.Status.PUBLISHED else None,
    )
    if comment.status == Comment.Status.PUBLISHED:
        # Under the thread's lock a new comment adds one: no need to recount the thread,
        # which would cost more the longer the discussion.
        Thread.objects.filter(pk=thread.pk).update(
            version=F("version") + 1,
            published_count=F("published_count") + 1,
            root_count=F("root_count") + (1 if parent is None else 0),
        )
    else:
        # The rules decided to hold it or mark it spam: that decision goes in the log.
        log("post", actor=author, comment=comment, to_status=comment.status, reason=comment.reason)
    if follow:
        follow_thread(thread, user=author)
    _announce(comment)
    return comment


@transaction.atomic
def edit_comment(comment: Comment, *, by, body: str) -> Comment:
    """Change the text of one's own comment within the edit window; the rules run again
    and the earlier text is kept for moderators."""
    comment = (
        Comment.objects.select_for_update().select_related("thread__article").get(pk=comment.pk)
    )
    if comment.author_id != by.pk or comment.deleted_at is not None:
        raise NotAllowed(_("You can only edit your own comments."))
    if comment.status not in (Comment.Status.PUBLISHED, Comment.Status.PENDING):
        raise NotAllowed(_("This comment can no longer be edited."))
    if not moderation.edit_window_open(comment.created_at):
        raise NotAllowed(_("The time to edit this comment has passed."))
    submission = moderation.Submission(
        author=by, thread=comment.thread, body=body, parent=comment.parent, editing=comment
    )
    verdict = moderation.review(submission)
    verdict.raise_if_refused()
    CommentRevision.objects.create(
        comment=comment, body=comment.body, written_at=comment.edited_at or comment.created_at
    )
    before = comment.status
    # Editing does not let a held comment skip the queue.
    if not (before == Comment.Status.PENDING and verdict.outcome == moderation.Outcome.PUBLISH):
        comment.status = verdict.status
        comment.reason_code = verdict.reason_code
        comment.reason = verdict.reason
    comment.body = body
    comment.body_html = submission.body_html
    comment.edited_at = timezone.now()
    comment.save(
        update_fields=["body", "body_html", "edited_at", "status", "reason_code", "reason"]
    )
    refresh_thread(comment.thread_id)
    log(
        "edit",
        actor=by,
        comment=comment,
        from_status=before,
        to_status=comment.status,
        reason=comment.reason,
    )
    if before != Comment.Status.PENDING and comment.status == Comment.Status.PENDING:
        after_commit(notifications.notify_moderators_of_queue)
    return comment


@transaction.atomic
def delete_own_comment(comment: Comment, *, by) -> Comment:
    """The author takes a comment back. Replies keep their place under "[comment deleted]";
    moderators still see what it said."""
    if comment.author_id != by.pk:
        raise NotAllowed(_("You can only delete your own comments."))
    if comment.deleted_at is not None:
        return comment
    before = comment.status
    comment.deleted_at = timezone.now()
    if before == Comment.Status.PENDING:
        # Nothing is left for a moderator to decide: it leaves the queue.
        comment.status = Comment.Status.REMOVED
        comment.reason_code = ReasonCode.AUTHOR_DELETED
        comment.reason = english(ReasonCode.AUTHOR_DELETED.label)
    comment.save(update_fields=["deleted_at", "status", "reason_code", "reason"])
    refresh_thread(comment.thread_id)
    log("delete by author", actor=by, comment=comment, from_status=before, to_status=comment.status)
    return comment


@transaction.atomic
def report_comment(comment: Comment, *, reporter, reason: str, details: str = "") -> Report:
    """A reader flags a comment. Enough reports from distinct readers hide it for review."""
    if comment.author_id == reporter.pk:
        raise NotAllowed(_("You cannot report your own comment."))
    # Reports hide comments: a reader kept from commenting does not get that lever either.
    if found := moderation.restriction(reporter):
        raise NotAllowed(found[1])
    try:
        with transaction.atomic():
            report = Report.objects.create(
                comment=comment, reporter=reporter, reason=reason, details=details
            )
    except IntegrityError:
        raise AlreadyReported(_("You have already reported this comment.")) from None
    log("report", actor=reporter, comment=comment, reason=english(report.get_reason_display()))
    open_reports = comment.reports.unresolved().count()
    if comment.status == Comment.Status.PUBLISHED and moderation.reports_hide_comment(open_reports):
        _move(
            comment,
            by=None,
            action="hidden after reports",
            allowed_from={Comment.Status.PUBLISHED},
            to=Comment.Status.PENDING,
            reason_code=ReasonCode.REPORTED,
            reason=f"reported by {open_reports} readers",
        )
    after_commit(notifications.notify_moderators_of_queue)
    return report


def follow_thread(thread: Thread, *, user) -> None:
    """Mail ``user`` when a reply is published in ``thread``; not in a closed thread,
    where none will be."""
    if not thread.is_open:
        raise NotAllowed(_(moderation.NOTHING_TO_FOLLOW))
    Subscription.objects.get_or_create(user=user, thread=thread)


def unfollow_thread(thread: Thread, *, user) -> None:
    Subscription.objects.filter(user=user, thread=thread).delete()


# Moderators: comments


TAKEN_DOWN = {Comment.Status.SPAM, Comment.Status.REMOVED}
# What a comment a moderator moved says of itself, by where it went: taken down, or
# restored to the queue or the page.
MODERATOR_REASONS = {
    Comment.Status.PUBLISHED: ("", ""),
    Comment.Status.PENDING: ("", "restored by a moderator; waits for approval"),
    Comment.Status.SPAM: (ReasonCode.SPAM, "marked as spam by a moderator"),
    Comment.Status.REMOVED: (ReasonCode.OTHER, "removed by a moderator"),
}


def _lock_and_reread(comment: Comment, *fields: str) -> None:
    list(Comment.objects.select_for_update().filter(pk=comment.pk).values_list("pk"))
    comment.refresh_from_db(fields=list(fields))


def _move(
    comment: Comment,
    *,
    by,
    action: str,
    allowed_from: set[str],
    to: str,
    reason_code: str = "",
    reason: str = "",
    taking_down: bool = False,
    locked: bool = False,
) -> Comment:
    # Read the comment afresh under a lock (unless the caller just did): two moderators
    # deciding at once act one after the other, and the second finds it already moved.
    if not locked:
        _lock_and_reread(comment, "status", "deleted_at", "first_published_at")
    if comment.status not in allowed_from or (
        comment.deleted_at is not None and to == Comment.Status.PUBLISHED
    ):
        raise InvalidTransition(
            _("Cannot move a %(status)s comment to %(to)s.")
            % {"status": comment.get_status_display().lower(), "to": to}
        )
    before = comment.status
    comment.status = to
    comment.reason_code = reason_code
    comment.reason = reason
    comment.moderated_by = by
    comment.moderated_at = timezone.now()
    # Where a comment taken down came from, for restore(); once it moved on from there
    # (restored, or back in the queue or on the page) there is nothing to go back to.
    comment.status_before_removal = before if taking_down else ""
    fields = [
        "status",
        "reason_code",
        "reason",
        "moderated_by",
        "moderated_at",
        "status_before_removal",
    ]
    if to == Comment.Status.PUBLISHED and comment.first_published_at is None:
        comment.first_published_at = comment.moderated_at
        fields.append("first_published_at")
    comment.save(update_fields=fields)
    refresh_thread(comment.thread_id)
    if by is not None:
        # A moderator's decision settles the readers' reports.
        comment.reports.unresolved().update(resolved_at=comment.moderated_at)
    log(action, actor=by, comment=comment, from_status=before, to_status=to, reason=reason)
    return comment


@transaction.atomic
def approve(comment: Comment, *, by) -> Comment:
    """Publish a comment that was waiting, or keep a reported one and dismiss its reports."""
    was_held = comment.status == Comment.Status.PENDING
    never_published = comment.first_published_at is None
    if not was_held and not (
        comment.status == Comment.Status.PUBLISHED and comment.reports.unresolved().exists()
    ):
        raise InvalidTransition(_("Only pending or reported comments can be approved."))
    _move(
        comment,
        by=by,
        action="approve",
        allowed_from={Comment.Status.PENDING, Comment.Status.PUBLISHED},
        to=Comment.Status.PUBLISHED,
    )
    if was_held and never_published:
        # The author learns it is out. A comment that reports had hidden for a while was
        # announced when it first came out.
        after_commit(lambda: notifications.notify_author_of_decision(comment))
        _announce(comment)
    return comment


@transaction.atomic
def mark_spam(comment: Comment, *, by) -> Comment:
    return _move(
        comment,
        by=by,
        action="mark spam",
        allowed_from={Comment.Status.PENDING, Comment.Status.PUBLISHED, Comment.Status.REMOVED},
        to=Comment.Status.SPAM,
        reason_code=MODERATOR_REASONS[Comment.Status.SPAM][0],
        reason=MODERATOR_REASONS[Comment.Status.SPAM][1],
        taking_down=True,
    )


@transaction.atomic
def remove(comment: Comment, *, by) -> Comment:
    """Take a comment down. The author of a held comment learns that it will not be
    published (marking spam tells nobody: spammers need no receipt)."""
    was_held = comment.status == Comment.Status.PENDING
    _move(
        comment,
        by=by,
        action="remove",
        allowed_from={Comment.Status.PENDING, Comment.Status.PUBLISHED, Comment.Status.SPAM},
        to=Comment.Status.REMOVED,
        reason_code=MODERATOR_REASONS[Comment.Status.REMOVED][0],
        reason=MODERATOR_REASONS[Comment.Status.REMOVED][1],
        taking_down=True,
    )
    if was_held and comment.deleted_at is None:
        after_commit(lambda: notifications.notify_author_of_decision(comment))
    return comment


@transaction.atomic
def reject(comment: Comment, *, by, reason_code: str) -> Comment:
    """Remove a comment for a stated reason, and tell its author why."""
    _move(
        comment,
        by=by,
        action="reject",
        allowed_from={Comment.Status.PENDING, Comment.Status.PUBLISHED},
        to=Comment.Status.REMOVED,
        reason_code=reason_code,
        reason=english(ReasonCode(reason_code).label),
        taking_down=True,
    )
    after_commit(lambda: notifications.notify_author_of_decision(comment))
    return comment


@transaction.atomic
def remove_with_replies(comment: Comment, *, by) -> list[Comment]:
    """Remove a comment and every reply under it, however deep."""
    removed = []
    level = [comment]
    while level:
        for each in level:
            if each.status != Comment.Status.REMOVED:
                removed.append(remove(each, by=by))
        level = list(Comment.objects.filter(parent__in=level))
    return removed


@transaction.atomic
def restore(comment: Comment, *, by) -> Comment:
    """Undo a removal or a spam verdict: the comment goes back to what it was before
    (WordPress's "Restore" and "Not Spam"), so a comment never approved returns to the
    queue rather than onto the page. When that is not known (imported, or marked spam by
    the rules as it was posted) it waits for a moderator, as in WordPress."""
    _lock_and_reread(comment, "status", "status_before_removal", "deleted_at", "first_published_at")
    if comment.deleted_at is not None:
        raise InvalidTransition(_("Its author deleted this comment: it cannot be restored."))
    back_to = comment.status_before_removal or Comment.Status.PENDING
    never_published = comment.first_published_at is None
    reason_code, reason = MODERATOR_REASONS[back_to]
    _move(
        comment,
        by=by,
        action="restore",
        allowed_from=TAKEN_DOWN,
        to=back_to,
        reason_code=reason_code,
        reason=reason,
        locked=True,
    )
    if never_published and comment.status == Comment.Status.PUBLISHED:
        _announce(comment)
    return comment


def _announce(comment: Comment) -> None:
    """After commit: moderators hear of a held comment, followers of a published reply."""
    if comment.status == Comment.Status.PENDING:
        after_commit(notifications.notify_moderators_of_queue)
    elif comment.status == Comment.Status.PUBLISHED:
        after_commit(lambda: notifications.notify_reply_published(comment))


# Moderators: users


def _restrict(user, *, by, action: str, note: str, **fields):
    for name, value in fields.items():
        setattr(user, name, value)
    if note:
        user.moderator_note = note
    user.save(update_fields=[*fields, "moderator_note"])
    log(action, actor=by, user=user, reason=note)
    return user


@transaction.atomic
def premoderate(user, *, by, note: str = ""):
    return _restrict(user, by=by, action="pre-moderate", note=note, premoderated=True)


@transaction.atomic
def end_premoderation(user, *, by, note: str = ""):
    return _restrict(user, by=by, action="end pre-moderation", note=note, premoderated=False)


@transaction.atomic
def suspend(user, *, by, until, note: str = ""):
    return _restrict(
        user,
        by=by,
        action=f"suspend until {until:%Y-%m-%d %H:%M}",
        note=note,
        suspended_until=until,
    )


@transaction.atomic
def ban(user, *, by, note: str = "", remove_comments: bool = False):
    _restrict(user, by=by, action="ban", note=note, banned=True)
    if remove_comments:
        for comment in Comment.objects.filter(author=user).exclude(status=Comment.Status.REMOVED):
            remove(comment, by=by)
    return user


@transaction.atomic
def unban(user, *, by, note: str = ""):
    return _restrict(user, by=by, action="unban", note=note, banned=False)


@transaction.atomic
def end_suspension(user, *, by, note: str = ""):
    return _restrict(user, by=by, action="end suspension", note=note, suspended_until=None)


@transaction.atomic
def lift_restrictions(user, *, by, note: str = ""):
    """End a ban and a suspension at once."""
    return _restrict(
        user, by=by, action="lift ban and suspension", note=note, banned=False, suspended_until=None
    )


@transaction.atomic
def lift_lockouts(attempts, *, by) -> int:
    """Let the log-ins that django-axes locked out try again: delete their attempts
    (``attempts``, a queryset of ``AccessAttempt``) and write each lift in the audit log,
    with the account it names when there is one. Returns how many were lifted."""
    lifted = list(attempts)
    accounts = get_user_model().objects.filter(
        username__in=[attempt.username for attempt in lifted if attempt.username]
    )
    by_name = {account.username: account for account in accounts}
    for attempt in lifted:
        who = attempt.username or "?"
        log(
            "lift lockout",
            actor=by,
            user=by_name.get(attempt.username),
            reason=f"{who} from {attempt.ip_address or '?'}",
        )
    attempts.model.objects.filter(pk__in=[attempt.pk for attempt in lifted]).delete()
    return len(lifted)


# Moderators: threads and the site


def _set_thread_status(
    thread: Thread, *, by, status: str, message: str, action: str, recount: bool = True
) -> Thread:
    # The stored status, not the one an admin form may already have put on the object.
    before = Thread.objects.select_for_update().values_list("status", flat=True).get(pk=thread.pk)
    thread.status = status
    thread.closing_message = message
    thread.status_changed_at = timezone.now()
    thread.status_changed_by = by
    thread.save(
        update_fields=["status", "closing_message", "status_changed_at", "status_changed_by"]
    )
    if recount:
        refresh_thread(thread.pk, locked=True)
    log(action, actor=by, thread=thread, from_status=before, to_status=status, reason=message)
    return thread


@transaction.atomic
def close_thread(thread: Thread, *, by, message: str = "", recount: bool = True) -> Thread:
    """Stop new comments and replies; ``message`` is shown to readers. An import, which
    recounts every thread it touched once at the end, passes ``recount=False``."""
    return _set_thread_status(
        thread,
        by=by,
        status=Thread.Status.CLOSED,
        message=message,
        action="close thread",
        recount=recount,
    )


@transaction.atomic
def reopen_thread(thread: Thread, *, by) -> Thread:
    return _set_thread_status(
        thread, by=by, status=Thread.Status.OPEN, message="", action="reopen thread"
    )


@transaction.atomic
def set_keep_open(thread: Thread, *, by, keep_open: bool) -> Thread:
    """Exempt a thread from closing automatically on older articles, or stop exempting it."""
    thread.keep_open = keep_open
    thread.save(update_fields=["keep_open"])
    refresh_thread(thread.pk)
    log("keep open" if keep_open else "stop keeping open", actor=by, thread=thread)
    return thread


@transaction.atomic
def update_site_settings(*, by, read_only: bool, approve_all_manually: bool) -> SiteSettings:
    site = SiteSettings.objects.get_or_create(pk=1)[0]
    changes = []
    if site.read_only != read_only:
        changes.append("site read-only" if read_only else "site open for comments")
    if site.approve_all_manually != approve_all_manually:
        changes.append(
            "approve every comment by hand" if approve_all_manually else "rules decide again"
        )
    site.read_only = read_only
    site.approve_all_manually = approve_all_manually
    site.save()
    transaction.on_commit(SiteSettings.forget)
    for change in changes:
        log(change, actor=by)
    return site
