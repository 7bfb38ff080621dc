"""A read-only JSON API: the published stories with their comment counts, and a story's
comments as a visitor's page shows them, a page of top-level threads at a time.

Plain views over the selectors the pages use (``forum.threads``): the API answers what
any visitor may read, the same whoever asks, signed in or not, and nothing else: no
email, IP address, browser, pending comment or moderation reason.

Clients poll. A thread's answer carries an ETag made of the thread's version (which
every change readers would notice bumps), the page and what shapes the answer; asked
again with ``If-None-Match`` it costs one small query and a 304. There is no
Last-Modified: the thread keeps no time of its last change, and finding it would mean
reading its comments. Answers may be kept 30 seconds by anyone (Cache-Control public).

Other sites' scripts may not read it (no CORS header) unless their origin is listed in
``settings.FORUM_API_CORS_ORIGINS``.
"""

import functools
import hashlib
import json
from datetime import UTC

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.core.paginator import Paginator
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseNotModified,
    HttpResponsePermanentRedirect,
    JsonResponse,
)
from django.urls import Resolver404, resolve, reverse
from django.utils import translation
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.http import parse_etags, urlencode
from django.views.decorators.csrf import csrf_exempt

from articles.models import Article

from . import moderation
from .links import absolute
from .models import SiteSettings, Thread
from .threads import CommentRow, page_count, page_size, published_thread, thread_page

# Bump when the shape of an answer changes, so that clients' ETags and cached copies
# of the old shape are not reused.
API_VERSION = 1

ARTICLES_PER_PAGE = 50
MAX_AGE_SECONDS = 30
VISITOR = AnonymousUser()


