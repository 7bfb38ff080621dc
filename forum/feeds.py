"""Comment feeds for feed readers: the latest comments of one story, and of the site.

RSS 2.0 (Django's default feed type): it is what WordPress offers for comments, so
every feed reader and news aggregator a newsroom's readers use knows it, and the
``<link rel="alternate" type="application/rss+xml">`` of the pages names it.

A feed shows what any visitor may read on the pages, nothing more: published comments,
not deleted by their author, under published stories, each with the name shown on the
page and its sanitised HTML; never an email (no ``item_author_email``), an IP address
or a comment that waits for a moderator.

Feed readers poll, so each feed is kept in the cache under a key that changes with
what it shows (see ``cache_key``), and a poll costs one small query.
"""

import hashlib
import time

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.core.cache import cache
from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Count, Q, Sum
from django.http import Http404, HttpResponse
from django.urls import reverse
from django.utils import translation
from django.utils.cache import get_conditional_response
from django.utils.http import http_date
from django.utils.translation import gettext

from .exporters.wordpress import NOT_IN_XML
from .links import absolute
from .models import Comment, Thread
from .threads import on_published_articles, published_thread

# How many comments a feed holds (WordPress: 10 posts per feed, by default).
FEED_ITEMS = 20

# Bump when what a feed shows of a comment changes, so that cached copies are not reused.
FEED_VERSION = 1


def xml_text(text: str) -> str:
    """``text`` without what XML 1.0 cannot carry (the export's rule). The forms refuse
    such characters, but a name or a title edited in the admin, or a comment stored
    before they did, must not stop the feed."""
    return NOT_IN_XML.sub("", text)


def feed_comments():
    """The comments feeds show, newest first: published and not deleted (``counted()``),
    under published stories, with their author and story.

    A reply is shown on the page only below its parent, so one whose parent or
    top-level comment a moderator took away is left out here too (deeper ancestors are
    not checked: that would take a recursive query, for a rare case).
    """
    return (
        on_published_articles(Comment.objects.counted())
        .filter(Q(parent__isnull=True) | Q(parent__status=Comment.Status.PUBLISHED))
        .filter(Q(root__isnull=True) | Q(root__status=Comment.Status.PUBLISHED))
        .select_related("author", "thread__article")
        .order_by("-created_at", "-id")
    )


class CachedFeed(Feed):
    """A feed drawn once per ``cache_key`` and then served from the cache.

    Django's ``Feed.__call__`` with the cache around it: the object is looked up first
    (a missing one is a 404), and only a key not in the cache draws the feed.
    """

    def cache_key(self, obj) -> str:
        raise NotImplementedError

    def cache_seconds(self) -> int:
        # The comment list's own setting: 0 turns every cache of rendered comments off.
        return settings.FORUM_SECTION_CACHE_SECONDS

    def __call__(self, request, *args, **kwargs):
        try:
            obj = self.get_object(request, *args, **kwargs)
        except ObjectDoesNotExist:
            raise Http404("Feed object does not exist.") from None
        key = self.cache_key(obj)
        cached = cache.get(key) if self.cache_seconds() else None
        if cached is None:
            # In the site's language whoever asks: one copy serves every feed reader.
            with translation.override(settings.LANGUAGE_CODE):
                feed = self.get_feed(obj, request)
                content = feed.writeString("utf-8").encode()
            # When this copy was drawn, not the newest comment's date as Django's Feed
            # says: approving an older comment or removing the newest one changes the
            # feed without moving that date, and a reader polling with
            # If-Modified-Since would be told nothing changed.
            last_modified = int(time.time())
            cached = (feed.content_type, content, last_modified)
            if self.cache_seconds():
                cache.set(key, cached, self.cache_seconds())
        content_type, content, last_modified = cached
        response = HttpResponse(content, content_type=content_type)
        response.headers["Content-Language"] = settings.LANGUAGE_CODE
        response.headers["Last-Modified"] = http_date(last_modified)
        # Feed readers poll with If-None-Match or If-Modified-Since: the key stands for
        # the content, so an unchanged feed costs them a 304 and no download.
        response.headers["ETag"] = f'"{hashlib.sha256(key.encode()).hexdigest()[:32]}"'
        return get_conditional_response(
            request, etag=response.headers["ETag"], last_modified=last_modified, response=response
        )

    # What every item shows: the same for both feeds.

    def item_title(self, comment: Comment) -> str:
        return xml_text(
            gettext("Comment by %(author)s on %(title)s")
            % {"author": comment.author_display_name, "title": comment.thread.article.title}
        )

    def item_description(self, comment: Comment) -> str:
        return xml_text(comment.body_html)  # sanitised when the comment was written

    def item_link(self, comment: Comment) -> str:
        return absolute(comment.get_absolute_url())

    def item_pubdate(self, comment: Comment):
        return comment.created_at

    def item_updateddate(self, comment: Comment):
        return comment.edited_at or comment.created_at

    def item_author_name(self, comment: Comment) -> str:
        return xml_text(comment.author_display_name)


