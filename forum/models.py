from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.cache import cache
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.text import Truncator
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    """Everyone who signs in: readers, moderators, editors.

    Both apps point here through ``settings.AUTH_USER_MODEL``.
    """

    display_name = models.CharField(
        _("display name"),
        max_length=80,
        blank=True,
        help_text=_("The name shown with your comments. Your username is used if this is empty."),
    )

    # What moderators decided about this reader (forum/moderation.py applies it).
    premoderated = models.BooleanField(
        _("pre-moderated"),
        default=False,
        help_text=_("Hold every comment by this user for a moderator."),
    )
    suspended_until = models.DateTimeField(
        null=True,
        blank=True,
        help_text=_("The user may not comment until this time."),
        verbose_name=_("suspended until"),
    )
    banned = models.BooleanField(
        default=False, help_text=_("The user may not comment at all."), verbose_name=_("banned")
    )
    moderator_note = models.TextField(
        blank=True,
        help_text=_("For moderators only: why the user is restricted."),
        verbose_name=_("moderator note"),
    )
    # Set when the reader opened the link mailed to their address and pressed its button
    # (forum/email_confirmation.py). The importers give archived comments only to
    # accounts that proved their address so, or to staff.
    email_confirmed_at = models.DateTimeField(
        _("email confirmed at"),
        null=True,
        blank=True,
        help_text=_("When the user confirmed the address. Empty: not confirmed."),
    )
    # Which mails the user wants; each mail's unsubscribe link turns its kind off.
    mail_on_reply = models.BooleanField(_("mail me replies to my comments"), default=True)
    mail_on_decision = models.BooleanField(
        _("mail me when a moderator decides on my comment"), default=True
    )
    mail_on_queue = models.BooleanField(
        _("mail me when comments wait for moderation (moderators)"), default=True
    )

    class Meta(AbstractUser.Meta):
        permissions = [("moderate_user", _("Can pre-moderate, suspend and ban users"))]

    @property
    def public_name(self) -> str:
        return self.display_name or self.username

    def is_suspended(self, now=None) -> bool:
        return self.suspended_until is not None and self.suspended_until > (now or timezone.now())


class ThreadManager(models.Manager):
    def get_by_natural_key(self, article_slug):
        return self.get(article__slug=article_slug)