class ApiError(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


def read_only(view):
    """GET and HEAD only, answered with JSON whatever happens.

    Exempt from the CSRF check: nothing here writes, and a POST should hear 405, not
    the CSRF failure page."""

    @csrf_exempt
    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if request.method not in ("GET", "HEAD"):
            response = error_response(
                405, f"{request.method} is not allowed: this API is read-only."
            )
            response.headers["Allow"] = "GET, HEAD"
        else:
            try:
                response = view(request, *args, **kwargs)
            except ApiError as error:
                response = error_response(error.status, error.message)
        allow_listed_origin(request, response)
        return response

    return wrapper


def error_response(status: int, message: str) -> JsonResponse:
    return JsonResponse({"error": message}, status=status)


def allow_listed_origin(request: HttpRequest, response: HttpResponse) -> None:
    """The CORS header, for the origins the site lists (none by default)."""
    allowed = settings.FORUM_API_CORS_ORIGINS
    if not allowed:
        return
    if "*" in allowed:
        response.headers["Access-Control-Allow-Origin"] = "*"
        return
    # The answer differs by origin: shared caches must keep one copy per origin.
    patch_vary_headers(response, ["Origin"])
    origin = request.headers.get("Origin")
    if origin in allowed:
        response.headers["Access-Control-Allow-Origin"] = origin


def page_number(request: HttpRequest) -> int:
    """``?page=``: a whole number from 1, 1 when not given. Anything else is refused
    rather than taken for some other page (the article page falls back to page 1, which
    suits a reader but would hide a client's mistake)."""
    raw = request.GET.get("page", "1")
    try:
        number = int(raw) if raw.isascii() and raw.isdigit() else 0
    except ValueError:  # more digits than Python converts: far past any last page
        raise ApiError(404, "There is no such page.") from None
    if number < 1:
        raise ApiError(400, "page must be a whole number from 1.")
    return number


def page_link(path: str, number: int | None) -> str | None:
    if number is None:
        return None
    return absolute(f"{path}?{urlencode({'page': number})}" if number > 1 else path)


def client_has(request: HttpRequest, etag: str) -> bool:
    """Whether the request's If-None-Match names ``etag`` (compared weakly, as the
    header is)."""
    asked = parse_etags(request.headers.get("If-None-Match", ""))
    return "*" in asked or etag in (known.removeprefix("W/") for known in asked)


def publicly_cacheable(response: HttpResponse) -> HttpResponse:
    patch_cache_control(response, public=True, max_age=MAX_AGE_SECONDS)
    return response


def json_body(data) -> bytes:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()


def utc_time(moment) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


@read_only
def article_comments(request: HttpRequest, slug: str) -> HttpResponse:
    """``GET /api/articles/<slug>/comments/?page=N``: one page of the published tree."""
    number = page_number(request)
    try:
        thread = published_thread(slug)
    except Thread.DoesNotExist:
        raise ApiError(404, "No published article has this address.") from None
    pages = page_count(thread.root_count)
    if number > pages:
        raise ApiError(404, f"There is no page {number}: the thread has {pages}.")
    accepting = moderation.accepts_comments(thread, SiteSettings.load())
    # Everything the answer depends on, besides the comments (the version stands for
    # them): the thread may close by itself with age, bumping no version.
    tag = hashlib.sha256(
        ":".join(
            str(part)
            for part in (
                API_VERSION,
                thread.pk,
                thread.created_at.timestamp(),
                thread.version,
                number,
                accepting,
                page_size(),
                settings.FORUM_NEWEST_FIRST,
                settings.FORUM_MAX_THREAD_DEPTH,
                settings.FORUM_SITE_URL,
            )
        ).encode()
    ).hexdigest()[:32]
    etag = f'"{tag}"'
    if client_has(request, etag):
        response = HttpResponseNotModified()
    else:
        key = f"forum:api:comments:{tag}"
        body = cache.get(key) if settings.FORUM_SECTION_CACHE_SECONDS else None
        if body is None:
            # In the site's language whoever asks ("Anonymous"): one copy serves everyone.
            with translation.override(settings.LANGUAGE_CODE):
                body = json_body(comments_page(thread, number=number, accepting=accepting))
            if settings.FORUM_SECTION_CACHE_SECONDS:
                cache.set(key, body, settings.FORUM_SECTION_CACHE_SECONDS)
        response = HttpResponse(body, content_type="application/json")
    response.headers["ETag"] = etag
    return publicly_cacheable(response)


def comments_page(thread: Thread, *, number: int, accepting: bool) -> dict:
    """What a visitor's page ``number`` shows of the thread, as JSON-ready data."""
    page = thread_page(thread, VISITOR, number=number, newest_first=settings.FORUM_NEWEST_FIRST)
    zone = page.times_zone
    permalink = reverse("forum:comment-permalink", args=[0]).split("/0/")
    comments = []
    for depth, row in page.comments:
        deleted = bool(row[CommentRow.IS_DELETED])
        comments.append(
            {
                "id": row[CommentRow.PK],
                "parent": row[CommentRow.PARENT_ID],
                "depth": depth,
                # A comment its author deleted stays only for its replies: no name, no text.
                "author": None if deleted else CommentRow.author_display_name(row),
                "created": utc_time(row[CommentRow.WRITTEN_AT].replace(tzinfo=zone)),
                "edited": bool(row[CommentRow.IS_EDITED]),
                "deleted": deleted,
                "body_html": None if deleted else row[CommentRow.BODY_HTML],
                "permalink": absolute(f"{permalink[0]}/{row[CommentRow.PK]}/{permalink[1]}"),
            }
        )
    path = reverse("forum:api-article-comments", args=[thread.article.slug])
    return {
        "article": article_summary(thread.article),
        "thread": {
            "state": "open" if accepting else "closed",
            "comment_count": thread.published_count,
            "top_level_count": thread.root_count,
        },
        "page": page.number,
        "page_count": page.page_count,
        "next": page_link(path, page.next_number),
        "previous": page_link(path, page.previous_number),
        "comments": comments,
    }


def article_summary(article: Article) -> dict:
    return {
        "title": article.title,
        "slug": article.slug,
        "url": absolute(article.get_absolute_url()),
        "published": utc_time(article.published_at),
    }


@read_only
def articles(request: HttpRequest) -> HttpResponse:
    """``GET /api/articles/?page=N``: the published stories, newest first."""
    number = page_number(request)
    stories = Article.objects.published().select_related("thread").order_by("-published_at", "-id")
    paginator = Paginator(stories, ARTICLES_PER_PAGE, allow_empty_first_page=True)
    if number > paginator.num_pages:
        raise ApiError(404, f"There is no page {number}: the list has {paginator.num_pages}.")
    page = paginator.page(number)
    site = SiteSettings.load()
    listed = []
    for article in page.object_list:
        thread = getattr(article, "thread", None)
        accepting = thread is not None and moderation.accepts_comments(thread, site)
        listed.append(
            {
                **article_summary(article),
                "comment_count": thread.published_count if thread else 0,
                "state": "open" if accepting else "closed",
                "comments": absolute(reverse("forum:api-article-comments", args=[article.slug])),
            }
        )
    path = reverse("forum:api-articles")
    data = {
        "count": paginator.count,
        "page": number,
        "page_count": paginator.num_pages,
        "next": page_link(path, page.next_page_number() if page.has_next() else None),
        "previous": page_link(path, page.previous_page_number() if page.has_previous() else None),
        "articles": listed,
    }
    body = json_body(data)
    # The list has no version of its own: its ETag is its content's, which spares the
    # client the download, not the server the queries.
    etag = f'"{hashlib.sha256(body).hexdigest()[:32]}"'
    if client_has(request, etag):
        response = HttpResponseNotModified()
    else:
        response = HttpResponse(body, content_type="application/json")
    response.headers["ETag"] = etag
    return publicly_cacheable(response)


@read_only
def not_found(request: HttpRequest, rest: str = "") -> HttpResponse:
    """Any other address under ``/api/``: a JSON 404, not the reader's HTML page, for a
    client that got an address wrong. Without its final slash an address of the API is
    redirected to it, as Django does for the pages."""
    if not request.path_info.endswith("/"):
        try:
            match = resolve(request.path_info + "/")
        except Resolver404:
            pass
        else:
            if match.func is not not_found:
                return HttpResponsePermanentRedirect(request.get_full_path(force_append_slash=True))
    raise ApiError(
        404, "There is nothing at this address. The API's addresses start at /api/articles/."
    )
