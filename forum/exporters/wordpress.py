"""WordPress eXtended RSS (WXR 1.2) out: the articles, their threads and comments.

Written the way WordPress's own exporter writes it (wp-admin/includes/export.php),
because that is what WordPress's importer (the wordpress-importer plugin) reads best.
Its three parsers explain the choices below:

- WXR_Parser_SimpleXML finds the ``wp:`` and ``excerpt:`` namespaces among those
  declared on the root element (and assumes WXR 1.1 otherwise), so every namespace is
  declared once, on ``<rss>``, never per item.
- WXR_Parser_XML matches tag names as written (``wp:comment_id``, ``dc:creator``), so
  the prefixes are WordPress's, exactly.
- WXR_Parser_Regex reads the file line by line with regular expressions: it decodes no
  entities, only CDATA, and it joins the CDATA sections that WordPress's ``wxr_cdata``
  splits around "]]>". So text goes in CDATA where WordPress puts it, split the same way,
  and each ``wp:author`` stays on one line.
- The importer sorts an item's comments by ``wp:comment_id`` and links a reply to its
  parent only if the parent was inserted first: ids are our primary keys, and a reply is
  written after its parent.

What WordPress has no field for travels as post and comment meta, which WordPress keeps
and ignores and ``forum.importers`` reads back (see README, "WordPress export").
"""

import datetime as dt
import email.utils
import html
import re
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ObjectDoesNotExist
from django.db.models import QuerySet
from django.utils import timezone

from articles.models import Article

from ..models import Comment, Thread
from ..rendering import render_comment_body

SITE_NAME = "News Forum"
WXR_VERSION = "1.2"
NAMESPACES = {
    "excerpt": f"http://wordpress.org/export/{WXR_VERSION}/excerpt/",
    "content": "http://purl.org/rss/1.0/modules/content/",
    "wfw": "http://wellformedweb.org/CommentAPI/",
    "dc": "http://purl.org/dc/elements/1.1/",
    "wp": f"http://wordpress.org/export/{WXR_VERSION}/",
}
COMMENT_APPROVED = {
    Comment.Status.PUBLISHED: "1",
    Comment.Status.PENDING: "0",
    Comment.Status.SPAM: "spam",
    Comment.Status.REMOVED: "trash",
}
COMMENT_TYPE = {
    Comment.Kind.COMMENT: "",
    Comment.Kind.PINGBACK: "pingback",
    Comment.Kind.TRACKBACK: "trackback",
}
# Characters XML 1.0 allows nowhere, not even escaped: a parser stops at the first one.
NOT_IN_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
# Rows read from the database at a time: enough to keep queries few, few enough to keep
# memory flat on a thread of any size.
COMMENTS_PER_FETCH = 2000
ARTICLES_PER_FETCH = 100
TAB = "\t"  # WordPress indents its exports with tabs


@dataclass
class ExportCounts:
    articles: int = 0
    comments: int = 0


class WxrWriter:
    """The file, element by element: every value escaped, or in CDATA.

    Parts are gathered and handed to ``write`` at each ``flush`` (the callers flush
    after every comment), so that a big thread is neither held in memory nor written a
    few bytes at a time.
    """

    def __init__(self, write: Callable[[str], object]):
        self.write = write
        self.parts: list[str] = []

    def raw(self, markup: str) -> None:
        self.parts.append(markup)

    def open(self, name: str, indent: int, attributes: dict[str, str] | None = None) -> None:
        self.parts.append(f"{TAB * indent}<{name}{quoted(attributes)}>\n")

    def close(self, name: str, indent: int) -> None:
        self.parts.append(f"{TAB * indent}</{name}>\n")

    def text(
        self, name: str, value: str | int, indent: int, attributes: dict[str, str] | None = None
    ) -> None:
        escaped = escape(xml_safe(str(value)))
        self.parts.append(f"{TAB * indent}<{name}{quoted(attributes)}>{escaped}</{name}>\n")

    def cdata(self, name: str, value: str, indent: int) -> None:
        self.parts.append(f"{TAB * indent}<{name}>{cdata(value)}</{name}>\n")

    def flush(self) -> None:
        if self.parts:
            self.write("".join(self.parts))
            self.parts = []