class Thread(models.Model):
    """The discussion under one article, and whether it takes new comments."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")

    article = models.OneToOneField(
        "articles.Article",
        on_delete=models.CASCADE,
        related_name="thread",
        verbose_name=_("article"),
    )
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.OPEN, verbose_name=_("status")
    )
    # Who opened or closed the thread last, and when; empty while it never changed.
    status_changed_at = models.DateTimeField(
        null=True, blank=True, verbose_name=_("status changed at")
    )
    status_changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("status changed by"),
    )
    closing_message = models.CharField(
        max_length=500,
        blank=True,
        help_text=_("Shown to readers under “Comments are closed.”"),
        verbose_name=_("closing message"),
    )
    keep_open = models.BooleanField(
        default=False,
        help_text=_("Stay open even when comments close automatically on older articles."),
        verbose_name=_("keep open"),
    )
    # Bumped by every change to what readers see in the thread (a comment posted,
    # edited, moderated; the thread opened or closed), so that a cached copy of the
    # comment section knows it is stale.
    version = models.PositiveIntegerField(default=0, editable=False, verbose_name=_("version"))
    # Counts kept by the services on every change, so that the article page does not
    # count thousands of comments on every view: published comments (the heading) and
    # published top-level comments (the number of pages).
    published_count = models.PositiveIntegerField(
        default=0, editable=False, verbose_name=_("comments published")
    )
    root_count = models.PositiveIntegerField(
        default=0, editable=False, verbose_name=_("top-level comments published")
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    objects = ThreadManager()

    class Meta:
        verbose_name = _("thread")
        verbose_name_plural = _("threads")
        permissions = [("close_thread", _("Can open and close comment threads"))]

    def __str__(self):
        return gettext("Comments on “%(title)s”") % {"title": self.article}

    def natural_key(self):
        return self.article.natural_key()

    natural_key.dependencies = ["articles.article"]

    @property
    def closes_automatically_at(self):
        """When comments close by themselves, if the site closes old threads (WordPress's
        "close comments on articles older than N days") and this one is not kept open."""
        days = settings.FORUM_AUTO_CLOSE_DAYS
        if not days or self.keep_open:
            return None
        return self.article.published_at + timedelta(days=days)

    @property
    def is_open(self) -> bool:
        closes_at = self.closes_automatically_at
        return self.status == self.Status.OPEN and (closes_at is None or timezone.now() < closes_at)


class CommentQuerySet(models.QuerySet):
    def published(self):
        return self.filter(status=Comment.Status.PUBLISHED)

    def awaiting_moderation(self):
        return self.filter(status=Comment.Status.PENDING)

    def counted(self):
        """The comments the heading counts: published and not deleted by their author."""
        return self.published().filter(deleted_at__isnull=True)

    def answered(self):
        """Comments with at least one published reply below them."""
        return self.filter(
            models.Exists(Comment.objects.counted().filter(root=models.OuterRef("pk")))
        )

    def page_roots(self):
        """The top-level comments that pages of a thread are made of: all but those their
        author deleted and nobody answered (those leave no trace on the page)."""
        answered = Comment.objects.counted().filter(root=models.OuterRef("pk"))
        return self.filter(parent__isnull=True).filter(
            Q(deleted_at__isnull=True) | Q(models.Exists(answered))
        )

    def visible_to(self, user):
        """What ``user`` sees on the article page: published comments, and their own
        comments that wait for a moderator."""
        if user.is_authenticated:
            return self.filter(
                Q(status=Comment.Status.PUBLISHED) | Q(status=Comment.Status.PENDING, author=user)
            )
        return self.published()


class CommentManager(models.Manager.from_queryset(CommentQuerySet)):
    def get_by_natural_key(self, source_id, pk=None):
        if source_id:
            return self.get(source_id=source_id)
        if pk is None:
            # A dump made with --natural-primary: its comments lost their ids, and the
            # replies and reports that point at them cannot be matched up again.
            raise ValueError(
                "A comment written on this forum is known only by its id: "
                "dump without --natural-primary."
            )
        return self.get(pk=pk)


def english(label) -> str:
    """A translatable label (a choice's, say) as it is stored: in English whatever the
    language of the request that stores it, as every stored sentence is (hold reasons,
    the audit log); the pages translate the codes, not the stored words."""
    with translation.override("en"):
        return str(label)


class ReasonCode(models.TextChoices):
    """Why a comment is held or rejected: set by a rule in forum/moderation.py or by a
    moderator. The author is told the label."""

    FIRST_COMMENT = "first_comment", _("first comment")
    LINKS = "links", _("too many links")
    HELD_WORD = "held_word", _("held word")
    DISALLOWED_WORD = "disallowed_word", _("disallowed word")
    PREMODERATED = "premoderated", _("author is pre-moderated")
    MANUAL_APPROVAL = "manual_approval", _("all comments are approved by hand")
    REPORTED = "reported", _("reported by readers")
    SPAM = "spam", _("spam")
    OFF_TOPIC = "off_topic", _("off-topic")
    ABUSE = "abuse", _("abusive or a personal attack")
    PRIVACY = "privacy", _("shares personal information")
    OTHER = "other", _("against the house rules")
    AUTHOR_DELETED = "author_deleted", _("deleted by its author")


class Comment(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        PUBLISHED = "published", _("Published")
        SPAM = "spam", _("Spam")
        REMOVED = "removed", _("Removed")

    class Kind(models.TextChoices):
        COMMENT = "comment", _("Comment")
        PINGBACK = "pingback", _("Pingback")
        TRACKBACK = "trackback", _("Trackback")

    thread = models.ForeignKey(
        Thread, on_delete=models.CASCADE, related_name="comments", verbose_name=_("thread")
    )
    # Replies are other readers' words: deleting a comment never takes them with it.
    # A comment with replies goes only with its whole thread (its article deleted).
    parent = models.ForeignKey(
        "self",
        on_delete=models.RESTRICT,
        null=True,
        blank=True,
        related_name="replies",
        verbose_name=_("parent"),
    )
    # The top-level comment this one answers, however deep: a page of threads is its
    # top-level comments plus everything with those as root, in one query.
    root = models.ForeignKey(
        "self",
        on_delete=models.RESTRICT,
        null=True,
        blank=True,
        related_name="descendants",
        db_index=False,  # the comment_root_replies index covers it
        verbose_name=_("top-level comment"),
    )
    # An account with comments is deleted only by erasing it (forum/personal_data.py),
    # which signs them "[deleted user]" and forgets what was known of the author; a
    # plain delete (the shell, a script) is refused rather than leave them "Anonymous"
    # with their IP addresses.
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="comments",
        verbose_name=_("author"),
    )
    author_name = models.CharField(
        max_length=80,
        blank=True,
        help_text=_("For comments without an account (imported ones): the name to show."),
        verbose_name=_("author name"),
    )
    body = models.TextField(verbose_name=_("body"))
    # The body as sanitised HTML, rendered once when the comment is written
    # (forum/rendering.py), so that pages do not render it again on every view.
    body_html = models.TextField(editable=False, blank=True, verbose_name=_("body as HTML"))
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.PENDING, verbose_name=_("status")
    )
    reason_code = models.CharField(
        max_length=30,
        choices=ReasonCode.choices,
        blank=True,
        help_text=_("Which rule or decision held or rejected the comment. Blank when published."),
        verbose_name=_("reason code"),
    )
    reason = models.CharField(
        max_length=300,
        blank=True,
        help_text=_("Why the comment is held or rejected, in plain words. Blank when published."),
        verbose_name=_("reason"),
    )
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))
    edited_at = models.DateTimeField(null=True, blank=True, verbose_name=_("edited at"))
    # Set when the author deletes the comment. Moderators still see what it said; readers
    # see "[comment deleted]" if it has replies, and nothing otherwise.
    deleted_at = models.DateTimeField(null=True, blank=True, verbose_name=_("deleted at"))
    # The last moderator decision on the comment; empty if none was made.
    # When readers could first see the comment: replies are announced only then, not when
    # a comment hidden for a while comes back.
    first_published_at = models.DateTimeField(
        null=True, blank=True, editable=False, verbose_name=_("first published at")
    )
    moderated_at = models.DateTimeField(null=True, blank=True, verbose_name=_("moderated at"))
    # What the comment was before a moderator marked it spam or removed it, so that
    # restoring it puts it back there (as WordPress keeps _wp_trash_meta_status): a
    # comment that was never approved goes back to the queue, not onto the page.
    status_before_removal = models.CharField(
        max_length=10,
        choices=Status.choices,
        blank=True,
        editable=False,
        verbose_name=_("status before removal"),
    )
    moderated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("moderated by"),
    )
    ip_address = models.GenericIPAddressField(
        _("author's IP address"), null=True, blank=True, help_text=_("For moderators only.")
    )
    # What an imported comment's old system knew of its author, for moderators only
    # (never on a page, in a feed or in the API). Comments written here take all of it
    # from the author's account.
    author_email = models.EmailField(
        _("author's email"), max_length=254, blank=True, help_text=_("For moderators only.")
    )
    author_url = models.URLField(
        _("author's website"), max_length=500, blank=True, help_text=_("For moderators only.")
    )
    user_agent = models.CharField(
        _("author's browser"), max_length=500, blank=True, help_text=_("For moderators only.")
    )
    # A Disqus guest's address was never checked by anyone, so confirming it here does not
    # make the post theirs. None: not known (Disqus posts imported before this was kept).
    author_anonymous = models.BooleanField(
        _("posted anonymously"),
        null=True,
        default=False,
        editable=False,
        help_text=_("Imported as an anonymous (guest) post: never given to an account."),
    )
    kind = models.CharField(
        max_length=10,
        choices=Kind.choices,
        default=Kind.COMMENT,
        help_text=_("Pingbacks and trackbacks come only from imports (--with-pingbacks)."),
        verbose_name=_("kind"),
    )
    source_id = models.CharField(
        max_length=500,
        blank=True,
        default="",
        help_text=_("Identifier in the system the comment was imported from, if any."),
        verbose_name=_("source id"),
    )

    objects = CommentManager()

    class Meta:
        verbose_name = _("comment")
        verbose_name_plural = _("comments")
        ordering = ["created_at", "id"]
        permissions = [("moderate_comment", _("Can moderate comments"))]
        indexes = [
            # The article page: one thread's comments in order, its top-level ones for
            # paging, and the replies under a page's top-level comments.
            models.Index(fields=["thread", "status", "created_at"], name="comment_thread_page"),
            models.Index(
                fields=["thread", "created_at", "id"],
                condition=Q(parent__isnull=True),
                name="comment_thread_roots",
            ),
            models.Index(fields=["root", "created_at"], name="comment_root_replies"),
            # "Has this top-level comment a published reply?" (deleted ones stay if so).
            models.Index(
                fields=["root"],
                condition=Q(status="published", deleted_at__isnull=True),
                name="comment_counted_replies",
            ),
            # The moderation queue: one status, oldest or newest first.
            models.Index(fields=["status", "created_at"], name="comment_queue"),
            # "Has this reader a published comment yet?"
            models.Index(fields=["author", "status"], name="comment_author_status"),
            # "Did this reader post in the last few seconds?" (the flood rule)
            models.Index(fields=["author", "created_at"], name="comment_author_recent"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="published") | Q(reason="", reason_code=""),
                name="comment_published_has_no_reason",
            ),
            models.UniqueConstraint(
                fields=["source_id"], condition=~Q(source_id=""), name="comment_unique_source_id"
            ),
        ]

    def __str__(self):
        return f"{self.author_display_name}: {self.excerpt}"

    def get_absolute_url(self):
        """The permalink, which finds the page the comment is on."""
        return reverse("forum:comment-permalink", args=[self.pk])

    def natural_key(self):
        """Imported comments are known by their old system's id (the seed fixture loads
        twice without duplicates); comments written here, which all share an empty
        ``source_id``, by their own id, so that a dump with --natural-foreign points
        replies, reports and audit rows at the right comment."""
        if self.source_id:
            return (self.source_id,)
        return ("", self.pk)

    @property
    def author_display_name(self) -> str:
        if self.author_id:
            return self.author.public_name
        return self.author_name or gettext("Anonymous")

    @property
    def excerpt(self) -> str:
        return Truncator(" ".join(self.body.split())).chars(80)


class CommentRevision(models.Model):
    """An earlier text of an edited comment, kept for moderators."""

    comment = models.ForeignKey(
        Comment, on_delete=models.CASCADE, related_name="revisions", verbose_name=_("comment")
    )
    body = models.TextField(verbose_name=_("body"))
    written_at = models.DateTimeField(
        help_text=_("When this text was posted or last edited."), verbose_name=_("written at")
    )

    class Meta:
        verbose_name = _("earlier text")
        verbose_name_plural = _("earlier texts")
        ordering = ["comment", "written_at", "id"]

    def __str__(self):
        return gettext("Earlier text of comment %(id)s") % {"id": self.comment_id}


class ReportQuerySet(models.QuerySet):
    def unresolved(self):
        """Reports no moderator has decided on yet."""
        return self.filter(resolved_at__isnull=True)


class Report(models.Model):
    """A reader's report that a comment breaks the rules."""

    class Reason(models.TextChoices):
        SPAM = "spam", _("Spam")
        ABUSE = "abuse", _("Abusive or a personal attack")
        OFF_TOPIC = "off_topic", _("Off-topic")
        OTHER = "other", _("Something else")

    comment = models.ForeignKey(
        Comment, on_delete=models.CASCADE, related_name="reports", verbose_name=_("comment")
    )
    # Empty once the reporter erased their account: a report still open stays in the
    # moderators' queue without them.
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="reports",
        verbose_name=_("reporter"),
    )
    reason = models.CharField(max_length=20, choices=Reason.choices, verbose_name=_("reason"))
    details = models.CharField(max_length=500, blank=True, verbose_name=_("details"))
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))
    # Set when a moderator decides on the reported comment.
    resolved_at = models.DateTimeField(null=True, blank=True, verbose_name=_("resolved at"))

    objects = ReportQuerySet.as_manager()

    class Meta:
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["comment", "reporter"], name="report_once_per_reader_per_comment"
            )
        ]
        indexes = [models.Index(fields=["resolved_at", "comment"], name="report_open")]

    def __str__(self):
        return gettext("%(reason)s report on comment %(id)s") % {
            "reason": self.get_reason_display(),
            "id": self.comment_id,
        }


