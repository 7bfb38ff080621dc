"""WordPress eXtended RSS (WXR 1.0, 1.1 and 1.2), as Tools → Export writes it.

Each ``<item>`` is a post, page or something else (attachments, menu items, ...); posts
and pages become articles, with their ``<wp:comment>`` elements as comments. Keys (the
contract with the exporter): ``wordpress:<site>:<post id>`` for an article and
``wordpress:<site>:<post id>:<comment id>`` for a comment, comment ids being numbered
per site but repeated across items in real exports.
"""

import datetime as dt
import re
import zoneinfo
from collections.abc import Callable
from urllib.parse import unquote

from django.conf import settings
from django.utils import timezone
from django.utils.text import slugify

from forum.models import Comment, ReasonCode, english

from .base import (
    BadItem,
    ImportedArticle,
    ImportedComment,
    html_to_paragraphs,
    html_to_text,
    ip_address,
    shortened,
)
from .writer import Writer
from .xml import XmlStream, text_of

IMPORTED_TYPES = {"post", "page"}
DRAFT_STATUSES = {"draft", "pending", "private", "future"}
SKIPPED_STATUSES = {"trash", "auto-draft", "inherit"}
COMMENT_STATUSES = {
    "1": (Comment.Status.PUBLISHED, "", ""),
    "0": (Comment.Status.PENDING, "", "awaiting moderation on WordPress"),
    "spam": (Comment.Status.SPAM, ReasonCode.SPAM, "marked as spam on WordPress"),
    "trash": (Comment.Status.REMOVED, ReasonCode.OTHER, "in the trash on WordPress"),
    "post-trashed": (Comment.Status.REMOVED, ReasonCode.OTHER, "in the trash on WordPress"),
}
# What WordPress keeps of a comment it trashed or marked as spam (_wp_trash_meta_status):
# its comment_approved before, to which "Restore" and "Not spam" take it back.
TRASH_META_STATUS = {approved: COMMENT_STATUSES[approved][0] for approved in ("1", "0")}
# Each status's reason, for a status that comes as meta rather than as comment_approved.
REASONS = {status: (code, reason) for status, code, reason in COMMENT_STATUSES.values()}
COMMENT_KINDS = {
    "": Comment.Kind.COMMENT,
    "comment": Comment.Kind.COMMENT,
    "pingback": Comment.Kind.PINGBACK,
    "trackback": Comment.Kind.TRACKBACK,
}
ARTICLE_META = {
    "_forum_standfirst": "standfirst",
    "_forum_credit": "credit",
    "_forum_image_alt": "image_alt",
    "_forum_image_caption": "image_caption",
}
NO_DATE = "0000-00-00"
# WordPress numbers posts and comments with unsigned 64-bit integers: 20 digits at most.
WHOLE_NUMBER = re.compile(r"[0-9]{1,20}")


def read(
    path: str,
    *,
    writer: Writer,
    on_bad_item: Callable[[BadItem], None],
    with_pingbacks: bool = False,
) -> None:
    stream = XmlStream(path)
    channel: dict[str, str] = {}
    authors: dict[str, str] = {}  # login -> email, from the channel's <wp:author>s
    for located in stream.elements(depth=2):
        element = located.element
        if stream.root.tag != "rss":
            raise stream.fail(f"not a WordPress export: the file is <{stream.root.tag}>", 1)
        if element.tag == "wp:author":
            author = text_of(element)
            authors[author.get("wp:author_login", "").strip()] = author.get("wp:author_email", "")
            continue
        if element.tag != "item":
            channel.setdefault(element.tag, element.text or "")
            continue
        if "wp:wxr_version" not in channel:
            raise stream.fail("not a WordPress export: no <wp:wxr_version> before the first item")
        site = (channel.get("wp:base_blog_url") or channel.get("link") or "").strip().rstrip("/")
        if not site:
            raise stream.fail("the export names no site (<wp:base_blog_url> or <link>)")
        item = Item(element, line=located.line, path=path, site=site, authors=authors)
        try:
            item.store(writer, with_pingbacks=with_pingbacks)
        except BadItem as error:
            on_bad_item(error)
    if "wp:wxr_version" not in channel:
        raise stream.fail("not a WordPress export: no <wp:wxr_version> in the file")