def quoted(attributes: dict[str, str] | None) -> str:
    return "".join(f" {key}={quoteattr(value)}" for key, value in (attributes or {}).items())


def xml_safe(text: str) -> str:
    """``text`` without the characters XML cannot carry, line ends as XML reads them."""
    return NOT_IN_XML.sub("", text.replace("\r\n", "\n"))


def cdata(text: str) -> str:
    """``text`` as CDATA. A CDATA section ends at the first "]]>", so one in the text
    ends a section after "]]" and starts another before ">", as WordPress does."""
    if not text:
        return ""
    return "<![CDATA[" + xml_safe(text).replace("]]>", "]]]]><![CDATA[>") + "]]>"


def wordpress_time(moment: dt.datetime, zone: dt.tzinfo) -> str:
    """WordPress's "YYYY-MM-DD HH:MM:SS", in ``zone``."""
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S")


def utc_iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat()


def article_html(article: Article) -> str:
    """The body as WordPress HTML: a <p> a paragraph, its own line breaks as <br />."""
    return "\n\n".join(
        "<p>" + html.escape(paragraph, quote=False).replace("\n", "<br />\n") + "</p>"
        for paragraph in article.paragraphs
    )


def wordpress_status(article: Article, now: dt.datetime) -> str:
    if article.status != Article.Status.PUBLISHED:
        return "draft"
    return "future" if article.published_at > now else "publish"


def language_tag(language_code: str) -> str:
    """Django's "en-us" as WordPress writes it: "en-US"."""
    language, _, region = language_code.partition("-")
    return f"{language}-{region.upper()}" if region else language


def comments_in_order(thread: Thread) -> Iterator[Comment]:
    """The thread's comments by id, read in batches, each reply after its parent.

    Replies are written after their parents by the forum, so ids already give that
    order; a reply that comes before its parent (an odd import) waits until the parent
    is out, so that a reader of the file in order always knows the parent.
    """
    written: set[int] = set()
    waiting: dict[int, list[Comment]] = defaultdict(list)

    def release(comment: Comment) -> Iterator[Comment]:
        ready = [comment]
        while ready:
            current = ready.pop()
            written.add(current.pk)
            yield current
            ready.extend(reversed(waiting.pop(current.pk, [])))

    comments = (
        Comment.objects.filter(thread=thread)
        .select_related("author")
        .order_by("pk")
        .iterator(chunk_size=COMMENTS_PER_FETCH)
    )
    for comment in comments:
        if comment.parent_id is not None and comment.parent_id not in written:
            waiting[comment.parent_id].append(comment)
        else:
            yield from release(comment)
    # Parents that never came (a broken thread): the replies still go out, and an
    # importer reports their missing parent.
    for replies in waiting.values():
        yield from replies


def thread_of(article: Article) -> Thread | None:
    try:
        return article.thread
    except ObjectDoesNotExist:  # an article loaded without its thread
        return None


