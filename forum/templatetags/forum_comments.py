from types import SimpleNamespace

from django import template
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.db.models import Exists, OuterRef
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.safestring import mark_safe

from .. import moderation
from ..forms import CommentForm
from ..middleware import comment_order, defer_html
from ..models import Comment, Report, SiteSettings, Subscription, Thread
from ..rendering import CommentItems
from ..threads import ALL, page_count, parse_page, sub_thread, thread_page

register = template.Library()

# Bump when the comment list's markup changes, so that cached copies are not reused.
MARKUP_VERSION = 9

# Where the comments go in the list's template (forum/_comment_list.html).
ITEMS = "<!--comment-items-->"

# Who the shared, cached list is drawn for: nobody in particular, signed in or not. It
# shows published comments only, and no comment is "theirs".
SIGNED_IN_READER = SimpleNamespace(is_authenticated=True, pk=None)
VISITOR = AnonymousUser()


def thread_for(article, user):
    """The article's thread, and in the same query what is personal to the reader."""
    threads = Thread.objects.filter(article=article).select_related("article")
    if user.is_authenticated:
        own = Comment.objects.filter(thread=OuterRef("pk"), author=user)
        threads = threads.annotate(
            following=Exists(Subscription.objects.filter(thread=OuterRef("pk"), user=user)),
            has_own_comments=Exists(own),
            has_own_pending=Exists(own.filter(status=Comment.Status.PENDING)),
            has_reports=Exists(
                Report.objects.filter(comment__thread=OuterRef("pk"), reporter=user)
            ),
        )
    return threads.first()


def parse_expand(raw) -> int | None:
    """``?expand=<id>``: a comment id, or None for anything else."""
    try:
        return int(raw) if raw and raw.isdigit() else None
    except ValueError:  # more digits than Python converts
        return None


def _reply_target(thread, raw_id):
    """The comment being answered, if the id names a published comment of this thread."""
    try:
        wanted = int(raw_id)
    except (TypeError, ValueError):
        return None
    return (
        Comment.objects.counted().filter(thread=thread, pk=wanted).select_related("author").first()
    )


def is_personal(thread, user) -> bool:
    """Whether the reader has comments or reports of their own in the thread (from
    ``thread_for``): their list is made for them, never cached."""
    return user.is_authenticated and (thread.has_own_comments or thread.has_reports)


def comment_items(
    thread, user, *, personal, accepting, times_zone, page_query="", reply_page=""
) -> CommentItems:
    """What draws the reader's comments: with their own links if ``personal``, else the
    links of any visitor or signed-in reader."""
    reported_ids = set()
    if personal and thread.has_reports:
        reported_ids = set(
            Report.objects.filter(reporter=user, comment__thread=thread).values_list(
                "comment_id", flat=True
            )
        )
    if not personal:
        user = SIGNED_IN_READER if user.is_authenticated else VISITOR
    return CommentItems(
        user=user,
        accepting=accepting,
        reported_ids=reported_ids,
        page_query=page_query,
        editable=moderation.edit_window_open,
        times_zone=times_zone,
        reply_page=reply_page,
    )


def _comment_list(thread, user, *, number, newest_first, accepting, personal, expand=None):
    """The heading, the page links and one page of the reply tree, as UTF-8 HTML."""
    viewer = user if personal else VISITOR
    page = thread_page(
        thread,
        viewer,
        number=number,
        newest_first=newest_first,
        own_pending=personal and thread.has_own_pending,
        budgeted=True,
        expand=expand,
    )
    page_query = ""
    if page.number != 1:
        page_query += f"cpage={page.number}&amp;"
    if page.newest_first:
        page_query += "corder=newest&amp;"
    items = comment_items(
        thread,
        user,
        personal=personal,
        accepting=accepting,
        times_zone=page.times_zone,
        page_query=page_query,
    ).render(page.comments, more=page.more, continued=page.continued)
    # The items go in as bytes, once: through the template, each level would copy them.
    frame = render_to_string(
        "forum/_comment_list.html",
        {
            "article": thread.article,
            "thread": thread,
            "page": page,
            "items": mark_safe(ITEMS) if items else "",
        },
    )
    before, _, after = frame.partition(ITEMS)
    return b"".join([before.encode(), *items, after.encode()])


def list_key(kind: str, thread, user, accepting: bool, *shape) -> str:
    """The cache key of a comment list of ``thread``: what every copy depends on, then
    ``shape`` (the page, the order, the comment whose replies it holds)."""
    return ":".join(
        str(part)
        for part in (
            kind,
            MARKUP_VERSION,
            thread.pk,
            # With the creation time, a rebuilt database cannot meet old copies.
            thread.created_at.timestamp(),
            thread.version,
            *shape,
            "member" if user.is_authenticated else "visitor",
            "open" if accepting else "closed",
            translation.get_language(),  # the list's words and dates are in it
        )
    )