class ModerationWord(models.Model):
    """A word or phrase that holds or rejects comments that contain it."""

    class Kind(models.TextChoices):
        HOLD = "hold", _("Hold for moderation")
        DISALLOW = "disallow", _("Disallow (mark as spam)")

    phrase = models.CharField(
        max_length=100,
        help_text=_(
            "A word or phrase; matched as whole words, ignoring case and accents "
            "written in compatible forms."
        ),
        verbose_name=_("phrase"),
    )
    kind = models.CharField(max_length=10, choices=Kind.choices, verbose_name=_("kind"))

    class Meta:
        verbose_name = _("moderation word")
        verbose_name_plural = _("moderation words")
        ordering = ["kind", "phrase"]
        constraints = [
            models.UniqueConstraint(fields=["phrase", "kind"], name="moderation_word_unique")
        ]

    def __str__(self):
        return self.phrase

    CACHE_KEY = "forum:moderation-words"

    @classmethod
    def listed(cls) -> list[tuple[str, str]]:
        """Every (kind, phrase), read by every post; kept in the cache, which
        ``forum.signals`` empties when a word is saved or deleted."""
        words = cache.get(cls.CACHE_KEY)
        if words is None:
            words = list(cls.objects.values_list("kind", "phrase"))
            cache.set(cls.CACHE_KEY, words, 300)
        return words


