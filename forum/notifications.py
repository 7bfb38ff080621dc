"""The mails the forum sends. The services call these once their transaction has committed;
each mail is queued for the background worker (``forum/mail.py``), one task per recipient.
A published reply may have many followers to tell: the request queues one task for it
(``announce_reply_task``), and the worker finds the followers and queues their mails.

Every mail carries a one-click unsubscribe link (a signed token, no log-in needed) that
turns off that kind of mail for its recipient.
"""

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core import signing
from django.core.mail import EmailMessage
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext, gettext_lazy
from django_tasks import task

from .links import absolute
from .mail import queue_mail
from .models import Comment, Report, SiteSettings, Subscription, Thread

UNSUBSCRIBE_SALT = "forum.unsubscribe"

# What an unsubscribe link turns off, by scope.
REPLIES = "replies"  # replies to one's comments
DECISIONS = "decisions"  # moderators' decisions on one's comments
QUEUE = "queue"  # the moderation queue (moderators)
THREAD = "thread"  # replies in a followed thread; the token also names the thread


def unsubscribe_token(user, scope: str, thread: Thread | None = None) -> str:
    return signing.dumps(
        {"user": user.pk, "scope": scope, "thread": thread.pk if thread else None},
        salt=UNSUBSCRIBE_SALT,
        compress=True,
    )


def unsubscribe_url(user, scope: str, thread: Thread | None = None) -> str:
    return absolute(reverse("forum:unsubscribe", args=[unsubscribe_token(user, scope, thread)]))


@dataclass
class Unsubscribed:
    user: object
    description: str


SCOPES = {
    REPLIES: ("mail_on_reply", gettext_lazy("replies to your comments")),
    DECISIONS: ("mail_on_decision", gettext_lazy("moderators’ decisions on your comments")),
    QUEUE: ("mail_on_queue", gettext_lazy("comments waiting for moderation")),
}


def describe_unsubscribe(token: str) -> Unsubscribed:
    """Who an unsubscribe link is for and which mails it stops, without stopping them.
    Raises ``signing.BadSignature`` for a forged or damaged token, ``LookupError`` when
    its user is gone."""
    data = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    user = get_user_model().objects.filter(pk=data["user"]).first()
    if user is None:
        raise LookupError("No such user.")
    if data["scope"] == THREAD:
        thread = Thread.objects.select_related("article").filter(pk=data["thread"]).first()
        if thread is None:
            return Unsubscribed(user, gettext("new replies in this discussion"))
        return Unsubscribed(
            user,
            gettext("new replies in the discussion of “%(title)s”")
            % {"title": thread.article.title},
        )
    return Unsubscribed(user, SCOPES[data["scope"]][1])


def unsubscribe(token: str) -> Unsubscribed:
    """Carry out an unsubscribe link (see ``describe_unsubscribe`` for its errors)."""
    done = describe_unsubscribe(token)
    data = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    if data["scope"] == THREAD:
        Subscription.objects.filter(user=done.user, thread_id=data["thread"]).delete()
    else:
        field = SCOPES[data["scope"]][0]
        setattr(done.user, field, False)
        done.user.save(update_fields=[field])
    return done


def _send(messages: list[EmailMessage]) -> None:
    for message in messages:
        queue_mail(message)


