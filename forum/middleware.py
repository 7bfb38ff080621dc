"""Addresses with a NUL character are refused (RefuseNulInAddressMiddleware), before
anything reads them: PostgreSQL cannot compare text with a NUL in it, and no page of
the site has one in its address.

And three things done to article pages.

A comment page past the last one (CommentPageRedirectMiddleware) is redirected to the last,
as WordPress does, so that ``?cpage=99`` is not a page of its own.

A whole-page cache for visitors who are not signed in (VisitorPageCacheMiddleware): a
story that goes viral is read by thousands a second, nearly all of them not signed in,
and they all get the same page. So the page is kept in the cache, keyed by its thread's
version (which every change to the comments, the thread or the article bumps), and
served from there with one small query. Signed-in readers, who have a form, a name in
the header and perhaps comments of their own, always get a page made for them.

The reader's order of comments (CommentOrderMiddleware): ``?corder=newest|oldest`` is
remembered in a cookie, and the cookie gives the order when the address names none. The
visitor's cached page is keyed by that order too.

The comment list put in place last (DeferredHtmlMiddleware): a whole thread's list runs
to megabytes, and each template it passes through (the section, the article page, the
base page) copies it whole. So templates get a short placeholder from ``defer_html()``,
and the list goes into the finished page once, as bytes.
"""

import codecs
import hashlib
import logging
import secrets
from collections import OrderedDict

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import HttpResponse, HttpResponseBadRequest, HttpResponseRedirect
from django.utils import timezone, translation
from django.utils.safestring import SafeString, mark_safe

from articles.models import Article

from .models import Comment, SiteSettings, Thread
from .threads import ALL, page_count, parse_page, published_threads

logger = logging.getLogger(__name__)

ARTICLE_PAGE = "articles:detail"

# What a visitor's page depends on, besides the site's read-only switch: the thread's
# version, and whether it takes comments (its state, its article's age). Asked on every
# visit, so written out once: the ORM takes longer to build this query than the database
# takes to answer it.
THREAD_STATE = """
    SELECT thread.id, thread.created_at, thread.version, thread.status, thread.keep_open,
           article.published_at
    FROM forum_thread thread
    JOIN articles_article article ON article.id = thread.article_id
    WHERE article.slug = %s AND article.status = %s AND article.published_at <= %s
"""
ALLOWED_PARAMETERS = {"cpage", "corder"}

# The reader's chosen order of comments, kept for a year.
ORDER_COOKIE = "forum_corder"
ORDER_COOKIE_AGE = 365 * 24 * 60 * 60
ORDERS = ("newest", "oldest")


class RecentPages:
    """The last few pages served, in this process's memory, in front of the shared cache:
    a hot page is large (hundreds of comments) and asked for many times a second. The
    keys carry the thread's version, so a copy here is never stale, only unused."""

    def __init__(self, size: int):
        self.size = size
        self.pages = OrderedDict()

    def get(self, key):
        content = self.pages.get(key)
        if content is not None:
            self.pages.move_to_end(key)
        return content

    def put(self, key, content) -> None:
        self.pages[key] = content
        self.pages.move_to_end(key)
        while len(self.pages) > self.size:
            self.pages.popitem(last=False)


recent_pages = RecentPages(size=32)


NUL_IN_ADDRESS = "This address contains a NUL character (%00), which no page of this site has."


class RefuseNulInAddressMiddleware:
    """400 for a path or query string with a NUL in it, once decoded (``%00``). A NUL
    in a form's field is the form's to refuse, with its message next to the field."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        query = [part for name, values in request.GET.lists() for part in (name, *values)]
        if "\x00" in request.path or any("\x00" in part for part in query):
            return HttpResponseBadRequest(NUL_IN_ADDRESS, content_type="text/plain; charset=utf-8")
        return self.get_response(request)


class CommentPageRedirectMiddleware:
    """``?cpage=N`` past the thread's last page answers 302 to the last page (the rest of
    the query kept). What is not a page number at all shows page 1, and ``cpage=all``
    every comment, as before. Asks the database only for a number above 1."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if (
            request.method not in ("GET", "HEAD")
            or request.resolver_match is None
            or request.resolver_match.view_name != ARTICLE_PAGE
        ):
            return None
        number = parse_page(request.GET.get("cpage"))
        if number == ALL or number == 1:
            return None
        thread = (
            published_threads()
            .filter(article__slug=view_kwargs.get("slug"))
            .values("pk", "root_count")
            .first()
        )
        if thread is None:
            return None  # not found, or no thread: the view answers
        last = page_count(thread["root_count"])
        if number > last and request.user.is_authenticated:
            # A reader's own waiting comments make pages that visitors do not have.
            roots = Comment.objects.visible_to(request.user).filter(thread=thread["pk"])
            last = page_count(roots.page_roots().count())
        if number <= last:
            return None
        query = request.GET.copy()
        if last > 1:
            query["cpage"] = str(last)
        else:
            del query["cpage"]
        return HttpResponseRedirect(request.path + (f"?{query.urlencode()}" if query else ""))