class SiteSettings(models.Model):
    """Forum-wide switches that moderators flip in the admin. There is one row."""

    read_only = models.BooleanField(
        default=False,
        help_text=_("Nobody can post, reply or edit anywhere on the site."),
        verbose_name=_("read only"),
    )
    approve_all_manually = models.BooleanField(
        _("approve every comment by hand"),
        default=False,
        help_text=_("Hold every reader's comment for a moderator."),
    )
    # When moderators were last mailed about the queue (mails are batched).
    moderators_notified_at = models.DateTimeField(
        null=True, blank=True, editable=False, verbose_name=_("moderators notified at")
    )

    class Meta:
        verbose_name = verbose_name_plural = _("site settings")

    def __str__(self):
        return gettext("Site settings")

    CACHE_KEY = "forum:site-settings"

    @classmethod
    def load(cls) -> "SiteSettings":
        """The settings in force; the defaults until a moderator first saves them.

        Read on every article page, so kept in the cache; ``forget`` drops it when the
        settings change."""
        site = cache.get(cls.CACHE_KEY)
        if site is None:
            site = cls.objects.filter(pk=1).first() or cls(pk=1)
            cache.set(cls.CACHE_KEY, site, 60)
        return site

    @classmethod
    def forget(cls) -> None:
        cache.delete(cls.CACHE_KEY)