class ArticleCommentsFeed(CachedFeed):
    """The latest comments under one story: ``/articles/<slug>/comments/feed/``."""

    def get_object(self, request, slug: str) -> Thread:
        return published_thread(slug)

    def cache_key(self, thread: Thread) -> str:
        # Every change readers would notice bumps the thread's version (a comment posted,
        # edited, moderated, the story's title changed), so a new comment shows at once.
        # With the thread's creation time, a rebuilt database cannot meet old copies.
        return ":".join(
            str(part)
            for part in (
                "forum:feed:article",
                FEED_VERSION,
                thread.pk,
                thread.created_at.timestamp(),
                thread.version,
                hashlib.sha256(settings.FORUM_SITE_URL.encode()).hexdigest()[:16],
            )
        )

    def title(self, thread: Thread) -> str:
        return xml_text(gettext("Comments on “%(title)s”") % {"title": thread.article.title})

    def link(self, thread: Thread) -> str:
        return absolute(thread.article.get_absolute_url())

    def feed_url(self, thread: Thread) -> str:
        return absolute(reverse("forum:article-comments-feed", args=[thread.article.slug]))

    def description(self, thread: Thread) -> str:
        return xml_text(
            gettext("The latest comments on “%(title)s”.") % {"title": thread.article.title}
        )

    def items(self, thread: Thread):
        return feed_comments().filter(thread=thread)[:FEED_ITEMS]


class SiteCommentsFeed(CachedFeed):
    """The latest comments under every story: ``/comments/feed/``."""

    def title(self) -> str:
        return gettext("News Forum: latest comments")

    def description(self) -> str:
        return gettext("The latest comments on every story.")

    def link(self) -> str:
        return absolute(reverse("articles:list"))

    def feed_url(self) -> str:
        return absolute(reverse("forum:comments-feed"))

    def cache_key(self, obj) -> str:
        # Versions only grow, and every change readers would notice bumps one by one, so
        # the sum of every thread's version changes with any change anywhere (their
        # maximum would not: it moves only with the busiest thread). A thread deleted
        # with its story lowers the sum, which later bumps could bring back; the number
        # of threads in the key, and a short time in the cache, keep such a copy from
        # living long. One aggregate over the threads, not over their comments.
        totals = Thread.objects.aggregate(versions=Sum("version"), threads=Count("pk"))
        return ":".join(
            str(part)
            for part in (
                "forum:feed:site",
                FEED_VERSION,
                totals["versions"] or 0,
                totals["threads"],
                hashlib.sha256(settings.FORUM_SITE_URL.encode()).hexdigest()[:16],
            )
        )

    def cache_seconds(self) -> int:
        # Also bounds a story scheduled for later that comes out with comments already
        # under it: the time passing bumps no version.
        return min(super().cache_seconds(), 300)

    def items(self):
        return feed_comments()[:FEED_ITEMS]