def mail_to(user, subject: str, template: str, context: dict, unsubscribe: str | None):
    """A mail to ``user``; ``unsubscribe`` is None only for a mail they asked for (the
    link that confirms their address), which no setting turns off."""
    body = render_to_string(
        template, {**context, "user": user, "unsubscribe_url": unsubscribe, "site": absolute("/")}
    )
    headers = {}
    if unsubscribe:
        headers = {
            "List-Unsubscribe": f"<{unsubscribe}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        }
    return EmailMessage(
        subject=gettext("[News Forum] %(subject)s") % {"subject": subject},
        body=body,
        to=[user.email],
        headers=headers,
    )


def moderators():
    permission = Permission.objects.get(
        content_type__app_label="forum", codename="moderate_comment"
    )
    return (
        get_user_model()
        .objects.filter(is_active=True, is_staff=True, mail_on_queue=True)
        .exclude(email="")
        .filter(
            Q(is_superuser=True)
            | Q(user_permissions=permission)
            | Q(groups__permissions=permission)
        )
        .distinct()
    )


def notify_moderators_of_queue() -> None:
    """Tell moderators that comments wait: one mail for everything held or reported since
    the last one, at most once every FORUM_MODERATOR_MAIL_MINUTES.

    Called after each hold or report; what arrives within the quiet minutes goes in the
    next mail, which the next hold or report sends, or ``manage.py notify_moderators``
    run from cron every few minutes. The last-sent time lives in the database, so the
    limit holds across processes: only the process whose update succeeds sends.
    """
    now = timezone.now()
    quiet_since = now - timedelta(minutes=settings.FORUM_MODERATOR_MAIL_MINUTES)
    site = SiteSettings.objects.get_or_create(pk=1)[0]
    last = site.moderators_notified_at
    if last is not None and not (
        Comment.objects.awaiting_moderation().filter(moderated_at__gt=last).exists()
        or Comment.objects.awaiting_moderation().filter(created_at__gt=last).exists()
        or Report.objects.unresolved().filter(created_at__gt=last).exists()
    ):
        return  # nothing new since the last mail
    claimed = (
        SiteSettings.objects.filter(pk=1)
        .filter(Q(moderators_notified_at__isnull=True) | Q(moderators_notified_at__lte=quiet_since))
        .update(moderators_notified_at=now)
    )
    if not claimed:
        return
    context = {
        "pending": Comment.objects.awaiting_moderation().count(),
        "reported": Report.objects.unresolved().values("comment").distinct().count(),
        "queue_url": absolute(reverse("admin:forum_comment_changelist")),
    }
    _send(
        [
            mail_to(
                moderator,
                gettext("Comments are waiting for moderation"),
                "forum/email/moderation_queue.txt",
                context,
                unsubscribe_url(moderator, QUEUE),
            )
            for moderator in moderators()
        ]
    )


def notify_reply_published(comment: Comment) -> None:
    """Have the worker tell the thread's followers, and the author of the comment answered,
    that ``comment`` is published: one task, however many followers the thread has, so
    that posting costs the same few queries on any thread. The mails are written in the
    language of the request that published it: the replier's page, or the moderator's
    when a held reply is approved."""
    announce_reply_task.enqueue(comment_id=comment.pk, language=translation.get_language())


@task()
def announce_reply_task(comment_id: int, language: str | None = None) -> str:
    """Queue a mail for each reader to tell of a published reply (``notify_reply_published``);
    nothing if the reply was taken down or deleted meanwhile."""
    comment = (
        Comment.objects.counted()
        .filter(pk=comment_id)
        .select_related("thread__article", "author", "parent__author")
        .first()
    )
    if comment is None:
        return "Nothing sent: the reply is no longer published."
    with translation.override(language or settings.LANGUAGE_CODE):
        messages = _reply_messages(comment)
    _send(messages)
    return f"{len(messages)} mail(s) queued."


def _reply_messages(comment: Comment) -> list[EmailMessage]:
    """The mails about ``comment``, a published reply or top-level comment: to the
    thread's followers, and to the author of the comment it answers."""
    recipients = {}  # user id -> (user, scope)
    followers = Subscription.objects.filter(thread_id=comment.thread_id).select_related("user")
    for subscription in followers:
        recipients[subscription.user_id] = (subscription.user, THREAD)
    parent_author = comment.parent.author if comment.parent_id else None
    if parent_author is not None and parent_author.mail_on_reply:
        recipients.setdefault(parent_author.pk, (parent_author, REPLIES))
    recipients.pop(comment.author_id, None)
    if not recipients:
        return []
    article = comment.thread.article
    context = {
        "comment": comment,
        "article": article,
        "comment_url": absolute(reverse("forum:comment-permalink", args=[comment.pk])),
    }
    return [
        mail_to(
            user,
            gettext("New reply on “%(title)s”") % {"title": article.title},
            "forum/email/reply_published.txt",
            {**context, "is_reply_to_you": comment.parent_id and parent_author == user},
            unsubscribe_url(user, scope, comment.thread if scope == THREAD else None),
        )
        for user, scope in recipients.values()
        if user.is_active and user.email
    ]


def notify_author_of_decision(comment: Comment) -> None:
    """Tell the author that their held comment was published, or why it was rejected."""
    comment = Comment.objects.select_related("thread__article", "author").get(pk=comment.pk)
    author = comment.author
    if author is None or not author.email or not author.mail_on_decision:
        return
    published = comment.status == Comment.Status.PUBLISHED
    article = comment.thread.article
    subject = (
        gettext("Your comment on “%(title)s” is published")
        if published
        else gettext("Your comment on “%(title)s” was not published")
    ) % {"title": article.title}
    _send(
        [
            mail_to(
                author,
                subject,
                "forum/email/decision.txt",
                {
                    "comment": comment,
                    "article": article,
                    "published": published,
                    "comment_url": absolute(reverse("forum:comment-permalink", args=[comment.pk])),
                },
                unsubscribe_url(author, DECISIONS),
            )
        ]
    )