def sub_thread_html(comment, user, *, replies_only: bool) -> tuple[bytes, str | None]:
    """``comment`` with every reply under it the reader may see, or only those replies
    (as the ``<ol class="children">`` that "N more replies" puts in place), as UTF-8 HTML;
    and, when every visitor or signed-in reader without comments of their own there gets
    the same HTML, the key it is cached under, which also serves as its ETag. The reply
    links lead to the article page's form."""
    article = comment.thread.article
    # A visitor has nothing of their own to look up: the comment's thread will do.
    thread = thread_for(article, user) if user.is_authenticated else comment.thread
    personal = is_personal(thread, user)
    accepting = moderation.accepts_comments(thread, SiteSettings.load())
    key = None
    if not personal and settings.FORUM_SECTION_CACHE_SECONDS:
        key = list_key(
            "forum:replies",
            thread,
            user,
            accepting,
            comment.pk,
            "replies" if replies_only else "page",
        )
        html = cache.get(key)
        if html is not None:
            return html, key
    comments, times_zone = sub_thread(comment, user if personal else VISITOR)
    items = comment_items(
        thread,
        user,
        personal=personal,
        accepting=accepting,
        times_zone=times_zone,
        reply_page=article.get_absolute_url(),
    )
    if replies_only:
        depth = comments[0][0] + 1 if comments else 1
        if comments:
            items.remember(comments[0][1])
        html = b"".join(
            [
                b'<ol class="children" role="list">\n',
                *items.render(comments[1:], last_depth=depth),
                b"</ol>",
            ]
        )
    else:
        depth = comments[0][0] if comments else 1
        html = b"".join(items.render(comments, last_depth=depth))
    if key is not None:
        cache.set(key, html, settings.FORUM_SECTION_CACHE_SECONDS)
    return html, key


@register.inclusion_tag("forum/_comment_section.html", takes_context=True)
def comment_section(context, article):
    """The comments under an article, a page of threads at a time, and the form.

    The list of comments is the same for every reader who has nothing of their own in
    the thread, so it is drawn from published comments only, once per thread version,
    page, order and kind of reader (visitor or signed in), and kept in the cache; every
    change to the thread bumps its version. Readers with comments or reports of their
    own there get theirs made afresh. The form, the follow button and the reader's
    restrictions are never cached.

    A view that re-shows the page after a failed post puts ``comment_form`` (bound,
    with its errors) and ``comment_error`` in the context.
    """
    request = context["request"]
    user = request.user
    thread = thread_for(article, user)
    section = {"article": article, "thread": thread, "user": user}
    if thread is None:
        return section
    accepting = moderation.accepts_comments(thread, SiteSettings.load())
    order = comment_order(request)
    newest_first = order == "newest" if order else settings.FORUM_NEWEST_FIRST
    personal = is_personal(thread, user)
    number = parse_page(request.GET.get("cpage"))
    arguments = {"newest_first": newest_first, "accepting": accepting, "personal": personal}
    # A permalink's page opens the thread of the comment it points to (``?expand=`` its
    # top-level comment), and is made afresh: anyone could ask for any number there.
    expand = parse_expand(request.GET.get("expand"))
    if personal or expand or not settings.FORUM_SECTION_CACHE_SECONDS:
        html = _comment_list(thread, user, number=number, expand=expand, **arguments)
    else:
        # Only real pages get a place in the cache, whatever is asked for.
        if number != ALL:
            number = min(number, page_count(thread.root_count))
        key = list_key(
            "forum:section", thread, user, accepting, number, "newest" if newest_first else "oldest"
        )
        html = cache.get(key)
        if html is None:
            html = _comment_list(thread, user, number=number, **arguments)
            cache.set(key, html, settings.FORUM_SECTION_CACHE_SECONDS)

    form = context.get("comment_form")
    reply_id = form.data.get("parent") if form is not None else request.GET.get("replyto")
    replying_to = _reply_target(thread, reply_id) if reply_id and accepting else None
    if form is None:
        form = CommentForm(thread=thread, initial={"parent": replying_to and replying_to.pk})
    section.update(
        comment_list=defer_html(request, html),
        accepting=accepting,
        form=form,
        replying_to=replying_to,
        comment_error=context.get("comment_error", ""),
        following=getattr(thread, "following", False),
        restriction=user.is_authenticated and moderation.restriction(user),
    )
    return section
