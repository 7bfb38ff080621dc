"""Reading a thread: the comments a reader sees, a page of top-level threads at a time,
arranged as a reply tree."""

import math
from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import (
    BooleanField,
    DateTimeField,
    ExpressionWrapper,
    Func,
    Q,
    Subquery,
)

from .models import Comment, Thread

ALL = "all"


@dataclass
class ThreadPage:
    """One page of a thread as one reader sees it, ready for the template.

    ``comments`` is in display order: each comment is followed by its replies. Every
    comment carries ``depth`` (1 for top level, capped at the thread depth limit) and
    the markup hints ``opens_children`` and ``closes`` (how many reply lists end after
    it), so the list nests ``<ol class="children">`` without recursion.
    """

    thread: Thread
    comments: list[Comment]
    number: int | str  # a page number, or "all"
    page_count: int
    newest_first: bool

    @property
    def page_numbers(self) -> list[int | None]:
        """The page links to show: the first and the last page and two either side of
        this one; None where pages are left out (shown as "…"), as in WordPress."""
        around = 1 if self.number == ALL else self.number
        wanted = {1, self.page_count, *range(around - 2, around + 3)}
        numbers = []
        for number in sorted(n for n in wanted if 1 <= n <= self.page_count):
            if numbers and number - numbers[-1] > 1:
                numbers.append(None)
            numbers.append(number)
        return numbers

    @property
    def previous_number(self) -> int | None:
        if self.number == ALL or self.number <= 1:
            return None
        return self.number - 1

    @property
    def next_number(self) -> int | None:
        if self.number == ALL or self.number >= self.page_count:
            return None
        return self.number + 1


class TimeInDatabaseZone(Func):
    """A time with its zone left off, as the database connection's zone shows it (UTC):
    what SQLite stores, and on PostgreSQL ``AT TIME ZONE``."""

    template = "%(expressions)s"
    output_field = DateTimeField()

    def as_postgresql(self, compiler, connection, **extra_context):
        sql, params = self.as_sql(compiler, connection, **extra_context)
        return f"({sql} AT TIME ZONE %s)", (*params, connection.timezone_name)


class ShownComment:
    """What a page shows of a comment: read as plain rows, not model instances, because a
    whole thread can hold ten thousand comments and building models costs more than the
    page may take."""

    FIELDS = (
        "pk",
        "parent_id",
        "author_id",
        "author_name",
        "author__display_name",
        "author__username",
        "body_html",
        "status",
        "written_at",
        "is_edited",
        "is_deleted",
    )
    __slots__ = (
        "author_display_name",
        "author_id",
        "body_html",
        "can_be_replied_to",
        "closes",
        "created_at",
        "depth",
        "is_deleted",
        "is_edited",
        "opens_children",
        "parent_id",
        "pk",
        "status",
    )

    def __init__(self, row, database_timezone):
        (
            self.pk,
            self.parent_id,
            self.author_id,
            author_name,
            display_name,
            username,
            self.body_html,
            self.status,
            written_at,
            self.is_edited,
            self.is_deleted,
        ) = row
        self.created_at = written_at.replace(tzinfo=database_timezone)
        if self.author_id is not None:
            self.author_display_name = display_name or username
        else:
            self.author_display_name = author_name or "Anonymous"

    def visible_to(self, reader_id: int | None) -> bool:
        """``Comment.objects.visible_to()``, for a row already read: published comments,
        and the reader's own waiting ones."""
        return self.status == "published" or (
            self.status == "pending" and reader_id is not None and self.author_id == reader_id
        )

    @classmethod
    def read(cls, queryset) -> list["ShownComment"]:
        """The comments of ``queryset``, in its order.

        The rows come straight from the database driver: Django would convert each value
        of each row on the way (on SQLite, every time made aware and every flag made a
        boolean), which for a whole thread costs as much as reading it. For the same
        reason the time is read without its zone (psycopg reads a zoned time through a
        loader of Django's that costs 5 microseconds a row) and given it here.
        """
        connection = connections[queryset.db]
        rows = queryset.annotate(
            written_at=TimeInDatabaseZone("created_at"),
            # Two flags rather than two timestamps: the page says "edited" or "deleted".
            is_edited=ExpressionWrapper(Q(edited_at__isnull=False), BooleanField()),
            is_deleted=ExpressionWrapper(Q(deleted_at__isnull=False), BooleanField()),
        ).values_list(*cls.FIELDS)
        compiler = rows.query.get_compiler(connection=connection)
        try:
            sql, params = compiler.as_sql()
        except EmptyResultSet:  # asked for no comment at all: an empty page
            return []
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        database_timezone = connection.timezone
        return [cls(row, database_timezone) for row in rows]


def page_size() -> int:
    return settings.FORUM_THREADS_PER_PAGE