class Subscription(models.Model):
    """A reader who wants a mail when a reply is published in a thread."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="subscriptions",
        verbose_name=_("user"),
    )
    thread = models.ForeignKey(
        Thread, on_delete=models.CASCADE, related_name="subscriptions", verbose_name=_("thread")
    )
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("followed discussion")
        verbose_name_plural = _("followed discussions")
        constraints = [
            models.UniqueConstraint(fields=["user", "thread"], name="subscription_unique")
        ]

    def __str__(self):
        return f"{self.user} follows {self.thread}"


class ModerationEvent(models.Model):
    """The audit log: one row for every moderation decision. Never edited or deleted."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Who did it; empty for the forum's own rules."),
        verbose_name=_("actor"),
    )
    # The actor's username when it happened, kept if their account is deleted later.
    actor_name = models.CharField(max_length=150, blank=True, verbose_name=_("actor's name"))
    action = models.CharField(max_length=40, verbose_name=_("action"))
    comment = models.ForeignKey(
        Comment,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="events",
        verbose_name=_("comment"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="moderation_events",
        help_text=_("The user the action was about, if any."),
        verbose_name=_("user"),
    )
    thread = models.ForeignKey(
        Thread,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="events",
        verbose_name=_("thread"),
    )
    from_status = models.CharField(max_length=20, blank=True, verbose_name=_("from status"))
    to_status = models.CharField(max_length=20, blank=True, verbose_name=_("to status"))
    reason = models.CharField(max_length=500, blank=True, verbose_name=_("reason"))
    created_at = models.DateTimeField(
        default=timezone.now, db_index=True, verbose_name=_("created at")
    )

    class Meta:
        verbose_name = _("moderation event")
        verbose_name_plural = _("moderation events")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        who = self.actor_name or gettext("the forum")
        return f"{who}: {self.action}"
