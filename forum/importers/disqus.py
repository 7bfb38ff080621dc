"""Disqus's XML export: ``<thread>`` elements (one per page that had comments), then
``<post>`` elements (the comments), each naming its thread and parent by ``dsq:id``.

Threads are matched to our articles by their link: an article imported with that
original address (``Article.source_url``), our own address of an article, or a line of
the ``--map`` CSV (``link,slug``). Posts are many, so they are handed to the writer one
by one and never kept; a reply that comes before its parent is attached at the end.
Keys (the contract with the exporter): ``disqus:<forum>:<post dsq:id>``.
"""

import csv
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.urls import Resolver404, resolve
from django.utils.translation import ngettext

from articles.models import Article
from forum.models import Comment, ReasonCode, Thread

from .base import BadItem, ImportedComment, ImportFailed, ip_address, shortened
from .writer import Writer, listing
from .xml import XmlStream, text_of

# Disqus's ids are numbers: a longer one is no id, and would not fit our keys.
LONGEST_ID = 100
BOOLEANS = {"true": True, "1": True, "false": False, "0": False, "": False}


@dataclass
class DisqusThread:
    forum: str
    link: str
    thread_id: int | None  # ours; None when no article matches
    closed: bool
    deleted: bool
    posts: int = 0


def read_map(path: str) -> dict[str, str]:
    """The ``--map`` CSV: one ``link,slug`` a line (a ``link,slug`` header is allowed).

    Excel saves a CSV with a byte order mark and CRLF line ends: both are read.
    """
    try:
        with open(path, newline="", encoding="utf-8-sig") as source:
            rows = [row for row in csv.reader(source) if row]
    except (OSError, UnicodeDecodeError) as error:
        raise ImportFailed(f"{path}: cannot be read ({error}).") from None
    mapping = {}
    for number, row in enumerate(rows, start=1):
        if number == 1 and [cell.strip().lower() for cell in row] == ["link", "slug"]:
            continue
        if len(row) != 2:
            raise ImportFailed(f"{path}: line {number}: expected “link,slug”.")
        mapping[row[0].strip()] = row[1].strip()
    known = set(Article.objects.filter(slug__in=mapping.values()).values_list("slug", flat=True))
    for slug in mapping.values():
        if slug not in known:
            raise ImportFailed(f"{path}: no article has the slug “{slug}”.")
    return mapping


def read(
    path: str,
    *,
    writer: Writer,
    on_bad_item: Callable[[BadItem], None],
    mapping: dict[str, str] | None = None,
) -> None:
    reader = DisqusReader(path, writer=writer, mapping=mapping or {})
    stream = XmlStream(path)
    for located in stream.elements(depth=1):
        if stream.root.tag != "disqus":
            raise stream.fail(f"not a Disqus export: the file is <{stream.root.tag}>", 1)
        try:
            if located.element.tag == "thread":
                reader.thread(located.element, located.line)
            elif located.element.tag == "post":
                reader.post(located.element, located.line)
        except BadItem as error:
            on_bad_item(error)
    if stream.root is None or stream.root.tag != "disqus":
        raise stream.fail("not a Disqus export: no <disqus> element", 1)
    reader.report()