class Item:
    """One ``<item>``: read whole and checked before anything of it is stored."""

    def __init__(self, element, *, line: int, path: str, site: str, authors: dict[str, str]):
        self.element = element
        self.authors = authors
        self.fields = text_of(element)
        self.line = line
        self.path = path
        self.post_id = self.fields.get("wp:post_id", "").strip()
        self.key = f"wordpress:{site}:{self.post_id}"
        self.title = html_to_text(self.fields.get("title", ""))
        self.label = f"item “{self.title}” (post {shortened(self.post_id) or '?'})"

    def bad(self, message: str) -> BadItem:
        return BadItem(f"{self.path}: line {self.line}: {self.label}: {message}")

    def store(self, writer: Writer, *, with_pingbacks: bool) -> None:
        post_type = self.fields.get("wp:post_type", "post").strip() or "post"
        if post_type not in IMPORTED_TYPES:
            writer.skip(f"item of type “{post_type}”", f"items of type “{post_type}”")
            return
        status = self.fields.get("wp:status", "").strip()
        if status in SKIPPED_STATUSES:
            writer.skip(f"{status} post", f"{status} posts")
            return
        if status != "publish" and status not in DRAFT_STATUSES:
            raise self.bad(f"unknown post status “{status}”")
        if not self.post_id:
            raise self.bad("no <wp:post_id>")
        self.check_number(self.post_id, "<wp:post_id>")
        article = self.article(status)
        comments = list(self.comments(article, with_pingbacks=with_pingbacks, writer=writer))
        thread_id = writer.add_article(article)
        for comment in comments:
            writer.add_comment(thread_id, comment)

    def article(self, status: str) -> ImportedArticle:
        fields = self.fields
        title = self.title
        published_at = self.time(fields.get("wp:post_date_gmt"), fields.get("wp:post_date"))
        notes = [f"Imported from WordPress: post {self.post_id} of {self.path}."]
        if published_at is None:
            published_at = timezone.now()
            notes.append("It had no date: given the time of the import.")
        published = status == "publish"
        if status != "publish":
            notes.append(f"Its WordPress status was “{status}”: imported as a draft.")
        if fields.get("wp:post_password", "").strip():
            published = False
            notes.append("It was password-protected on WordPress: imported as a draft.")
        meta = {
            pair.get("wp:meta_key", ""): pair.get("wp:meta_value", "")
            for pair in (text_of(child) for child in self.element.iter("wp:postmeta"))
        }
        extra = {field: meta.get(key, "").strip() for key, field in ARTICLE_META.items()}
        if not extra["standfirst"] and fields.get("excerpt:encoded", "").strip():
            extra["standfirst"] = html_to_paragraphs(fields["excerpt:encoded"])
        # WordPress keeps other scripts' slugs percent-encoded; ours are ASCII.
        wanted = (unquote(fields.get("wp:post_name", "").strip()), title)
        slug = next((slugify(each) for each in wanted if slugify(each)), f"post-{self.post_id}")
        return ImportedArticle(
            source_id=self.key,
            source_url=fields.get("link", "").strip(),
            title=title or f"Untitled (WordPress post {self.post_id})",
            slug=slug,
            body=html_to_paragraphs(fields.get("content:encoded", "")),
            published=published,
            published_at=published_at,
            comments_open=fields.get("wp:comment_status", "open").strip() != "closed",
            note=" ".join(notes),
            extra=extra,
            closing_message=meta.get("_forum_closing_message", "").strip(),
            author_email=self.authors.get(fields.get("dc:creator", "").strip(), ""),
        )

    def comments(self, article: ImportedArticle, *, with_pingbacks: bool, writer: Writer):
        for element in self.element.iter("wp:comment"):
            fields = text_of(element)
            comment_id = fields.get("wp:comment_id", "").strip()
            if not comment_id:
                raise self.bad("a comment has no <wp:comment_id>")
            self.check_number(comment_id, "<wp:comment_id>", "a comment")
            what = f"comment {comment_id}"
            parent = fields.get("wp:comment_parent", "0").strip()
            if parent not in ("", "0"):
                self.check_number(parent, "<wp:comment_parent>", what)
            kind_name = fields.get("wp:comment_type", "").strip()
            kind = COMMENT_KINDS.get(kind_name)
            if kind is None:
                writer.skip(f"“{kind_name}” comment", f"“{kind_name}” comments")
                continue
            if kind != Comment.Kind.COMMENT and not with_pingbacks:
                writer.skip("pingback or trackback", "pingbacks and trackbacks")
                continue
            approved = fields.get("wp:comment_approved", "").strip()
            if approved not in COMMENT_STATUSES:
                raise self.bad(f"{what}: unknown comment status “{approved}”")
            status, reason_code, reason = COMMENT_STATUSES[approved]
            created_at = self.time(
                fields.get("wp:comment_date_gmt"), fields.get("wp:comment_date"), what
            )
            meta = {
                pair.get("wp:meta_key", ""): pair.get("wp:meta_value", "").strip()
                for pair in (text_of(child) for child in element.iter("wp:commentmeta"))
            }
            status_before_removal = ""
            if status in (Comment.Status.REMOVED, Comment.Status.SPAM):
                before = meta.get("_wp_trash_meta_status", "")
                status_before_removal = TRASH_META_STATUS.get(before, "")
            deleted_at = self.iso_time(meta.get("_forum_deleted_at"), what)
            if deleted_at:
                # Deleted by its author on a forum like ours, whose export puts such a
                # comment in WordPress's trash and its own status in meta.
                status = meta.get("_forum_status", status)
                if status not in Comment.Status.values:
                    raise self.bad(f"{what}: unknown comment status “{status}”")
                reason_code, reason = REASONS[status]
                if status == Comment.Status.REMOVED:
                    reason_code = ReasonCode.AUTHOR_DELETED
                    reason = english(ReasonCode.AUTHOR_DELETED.label)
            yield ImportedComment(
                source_id=f"{self.key}:{comment_id}",
                parent_source_id=f"{self.key}:{parent}" if parent not in ("", "0") else "",
                status=status,
                reason_code=reason_code,
                reason=reason,
                created_at=created_at or article.published_at,
                content=fields.get("wp:comment_content", ""),
                author_name=fields.get("wp:comment_author", "").strip(),
                author_email=fields.get("wp:comment_author_email", "").strip(),
                author_url=fields.get("wp:comment_author_url", "").strip(),
                ip_address=ip_address(fields.get("wp:comment_author_IP", "")),
                user_agent=fields.get("wp:comment_agent", "").strip(),
                kind=kind,
                deleted_at=deleted_at,
                edited_at=self.iso_time(meta.get("_forum_edited_at"), what),
                status_before_removal=status_before_removal,
            )

    def check_number(self, text: str, name: str, what: str = "") -> None:
        """Refuse an id that is not one: it would make a key longer than the column."""
        if not WHOLE_NUMBER.fullmatch(text):
            prefix = f"{what}: " if what else ""
            raise self.bad(f"{prefix}{name} is not a whole number: “{shortened(text)}”")

    def time(self, gmt: str | None, local: str | None, what: str = "") -> dt.datetime | None:
        """``*_date_gmt`` in UTC, else ``*_date`` in the site's zone; None if neither."""
        for text, zone in ((gmt, dt.UTC), (local, None)):
            text = (text or "").strip()
            if not text or text.startswith(NO_DATE):
                continue
            try:
                moment = dt.datetime.fromisoformat(text)
                if moment.tzinfo is not None:
                    raise ValueError
            except ValueError:
                raise self.bad(f"{what + ': ' if what else ''}“{text}” is not a date") from None
            return moment.replace(tzinfo=zone or zoneinfo.ZoneInfo(settings.TIME_ZONE))
        return None

    def iso_time(self, text: str | None, what: str) -> dt.datetime | None:
        if not text:
            return None
        try:
            moment = dt.datetime.fromisoformat(text)
        except ValueError:
            raise self.bad(f"{what}: “{text}” is not an ISO 8601 time") from None
        return moment if timezone.is_aware(moment) else moment.replace(tzinfo=dt.UTC)