def parse_page(raw) -> int | str:
    """The page asked for in the URL: a number from 1, or "all". Anything else is page 1."""
    if raw == ALL:
        return ALL
    try:
        return max(int(raw), 1)
    except (TypeError, ValueError):
        return 1


def page_count(root_count: int) -> int:
    return max(math.ceil(root_count / page_size()), 1)


def _roots_in_order(queryset, newest_first: bool):
    order = ("-created_at", "-id") if newest_first else ("created_at", "id")
    return queryset.page_roots().order_by(*order)


def thread_page(
    thread: Thread,
    user,
    *,
    number: int | str = 1,
    newest_first: bool = False,
    own_pending: bool = False,
) -> ThreadPage:
    """The page ``number`` of the thread's top-level comments with all their replies.

    Two queries: the page's top-level ids, then those comments and every reply under
    them (their ``root``). The counts come from the thread row, kept by the services;
    for a reader with comments of their own waiting (``own_pending``), their top-level
    ones are counted too.
    """
    visible = Comment.objects.visible_to(user).filter(thread=thread)
    root_count = thread.root_count
    if own_pending:
        root_count = visible.page_roots().count()
    pages = page_count(root_count)
    if number != ALL:
        number = min(number, pages)
    if number == ALL:
        comments = visible
    else:
        start = (number - 1) * page_size()
        root_ids = list(
            _roots_in_order(visible, newest_first).values_list("pk", flat=True)[
                start : start + page_size()
            ]
        )
        # By id and root alone, so that every database finds them through those two
        # indexes (SQLite, without statistics, would walk the thread by status); who
        # may see each one is then decided below, as visible_to() does.
        comments = Comment.objects.filter(Q(pk__in=root_ids) | Q(root__in=root_ids))
    comments = comments.order_by("created_at", "id")
    reader = user.pk if user.is_authenticated else None
    shown = [comment for comment in ShownComment.read(comments) if comment.visible_to(reader)]
    arranged = arrange(shown, newest_first=newest_first)
    return ThreadPage(
        thread=thread,
        comments=arranged,
        number=number,
        page_count=pages,
        newest_first=newest_first,
    )


def page_of(comment: Comment, user, *, newest_first: bool = False) -> int:
    """The page on which ``comment`` is shown: the page of its top-level comment.

    One query: the top-level comments shown before that one, counted."""
    root_id = comment.root_id or comment.pk
    root_time = Subquery(Comment.objects.filter(pk=root_id).values("created_at")[:1])
    roots = Comment.objects.visible_to(user).filter(thread=comment.thread_id).page_roots()
    if newest_first:
        before = Q(created_at__gt=root_time) | Q(created_at=root_time, pk__gt=root_id)
    else:
        before = Q(created_at__lt=root_time) | Q(created_at=root_time, pk__lt=root_id)
    return roots.filter(before).count() // page_size() + 1


def arrange(comments: list[ShownComment], *, newest_first: bool = False) -> list[ShownComment]:
    """Put comments in reading order, each followed by its replies (oldest first), with
    depth and nesting hints. ``comments`` must be in (created_at, id) order."""
    max_depth = settings.FORUM_MAX_THREAD_DEPTH
    shown_ids = {comment.pk for comment in comments}
    roots = []
    replies = defaultdict(list)
    any_deleted = False
    for comment in comments:
        any_deleted = any_deleted or comment.is_deleted
        if comment.parent_id is None:
            comment.depth = 1
            roots.append(comment)
        elif comment.parent_id in shown_ids:
            replies[comment.parent_id].append(comment)
        # A reply whose parent is hidden (removed, or someone else's pending comment)
        # has no place in the tree, so it is not shown.
    if not newest_first:
        roots.reverse()

    # Depth first, from a stack of what is still to be shown. Replies past the depth
    # limit are shown at the limit, after their parent.
    ordered = []
    stack = roots
    while stack:
        comment = stack.pop()
        ordered.append(comment)
        below = replies.get(comment.pk)
        if below:
            depth = min(comment.depth + 1, max_depth)
            for reply in below:
                reply.depth = depth
            stack.extend(reversed(below))

    if any_deleted:
        # A comment its author deleted stays as "[comment deleted]" only while replies
        # below it are shown. Replies come after their parent, so walk backwards.
        kept = set()
        for comment in reversed(ordered):
            if not comment.is_deleted or any(r.pk in kept for r in replies.get(comment.pk, ())):
                kept.add(comment.pk)
        ordered = [comment for comment in ordered if comment.pk in kept]

    published = str(Comment.Status.PUBLISHED)
    count = len(ordered)
    for following, comment in enumerate(ordered, start=1):
        depth = comment.depth
        next_depth = ordered[following].depth if following < count else 1
        comment.opens_children = next_depth > depth
        comment.closes = depth - next_depth if depth > next_depth else 0  # lists ending here
        comment.can_be_replied_to = (
            depth < max_depth and comment.status == published and not comment.is_deleted
        )
    return ordered