class DisqusReader:
    def __init__(self, path: str, *, writer: Writer, mapping: dict[str, str]):
        self.path = path
        self.writer = writer
        self.mapping = mapping
        self.threads: dict[str, DisqusThread] = {}
        self.orphans: list[str] = []
        self.closed_done: set[int] = set()

    def bad(self, line: int, what: str, message: str) -> BadItem:
        return BadItem(f"{self.path}: line {line}: {what}: {message}")

    def thread(self, element, line: int) -> None:
        dsq_id = element.get("dsq:id", "").strip()
        fields = text_of(element)
        what = f"thread {shortened(dsq_id) or '?'}"
        self.check_id(dsq_id, line, what)
        link = fields.get("link", "").strip()
        deleted = self.boolean(fields.get("isDeleted"), line, what, "isDeleted")
        closed = self.boolean(fields.get("isClosed"), line, what, "isClosed")
        self.threads[dsq_id] = DisqusThread(
            forum=fields.get("forum", "").strip(),
            link=link or what,
            thread_id=None if deleted else self.match(link),
            closed=closed,
            deleted=deleted,
        )

    def match(self, link: str) -> int | None:
        """Our thread for a Disqus thread's link, if an article has that address."""
        if not link:
            return None
        slug = self.mapping.get(link)
        articles = Article.objects.none()
        if slug:
            articles = Article.objects.filter(slug=slug)
        else:
            variants = {link, link.rstrip("/"), link.rstrip("/") + "/"}
            articles = Article.objects.filter(source_url__in=variants)
            own = self.own_slug(link)
            if own and not articles.exists():
                articles = Article.objects.filter(slug=own)
        return (
            Thread.objects.filter(article__in=articles.order_by("pk")[:1])
            .values_list("pk", flat=True)
            .first()
        )

    def own_slug(self, link: str) -> str | None:
        """The slug in one of our own article addresses (``FORUM_SITE_URL`` + path)."""
        site = urlsplit(settings.FORUM_SITE_URL)
        address = urlsplit(link)
        if (address.scheme, address.netloc) != (site.scheme, site.netloc):
            return None
        try:
            match = resolve(address.path)
        except Resolver404:
            return None
        if match.view_name != "articles:detail":
            return None
        return match.kwargs.get("slug")

    def post(self, element, line: int) -> None:
        dsq_id = element.get("dsq:id", "").strip()
        what = f"post {shortened(dsq_id) or '?'}"
        self.check_id(dsq_id, line, what)
        fields = text_of(element)
        references = {child.tag: child.get("dsq:id", "").strip() for child in element}
        if len(references.get("parent", "")) > LONGEST_ID:
            raise self.bad(
                line, what, f"its parent's dsq:id is longer than {LONGEST_ID} characters"
            )
        thread = self.threads.get(references.get("thread", ""))
        if thread is None:
            self.orphans.append(dsq_id)
            return
        thread.posts += 1
        if thread.thread_id is None:
            if thread.deleted:
                self.writer.skip("post of a deleted thread", "posts of deleted threads")
            else:
                self.writer.skip("post of an unmatched thread", "posts of unmatched threads")
            return
        spam = self.boolean(fields.get("isSpam"), line, what, "isSpam")
        deleted = self.boolean(fields.get("isDeleted"), line, what, "isDeleted")
        status, reason_code, reason = Comment.Status.PUBLISHED, "", ""
        if spam:
            status, reason_code, reason = (
                Comment.Status.SPAM,
                ReasonCode.SPAM,
                "marked as spam on Disqus",
            )
        elif deleted:
            status, reason_code, reason = (
                Comment.Status.REMOVED,
                ReasonCode.OTHER,
                "deleted on Disqus",
            )
        created = fields.get("createdAt", "").strip()
        try:
            created_at = dt.datetime.fromisoformat(created)
        except ValueError:
            raise self.bad(line, what, f"“{created}” is not an ISO 8601 time") from None
        if created_at.tzinfo is None:
            created_at = created_at.replace(tzinfo=dt.UTC)
        author = next((child for child in element if child.tag == "author"), None)
        author_fields = text_of(author) if author is not None else {}
        anonymous = self.boolean(author_fields.get("isAnonymous"), line, what, "isAnonymous")
        forum = thread.forum or fields.get("forum", "").strip()
        parent = references.get("parent", "")
        if thread.closed and thread.thread_id not in self.closed_done:
            self.writer.close_thread(thread.thread_id)
            self.closed_done.add(thread.thread_id)
        self.writer.add_comment(
            thread.thread_id,
            ImportedComment(
                source_id=f"disqus:{forum}:{dsq_id}",
                parent_source_id=f"disqus:{forum}:{parent}" if parent else "",
                status=status,
                reason_code=reason_code,
                reason=reason,
                created_at=created_at,
                content=fields.get("message", ""),
                author_name=(
                    author_fields.get("name", "") or author_fields.get("username", "")
                ).strip(),
                author_email=author_fields.get("email", "").strip(),
                ip_address=ip_address(fields.get("ipAddress", "")),
                anonymous=anonymous,
            ),
        )

    def check_id(self, dsq_id: str, line: int, what: str) -> None:
        if not dsq_id:
            raise self.bad(line, what, "no dsq:id")
        if len(dsq_id) > LONGEST_ID:
            raise self.bad(line, what, f"its dsq:id is longer than {LONGEST_ID} characters")

    def boolean(self, text: str | None, line: int, what: str, name: str) -> bool:
        value = BOOLEANS.get((text or "").strip().lower())
        if value is None:
            raise self.bad(line, what, f"<{name}> is “{text}”, not true or false")
        return value

    def report(self) -> None:
        writer = self.writer
        unmatched = []
        for thread in self.threads.values():
            if thread.deleted:
                writer.skip("deleted thread", "deleted threads")
            elif thread.posts == 0:
                writer.skip("empty thread", "empty threads")
            elif thread.thread_id is None:
                unmatched.append(thread.link)
        if unmatched:
            writer.skip(
                "thread matched to no article", "threads matched to no article", len(unmatched)
            )
            label = ngettext(
                "Thread matched to no article: ", "Threads matched to no article: ", len(unmatched)
            )
            writer.notes.append(label + listing(unmatched))
        if self.orphans:
            writer.skip(
                "orphan post (its thread is not in the file)",
                "orphan posts (their thread is not in the file)",
                len(self.orphans),
            )
            label = ngettext("Orphan post: ", "Orphan posts: ", len(self.orphans))
            writer.notes.append(label + listing(self.orphans))
