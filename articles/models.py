import re

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ArticleQuerySet(models.QuerySet):
    def published(self):
        """Articles readers may see: published, and not scheduled for later."""
        return self.filter(status=Article.Status.PUBLISHED, published_at__lte=timezone.now())


class ArticleManager(models.Manager.from_queryset(ArticleQuerySet)):
    def get_by_natural_key(self, slug):
        return self.get(slug=slug)


class Article(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")

    title = models.CharField(max_length=300, verbose_name=_("title"))
    slug = models.SlugField(max_length=300, unique=True, verbose_name=_("slug"))
    standfirst = models.TextField(
        blank=True,
        help_text=_("A short summary shown under the title."),
        verbose_name=_("standfirst"),
    )
    body = models.TextField(
        help_text=_("The story. Separate paragraphs with a blank line."), verbose_name=_("body")
    )
    image_alt = models.CharField(
        _("image description"),
        max_length=300,
        blank=True,
        help_text=_("What the story's photo shows, for readers who cannot see it."),
    )
    image_caption = models.CharField(max_length=500, blank=True, verbose_name=_("image caption"))
    credit = models.CharField(
        _("credit or source"), max_length=300, blank=True, help_text=_("Who wrote or supplied it.")
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="articles",
        verbose_name=_("author"),
    )
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.DRAFT, verbose_name=_("status")
    )
    published_at = models.DateTimeField(_("publication time"), default=timezone.now)
    source_note = models.TextField(
        blank=True,
        help_text=_(
            "Internal: where this story came from and what was assumed when importing it. "
            "Never shown to readers."
        ),
        verbose_name=_("source note"),
    )
    # Where the story came from, when it was imported (forum/importers): its address on
    # the old site, which Disqus threads are matched by, and the key that makes a second
    # import of the same export add nothing twice.
    source_url = models.URLField(
        _("original address"),
        max_length=500,
        blank=True,
        db_index=True,
        help_text=_("The story's address on the site it was imported from, if any."),
    )
    source_id = models.CharField(
        max_length=500,
        blank=True,
        default="",
        editable=False,
        help_text=_("Identifier in the system the story was imported from, if any."),
        verbose_name=_("source id"),
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    objects = ArticleManager()

    class Meta:
        verbose_name = _("article")
        verbose_name_plural = _("articles")
        ordering = ["-published_at", "-id"]
        indexes = [models.Index(fields=["status", "-published_at"], name="article_listing")]
        constraints = [
            models.UniqueConstraint(
                fields=["source_id"], condition=~Q(source_id=""), name="article_unique_source_id"
            )
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("articles:detail", kwargs={"slug": self.slug})

    def natural_key(self):
        return (self.slug,)

    @property
    def paragraphs(self) -> list[str]:
        """The body split on blank lines, each paragraph's own line breaks kept."""
        text = self.body.replace("\r\n", "\n")
        return [part.strip("\n") for part in re.split(r"\n[ \t]*\n", text) if part.strip()]

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED and self.published_at <= timezone.now()