def export_wxr(
    *, write: Callable[[str], object], articles: QuerySet[Article] | None = None
) -> ExportCounts:
    """Write ``articles`` (every article, drafts included, by default) with their
    comments of every status as one WXR 1.2 file, through ``write``, as it reads them."""
    if articles is None:
        articles = Article.objects.all()
    articles = articles.select_related("author", "thread").order_by("pk")
    site = settings.FORUM_SITE_URL
    zone = timezone.get_default_timezone()
    now = timezone.now()
    counts = ExportCounts()
    out = WxrWriter(write)

    out.raw('<?xml version="1.0" encoding="UTF-8" ?>\n')
    out.raw(
        f"<!-- WordPress eXtended RSS {WXR_VERSION}, written by {SITE_NAME} (export_wxr). -->\n"
    )
    declarations = "".join(
        f"\n\txmlns:{prefix}={quoteattr(uri)}" for prefix, uri in NAMESPACES.items()
    )
    out.raw(f'<rss version="2.0"{declarations}\n>\n\n')
    out.open("channel", 0)
    out.text("title", SITE_NAME, 1)
    out.text("link", site, 1)
    out.text("description", "", 1)
    out.text("pubDate", email.utils.format_datetime(now.astimezone(dt.UTC)), 1)
    out.text("language", language_tag(settings.LANGUAGE_CODE), 1)
    out.text("wp:wxr_version", WXR_VERSION, 1)
    out.text("wp:base_site_url", site, 1)
    out.text("wp:base_blog_url", site, 1)
    out.raw("\n")
    write_authors(out, articles)
    out.raw("\n")
    out.flush()

    for article in articles.iterator(chunk_size=ARTICLES_PER_FETCH):
        counts.articles += 1
        thread = thread_of(article)
        write_article_head(out, article, thread, site=site, zone=zone, now=now)
        if thread is not None:
            for comment in comments_in_order(thread):
                write_comment(out, comment, zone=zone)
                counts.comments += 1
                out.flush()
        out.close("item", 1)
        out.flush()

    out.close("channel", 0)
    out.raw("</rss>\n")
    out.flush()
    return counts


def write_authors(out: WxrWriter, articles: QuerySet[Article]) -> None:
    """The articles' authors, as WordPress lists its posts' authors (commenters are not
    listed: WordPress would offer to create an account for each)."""
    authors = get_user_model().objects.filter(pk__in=articles.exclude(author=None).values("author"))
    for author in authors.order_by("pk"):
        # One line each: WXR_Parser_Regex reads an author only from a single line.
        out.raw(
            "\t<wp:author>"
            f"<wp:author_id>{author.pk}</wp:author_id>"
            f"<wp:author_login>{cdata(author.username)}</wp:author_login>"
            f"<wp:author_email>{cdata(author.email)}</wp:author_email>"
            f"<wp:author_display_name>{cdata(author.public_name)}</wp:author_display_name>"
            f"<wp:author_first_name>{cdata(author.first_name)}</wp:author_first_name>"
            f"<wp:author_last_name>{cdata(author.last_name)}</wp:author_last_name>"
            "</wp:author>\n"
        )


def write_article_head(
    out: WxrWriter,
    article: Article,
    thread: Thread | None,
    *,
    site: str,
    zone: dt.tzinfo,
    now: dt.datetime,
) -> None:
    """The item's fields and meta, up to its comments."""
    out.open("item", 1)
    # WordPress keeps a title as HTML: escaped, ours shows there as typed, and comes back.
    out.cdata("title", html.escape(article.title, quote=False), 2)
    out.text("link", site + article.get_absolute_url(), 2)
    out.text("pubDate", email.utils.format_datetime(article.published_at.astimezone(dt.UTC)), 2)
    out.cdata("dc:creator", article.author.username if article.author else "", 2)
    # WordPress's own form of a guid that no change of address breaks.
    out.text("guid", f"{site}/?p={article.pk}", 2, attributes={"isPermaLink": "false"})
    out.text("description", "", 2)
    out.cdata("content:encoded", article_html(article), 2)
    out.cdata("excerpt:encoded", html.escape(article.standfirst, quote=False), 2)
    out.text("wp:post_id", article.pk, 2)
    out.cdata("wp:post_date", wordpress_time(article.published_at, zone), 2)
    out.cdata("wp:post_date_gmt", wordpress_time(article.published_at, dt.UTC), 2)
    out.cdata("wp:post_modified", wordpress_time(article.updated_at, zone), 2)
    out.cdata("wp:post_modified_gmt", wordpress_time(article.updated_at, dt.UTC), 2)
    closed = thread is not None and thread.status == Thread.Status.CLOSED
    out.cdata("wp:comment_status", "closed" if closed else "open", 2)
    out.cdata("wp:ping_status", "closed", 2)
    out.cdata("wp:post_name", article.slug, 2)
    out.cdata("wp:status", wordpress_status(article, now), 2)
    out.text("wp:post_parent", 0, 2)
    out.text("wp:menu_order", 0, 2)
    out.cdata("wp:post_type", "post", 2)
    out.cdata("wp:post_password", "", 2)
    out.text("wp:is_sticky", 0, 2)
    meta = {
        "_forum_standfirst": article.standfirst,
        "_forum_credit": article.credit,
        "_forum_image_alt": article.image_alt,
        "_forum_image_caption": article.image_caption,
        "_forum_closing_message": thread.closing_message if thread else "",
    }
    for key, value in meta.items():
        if value:
            write_meta(out, "wp:postmeta", key, value, indent=2)


