from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.text import Truncator


class User(AbstractUser):
    """Everyone who signs in: readers, moderators, editors.

    Both apps point here through ``settings.AUTH_USER_MODEL``.
    """

    display_name = models.CharField(
        max_length=80,
        blank=True,
        help_text="The name shown with your comments. Your username is used if this is empty.",
    )

    @property
    def public_name(self) -> str:
        return self.display_name or self.username


class ThreadManager(models.Manager):
    def get_by_natural_key(self, article_slug):
        return self.get(article__slug=article_slug)


class Thread(models.Model):
    """The discussion under one article, and whether it takes new comments."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        CLOSED = "closed", "Closed"

    article = models.OneToOneField(
        "articles.Article", on_delete=models.CASCADE, related_name="thread"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    # Who opened or closed the thread last, and when; empty while it never changed.
    status_changed_at = models.DateTimeField(null=True, blank=True)
    status_changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    closing_message = models.CharField(
        max_length=500, blank=True, help_text="Shown to readers under “Comments are closed.”"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ThreadManager()

    class Meta:
        permissions = [("close_thread", "Can open and close comment threads")]

    def __str__(self):
        return f"Comments on “{self.article}”"

    def natural_key(self):
        return self.article.natural_key()

    natural_key.dependencies = ["articles.article"]

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN


class CommentQuerySet(models.QuerySet):
    def published(self):
        return self.filter(status=Comment.Status.PUBLISHED)

    def awaiting_moderation(self):
        return self.filter(status=Comment.Status.PENDING)

    def visible_to(self, user):
        """What ``user`` sees on the article page: published comments, and their own
        comments that wait for a moderator."""
        if user.is_authenticated:
            return self.filter(
                Q(status=Comment.Status.PUBLISHED) | Q(status=Comment.Status.PENDING, author=user)
            )
        return self.published()


class CommentManager(models.Manager.from_queryset(CommentQuerySet)):
    def get_by_natural_key(self, source_id):
        return self.get(source_id=source_id)


class Comment(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        PUBLISHED = "published", "Published"
        SPAM = "spam", "Spam"
        REMOVED = "removed", "Removed"

    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="comments")
    parent = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="replies"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="comments",
    )
    author_name = models.CharField(
        max_length=80,
        blank=True,
        help_text="For comments without an account (imported ones): the name to show.",
    )
    body = models.TextField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    reason = models.CharField(
        max_length=200,
        blank=True,
        help_text="Why the comment is held or rejected, in plain words. Blank when published.",
    )
    created_at = models.DateTimeField(default=timezone.now)
    edited_at = models.DateTimeField(null=True, blank=True)
    # The last moderator decision on the comment; empty if none was made.
    moderated_at = models.DateTimeField(null=True, blank=True)
    moderated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    ip_address = models.GenericIPAddressField(
        "author's IP address", null=True, blank=True, help_text="For moderators only."
    )
    source_id = models.CharField(
        max_length=200,
        blank=True,
        default="",
        help_text="Identifier in the system the comment was imported from, if any.",
    )

    objects = CommentManager()

    class Meta:
        ordering = ["created_at", "id"]
        permissions = [("moderate_comment", "Can moderate comments")]
        indexes = [
            # The article page: one thread's comments in order.
            models.Index(fields=["thread", "status", "created_at"], name="comment_thread_page"),
            # The moderation queue: one status, oldest or newest first.
            models.Index(fields=["status", "created_at"], name="comment_queue"),
            # "Has this reader a published comment yet?"
            models.Index(fields=["author", "status"], name="comment_author_status"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="published") | Q(reason=""),
                name="comment_published_has_no_reason",
            ),
            models.UniqueConstraint(
                fields=["source_id"], condition=~Q(source_id=""), name="comment_unique_source_id"
            ),
        ]

    def __str__(self):
        return f"{self.author_display_name}: {self.excerpt}"

    def get_absolute_url(self):
        return f"{reverse('articles:detail', args=[self.thread.article.slug])}#comment-{self.pk}"

    def natural_key(self):
        return (self.source_id,)

    @property
    def author_display_name(self) -> str:
        if self.author_id:
            return self.author.public_name
        return self.author_name or "Anonymous"

    @property
    def excerpt(self) -> str:
        return Truncator(" ".join(self.body.split())).chars(80)