def comment_order(request) -> str | None:
    """The order the reader wants, "newest" or "oldest": the address's ``?corder=``, else
    the one their cookie remembers; None for the site's default (FORUM_NEWEST_FIRST)."""
    for chosen in (request.GET.get("corder"), request.COOKIES.get(ORDER_COOKIE)):
        if chosen in ORDERS:
            return chosen
    return None


class CommentOrderMiddleware:
    """Remembers the order asked for on an article page (``?corder=``) in a cookie, so
    that the reader's next visit, or the next story, shows comments the same way."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        chosen = request.GET.get("corder")
        if (
            chosen in ORDERS
            and chosen != request.COOKIES.get(ORDER_COOKIE)
            and request.resolver_match is not None
            and request.resolver_match.view_name == ARTICLE_PAGE
        ):
            response.set_cookie(
                ORDER_COOKIE,
                chosen,
                max_age=ORDER_COOKIE_AGE,
                secure=settings.SESSION_COOKIE_SECURE,
                httponly=True,
                samesite="Lax",
            )
        return response


class VisitorPageCacheMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        key = getattr(request, "_visitor_page_key", None)
        if key is not None and response.status_code == 200 and not response.streaming:
            cache.set(key, response.content, settings.FORUM_SECTION_CACHE_SECONDS)
        return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        key = self.key(request, view_kwargs)
        if key is None:
            return None
        content = recent_pages.get(key)
        if content is None:
            content = cache.get(key)
            if content is not None:
                recent_pages.put(key, content)
        if content is not None:
            return HttpResponse(content)
        request._visitor_page_key = key
        return None

    def key(self, request, view_kwargs) -> str | None:
        """The page's cache key, or None when this request must get a page of its own."""
        if (
            not settings.FORUM_SECTION_CACHE_SECONDS
            or request.method != "GET"
            or request.resolver_match is None
            or request.resolver_match.view_name != ARTICLE_PAGE
            or request.user.is_authenticated
            or "messages" in request.COOKIES  # a message waits to be shown
            or not set(request.GET) <= ALLOWED_PARAMETERS
        ):
            return None
        with connection.cursor() as cursor:
            cursor.execute(
                THREAD_STATE, [view_kwargs.get("slug"), Article.Status.PUBLISHED, timezone.now()]
            )
            row = cursor.fetchone()
        if row is None:
            return None  # not found, or no thread: the view answers
        pk, created_at, version, status, keep_open, published_at = row
        if published_at.tzinfo is None:  # SQLite keeps times without their zone
            published_at = published_at.replace(tzinfo=connection.timezone)
        thread = Thread(
            pk=pk, status=status, keep_open=keep_open, article=Article(published_at=published_at)
        )
        # The same switch as the page will be drawn with (from the cache), so that the
        # page is stored under the key it belongs to.
        accepting = thread.is_open and not SiteSettings.load().read_only
        return ":".join(
            str(part)
            for part in (
                "forum:visitor-page",
                pk,
                created_at.isoformat(),
                version,
                "open" if accepting else "closed",
                # LocaleMiddleware has chosen it by now: a Spanish page is kept apart.
                translation.get_language(),
                # The address may not say it: the reader's cookie may.
                comment_order(request) or "default",
                hashlib.sha256(request.get_full_path().encode()).hexdigest(),
            )
        )


def defer_html(request, html: bytes) -> SafeString:
    """A placeholder for ``html`` (safe, UTF-8 encoded HTML) that DeferredHtmlMiddleware
    replaces with it in the finished page; ``html`` itself when the request does not pass
    through the middleware (a template drawn on its own)."""
    deferred = getattr(request, "deferred_html", None)
    if deferred is None:
        return mark_safe(html.decode())
    placeholder = f"<!--deferred:{secrets.token_hex(8)}-->"
    deferred[placeholder] = html
    return mark_safe(placeholder)


class DeferredHtmlMiddleware:
    """Puts what ``defer_html()`` stood in for into the rendered page, with one copy. Last
    in MIDDLEWARE, so that the page is whole before any other middleware reads it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.deferred_html = {}
        response = self.get_response(request)
        if request.deferred_html and not response.streaming:
            deferred = request.deferred_html.items()
            charset = response.charset
            if codecs.lookup(charset).name == "utf-8":
                parts = [(placeholder.encode(), html) for placeholder, html in deferred]
                response.content = fill_in(response.content, parts, request)
            else:  # rare: the page is decoded, filled in and encoded again
                parts = [(placeholder, html.decode()) for placeholder, html in deferred]
                response.content = fill_in(response.content.decode(charset), parts, request)
        return response


def fill_in(page, parts, request):
    """``page`` (bytes or text) with each placeholder of ``parts`` replaced by its part (of
    the same kind). A placeholder that is not there is logged: its part is missing."""
    for placeholder, part in parts:
        before, found, after = page.partition(placeholder)
        if not found:
            logger.error(
                "%s: a deferred part of the page (%d bytes) had no place in it",
                request.path,
                len(part),
            )
            continue
        page = page[:0].join([before, part, after])
    return page