def write_comment(out: WxrWriter, comment: Comment, *, zone: dt.tzinfo) -> None:
    if comment.author_id is not None:
        name, address = comment.author.public_name, comment.author.email
    else:  # imported without an account: what the old system knew
        name, address = comment.author_name, comment.author_email
    out.open("wp:comment", 2)
    out.text("wp:comment_id", comment.pk, 3)
    out.cdata("wp:comment_author", name, 3)
    out.cdata("wp:comment_author_email", address, 3)
    out.text("wp:comment_author_url", comment.author_url, 3)
    out.cdata("wp:comment_author_IP", comment.ip_address or "", 3)
    out.cdata("wp:comment_date", wordpress_time(comment.created_at, zone), 3)
    out.cdata("wp:comment_date_gmt", wordpress_time(comment.created_at, dt.UTC), 3)
    out.cdata("wp:comment_content", comment_content(comment), 3)
    deleted = comment.deleted_at is not None
    # WordPress knows no "deleted by its author": such a comment goes to its trash, so
    # that WordPress does not show it, and our own status travels as meta.
    out.cdata("wp:comment_approved", "trash" if deleted else COMMENT_APPROVED[comment.status], 3)
    out.cdata("wp:comment_type", COMMENT_TYPE[comment.kind], 3)
    out.text("wp:comment_parent", comment.parent_id or 0, 3)
    # WordPress would look for its own user of that id; the email says who it was.
    out.text("wp:comment_user_id", 0, 3)
    if comment.user_agent:
        # WordPress's exporter leaves its comment_agent out and its importer reads no
        # such element; ours does, so that moderators keep it.
        out.cdata("wp:comment_agent", comment.user_agent, 3)
    if deleted:
        write_meta(out, "wp:commentmeta", "_forum_deleted_at", utc_iso(comment.deleted_at), 3)
        write_meta(out, "wp:commentmeta", "_forum_status", comment.status, 3)
    elif comment.status_before_removal in (Comment.Status.PUBLISHED, Comment.Status.PENDING):
        # A removed or spam comment: where WordPress's "Restore" or "Not spam" takes it.
        before = COMMENT_APPROVED[comment.status_before_removal]
        write_meta(out, "wp:commentmeta", "_wp_trash_meta_status", before, 3)
    if comment.edited_at is not None:
        write_meta(out, "wp:commentmeta", "_forum_edited_at", utc_iso(comment.edited_at), 3)
    out.close("wp:comment", 2)


def comment_content(comment: Comment) -> str:
    """The comment as WordPress keeps it: its own HTML if it came with some (an import
    that kept links), else the reader's plain text, escaped. Either way WordPress shows
    what our page shows, and an importer reads back the same body and body_html."""
    if comment.body_html != render_comment_body(comment.body):
        return comment.body_html
    return html.escape(comment.body, quote=False)


def write_meta(out: WxrWriter, element: str, key: str, value: str, indent: int) -> None:
    out.open(element, indent)
    out.cdata("wp:meta_key", key, indent + 1)
    out.cdata("wp:meta_value", value, indent + 1)
    out.close(element, indent)
